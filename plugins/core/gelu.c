/* gelu.c: torch.nn.GELU (exact erf form, or the tanh approximation). */
#include "common.h"

/* approximate is kept as its choice index: 0 none, 1 tanh */
static const lt_param params[] = {LT_PARAM_CHOICE("approximate", "none", "none|tanh", "tanh approximation or exact")};
CORE_STATELESS_MODULE("torch.nn.GELU", "Gaussian error linear unit.", params, lt_gelu(x, (int)m->v[0].i));
