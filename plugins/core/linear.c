/* linear.c: torch.nn.Linear as a plugin: y = x W^T + b, PyTorch's default
 * initialisation (kaiming_uniform_(a=sqrt(5)) for the weight, U(-1/sqrt(in),
 * 1/sqrt(in)) for the bias), state-dict names "weight" and "bias". */
#include "common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct linear {
  lt_tensor *weight, *bias; /* owned; bias may be NULL */
} linear;

static lt_status linear_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int64_t in = lt_arg_int(args, "in_features"), out = lt_arg_int(args, "out_features");
  int bias = lt_arg_bool(args, "bias");
  const char *dt = lt_arg_str(args, "dtype");
  lt_dtype dtype = LT_FLOAT32;
  if (dt && !strcmp(dt, "float64")) dtype = LT_FLOAT64;
  linear *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->weight = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out, in), dtype, LT_CPU));
  if (bias) m->bias = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out), dtype, LT_CPU));
  if (!m->weight || (bias && !m->bias) || core_reset_parameters(m->weight, m->bias) != LT_OK) goto fail;
  *self = m;
  return LT_OK;
fail:
  snprintf(err, errlen, "%s", lt_last_error());
  core_wb_destroy(m);
  return LT_FAIL;
}

static lt_tensor *linear_forward(void *self, lt_tensor *x) {
  linear *m = self;
  return lt_linear(x, m->weight, m->bias ? m->bias : LT_NO_TENSOR);
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = linear_forward, .parameters = core_wb_parameters};

static const lt_param params[] = {
    {"in_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "size of each input sample"},
    {"out_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "size of each output sample"},
    LT_PARAM("bias", LT_P_BOOL, "true", "learn an additive bias"),
    LT_PARAM_CHOICE("dtype", "float32", "float32|float64", "parameter dtype"),
};

static const lt_component components[] = {
    {"torch.nn.Linear", LT_KIND_MODULE, "Applies a linear transformation: y = x W^T + b.", params,
     LT_COUNT_OF(params), linear_create, core_wb_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.Linear", LT_VERSION_STRING, "torch.nn.Linear", "BSD-3-Clause", components, NULL);
