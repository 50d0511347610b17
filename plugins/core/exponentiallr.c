/* exponentiallr.c: torch.optim.lr_scheduler.ExponentialLR: lr *= gamma each step. */
#include "sched.h"

static double get_lr(const sched *s, int g, double lr) {
  (void)g;
  return s->last_epoch == 0 ? lr : lr * s->p[0];
}

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  sched *s = calloc(1, sizeof *s);
  if (!s) return LT_ERR_NOMEM;
  s->p[0] = args[1].f;
  s->get_lr = get_lr;
  lt_status rc = sched_init(s, args, err, errlen);
  if (rc != LT_OK) free(s);
  else *self = s;
  return rc;
}

static const lt_param params[] = {
    SCHED_OPTIMIZER,
    {"gamma", LT_P_FLOAT, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "multiplicative factor per step"},
};
SCHED_COMPONENT("torch.optim.lr_scheduler.ExponentialLR", "Decays the lr by gamma every step.", params, create);
