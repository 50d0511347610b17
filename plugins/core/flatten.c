/* flatten.c: torch.nn.Flatten (from dim 1 by default, as PyTorch). */
#include "common.h"

static const lt_param params[] = {
    LT_PARAM("start_dim", LT_P_INT, "1", "first dim to flatten"),
    LT_PARAM("end_dim", LT_P_INT, "-1", "last dim to flatten"),
};
CORE_STATELESS_MODULE("torch.nn.Flatten", "Flattens a range of dims into one.", params,
                      lt_tensor_flatten(x, m->v[0].i, m->v[1].i));
