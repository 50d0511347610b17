/* bcewithlogitsloss.c: torch.nn.BCEWithLogitsLoss (sigmoid inside, stable). */
#include "common.h"

static const lt_param params[] = {CORE_REDUCTION};
CORE_LOSS("torch.nn.BCEWithLogitsLoss", "Binary cross entropy of logits.", params,
          lt_binary_cross_entropy_with_logits(input, target, LT_NO_TENSOR, LT_NO_TENSOR, m->reduction));
