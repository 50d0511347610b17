/* adaptiveavgpool2d.c: torch.nn.AdaptiveAvgPool2d. */
#include "common.h"

static const lt_param params[] = {
    {"output_size", LT_P_ANY, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "output size: int or [h, w]"},
};
typedef struct pool {
  int training;
  int64_t size[2];
} pool;
CORE_STATELESS_MODULE("torch.nn.AdaptiveAvgPool2d", "Average pooling to a fixed output size.", params, pool,
                      core_pair(args, "output_size", m->size), lt_adaptive_avg_pool2d(x, m->size[0], m->size[1]));
