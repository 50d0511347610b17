/* mseloss.c: torch.nn.MSELoss. */
#include "common.h"

static const lt_param params[] = {CORE_REDUCTION};
CORE_LOSS("torch.nn.MSELoss", "Mean squared error.", params, core_loss, (void)0, lt_mse_loss(input, target, m->reduction));
