/* gelu.c: torch.nn.GELU (exact erf form, or the tanh approximation). */
#include "common.h"

static const lt_param params[] = {LT_PARAM_CHOICE("approximate", "none", "none|tanh", "tanh approximation or exact")};
typedef struct gelu {
  int training;
  int tanh; /* lt_gelu's approximate: 0 none, 1 tanh */
} gelu;
static int is_tanh(const char *s) { return s && !strcmp(s, "tanh"); }
CORE_STATELESS_MODULE("torch.nn.GELU", "Gaussian error linear unit.", params, gelu,
                      m->tanh = is_tanh(lt_arg_str(args, "approximate")), lt_gelu(x, m->tanh));
