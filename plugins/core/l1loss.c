/* l1loss.c: torch.nn.L1Loss. */
#include "common.h"

static const lt_param params[] = {CORE_REDUCTION};
CORE_LOSS("torch.nn.L1Loss", "Mean absolute error.", params, core_loss, (void)0, lt_l1_loss(input, target, m->reduction));
