/* flatten.c: torch.nn.Flatten (from dim 1 by default, as PyTorch). */
#include "common.h"

static const lt_param params[] = {
    LT_PARAM("start_dim", LT_P_INT, "1", "first dim to flatten"),
    LT_PARAM("end_dim", LT_P_INT, "-1", "last dim to flatten"),
};
typedef struct flatten {
  int training;
  int64_t start_dim, end_dim;
} flatten;
CORE_STATELESS_MODULE("torch.nn.Flatten", "Flattens a range of dims into one.", params, flatten,
                      (m->start_dim = lt_arg_int(args, "start_dim"), m->end_dim = lt_arg_int(args, "end_dim")),
                      lt_tensor_flatten(x, m->start_dim, m->end_dim));
