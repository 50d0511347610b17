/* relu.c: torch.nn.ReLU. */
#include "common.h"

static const lt_param params[] = {LT_PARAM("inplace", LT_P_BOOL, "false", "accepted for compatibility; ignored")};
CORE_STATELESS_MODULE("torch.nn.ReLU", "max(0, x), elementwise.", params, core_stateless, (void)0, lt_relu(x));
