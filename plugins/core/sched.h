/* sched.h: what the built-in learning-rate schedulers share: the optimizer
 * they drive (through its lt_optimizer_ops), base learning rates (the
 * groups' "initial_lr", set by the first scheduler as PyTorch's setdefault
 * does), and PyTorch 1.13's _LRScheduler protocol: construction performs
 * step 0, each step increments last_epoch and sets every group's lr from
 * get_lr, which (as in PyTorch) is written recursively from the current lr
 * so that the numbers agree to the last bit; step_to(epoch) uses the
 * closed form; state_dict()/load_state_dict() as PyTorch's. */
#ifndef LT_CORE_SCHED_H
#define LT_CORE_SCHED_H

#include "common.h"

#include <math.h>
#include <stdio.h>

#define SCHED_MAX_GROUPS 64

typedef struct sched sched;

/* What one scheduler adds to the protocol. */
typedef struct sched_kind {
  /* the new lr of group g from its current lr (NAN with lt_set_error: fail) */
  double (*get_lr)(const sched *s, int g, double lr);
  /* the lr of group g at last_epoch from base[g]; NULL: none */
  double (*closed)(const sched *s, int g);
  /* names of p[] in the state dict (NULL ends), which of them are ints */
  const char *const *pnames;
  unsigned int_mask;
} sched_kind;

struct sched {
  void *opt;
  const lt_optimizer_ops *ops;
  const sched_kind *k;
  int ngroups;
  double base[SCHED_MAX_GROUPS];
  double last[SCHED_MAX_GROUPS];
  int64_t last_epoch;
  double p[8]; /* the scheduler's own numbers */
  int64_t milestones[64];
  size_t nmilestones;
};

static inline lt_status sched_apply(sched *s, int closed) {
  for (int g = 0; g < s->ngroups; g++) {
    double lr = closed ? s->k->closed(s, g) : s->k->get_lr(s, g, s->ops->get_lr(s->opt, g));
    if (isnan(lr)) return LT_ERR_INVALID;
    s->ops->set_lr(s->opt, g, lr);
    s->last[g] = lr;
  }
  return LT_OK;
}

static inline lt_status sched_step(void *self, double metric) {
  sched *s = (sched *)self;
  (void)metric;
  s->last_epoch++;
  return sched_apply(s, 0);
}

/* PyTorch's step(epoch): the closed form where there is one. */
static inline lt_status sched_step_to(void *self, int64_t epoch) {
  sched *s = (sched *)self;
  s->last_epoch = epoch;
  return sched_apply(s, s->k->closed != NULL);
}

static inline double sched_last_lr(void *self, int g) { return ((sched *)self)->last[g]; }
static inline int64_t sched_get_last_epoch(void *self) { return ((sched *)self)->last_epoch; }
static inline void sched_set_last_epoch(void *self, int64_t e) { ((sched *)self)->last_epoch = e; }

/* The optimizer o (an argument), checked; its group count into *ngroups. */
static inline const lt_optimizer_ops *sched_optimizer(const lt_value *o, int *ngroups, char *err, size_t errlen) {
  const lt_optimizer_ops *ops = o->component_type ? (const lt_optimizer_ops *)o->component_type->ops : NULL;
  if (!o->component || o->component_kind != LT_KIND_OPTIMIZER || !ops || !LT_HAS(ops, lt_optimizer_ops, set_lr)) {
    snprintf(err, errlen, "optimizer must be a built optimizer (e.g. \"@model::optimizer\")");
    return NULL;
  }
  *ngroups = ops->num_groups(o->component);
  if (*ngroups > SCHED_MAX_GROUPS) {
    snprintf(err, errlen, "at most %d parameter groups", SCHED_MAX_GROUPS);
    return NULL;
  }
  return ops;
}

