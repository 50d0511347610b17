/* dropout2d.c: torch.nn.Dropout2d: zeroes whole channels of (N, C, H, W)
 * with probability p in training mode (scaling the rest by 1/(1-p)); the
 * identity in eval mode. */
#include "common.h"

static const lt_param params[] = {
    LT_PARAM_RANGE("p", LT_P_FLOAT, "0.5", 0.0, 1.0, "probability of a channel to be zeroed"),
    LT_PARAM("inplace", LT_P_BOOL, "false", "accepted for compatibility; ignored"),
};
typedef struct dropout {
  int training;
  double p;
} dropout;
CORE_STATELESS_MODULE("torch.nn.Dropout2d", "Randomly zeroes whole channels during training.", params, dropout,
                      m->p = lt_arg_float(args, "p"), lt_dropout_channels(x, m->p, m->training));
