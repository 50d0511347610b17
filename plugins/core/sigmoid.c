/* sigmoid.c: torch.nn.Sigmoid. */
#include "common.h"

static const lt_param params[] = {LT_PARAM("inplace", LT_P_BOOL, "false", "accepted for compatibility; ignored")};
CORE_STATELESS_MODULE("torch.nn.Sigmoid", "1 / (1 + exp(-x)).", params, core_stateless, (void)0, lt_sigmoid(x));
