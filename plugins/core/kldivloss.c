/* kldivloss.c: torch.nn.KLDivLoss (input: log-probabilities). */
#include "common.h"

static const lt_param params[] = {
    LT_PARAM_CHOICE("reduction", "mean", "none|mean|sum|batchmean", "how to reduce (batchmean is the true KL)"),
    LT_PARAM("log_target", LT_P_BOOL, "false", "the target is given as log-probabilities"),
};
typedef struct kldiv {
  lt_reduction reduction;
  int log_target;
} kldiv;
CORE_LOSS("torch.nn.KLDivLoss", "Kullback-Leibler divergence.", params, kldiv,
          m->log_target = (int)lt_arg_int(args, "log_target"), lt_kl_div(input, target, m->reduction, m->log_target));
