/* gelu.c: torch.nn.GELU (exact erf form, or the tanh approximation). */
#include "common.h"

static lt_status create_gelu(const lt_value *args, void **self) {
  lt_status s = core_stateless_create(args, 1, self);
  if (s == LT_OK) ((core_stateless *)*self)->v[0].i = !strcmp(args[0].s, "tanh");
  return s;
}
#define core_stateless_create(args, n, self) create_gelu(args, self)
static const lt_param params[] = {LT_PARAM_CHOICE("approximate", "none", "none|tanh", "tanh approximation or exact")};
CORE_STATELESS_MODULE("torch.nn.GELU", "Gaussian error linear unit.", params, lt_gelu(x, (int)m->v[0].i));
