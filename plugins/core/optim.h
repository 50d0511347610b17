/* optim.h: what the built-in optimizers share: parameter groups read from
 * `params` (a list of tensors, e.g. "$@model::network.parameters()", or a
 * list of dicts {params: [...], lr: ..., ...} with their own options), and
 * the lt_optimizer_ops plumbing. Static inline, one include per plugin. */
#ifndef LT_CORE_OPTIM_H
#define LT_CORE_OPTIM_H

#include "common.h"

#include <stdio.h>

#define OPTIM_MAX_OPTS 8

typedef struct optim_param {
  lt_tensor *p;          /* borrowed from its module */
  lt_tensor *buf[3];     /* per-parameter state (owned), NULL until used */
  int64_t step;
} optim_param;

typedef struct optim_group {
  double opt[OPTIM_MAX_OPTS]; /* lr first; the rest as the optimizer defines */
  optim_param *params;
  size_t n;
} optim_group;

typedef struct optim {
  optim_group *groups;
  int ngroups;
} optim;

/* Option names after "lr", in order, read from args[1..] by default and
 * from a group dict when it has them. */
static inline const lt_value *optim_dict_get(const lt_value *d, const char *key) {
  for (size_t i = 0; i < d->n; i++)
    if (!strcmp(d->keys[i], key)) return &d->items[i];
  return NULL;
}

static inline int optim_tensors(const lt_value *list, optim_group *g, char *err, size_t errlen) {
  g->params = (optim_param *)calloc(list->n + 1, sizeof *g->params);
  if (!g->params) return -1;
  for (size_t i = 0; i < list->n; i++) {
    if (list->items[i].type != LT_P_TENSOR || !list->items[i].tensor) {
      snprintf(err, errlen, "params item %zu is not a tensor: give \"$@model::network.parameters()\" or groups", i);
      return -1;
    }
    g->params[g->n++].p = list->items[i].tensor;
  }
  return 0;
}

/* args[0] is params; args[1..nopts] the defaults named names[0..nopts). */
static inline lt_status optim_init(optim *o, const lt_value *args, const char *const *names, int nopts, char *err,
                                   size_t errlen) {
  const lt_value *params = &args[0];
  int grouped = params->n && params->items[0].type == LT_P_DICT;
  o->ngroups = grouped ? (int)params->n : 1;
  o->groups = (optim_group *)calloc((size_t)o->ngroups, sizeof *o->groups);
  if (!o->groups) return LT_ERR_NOMEM;
  for (int gi = 0; gi < o->ngroups; gi++) {
    optim_group *g = &o->groups[gi];
    const lt_value *d = grouped ? &params->items[gi] : NULL;
    for (int k = 0; k < nopts; k++) {
      const lt_value *v = d ? optim_dict_get(d, names[k]) : NULL;
      g->opt[k] = v && (v->type == LT_P_FLOAT || v->type == LT_P_INT || v->type == LT_P_BOOL) ? v->f : args[1 + k].f;
      if (v && v->type == LT_P_INT) g->opt[k] = (double)v->i;
    }
    const lt_value *list = d ? optim_dict_get(d, "params") : params;
    if (!list || list->type != LT_P_LIST) {
      snprintf(err, errlen, "param group %d has no params list", gi);
      return LT_ERR_INVALID;
    }
    if (optim_tensors(list, g, err, errlen) != 0) return LT_ERR_INVALID;
  }
  return LT_OK;
}

/* A pair option such as betas: the group's own, or the default. */
static inline void optim_pair(const lt_value *args, int group, int index, const char *name, double out[2]) {
  const lt_value *params = &args[0];
  const lt_value *v = &args[index];
  if (params->n && params->items[0].type == LT_P_DICT) {
    const lt_value *g = optim_dict_get(&params->items[group], name);
    if (g) v = g;
  }
  out[0] = v->n > 0 ? v->items[0].f : 0;
  out[1] = v->n > 1 ? v->items[1].f : 0;
}

