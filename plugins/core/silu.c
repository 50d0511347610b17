/* silu.c: torch.nn.SiLU. */
#include "common.h"

static const lt_param params[] = {LT_PARAM("inplace", LT_P_BOOL, "false", "accepted for compatibility; ignored")};
CORE_STATELESS_MODULE("torch.nn.SiLU", "x * sigmoid(x).", params, core_stateless, (void)0, lt_silu(x));
