/* sched.h: what the built-in learning-rate schedulers share: the optimizer
 * they drive (through its lt_optimizer_ops), base learning rates, and
 * PyTorch 1.13's _LRScheduler protocol: construction performs step 0, each
 * step increments last_epoch and sets every group's lr from get_lr, which
 * (as in PyTorch) is written recursively from the current lr so that the
 * numbers agree to the last bit. */
#ifndef LT_CORE_SCHED_H
#define LT_CORE_SCHED_H

#include "common.h"

#include <math.h>
#include <stdio.h>

#define SCHED_MAX_GROUPS 64

typedef struct sched sched;
struct sched {
  void *opt;
  const lt_optimizer_ops *ops;
  int ngroups;
  double base[SCHED_MAX_GROUPS];
  double last[SCHED_MAX_GROUPS];
  int64_t last_epoch;
  double p[8]; /* the scheduler's own numbers */
  int64_t milestones[64];
  size_t nmilestones;
  /* the new lr of group g from its current lr */
  double (*get_lr)(const sched *s, int g, double lr);
};

static inline lt_status sched_step(void *self, double metric) {
  sched *s = (sched *)self;
  (void)metric;
  s->last_epoch++;
  for (int g = 0; g < s->ngroups; g++) {
    double lr = s->get_lr(s, g, s->ops->get_lr(s->opt, g));
    s->ops->set_lr(s->opt, g, lr);
    s->last[g] = lr;
  }
  return LT_OK;
}

static inline double sched_last_lr(void *self, int g) { return ((sched *)self)->last[g]; }

/* args[0] is the optimizer. Reads its groups' lrs as base_lrs, then step 0. */
static inline lt_status sched_init(sched *s, const lt_value *args, char *err, size_t errlen) {
  const lt_value *o = &args[0];
  const lt_optimizer_ops *ops = o->component_type ? (const lt_optimizer_ops *)o->component_type->ops : NULL;
  if (!o->component || o->component_kind != LT_KIND_OPTIMIZER || !ops || ops->size < sizeof(lt_optimizer_ops)) {
    snprintf(err, errlen, "optimizer must be a built optimizer (e.g. \"@model::optimizer\")");
    return LT_ERR_INVALID;
  }
  s->opt = o->component;
  s->ops = ops;
  s->ngroups = ops->num_groups(o->component);
  if (s->ngroups > SCHED_MAX_GROUPS) {
    snprintf(err, errlen, "at most %d parameter groups", SCHED_MAX_GROUPS);
    return LT_ERR_INVALID;
  }
  for (int g = 0; g < s->ngroups; g++) s->base[g] = ops->get_lr(o->component, g);
  s->last_epoch = -1;
  return sched_step(s, NAN);
}

/* The common create: n numbers into p, then step 0. */
static inline lt_status sched_create(const lt_value *args, void **self, char *err, size_t errlen,
                                     double (*get_lr)(const sched *, int, double), const double *p, int n) {
  sched *s = (sched *)calloc(1, sizeof *s);
  if (!s) return LT_ERR_NOMEM;
  for (int i = 0; i < n && i < 8; i++) s->p[i] = p[i];
  s->get_lr = get_lr;
  lt_status rc = sched_init(s, args, err, errlen);
  if (rc != LT_OK) free(s);
  else *self = s;
  return rc;
}

#define SCHED_COMPONENT(TARGET, SUMMARY, PARAMS, CREATE)                                                \
  static void destroy_(void *self) { free(self); }                                                     \
  static const lt_scheduler_ops ops_ = {.size = sizeof(lt_scheduler_ops), .step = sched_step,          \
                                        .get_last_lr = sched_last_lr};                                 \
  static const lt_component components_[] = {                                                          \
      {TARGET, LT_KIND_SCHEDULER, SUMMARY, PARAMS, LT__COUNT_OF(PARAMS), CREATE, destroy_, &ops_}};   \
  LT_PLUGIN_DEFINE(TARGET, LT_VERSION_STRING, TARGET, "BSD-3-Clause", components_, NULL)

#define SCHED_OPTIMIZER LT_PARAM_COMPONENT("optimizer", LT_KIND_OPTIMIZER, LT_PF_REQUIRED, "the optimizer to drive")

#endif
