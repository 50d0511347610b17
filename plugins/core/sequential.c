/* sequential.c: torch.nn.Sequential: modules given positionally (_args_)
 * run in order; parameters are named "<index>.<name>" as PyTorch does. */
#include "common.h"

#include <stdio.h>
#include <string.h>

typedef struct child {
  void *self;
  const lt_module_ops *ops;
} child;

typedef struct sequential {
  size_t n;
  child *kids;
  size_t nparams;
  char **names; /* "0.weight", ... */
  size_t nbuffers;
  char **bnames; /* "1.running_mean", ... */
} sequential;

static char *dup_name(size_t index, const char *name) {
  char buf[256];
  snprintf(buf, sizeof buf, "%zu.%s", index, name ? name : "?");
  size_t len = strlen(buf) + 1;
  char *d = malloc(len);
  if (d) memcpy(d, buf, len);
  return d;
}

static void seq_destroy(void *self) {
  sequential *s = self;
  if (!s) return;
  for (size_t i = 0; i < s->nparams; i++) free(s->names[i]);
  free(s->names);
  for (size_t i = 0; i < s->nbuffers; i++) free(s->bnames[i]);
  free(s->bnames);
  free(s->kids);
  free(s);
}

static lt_status seq_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *mods = &args[0];
  sequential *s = calloc(1, sizeof *s);
  if (!s || !(s->kids = calloc(mods->n + 1, sizeof *s->kids))) {
    free(s);
    return LT_ERR_NOMEM;
  }
  for (size_t i = 0; i < mods->n; i++) {
    const lt_value *v = &mods->items[i];
    const lt_module_ops *ops = v->type == LT_P_COMPONENT && v->component_type ? v->component_type->ops : NULL;
    if (!v->component || !ops || (v->component_kind != LT_KIND_MODULE && v->component_kind != LT_KIND_MODEL) ||
        ops->size < sizeof(lt_module_ops) - sizeof(void *) || !ops->forward) {
      snprintf(err, errlen, "item %zu is not a module (give torch.nn.* components)", i);
      seq_destroy(s);
      return LT_ERR_INVALID;
    }
    s->kids[i].self = v->component;
    s->kids[i].ops = ops;
    s->n++;
    /* prefixed parameter names, fixed once the children exist */
    size_t k = ops->parameters ? ops->parameters(v->component, NULL, NULL, 0) : 0;
    const char **nm = calloc(k + 1, sizeof *nm);
    if (k) ops->parameters(v->component, NULL, nm, k);
    s->names = realloc(s->names, (s->nparams + k + 1) * sizeof *s->names);
    for (size_t j = 0; j < k; j++) s->names[s->nparams++] = dup_name(i, nm[j]);
    free(nm);
    size_t kb = ops->size >= sizeof(lt_module_ops) && ops->buffers ? ops->buffers(v->component, NULL, NULL, 0) : 0;
    const char **bn = calloc(kb + 1, sizeof *bn);
    if (kb) ops->buffers(v->component, NULL, bn, kb);
    s->bnames = realloc(s->bnames, (s->nbuffers + kb + 1) * sizeof *s->bnames);
    for (size_t j = 0; j < kb; j++) s->bnames[s->nbuffers++] = dup_name(i, bn[j]);
    free(bn);
  }
  *self = s;
  return LT_OK;
}

static lt_tensor *seq_forward(void *self, lt_tensor *x) {
  sequential *s = self;
  for (size_t i = 0; i < s->n && x; i++) x = s->kids[i].ops->forward(s->kids[i].self, x);
  return x;
}

static size_t seq_parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  sequential *s = self;
  size_t at = 0;
  for (size_t i = 0; i < s->n; i++) {
    const lt_module_ops *ops = s->kids[i].ops;
    size_t k = ops->parameters ? ops->parameters(s->kids[i].self, NULL, NULL, 0) : 0;
    if (out && at < max) {
      lt_tensor **tmp = calloc(k + 1, sizeof *tmp);
      ops->parameters(s->kids[i].self, tmp, NULL, k);
      for (size_t j = 0; j < k && at + j < max; j++) out[at + j] = tmp[j];
      free(tmp);
    }
    for (size_t j = 0; names && j < k && at + j < max; j++) names[at + j] = s->names[at + j];
    at += k;
  }
  return at;
}

/* Children's buffers, named "<index>.<name>". */
static size_t seq_buffers(void *self, lt_tensor **out, const char **names, size_t max) {
  sequential *s = self;
  size_t at = 0;
  for (size_t i = 0; i < s->n; i++) {
    const lt_module_ops *ops = s->kids[i].ops;
    if (ops->size < sizeof(lt_module_ops) || !ops->buffers) continue;
    size_t k = ops->buffers(s->kids[i].self, NULL, NULL, 0);
    lt_tensor **tmp = calloc(k + 1, sizeof *tmp);
    if (out && tmp) ops->buffers(s->kids[i].self, tmp, NULL, k);
    for (size_t j = 0; j < k; j++, at++) {
      if (at >= max) continue;
      if (out && tmp) out[at] = tmp[j];
      if (names) names[at] = s->bnames[at];
    }
    free(tmp);
  }
  return at;
}

static void seq_train(void *self, int mode) {
  sequential *s = self;
  for (size_t i = 0; i < s->n; i++)
    if (s->kids[i].ops->train) s->kids[i].ops->train(s->kids[i].self, mode);
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = seq_forward, .parameters = seq_parameters, .train = seq_train, .buffers = seq_buffers};

static const lt_param params[] = {
    {"modules", LT_P_LIST, LT_KIND_MODULE, NULL, LT_PF_REQUIRED | LT_PF_VARARGS, 0, 0, NULL,
     "the modules, in order (*args: write them as _args_: [...])"},
};

static const lt_component components[] = {
    {"torch.nn.Sequential", LT_KIND_MODULE, "Runs modules one after another.", params, LT__COUNT_OF(params),
     seq_create, seq_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.Sequential", LT_VERSION_STRING, "torch.nn.Sequential", "BSD-3-Clause", components, NULL);
