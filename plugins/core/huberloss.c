/* huberloss.c: torch.nn.HuberLoss. */
#include "common.h"

static const lt_param params[] = {CORE_REDUCTION, {"delta", LT_P_FLOAT, (lt_kind)0, "1.0", LT_PF_MIN_EXCL, 0, 0, NULL, "quadratic below delta"}};
typedef struct huber {
  lt_reduction reduction;
  double delta;
} huber;
CORE_LOSS("torch.nn.HuberLoss", "Huber loss.", params, huber, m->delta = lt_arg_float(args, "delta"),
          lt_huber_loss(input, target, m->reduction, m->delta));
