/* bceloss.c: torch.nn.BCELoss (on probabilities). */
#include "common.h"

static const lt_param params[] = {CORE_REDUCTION};
CORE_LOSS("torch.nn.BCELoss", "Binary cross entropy of probabilities.", params,
          lt_binary_cross_entropy(input, target, LT_NO_TENSOR, m->reduction));