static inline void optim_destroy(void *self) {
  optim *o = (optim *)self;
  if (!o) return;
  for (int gi = 0; gi < o->ngroups; gi++) {
    for (size_t i = 0; i < o->groups[gi].n; i++)
      for (int k = 0; k < 3; k++) lt_tensor_free(o->groups[gi].params[i].buf[k]);
    free(o->groups[gi].params);
  }
  free(o->groups);
  free(o);
}

static inline lt_status optim_zero_grad(void *self, int set_to_none) {
  optim *o = (optim *)self;
  for (int gi = 0; gi < o->ngroups; gi++)
    for (size_t i = 0; i < o->groups[gi].n; i++)
      if (lt_tensor_zero_grad(o->groups[gi].params[i].p, set_to_none) != LT_OK) return LT_FAIL;
  return LT_OK;
}

static inline void optim_destroy(void *self);

/* The common create: groups and options, then *self. */
static inline lt_status optim_create(const lt_value *args, const char *const *names, int nopts, void **self,
                                     optim **out, char *err, size_t errlen) {
  optim *o = (optim *)calloc(1, sizeof *o);
  if (!o) return LT_ERR_NOMEM;
  lt_status s = optim_init(o, args, names, nopts, err, errlen);
  if (s != LT_OK) {
    optim_destroy(o);
    return s;
  }
  *self = o;
  if (out) *out = o;
  return LT_OK;
}

static inline int optim_num_groups(void *self) { return ((optim *)self)->ngroups; }
static inline double optim_get_lr(void *self, int g) { return ((optim *)self)->groups[g].opt[0]; }
static inline void optim_set_lr(void *self, int g, double lr) { ((optim *)self)->groups[g].opt[0] = lr; }

/* A state buffer: created as zeros like p on first use (kept). */
static inline lt_tensor *optim_buf(optim_param *q, int k) {
  if (!q->buf[k]) q->buf[k] = lt_tensor_keep(lt_tensor_zeros_like(q->p));
  return q->buf[k];
}

/* The loop every optimizer's step shares, in PyTorch's order: for each
 * parameter with a gradient, g = grad (negated when maximize), count the
 * step, add weight_decay * p (when wd_index >= 0: the L2 form), then
 * update(q, options, g). Runs without gradient recording, one scope per
 * parameter so temporaries are freed. */
typedef lt_status (*optim_update_fn)(optim_param *q, const double *h, lt_tensor *g);

static inline lt_status optim_step_each(void *self, int maximize_index, int wd_index, optim_update_fn update) {
  optim *o = (optim *)self;
  lt_status rc = LT_OK;
  int prev = lt_grad_set_enabled(0);
  for (int gi = 0; gi < o->ngroups && rc == LT_OK; gi++) {
    const double *h = o->groups[gi].opt;
    for (size_t i = 0; i < o->groups[gi].n && rc == LT_OK; i++) {
      optim_param *q = &o->groups[gi].params[i];
      lt_scope *scope = lt_scope_begin();
      lt_tensor *g = lt_tensor_grad(q->p);
      if (g) {
        if (h[maximize_index]) g = lt_tensor_neg(g);
        q->step++;
        if (wd_index >= 0 && h[wd_index] != 0) { /* g.add(p, alpha=wd): PyTorch's kernel */
          g = lt_tensor_clone(g);
          if (lt_tensor_add_(g, q->p, h[wd_index]) != LT_OK) g = NULL;
        }
        rc = g ? update(q, h, g) : LT_FAIL;
      }
      lt_scope_end(scope);
    }
  }
  lt_grad_set_enabled(prev);
  return rc;
}

#define OPTIM_OPS(STEP)                                                                                \
  static const lt_optimizer_ops ops = {.size = sizeof(lt_optimizer_ops), .step = STEP,                \
                                       .zero_grad = optim_zero_grad, .num_groups = optim_num_groups,   \
                                       .get_lr = optim_get_lr, .set_lr = optim_set_lr}

#endif
