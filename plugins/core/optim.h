/* optim.h: what the built-in optimizers share: parameter groups read from
 * `params` (a list of tensors, e.g. "$@model::network.parameters()", or a
 * list of dicts {params: [...], lr: ..., ...} with their own options), and
 * the lt_optimizer_ops plumbing: group options by name, and state_dict()
 * / load_state_dict() in PyTorch 1.13's layout. Static inline, one include
 * per plugin. */
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

/* What an optimizer tells this file about itself. */
typedef struct optim_spec {
  const char *const *names; /* option k's name (opt[k]), lr first */
  int nopts;
  int pair_at, pair_second; /* opt[] of a pair option's items (Adam's betas); -1: none */
  unsigned bools;           /* bit k: option k is a bool */
  const char *bufs[3];      /* state names of buf[0..2] */
  int step_tensor;          /* the state has "step" (a float tensor in PyTorch 1.13) */
  int none_buf0;            /* buf 0 is saved as None when unused (SGD's momentum_buffer) */
  int state_all;            /* every parameter has state from the start (Adagrad) */
} optim_spec;

/* Group values schedulers add, as PyTorch's param_groups carry them. */
#define OPTIM_NEXTRA 5
static const char *const optim_extras[OPTIM_NEXTRA] = {"initial_lr", "max_lr", "min_lr", "max_momentum",
                                                       "base_momentum"};

typedef struct optim_group {
  double opt[OPTIM_MAX_OPTS]; /* lr first; the rest as the optimizer defines */
  double extra[OPTIM_NEXTRA];
  unsigned has_extra;
  optim_param *params;
  size_t n;
} optim_group;

typedef struct optim {
  optim_group *groups;
  int ngroups;
  const optim_spec *spec;
} optim;

/* A group dict's value of key (NULL: not there). */
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

/* The argument "params" (tensors or group dicts); option k (names[k]) from
 * the group dict when it has it, else the argument of that name. */
