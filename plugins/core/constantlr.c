/* constantlr.c: torch.optim.lr_scheduler.ConstantLR: the lr times factor
 * until total_iters steps, then the lr itself (a warm-up piece for
 * SequentialLR), as PyTorch 1.13 computes it. */
#include "sched.h"

static double get_lr(const sched *s, int g, double lr) {
  (void)g;
  double factor = s->p[0];
  int64_t e = s->last_epoch, n = (int64_t)s->p[1];
  if (e == 0) return lr * factor;
  if (e != n) return lr;
  return lr * (1.0 / factor);
}

static double closed(const sched *s, int g) {
  return s->base[g] * (s->p[0] + (s->last_epoch >= (int64_t)s->p[1]) * (1 - s->p[0]));
}

static const char *const pnames[] = {"factor", "total_iters", NULL};
static const sched_kind kind = {get_lr, closed, pnames, 2};

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  return sched_create(args, self, err, errlen, &kind, NULL);
}

static const lt_param params[] = {
    SCHED_OPTIMIZER,
    {"factor", LT_P_FLOAT, (lt_kind)0, "0.3333333333333333", LT_PF_MIN_EXCL | LT_PF_MAX, 0, 1, NULL,
     "the lr factor until total_iters"},
    LT_PARAM_MIN("total_iters", LT_P_INT, "5", 0, "steps with the factor"),
};

SCHED_COMPONENT("torch.optim.lr_scheduler.ConstantLR", "Scales the lr by a constant factor for total_iters steps.", params,
                create);
