/* leakyrelu.c: torch.nn.LeakyReLU. */
#include "common.h"

static const lt_param params[] = {
    LT_PARAM("negative_slope", LT_P_FLOAT, "0.01", "slope for x < 0"),
    LT_PARAM("inplace", LT_P_BOOL, "false", "accepted for compatibility; ignored"),
};
typedef struct leaky {
  int training;
  double negative_slope;
} leaky;
CORE_STATELESS_MODULE("torch.nn.LeakyReLU", "x for x >= 0, negative_slope * x otherwise.", params, leaky,
                      m->negative_slope = lt_arg_float(args, "negative_slope"), lt_leaky_relu(x, m->negative_slope));
