/* nllloss.c: torch.nn.NLLLoss (on log-probabilities). */
#include "common.h"

static const lt_param params[] = {CORE_REDUCTION, LT_PARAM("ignore_index", LT_P_INT, "-100", "target value that does not count")};
CORE_LOSS("torch.nn.NLLLoss", "Negative log likelihood of class targets.", params,
          lt_nll_loss(input, target, LT_NO_TENSOR, m->reduction, m->v[1].i));
