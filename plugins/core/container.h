/* container.h: what the built-in container modules share (Sequential,
 * ModuleList, ModuleDict, the ResNet BasicBlock's downsample): children
 * given as built module components, and their parameters, buffers and
 * state-dict entries named "<prefix>.<name>" as PyTorch names them. */
#ifndef LT_CORE_CONTAINER_H
#define LT_CORE_CONTAINER_H

#include "common.h"

#include <stdio.h>

typedef struct ct_child {
  void *self;
  const lt_module_ops *ops;
} ct_child;

/* One list of names per view: parameters, buffers, state. */
typedef struct ct_names {
  char **v;
  size_t n;
} ct_names;

typedef struct container {
  size_t n;
  ct_child *kids;
  ct_names params, buffers, state;
} container;

/* The child's view (0 parameters, 1 buffers, 2 state dict order). */
static inline size_t ct_view(const ct_child *c, int view, lt_tensor **out, const char **names, size_t max) {
  const lt_module_ops *ops = c->ops;
  if (view == 0) return ops->parameters ? ops->parameters(c->self, out, names, max) : 0;
  if (view == 1) return LT_HAS(ops, lt_module_ops, buffers) && ops->buffers ? ops->buffers(c->self, out, names, max) : 0;
  if (LT_HAS(ops, lt_module_ops, state) && ops->state) return ops->state(c->self, out, names, max);
  size_t np = ct_view(c, 0, out, names, max);
  size_t at = np < max ? np : max;
  return np + ct_view(c, 1, out ? out + at : NULL, names ? names + at : NULL, max - at);
}

static inline int ct_name_add(ct_names *l, const char *prefix, const char *name) {
  char **v = (char **)realloc(l->v, (l->n + 1) * sizeof *v);
  if (!v) return -1;
  l->v = v;
  size_t len = strlen(prefix) + strlen(name ? name : "?") + 2;
  if (!(v[l->n] = (char *)malloc(len))) return -1;
  snprintf(v[l->n++], len, "%s.%s", prefix, name ? name : "?");
  return 0;
}

static inline void ct_names_free(ct_names *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

/* Checks that v is a built module and adds it under prefix; err on error. */
static inline lt_status ct_add(container *c, const lt_value *v, const char *prefix, const char *what, char *err,
                               size_t errlen) {
  const lt_module_ops *ops = v->type == LT_P_COMPONENT && v->component_type ? (const lt_module_ops *)v->component_type->ops
                                                                             : NULL;
  if (!v->component || !ops || v->component_kind != LT_KIND_MODULE ||
      !LT_HAS(ops, lt_module_ops, train)) {
    snprintf(err, errlen, "%s is not a module (give a torch.nn.* component)", what);
    return LT_ERR_INVALID;
  }
  ct_child *k = (ct_child *)realloc(c->kids, (c->n + 1) * sizeof *k);
  if (!k) return LT_ERR_NOMEM;
  c->kids = k;
  ct_child *ch = &k[c->n++];
  ch->self = v->component;
  ch->ops = ops;
  ct_names *lists[3] = {&c->params, &c->buffers, &c->state};
  for (int view = 0; view < 3; view++) {
    size_t count = ct_view(ch, view, NULL, NULL, 0);
    const char **nm = (const char **)calloc(count + 1, sizeof *nm);
    if (!nm) return LT_ERR_NOMEM;
    if (count) ct_view(ch, view, NULL, nm, count);
    for (size_t j = 0; j < count; j++)
      if (ct_name_add(lists[view], prefix, nm[j])) {
        free(nm);
        return LT_ERR_NOMEM;
      }
    free(nm);
  }
  return LT_OK;
}

static inline void ct_free(container *c) {
  ct_names_free(&c->params), ct_names_free(&c->buffers), ct_names_free(&c->state);
  free(c->kids);
  c->kids = NULL;
  c->n = 0;
}

/* All children's view, in order, with the prefixed names; starts at
 * position `at` of out/names (so a module can put its own first). */
static inline size_t ct_collect(const container *c, int view, size_t at, lt_tensor **out, const char **names,
                                size_t max) {
  const ct_names *l = view == 0 ? &c->params : view == 1 ? &c->buffers : &c->state;
  size_t first = at;
  for (size_t i = 0; i < c->n; i++) {
    size_t k = ct_view(&c->kids[i], view, NULL, NULL, 0);
    if (out && at < max) {
      lt_tensor **tmp = (lt_tensor **)calloc(k + 1, sizeof *tmp);
      if (tmp) {
        ct_view(&c->kids[i], view, tmp, NULL, k);
        for (size_t j = 0; j < k && at + j < max; j++) out[at + j] = tmp[j];
        free(tmp);
      }
    }
    at += k;
  }
  for (size_t j = 0; names && j < l->n && first + j < max; j++) names[first + j] = l->v[j];
  return at - first;
}

static inline void ct_train(const container *c, int mode) {
  for (size_t i = 0; i < c->n; i++)
    if (c->kids[i].ops->train) c->kids[i].ops->train(c->kids[i].self, mode);
}

/* The whole component for a container of children: SELF_T starts with a
 * `container c` member. */
#define CT_VIEWS(SELF_T)                                                                               \
  static size_t parameters_(void *self, lt_tensor **out, const char **names, size_t max) {            \
    return ct_collect(&((SELF_T *)self)->c, 0, 0, out, names, max);                                    \
  }                                                                                                    \
  static size_t buffers_(void *self, lt_tensor **out, const char **names, size_t max) {               \
    return ct_collect(&((SELF_T *)self)->c, 1, 0, out, names, max);                                    \
  }                                                                                                    \
  static size_t state_(void *self, lt_tensor **out, const char **names, size_t max) {                 \
    return ct_collect(&((SELF_T *)self)->c, 2, 0, out, names, max);                                    \
  }                                                                                                    \
  static void train_(void *self, int mode) { ct_train(&((SELF_T *)self)->c, mode); }

#endif
