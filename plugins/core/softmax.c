/* softmax.c: torch.nn.Softmax over dim. */
#include "common.h"

static const lt_param params[] = {{"dim", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "the dim to normalise"}};
typedef struct softmax {
  int training;
  int64_t dim;
} softmax;
CORE_STATELESS_MODULE("torch.nn.Softmax", "exp(x) / sum(exp(x)) along dim.", params, softmax,
                      m->dim = lt_arg_int(args, "dim"), lt_softmax(x, m->dim));
