/* smoothl1loss.c: torch.nn.SmoothL1Loss. */
#include "common.h"

static const lt_param params[] = {CORE_REDUCTION, LT_PARAM_MIN("beta", LT_P_FLOAT, "1.0", 0.0, "quadratic below beta")};
typedef struct smoothl1 {
  lt_reduction reduction;
  double beta;
} smoothl1;
CORE_LOSS("torch.nn.SmoothL1Loss", "L1 loss, quadratic near zero.", params, smoothl1, m->beta = lt_arg_float(args, "beta"),
          lt_smooth_l1_loss(input, target, m->reduction, m->beta));
