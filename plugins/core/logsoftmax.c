/* logsoftmax.c: torch.nn.LogSoftmax over dim. */
#include "common.h"

static const lt_param params[] = {{"dim", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "the dim to normalise"}};
typedef struct logsoftmax {
  int training;
  int64_t dim;
} logsoftmax;
CORE_STATELESS_MODULE("torch.nn.LogSoftmax", "log(softmax(x)) along dim.", params, logsoftmax,
                      m->dim = lt_arg_int(args, "dim"), lt_log_softmax(x, m->dim));
