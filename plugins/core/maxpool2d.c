/* maxpool2d.c: torch.nn.MaxPool2d (stride defaults to kernel_size). */
#include "common.h"

static const lt_param params[] = {
    {"kernel_size", LT_P_ANY, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "window size: int or [h, w]"},
    {"stride", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "stride: int or [h, w] (null: kernel_size)"},
    LT_PARAM("padding", LT_P_ANY, "0", "implicit negative-infinity padding: int or [h, w]"),
    LT_PARAM("dilation", LT_P_ANY, "1", "spacing between window elements: int or [h, w]"),
    LT_PARAM("ceil_mode", LT_P_BOOL, "false", "use ceil instead of floor for the output shape"),
};

static lt_tensor *pool(core_stateless *m, lt_tensor *x) {
  const int64_t *k = m->pair[0], *p = m->pair[2], *d = m->pair[3];
  int64_t s[2] = {0, 0}; /* 0: the kernel size */
  if (!m->v[1].is_null) s[0] = m->pair[1][0], s[1] = m->pair[1][1];
  return lt_max_pool2d(x, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], (int)m->v[4].i);
}
CORE_STATELESS_MODULE("torch.nn.MaxPool2d", "2-D max pooling over (N, C, H, W).", params, pool(m, x));
