/* bilinear.c: torch.nn.Bilinear: y = x1^T A x2 + b over two inputs (its
 * forward_n takes (x1, x2); the one-input forward says so), weight
 * [out, in1, in2] and bias initialised U(-1/sqrt(in1), 1/sqrt(in1)) as in
 * PyTorch. */
#include "common.h"

typedef struct bilinear {
  lt_tensor *weight, *bias; /* owned; bias may be NULL */
} bilinear;

static lt_status bl_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int64_t in1 = lt_arg_int(args, "in1_features"), in2 = lt_arg_int(args, "in2_features");
  int64_t out = lt_arg_int(args, "out_features");
  bilinear *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  double bound = 1.0 / sqrt((double)in1);
  m->weight = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out, in1, in2), LT_FLOAT32, LT_CPU));
  int ok = m->weight && lt_tensor_uniform_(m->weight, -bound, bound) == LT_OK &&
           lt_tensor_set_requires_grad(m->weight, 1) == LT_OK;
  if (ok && lt_arg_bool(args, "bias")) {
    m->bias = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out), LT_FLOAT32, LT_CPU));
    ok = m->bias && lt_tensor_uniform_(m->bias, -bound, bound) == LT_OK && lt_tensor_set_requires_grad(m->bias, 1) == LT_OK;
  }
  if (!ok) {
    snprintf(err, errlen, "%s", lt_last_error());
    core_wb_destroy(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *bl_forward_n(void *self, lt_tensor *const *x, int n) {
  bilinear *m = self;
  if (n != 2) {
    char msg[120];
    snprintf(msg, sizeof msg, "torch.nn.Bilinear takes two inputs (x1, x2), got %d", n);
    lt_set_error(msg, 0);
    return NULL;
  }
  return lt_bilinear(x[0], x[1], m->weight, m->bias ? m->bias : LT_NO_TENSOR);
}

static lt_tensor *bl_forward(void *self, lt_tensor *x) {
  (void)self, (void)x;
  lt_set_error("torch.nn.Bilinear takes two inputs (x1, x2): call its forward_n with both", 0);
  return NULL;
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = bl_forward, .parameters = core_wb_parameters,
                                  .forward_n = bl_forward_n};

static const lt_param params[] = {
    {"in1_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "size of each first input"},
    {"in2_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "size of each second input"},
    {"out_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "size of each output"},
    LT_PARAM("bias", LT_P_BOOL, "true", "learn an additive bias"),
};

static const lt_component components[] = {
    {"torch.nn.Bilinear", LT_KIND_MODULE, "A bilinear transformation of two inputs: x1^T A x2 + b.", params,
     LT_COUNT_OF(params), bl_create, core_wb_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.Bilinear", LT_VERSION_STRING, "torch.nn.Bilinear", "BSD-3-Clause", components, NULL);
