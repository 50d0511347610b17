/* steplr.c: torch.optim.lr_scheduler.StepLR: lr *= gamma every step_size steps. */
#include "sched.h"

static double get_lr(const sched *s, int g, double lr) {
  (void)g;
  if (s->last_epoch == 0 || s->last_epoch % (int64_t)s->p[0] != 0) return lr;
  return lr * s->p[1];
}

static double closed(const sched *s, int g) {
  return s->base[g] * pow(s->p[1], (double)(s->last_epoch / (int64_t)s->p[0]));
}

static const char *const pnames[] = {"step_size", "gamma", NULL};
static const sched_kind kind = {get_lr, closed, pnames, 1};

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  return sched_create(args, self, err, errlen, &kind, NULL);
}

static const lt_param params[] = {
    SCHED_OPTIMIZER,
    {"step_size", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "steps between decays"},
    LT_PARAM("gamma", LT_P_FLOAT, "0.1", "multiplicative factor"),
};
SCHED_COMPONENT("torch.optim.lr_scheduler.StepLR", "Decays the lr by gamma every step_size steps.", params, create);
