/* dropout.c: torch.nn.Dropout: zeroes elements with probability p in
 * training mode and scales the rest by 1/(1-p); the identity in eval mode. */
#include "common.h"

static const lt_param params[] = {
    LT_PARAM_RANGE("p", LT_P_FLOAT, "0.5", 0.0, 1.0, "probability of an element to be zeroed"),
    LT_PARAM("inplace", LT_P_BOOL, "false", "accepted for compatibility; ignored"),
};
typedef struct dropout {
  int training;
  double p;
} dropout;
CORE_STATELESS_MODULE("torch.nn.Dropout", "Randomly zeroes elements during training.", params, dropout,
                      m->p = lt_arg_float(args, "p"), lt_dropout(x, m->p, m->training));
