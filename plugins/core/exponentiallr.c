/* exponentiallr.c: torch.optim.lr_scheduler.ExponentialLR: lr *= gamma each step. */
#include "sched.h"

static double get_lr(const sched *s, int g, double lr) {
  (void)g;
  return s->last_epoch == 0 ? lr : lr * s->p[0];
}

static double closed(const sched *s, int g) { return s->base[g] * pow(s->p[0], (double)s->last_epoch); }

static const char *const pnames[] = {"gamma", NULL};
static const sched_kind kind = {get_lr, closed, pnames, 0};

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  return sched_create(args, self, err, errlen, &kind, NULL);
}

static const lt_param params[] = {
    SCHED_OPTIMIZER,
    {"gamma", LT_P_FLOAT, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "multiplicative factor per step"},
};
SCHED_COMPONENT("torch.optim.lr_scheduler.ExponentialLR", "Decays the lr by gamma every step.", params, create);
