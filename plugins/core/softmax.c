/* softmax.c: torch.nn.Softmax over dim. */
#include "common.h"

static const lt_param params[] = {{"dim", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "the dim to normalise"}};
CORE_STATELESS_MODULE("torch.nn.Softmax", "exp(x) / sum(exp(x)) along dim.", params, lt_softmax(x, m->v[0].i));
