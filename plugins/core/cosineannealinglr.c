/* cosineannealinglr.c: torch.optim.lr_scheduler.CosineAnnealingLR, in
 * PyTorch's recursive form (restarts after 2 * T_max included). */
#include "sched.h"

#define PI 3.14159265358979323846

static double get_lr(const sched *s, int g, double lr) {
  double T = s->p[0], eta_min = s->p[1];
  int64_t e = s->last_epoch;
  if (e == 0) return lr;
  if ((e - 1 - (int64_t)T) % (int64_t)(2 * T) == 0)
    return lr + (s->base[g] - eta_min) * (1 - cos(PI / T)) / 2;
  return (1 + cos(PI * (double)e / T)) / (1 + cos(PI * (double)(e - 1) / T)) * (lr - eta_min) + eta_min;
}

static double closed(const sched *s, int g) {
  double T = s->p[0], eta_min = s->p[1];
  return eta_min + (s->base[g] - eta_min) * (1 + cos(PI * (double)s->last_epoch / T)) / 2;
}

static const char *const pnames[] = {"T_max", "eta_min", NULL};
static const sched_kind kind = {get_lr, closed, pnames, 1};

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  return sched_create(args, self, err, errlen, &kind, NULL);
}

static const lt_param params[] = {
    SCHED_OPTIMIZER,
    {"T_max", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "steps of a half cosine period"},
    LT_PARAM("eta_min", LT_P_FLOAT, "0.0", "minimum learning rate"),
};
SCHED_COMPONENT("torch.optim.lr_scheduler.CosineAnnealingLR", "Cosine annealing of the lr.", params, create);