/* A group's "initial_lr", set to its lr when no scheduler set it yet. */
static inline double sched_initial_lr(void *opt, const lt_optimizer_ops *ops, int g) {
  double v;
  if (LT_HAS(ops, lt_optimizer_ops, get_option) && ops->get_option && ops->get_option(opt, g, "initial_lr", &v)) return v;
  v = ops->get_lr(opt, g);
  if (LT_HAS(ops, lt_optimizer_ops, set_option) && ops->set_option) ops->set_option(opt, g, "initial_lr", v);
  return v;
}

/* The argument "optimizer" driven; base_lrs from initial_lr, then step 0. */
static inline lt_status sched_init(sched *s, const lt_value *args, char *err, size_t errlen) {
  const lt_value *o = lt_arg(args, "optimizer");
  if (!(s->ops = sched_optimizer(o, &s->ngroups, err, errlen))) return LT_ERR_INVALID;
  s->opt = o->component;
  for (int g = 0; g < s->ngroups; g++) s->base[g] = sched_initial_lr(s->opt, s->ops, g);
  s->last_epoch = -1;
  if (sched_step(s, NAN) != LT_OK) {
    snprintf(err, errlen, "%s", lt_last_error());
    return LT_ERR_INVALID;
  }
  return LT_OK;
}

/* The common create: p[i], the number named k->pnames[i], from p when
 * given, else from the argument of that name (an int where int_mask says
 * so); then step 0. */
static inline lt_status sched_create(const lt_value *args, void **self, char *err, size_t errlen, const sched_kind *k,
                                     const double *p) {
  sched *s = (sched *)calloc(1, sizeof *s);
  if (!s) return LT_ERR_NOMEM;
  for (int i = 0; k->pnames && k->pnames[i] && i < 8; i++) {
    const char *name = k->pnames[i];
    s->p[i] = p ? p[i] : (k->int_mask >> i) & 1 ? (double)lt_arg_int(args, name) : lt_arg_float(args, name);
  }
  s->k = k;
  lt_status rc = sched_init(s, args, err, errlen);
  if (rc != LT_OK) free(s);
  else *self = s;
  return rc;
}

/* A list of the groups' numbers v[0..n). */
static inline lt_state *sched_list(const double *v, int n) {
  lt_state *l = lt_state_new_list();
  for (int g = 0; l && g < n; g++) lt_state_set_double(l, NULL, v[g]);
  return l;
}

/* What PyTorch's state_dict() has: its __dict__ less the optimizer. */
static inline lt_status sched_state_save(void *self, lt_state *out) {
  sched *s = (sched *)self;
  lt_state *base = sched_list(s->base, s->ngroups), *last = sched_list(s->last, s->ngroups);
  lt_status rc = base && last ? LT_OK : LT_FAIL;
  for (int i = 0; rc == LT_OK && s->k->pnames && s->k->pnames[i] && i < 8; i++)
    rc = (s->k->int_mask >> i) & 1 ? lt_state_set_int(out, s->k->pnames[i], (int64_t)s->p[i])
                                   : lt_state_set_double(out, s->k->pnames[i], s->p[i]);
  if (rc == LT_OK && s->nmilestones) { /* a Counter in PyTorch: milestone -> count */
    lt_state *m = lt_state_new_int_dict();
    for (size_t i = 0; m && i < s->nmilestones; i++) {
      char key[32];
      int64_t count = 0;
      snprintf(key, sizeof key, "%lld", (long long)s->milestones[i]);
      lt_state_get_int(m, key, &count);
      lt_state_set_int(m, key, count + 1);
    }
    rc = m ? lt_state_set_state(out, "milestones", m) : LT_FAIL;
    lt_state_free(m);
  }
  if (rc == LT_OK) rc = lt_state_set_state(out, "base_lrs", base);
  if (rc == LT_OK) rc = lt_state_set_int(out, "last_epoch", s->last_epoch);
  if (rc == LT_OK) rc = lt_state_set_bool(out, "verbose", 0);
  if (rc == LT_OK) rc = lt_state_set_int(out, "_step_count", s->last_epoch + 1);
  if (rc == LT_OK) rc = lt_state_set_bool(out, "_get_lr_called_within_step", 0);
  if (rc == LT_OK) rc = lt_state_set_state(out, "_last_lr", last);
  lt_state_free(base), lt_state_free(last);
  return rc;
}

