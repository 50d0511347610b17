/* avgpool2d.c: torch.nn.AvgPool2d (stride defaults to kernel_size). */
#include "common.h"

static const lt_param params[] = {
    {"kernel_size", LT_P_ANY, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "window size: int or [h, w]"},
    {"stride", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "stride: int or [h, w] (null: kernel_size)"},
    LT_PARAM("padding", LT_P_ANY, "0", "implicit zero padding: int or [h, w]"),
    LT_PARAM("ceil_mode", LT_P_BOOL, "false", "use ceil instead of floor for the output shape"),
    LT_PARAM("count_include_pad", LT_P_BOOL, "true", "count the zero padding in the average"),
};

typedef struct pool {
  int training;
  int64_t k[2], s[2], p[2]; /* s {0, 0}: the kernel size */
  int ceil_mode, count_include_pad;
} pool;
static void pool_read(pool *m, const lt_value *args) {
  core_pair(args, "kernel_size", m->k);
  if (!lt_arg_is_null(args, "stride")) core_pair(args, "stride", m->s);
  core_pair(args, "padding", m->p);
  m->ceil_mode = (int)lt_arg_int(args, "ceil_mode");
  m->count_include_pad = (int)lt_arg_int(args, "count_include_pad");
}
static lt_tensor *pool_forward(pool *m, lt_tensor *x) {
  return lt_avg_pool2d(x, m->k[0], m->k[1], m->s[0], m->s[1], m->p[0], m->p[1], m->ceil_mode, m->count_include_pad);
}
CORE_STATELESS_MODULE("torch.nn.AvgPool2d", "2-D average pooling over (N, C, H, W).", params, pool, pool_read(m, args),
                      pool_forward(m, x));
