/* multisteplr.c: torch.optim.lr_scheduler.MultiStepLR: lr *= gamma at each milestone. */
#include "sched.h"

static double get_lr(const sched *s, int g, double lr) {
  (void)g;
  int count = 0;
  for (size_t i = 0; i < s->nmilestones; i++) count += s->milestones[i] == s->last_epoch;
  return count ? lr * pow(s->p[0], count) : lr;
}

/* gamma ** (milestones at or before last_epoch) */
static double closed(const sched *s, int g) {
  int count = 0;
  for (size_t i = 0; i < s->nmilestones; i++) count += s->milestones[i] <= s->last_epoch;
  return s->base[g] * pow(s->p[0], count);
}

static const char *const pnames[] = {"gamma", NULL};
static const sched_kind kind = {get_lr, closed, pnames, 0};

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  sched *s = calloc(1, sizeof *s);
  if (!s) return LT_ERR_NOMEM;
  const lt_value *ms = lt_arg(args, "milestones");
  for (size_t i = 0; i < ms->n && i < 64; i++) s->milestones[s->nmilestones++] = ms->items[i].i;
  s->p[0] = lt_arg_float(args, "gamma");
  s->k = &kind;
  lt_status rc = sched_init(s, args, err, errlen);
  if (rc != LT_OK) free(s);
  else *self = s;
  return rc;
}

static const lt_param params[] = {
    SCHED_OPTIMIZER,
    LT_PARAM_REQ("milestones", LT_P_LIST, "steps at which to decay"),
    LT_PARAM("gamma", LT_P_FLOAT, "0.1", "multiplicative factor"),
};
SCHED_COMPONENT("torch.optim.lr_scheduler.MultiStepLR", "Decays the lr by gamma at each milestone.", params, create);
