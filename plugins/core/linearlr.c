/* linearlr.c: torch.optim.lr_scheduler.LinearLR: the lr factor goes
 * linearly from start_factor to end_factor over total_iters steps. */
#include "sched.h"

static double get_lr(const sched *s, int g, double lr) {
  (void)g;
  double a = s->p[0], b = s->p[1], n = s->p[2];
  int64_t e = s->last_epoch;
  if (e == 0) return lr * a;
  if (e > (int64_t)n) return lr;
  return lr * (1.0 + (b - a) / (n * a + (double)(e - 1) * (b - a)));
}

static double closed(const sched *s, int g) {
  double a = s->p[0], b = s->p[1], n = s->p[2];
  double e = (double)s->last_epoch < n ? (double)s->last_epoch : n;
  return s->base[g] * (a + (b - a) * e / n);
}

static const char *const pnames[] = {"start_factor", "end_factor", "total_iters", NULL};
static const sched_kind kind = {get_lr, closed, pnames, 4};

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  return sched_create(args, self, err, errlen, &kind, NULL);
}

static const lt_param params[] = {
    SCHED_OPTIMIZER,
    {"start_factor", LT_P_FLOAT, (lt_kind)0, "0.3333333333333333", LT_PF_MIN_EXCL | LT_PF_MAX, 0, 1, NULL,
     "factor at the first step"},
    LT_PARAM_RANGE("end_factor", LT_P_FLOAT, "1.0", 0.0, 1.0, "factor after total_iters"),
    LT_PARAM_MIN("total_iters", LT_P_INT, "5", 1, "steps to go from start to end"),
};
SCHED_COMPONENT("torch.optim.lr_scheduler.LinearLR", "Linear warm-up (or decay) of the lr factor.", params, create);
