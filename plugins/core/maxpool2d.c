/* maxpool2d.c: torch.nn.MaxPool2d (stride defaults to kernel_size). */
#include "common.h"

static const lt_param params[] = {
    {"kernel_size", LT_P_ANY, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "window size: int or [h, w]"},
    {"stride", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "stride: int or [h, w] (null: kernel_size)"},
    LT_PARAM("padding", LT_P_ANY, "0", "implicit negative-infinity padding: int or [h, w]"),
    LT_PARAM("dilation", LT_P_ANY, "1", "spacing between window elements: int or [h, w]"),
    LT_PARAM("ceil_mode", LT_P_BOOL, "false", "use ceil instead of floor for the output shape"),
};

typedef struct pool {
  int training;
  int64_t k[2], s[2], p[2], d[2]; /* s {0, 0}: the kernel size */
  int ceil_mode;
} pool;
static void pool_read(pool *m, const lt_value *args) {
  core_pair(args, "kernel_size", m->k);
  if (!lt_arg_is_null(args, "stride")) core_pair(args, "stride", m->s);
  core_pair(args, "padding", m->p);
  core_pair(args, "dilation", m->d);
  m->ceil_mode = (int)lt_arg_int(args, "ceil_mode");
}
static lt_tensor *pool_forward(pool *m, lt_tensor *x) {
  return lt_max_pool2d(x, m->k[0], m->k[1], m->s[0], m->s[1], m->p[0], m->p[1], m->d[0], m->d[1], m->ceil_mode);
}
CORE_STATELESS_MODULE("torch.nn.MaxPool2d", "2-D max pooling over (N, C, H, W).", params, pool, pool_read(m, args),
                      pool_forward(m, x));