static inline lt_status optim_init(optim *o, const lt_value *args, const char *const *names, int nopts, char *err,
                                   size_t errlen) {
  const lt_value *params = lt_arg(args, "params");
  int grouped = params->n && params->items[0].type == LT_P_DICT;
  o->ngroups = grouped ? (int)params->n : 1;
  o->groups = (optim_group *)calloc((size_t)o->ngroups, sizeof *o->groups);
  if (!o->groups) return LT_ERR_NOMEM;
  for (int gi = 0; gi < o->ngroups; gi++) {
    optim_group *g = &o->groups[gi];
    const lt_value *d = grouped ? &params->items[gi] : NULL;
    for (int k = 0; k < nopts; k++) {
      const lt_value *v = d ? optim_dict_get(d, names[k]) : NULL;
      int number = v && (v->type == LT_P_FLOAT || v->type == LT_P_INT || v->type == LT_P_BOOL);
      g->opt[k] = number ? v->f : lt_arg_float(args, names[k]);
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

/* A pair option such as betas: the group's own, or the argument name. */
static inline void optim_pair(const lt_value *args, int group, const char *name, double out[2]) {
  const lt_value *params = lt_arg(args, "params");
  const lt_value *v = lt_arg(args, name);
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
static inline lt_status optim_create(const lt_value *args, const optim_spec *spec, void **self, optim **out,
                                     char *err, size_t errlen) {
  optim *o = (optim *)calloc(1, sizeof *o);
  if (!o) return LT_ERR_NOMEM;
  o->spec = spec;
  lt_status s = optim_init(o, args, spec->names, spec->nopts, err, errlen);
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

/* The slot of a named option: opt[] index, or OPTIM_MAX_OPTS + extra; -1. */
static inline int optim_slot(const optim *o, const char *name) {
  const optim_spec *sp = o->spec;
  for (int k = 0; k < sp->nopts; k++) {
    if (k == sp->pair_at) {
      size_t len = strlen(sp->names[k]);
      if (!strncmp(name, sp->names[k], len) && name[len] == '.' && (name[len + 1] == '0' || name[len + 1] == '1') &&
          !name[len + 2])
        return name[len + 1] == '0' ? sp->pair_at : sp->pair_second;
    } else if (!strcmp(name, sp->names[k])) {
      return k;
    }
  }
  for (int e = 0; e < OPTIM_NEXTRA; e++)
    if (!strcmp(name, optim_extras[e])) return OPTIM_MAX_OPTS + e;
  return -1;
}

static inline int optim_get_option(void *self, int g, const char *name, double *out) {
  optim *o = (optim *)self;
  int k = g >= 0 && g < o->ngroups && name ? optim_slot(o, name) : -1;
  if (k < 0) return 0;
  if (k >= OPTIM_MAX_OPTS) {
    if (!((o->groups[g].has_extra >> (k - OPTIM_MAX_OPTS)) & 1)) return 0;
    *out = o->groups[g].extra[k - OPTIM_MAX_OPTS];
  } else {
    *out = o->groups[g].opt[k];
  }
  return 1;
}

static inline int optim_set_option(void *self, int g, const char *name, double v) {
  optim *o = (optim *)self;
  int k = g >= 0 && g < o->ngroups && name ? optim_slot(o, name) : -1;
  if (k < 0) return 0;
  if (k >= OPTIM_MAX_OPTS) {
    o->groups[g].extra[k - OPTIM_MAX_OPTS] = v;
    o->groups[g].has_extra |= 1u << (k - OPTIM_MAX_OPTS);
  } else {
    o->groups[g].opt[k] = v;
  }
  return 1;
}

/* state_dict(): {"state": {index: {...}}, "param_groups": [{options..., "params": [indices]}]} */
static inline lt_status optim_state_save(void *self, lt_state *out) {
  optim *o = (optim *)self;
  const optim_spec *sp = o->spec;
  lt_state *state = lt_state_new_int_dict(), *groups = lt_state_new_list();
  lt_status rc = state && groups ? LT_OK : LT_FAIL;
  int64_t index = 0;
  for (int gi = 0; rc == LT_OK && gi < o->ngroups; gi++) {
    optim_group *g = &o->groups[gi];
    lt_state *gd = lt_state_new_dict(), *ids = lt_state_new_list();
    rc = gd && ids ? LT_OK : LT_FAIL;
    for (int k = 0; rc == LT_OK && k < sp->nopts; k++) {
      if (k == sp->pair_at) {
        lt_state *pair = lt_state_new_list();
        rc = pair && lt_state_set_double(pair, NULL, g->opt[sp->pair_at]) == LT_OK &&
                     lt_state_set_double(pair, NULL, g->opt[sp->pair_second]) == LT_OK
                 ? lt_state_set_state(gd, sp->names[k], pair)
                 : LT_FAIL;
        lt_state_free(pair);
      } else {
        rc = (sp->bools >> k) & 1 ? lt_state_set_bool(gd, sp->names[k], g->opt[k] != 0)
                                  : lt_state_set_double(gd, sp->names[k], g->opt[k]);
      }
    }
    for (int e = 0; rc == LT_OK && e < OPTIM_NEXTRA; e++)
      if ((g->has_extra >> e) & 1) rc = lt_state_set_double(gd, optim_extras[e], g->extra[e]);
    for (size_t i = 0; rc == LT_OK && i < g->n; i++, index++) {
      optim_param *q = &g->params[i];
      rc = lt_state_set_int(ids, NULL, index);
      if (rc != LT_OK || !(q->step > 0 || sp->state_all || q->buf[0] || q->buf[1] || q->buf[2])) continue;
      lt_state *e = lt_state_new_dict();
      char key[32];
      snprintf(key, sizeof key, "%lld", (long long)index);
      rc = e ? LT_OK : LT_FAIL;
      if (rc == LT_OK && sp->step_tensor)
        rc = lt_state_set_tensor(e, "step", lt_tensor_scalar((double)q->step, LT_FLOAT32));
      for (int k = 0; rc == LT_OK && k < 3; k++) {
        if (!sp->bufs[k]) continue;
        if (q->buf[k]) rc = lt_state_set_tensor(e, sp->bufs[k], q->buf[k]);
        else if (k == 0 && sp->none_buf0) rc = lt_state_set_none(e, sp->bufs[k]);
      }
      if (rc == LT_OK) rc = lt_state_set_state(state, key, e);
      lt_state_free(e);
    }
    if (rc == LT_OK) rc = lt_state_set_state(gd, "params", ids);
    if (rc == LT_OK) rc = lt_state_set_state(groups, NULL, gd);
    lt_state_free(gd), lt_state_free(ids);
  }
  if (rc == LT_OK) rc = lt_state_set_state(out, "state", state);
  if (rc == LT_OK) rc = lt_state_set_state(out, "param_groups", groups);
  lt_state_free(state), lt_state_free(groups);
  return rc;
}

/* The parameter of a global index, or NULL. */
static inline optim_param *optim_at(optim *o, int64_t index) {
  for (int gi = 0; gi < o->ngroups; gi++) {
    if (index < (int64_t)o->groups[gi].n) return index >= 0 ? &o->groups[gi].params[index] : NULL;
    index -= (int64_t)o->groups[gi].n;
  }
  return NULL;
}

static inline int optim_same_shape(lt_tensor *a, lt_tensor *b) {
  int64_t sa[16], sb[16];
  int na = lt_tensor_shape(a, sa, 16), nb = lt_tensor_shape(b, sb, 16);
  return na == nb && na >= 0 && na <= 16 && !memcmp(sa, sb, (size_t)na * sizeof *sa);
}

/* Checks (apply 0) or applies (apply 1) one parameter's state entry. */
static inline int optim_load_entry(optim *o, optim_param *q, const lt_state *e, int apply, const char *where, char *err,
                                   size_t errlen) {
  const optim_spec *sp = o->spec;
  if (sp->step_tensor && apply) {
    lt_tensor *t = lt_state_get_tensor(e, "step");
    double d = 0;
    int64_t i = 0;
    if (t && lt_tensor_item_double(t, &d) == LT_OK) q->step = (int64_t)d;
    else if (lt_state_get_int(e, "step", &i) == LT_OK) q->step = i;
    lt_tensor_free(t);
  }
  for (int k = 0; k < 3; k++) {
    if (!sp->bufs[k] || lt_state_kind(e, sp->bufs[k]) != LT_VALUE_TENSOR) {
      if (apply && sp->bufs[k]) lt_tensor_free(q->buf[k]), q->buf[k] = NULL;
      continue;
    }
    lt_tensor *t = lt_state_get_tensor(e, sp->bufs[k]);
    if (!apply) {
      int ok = t && optim_same_shape(t, q->p);
      if (!ok) snprintf(err, errlen, "%s: '%s' does not have the parameter's shape", where, sp->bufs[k]);
      lt_tensor_free(t);
      if (!ok) return -1;
      continue;
    }
    lt_tensor *c = lt_tensor_keep(lt_tensor_clone(lt_tensor_to_dtype(t, lt_tensor_dtype(q->p))));
    lt_tensor_free(t);
    lt_tensor_free(q->buf[k]);
    q->buf[k] = c;
    if (!c) return -1;
  }
  if (apply && !sp->step_tensor) q->step = 1; /* stepped at least once */
  return 0;
}

/* load_state_dict(): everything is checked before anything changes. */
static inline lt_status optim_state_load(void *self, const lt_state *in, char *err, size_t errlen) {
  optim *o = (optim *)self;
  const optim_spec *sp = o->spec;
  lt_state *groups = lt_state_get_state(in, "param_groups"), *state = lt_state_get_state(in, "state");
  lt_status rc = LT_OK;
  if (!groups || !lt_state_is_list(groups) || !state || lt_state_is_list(state)) {
    snprintf(err, errlen, "an optimizer state needs 'state' (a dict) and 'param_groups' (a list)");
    rc = LT_ERR_INVALID;
  } else if (lt_state_len(groups) != o->ngroups) {
    snprintf(err, errlen, "loaded state has %lld parameter groups, this optimizer has %d",
             (long long)lt_state_len(groups), o->ngroups);
    rc = LT_ERR_INVALID;
  }
  for (int apply = 0; apply < 2 && rc == LT_OK; apply++) {
    for (int gi = 0; gi < o->ngroups && rc == LT_OK; gi++) {
      char key[32];
      snprintf(key, sizeof key, "%d", gi);
      lt_state *gd = lt_state_get_state(groups, key), *ids = gd ? lt_state_get_state(gd, "params") : NULL;
      if (!apply && (!ids || lt_state_len(ids) != (int64_t)o->groups[gi].n)) {
        snprintf(err, errlen, "parameter group %d of the loaded state has %lld parameters, this optimizer's has %zu",
                 gi, (long long)(ids ? lt_state_len(ids) : -1), o->groups[gi].n);
        rc = LT_ERR_INVALID;
      }
      for (int k = 0; apply && k < sp->nopts; k++) {
        double v;
        int b;
        if (k == sp->pair_at) {
          lt_state *pair = lt_state_get_state(gd, sp->names[k]);
          if (pair && lt_state_get_double(pair, "0", &v) == LT_OK) o->groups[gi].opt[sp->pair_at] = v;
          if (pair && lt_state_get_double(pair, "1", &v) == LT_OK) o->groups[gi].opt[sp->pair_second] = v;
          lt_state_free(pair);
        } else if (lt_state_kind(gd, sp->names[k]) == LT_VALUE_BOOL && lt_state_get_bool(gd, sp->names[k], &b) == LT_OK) {
          o->groups[gi].opt[k] = b;
        } else if (lt_state_get_double(gd, sp->names[k], &v) == LT_OK) {
          o->groups[gi].opt[k] = v;
        }
      }
      for (int e = 0; apply && e < OPTIM_NEXTRA; e++) {
        double v;
        if (lt_state_get_double(gd, optim_extras[e], &v) == LT_OK) optim_set_option(o, gi, optim_extras[e], v);
      }
      lt_state_free(gd), lt_state_free(ids);
    }
    int64_t index = 0;
    for (int gi = 0; gi < o->ngroups && rc == LT_OK; gi++)
      for (size_t i = 0; i < o->groups[gi].n && rc == LT_OK; i++, index++) {
        char key[32], where[64];
        snprintf(key, sizeof key, "%lld", (long long)index);
        snprintf(where, sizeof where, "state of parameter %lld", (long long)index);
        lt_state *e = lt_state_kind(state, key) == LT_VALUE_DICT ? lt_state_get_state(state, key) : NULL;
        optim_param *q = optim_at(o, index);
        if (e) {
          if (optim_load_entry(o, q, e, apply, where, err, errlen)) rc = apply ? LT_FAIL : LT_ERR_INVALID;
        } else if (apply && !sp->state_all) {
          for (int k = 0; k < 3; k++) lt_tensor_free(q->buf[k]), q->buf[k] = NULL;
          q->step = 0;
        }
        lt_state_free(e);
      }
  }
  lt_state_free(groups), lt_state_free(state);
  return rc;
}

#define OPTIM_OPS(STEP)                                                                                \
  static const lt_optimizer_ops ops = {.size = sizeof(lt_optimizer_ops), .step = STEP,                \
                                       .zero_grad = optim_zero_grad, .num_groups = optim_num_groups,   \
                                       .get_lr = optim_get_lr, .set_lr = optim_set_lr,                 \
                                       .get_option = optim_get_option, .set_option = optim_set_option, \
                                       .state_save = optim_state_save, .state_load = optim_state_load}

#endif