/* A list of n numbers under key into v (checked first when v is NULL). */
static inline int sched_read_list(const lt_state *in, const char *key, int n, double *v, char *err, size_t errlen) {
  lt_state *l = lt_state_get_state(in, key);
  int ok = l && lt_state_is_list(l) && lt_state_len(l) == n;
  for (int g = 0; ok && g < n; g++) {
    char idx[16];
    double x;
    snprintf(idx, sizeof idx, "%d", g);
    ok = lt_state_get_double(l, idx, &x) == LT_OK;
    if (ok && v) v[g] = x;
  }
  lt_state_free(l);
  if (!ok) snprintf(err, errlen, "'%s' must be a list of %d numbers (one per parameter group)", key, n);
  return ok ? 0 : -1;
}

static inline lt_status sched_state_load(void *self, const lt_state *in, char *err, size_t errlen) {
  sched *s = (sched *)self;
  int64_t epoch;
  if (lt_state_get_int(in, "last_epoch", &epoch) != LT_OK) {
    snprintf(err, errlen, "no int 'last_epoch' in the scheduler state");
    return LT_ERR_INVALID;
  }
  if (sched_read_list(in, "base_lrs", s->ngroups, NULL, err, errlen) ||
      sched_read_list(in, "_last_lr", s->ngroups, NULL, err, errlen))
    return LT_ERR_INVALID;
  sched_read_list(in, "base_lrs", s->ngroups, s->base, err, errlen);
  sched_read_list(in, "_last_lr", s->ngroups, s->last, err, errlen);
  s->last_epoch = epoch;
  for (int i = 0; s->k->pnames && s->k->pnames[i] && i < 8; i++) {
    double v;
    if (lt_state_get_double(in, s->k->pnames[i], &v) == LT_OK) s->p[i] = v;
  }
  lt_state *m = s->nmilestones ? lt_state_get_state(in, "milestones") : NULL;
  if (m && !lt_state_is_list(m)) {
    s->nmilestones = 0;
    for (int64_t i = 0; i < lt_state_len(m); i++) {
      const char *key = lt_state_key(m, i);
      int64_t count = 0;
      lt_state_get_int(m, key, &count);
      for (int64_t c = 0; c < count && s->nmilestones < 64; c++) s->milestones[s->nmilestones++] = strtoll(key, NULL, 10);
    }
  }
  lt_state_free(m);
  return LT_OK;
}

#define SCHED_OPS                                                                                      \
  {.size = sizeof(lt_scheduler_ops), .step = sched_step, .get_last_lr = sched_last_lr,                \
   .state_save = sched_state_save, .state_load = sched_state_load, .get_last_epoch = sched_get_last_epoch, \
   .set_last_epoch = sched_set_last_epoch, .step_to = sched_step_to}

#define SCHED_COMPONENT(TARGET, SUMMARY, PARAMS, CREATE)                                                \
  static void destroy_(void *self) { free(self); }                                                     \
  static const lt_scheduler_ops ops_ = SCHED_OPS;                                                      \
  static const lt_component components_[] = {                                                          \
      {TARGET, LT_KIND_SCHEDULER, SUMMARY, PARAMS, LT_COUNT_OF(PARAMS), CREATE, destroy_, &ops_}};   \
  LT_PLUGIN_DEFINE(TARGET, LT_VERSION_STRING, TARGET, "BSD-3-Clause", components_, NULL)

#define SCHED_OPTIMIZER LT_PARAM_COMPONENT("optimizer", LT_KIND_OPTIMIZER, LT_PF_REQUIRED, "the optimizer to drive")

#endif
