/* callback_keys.c: Lightning's state_key of a callback, so that the states
 * in our checkpoints sit where Lightning's Trainer looks for them (and ours
 * are found in Lightning's): the class name, followed for ModelCheckpoint
 * and EarlyStopping by the repr() of the dict of arguments that tell two
 * instances apart, with Lightning's defaults filled in. */
#include "callback_keys.h"

#include <stdio.h>
#include <string.h>

/* Python's repr() of a str (single quotes unless it holds one and no
 * double quote), or None. */
static void repr_str(const cfg_node *n, const char *dflt, char *out, size_t len) {
  const char *s = n && n->kind == CFG_STRING ? n->s : n && n->kind != CFG_NULL ? NULL : dflt;
  if (!s) {
    snprintf(out, len, "None");
    return;
  }
  char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
  size_t at = 0;
  if (at + 1 < len) out[at++] = q;
  for (const char *c = s; *c && at + 3 < len; c++) {
    if (*c == q || *c == '\\') out[at++] = '\\';
    out[at++] = *c;
  }
  if (at + 1 < len) out[at++] = q;
  out[at] = 0;
}

static const cfg_node *arg(const cfg_node *node, const char *key) {
  return node && node->kind == CFG_DICT ? cfg_dict_get(node, key) : NULL;
}

/* An int argument, or -1 when None / not given. */
static long long int_arg(const cfg_node *node, const char *key) {
  const cfg_node *n = arg(node, key);
  return n && n->kind == CFG_INT ? (long long)n->i : -1;
}

void host_callback_state_key(const char *target, const cfg_node *node, char *out, size_t len) {
  const char *dot = strrchr(target, '.');
  const char *cls = dot ? dot + 1 : target;
  char monitor[600], mode[64];
  repr_str(arg(node, "monitor"), NULL, monitor, sizeof monitor);
  repr_str(arg(node, "mode"), "min", mode, sizeof mode);
  if (!strcmp(cls, "ModelCheckpoint")) {
    /* ModelCheckpoint.__init_triggers: neither given means every epoch */
    long long steps = int_arg(node, "every_n_train_steps"), epochs = int_arg(node, "every_n_epochs");
    if (steps < 0 && epochs < 0) steps = 0, epochs = 1;
    snprintf(out, len,
             "%s{'monitor': %s, 'mode': %s, 'every_n_train_steps': %lld, 'every_n_epochs': %lld, "
             "'train_time_interval': None}",
             cls, monitor, mode, steps < 0 ? 0 : steps, epochs < 0 ? 0 : epochs);
  } else if (!strcmp(cls, "EarlyStopping")) {
    snprintf(out, len, "%s{'monitor': %s, 'mode': %s}", cls, monitor, mode);
  } else {
    snprintf(out, len, "%s", cls);
  }
}
