/* identity.c: torch.nn.Identity. */
#include "common.h"

static const lt_param params[] = {LT_PARAM("inplace", LT_P_BOOL, "false", "accepted for compatibility; ignored")};
CORE_STATELESS_MODULE("torch.nn.Identity", "Returns its input.", params, core_stateless, (void)0, lt_tensor_ref(x));
