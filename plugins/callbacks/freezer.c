/* freezer.c: lighter.callbacks.Freezer: keeps chosen parameters of the
 * model frozen (no gradient, so the optimizer leaves them) until a step or
 * an epoch, then lets them train. Parameters are named as the model's
 * ("network.0.weight"): names (exact), name_starts_with (prefixes), minus
 * except_names and except_name_starts_with. Naming nothing that exists is
 * an error listing the model's parameter names. */
#include <lighter/lighter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_MAX 64

typedef struct fz {
  char *names[FZ_MAX], *starts[FZ_MAX], *except[FZ_MAX], *except_starts[FZ_MAX];
  int nn, ns, ne, nes;
  int64_t until_step, until_epoch; /* -1: for ever */
  int frozen, checked;
} fz;

/* The argument what (a name or a list of names) copied into out. */
static int copy_list(const lt_value *args, char **out, int *n, const char *what, char *err, size_t errlen) {
  const lt_value *v = lt_arg(args, what);
  if (v->is_null) return 0;
  if (v->type == LT_P_STRING) {
    out[(*n)++] = strcpy(malloc(strlen(v->s) + 1), v->s);
    return 0;
  }
  for (size_t i = 0; v->type == LT_P_LIST && i < v->n && *n < FZ_MAX; i++) {
    if (v->items[i].type != LT_P_STRING) break;
    out[(*n)++] = strcpy(malloc(strlen(v->items[i].s) + 1), v->items[i].s);
  }
  if (v->type != LT_P_LIST || *n != (int)v->n) {
    snprintf(err, errlen, "%s must be a string or a list of strings", what);
    return -1;
  }
  return 0;
}

static void destroy(void *self) {
  fz *m = self;
  if (!m) return;
  for (int i = 0; i < m->nn; i++) free(m->names[i]);
  for (int i = 0; i < m->ns; i++) free(m->starts[i]);
  for (int i = 0; i < m->ne; i++) free(m->except[i]);
  for (int i = 0; i < m->nes; i++) free(m->except_starts[i]);
  free(m);
}

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  fz *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  if (copy_list(args, m->names, &m->nn, "names", err, errlen) ||
      copy_list(args, m->starts, &m->ns, "name_starts_with", err, errlen) ||
      copy_list(args, m->except, &m->ne, "except_names", err, errlen) ||
      copy_list(args, m->except_starts, &m->nes, "except_name_starts_with", err, errlen)) {
    destroy(m);
    return LT_ERR_INVALID;
  }
  if (!m->nn && !m->ns) {
    snprintf(err, errlen, "give names or name_starts_with: the parameters to freeze");
    destroy(m);
    return LT_ERR_INVALID;
  }
  m->until_step = lt_arg_is_null(args, "until_step") ? -1 : lt_arg_int(args, "until_step");
  m->until_epoch = lt_arg_is_null(args, "until_epoch") ? -1 : lt_arg_int(args, "until_epoch");
  *self = m;
  return LT_OK;
}

static int starts(const char *s, char *const *p, int n) {
  for (int i = 0; i < n; i++)
    if (!strncmp(s, p[i], strlen(p[i]))) return 1;
  return 0;
}
static int among(const char *s, char *const *p, int n) {
  for (int i = 0; i < n; i++)
    if (!strcmp(s, p[i])) return 1;
  return 0;
}

/* Sets requires_grad of the chosen parameters; how many it chose. */
static int apply(fz *m, const lt_run_view *run, int requires_grad) {
  size_t n = run->network_ops->parameters(run->network, NULL, NULL, 0);
  lt_tensor **t = calloc(n + 1, sizeof *t);
  const char **names = calloc(n + 1, sizeof *names);
  run->network_ops->parameters(run->network, t, names, n);
  int chosen = 0;
  for (size_t i = 0; i < n; i++) {
    char full[300];
    snprintf(full, sizeof full, "network.%s", names[i]);
    if (!(among(full, m->names, m->nn) || starts(full, m->starts, m->ns))) continue;
    if (among(full, m->except, m->ne) || starts(full, m->except_starts, m->nes)) continue;
    chosen++;
    lt_tensor_set_requires_grad(t[i], requires_grad);
    if (!requires_grad) lt_tensor_zero_grad(t[i], 1);
  }
  free(t), free(names);
  return chosen;
}

static lt_status hook(void *self, lt_hook h, const lt_run_view *run) {
  fz *m = self;
  if (h != LT_HOOK_ON_TRAIN_BATCH_START || !run->network) return LT_OK;
  int until = (m->until_step >= 0 && run->global_step >= m->until_step) ||
              (m->until_epoch >= 0 && run->epoch >= m->until_epoch);
  if (!until && !m->frozen) {
    int chosen = apply(m, run, 0);
    if (!chosen && !m->checked) {
      char msg[4096];
      size_t n = run->network_ops->parameters(run->network, NULL, NULL, 0), at = 0;
      const char **names = calloc(n + 1, sizeof *names);
      run->network_ops->parameters(run->network, NULL, names, n);
      at = (size_t)snprintf(msg, sizeof msg, "Freezer: no parameter matches names / name_starts_with; the model has:");
      for (size_t i = 0; i < n && at < sizeof msg; i++) at += (size_t)snprintf(msg + at, sizeof msg - at, " network.%s", names[i]);
      free(names);
      lt_set_error(msg, 1);
      return LT_ERR_NOT_FOUND;
    }
    m->checked = 1;
    m->frozen = 1;
  } else if (until && m->frozen) {
    apply(m, run, 1);
    m->frozen = 0;
  }
  return LT_OK;
}

static const lt_callback_ops ops = {.size = sizeof(lt_callback_ops), .hook = hook};

static const lt_param params[] = {
    {"names", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "parameter names to freeze"},
    {"name_starts_with", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "prefixes of names to freeze"},
    {"except_names", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "names to leave trainable"},
    {"except_name_starts_with", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "prefixes of names to leave trainable"},
    {"until_step", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 0, 0, NULL, "unfreeze at this step"},
    {"until_epoch", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 0, 0, NULL, "unfreeze at this epoch"},
};

static const lt_component components[] = {
    {"lighter.callbacks.Freezer", LT_KIND_CALLBACK, "Freezes parameters until a step or epoch.", params,
     LT_COUNT_OF(params), create, destroy, &ops},
};

LT_PLUGIN_DEFINE("lighter.callbacks.Freezer", LT_VERSION_STRING, "Freezer", "BSD-3-Clause", components, NULL);
