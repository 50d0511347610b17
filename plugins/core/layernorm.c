/* layernorm.c: torch.nn.LayerNorm over the last dims (normalized_shape). */
#include "common.h"

#include <stdio.h>

typedef struct ln {
  int64_t shape[8];
  int n;
  double eps;
  lt_tensor *weight, *bias; /* owned, NULL without elementwise_affine */
} ln;

static void ln_destroy(void *self) {
  ln *m = self;
  if (m) lt_tensor_free(m->weight), lt_tensor_free(m->bias);
  free(m);
}

static lt_status ln_create(const lt_value *args, void **self, char *err, size_t errlen) {
  ln *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const lt_value *s = lt_arg(args, "normalized_shape");
  if (s->type == LT_P_INT) {
    m->shape[0] = s->i, m->n = 1;
  } else {
    for (size_t i = 0; i < s->n && i < 8; i++) m->shape[m->n++] = s->items[i].i;
  }
  m->eps = lt_arg_float(args, "eps");
  if (lt_arg_bool(args, "elementwise_affine")) {
    m->weight = lt_tensor_keep(lt_tensor_ones(m->shape, m->n, LT_FLOAT32, LT_CPU));
    m->bias = lt_tensor_keep(lt_tensor_zeros(m->shape, m->n, LT_FLOAT32, LT_CPU));
    if (!m->weight || !m->bias) {
      snprintf(err, errlen, "%s", lt_last_error());
      ln_destroy(m);
      return LT_FAIL;
    }
    lt_tensor_set_requires_grad(m->weight, 1);
    lt_tensor_set_requires_grad(m->bias, 1);
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *ln_forward(void *self, lt_tensor *x) {
  ln *m = self;
  return lt_layer_norm(x, m->shape, m->n, m->weight ? m->weight : LT_NO_TENSOR, m->bias ? m->bias : LT_NO_TENSOR,
                       m->eps);
}

static size_t ln_parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  ln *m = self;
  return m->weight ? core_weight_bias(m->weight, m->bias, out, names, max) : 0;
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = ln_forward, .parameters = ln_parameters};

static const lt_param params[] = {
    {"normalized_shape", LT_P_ANY, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "the trailing shape: int or list"},
    {"eps", LT_P_FLOAT, (lt_kind)0, "1.0e-05", LT_PF_MIN_EXCL, 0.0, 0, NULL, "added to the variance"},
    LT_PARAM("elementwise_affine", LT_P_BOOL, "true", "learn a scale and shift"),
};

static const lt_component components[] = {
    {"torch.nn.LayerNorm", LT_KIND_MODULE, "Layer normalisation over the last dims.", params, LT_COUNT_OF(params),
     ln_create, ln_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.LayerNorm", LT_VERSION_STRING, "torch.nn.LayerNorm", "BSD-3-Clause", components, NULL);
