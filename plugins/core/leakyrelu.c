/* leakyrelu.c: torch.nn.LeakyReLU. */
#include "common.h"

static const lt_param params[] = {
    LT_PARAM("negative_slope", LT_P_FLOAT, "0.01", "slope for x < 0"),
    LT_PARAM("inplace", LT_P_BOOL, "false", "accepted for compatibility; ignored"),
};
CORE_STATELESS_MODULE("torch.nn.LeakyReLU", "x for x >= 0, negative_slope * x otherwise.", params,
                      lt_leaky_relu(x, m->v[0].f));
