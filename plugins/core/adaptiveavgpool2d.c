/* adaptiveavgpool2d.c: torch.nn.AdaptiveAvgPool2d. */
#include "common.h"

static const lt_param params[] = {
    {"output_size", LT_P_ANY, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "output size: int or [h, w]"},
};
CORE_STATELESS_MODULE("torch.nn.AdaptiveAvgPool2d", "Average pooling to a fixed output size.", params,
                      lt_adaptive_avg_pool2d(x, m->pair[0][0], m->pair[0][1]));
