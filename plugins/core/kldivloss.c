/* kldivloss.c: torch.nn.KLDivLoss (input: log-probabilities). */
#include "common.h"

static const lt_param params[] = {
    LT_PARAM_CHOICE("reduction", "mean", "none|mean|sum|batchmean", "how to reduce (batchmean is the true KL)"),
    LT_PARAM("log_target", LT_P_BOOL, "false", "the target is given as log-probabilities"),
};
CORE_LOSS("torch.nn.KLDivLoss", "Kullback-Leibler divergence.", params,
          lt_kl_div(input, target, m->reduction, (int)m->v[1].i));
