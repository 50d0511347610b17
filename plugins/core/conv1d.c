/* conv1d.c: torch.nn.Conv1d with PyTorch's default initialisation and
 * state-dict names "weight" and "bias". */
#include "common.h"

#include <stdio.h>

typedef struct conv1d {
  lt_tensor *weight, *bias; /* owned; bias may be NULL */
  int64_t stride, padding, dilation, groups;
} conv1d;

static lt_status conv1d_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int64_t in = lt_arg_int(args, "in_channels"), out = lt_arg_int(args, "out_channels");
  int64_t k = lt_arg_int(args, "kernel_size");
  int bias = lt_arg_bool(args, "bias");
  conv1d *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->stride = lt_arg_int(args, "stride"), m->padding = lt_arg_int(args, "padding");
  m->dilation = lt_arg_int(args, "dilation"), m->groups = lt_arg_int(args, "groups");
  if (in % m->groups || out % m->groups) {
    snprintf(err, errlen, "in_channels (%lld) and out_channels (%lld) must be divisible by groups (%lld)",
             (long long)in, (long long)out, (long long)m->groups);
    free(m);
    return LT_ERR_INVALID;
  }
  m->weight = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out, in / m->groups, k), LT_FLOAT32, LT_CPU));
  if (bias) m->bias = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out), LT_FLOAT32, LT_CPU));
  if (!m->weight || (bias && !m->bias) || core_reset_parameters(m->weight, m->bias) != LT_OK) {
    snprintf(err, errlen, "%s", lt_last_error());
    core_wb_destroy(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *conv1d_forward(void *self, lt_tensor *x) {
  conv1d *m = self;
  return lt_conv1d(x, m->weight, m->bias ? m->bias : LT_NO_TENSOR, m->stride, m->padding, m->dilation, m->groups);
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = conv1d_forward,
                                  .parameters = core_wb_parameters};

static const lt_param params[] = {
    {"in_channels", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "channels of the input"},
    {"out_channels", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "channels produced"},
    {"kernel_size", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "size of the kernel"},
    LT_PARAM_MIN("stride", LT_P_INT, "1", 1, "stride"),
    LT_PARAM_MIN("padding", LT_P_INT, "0", 0, "zero padding on both sides"),
    LT_PARAM_MIN("dilation", LT_P_INT, "1", 1, "spacing between kernel elements"),
    LT_PARAM_MIN("groups", LT_P_INT, "1", 1, "blocked connections from input to output channels"),
    LT_PARAM("bias", LT_P_BOOL, "true", "learn an additive bias"),
};

static const lt_component components[] = {
    {"torch.nn.Conv1d", LT_KIND_MODULE, "Applies a 1-D convolution over (N, C, L).", params, LT_COUNT_OF(params),
     conv1d_create, core_wb_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.Conv1d", LT_VERSION_STRING, "torch.nn.Conv1d", "BSD-3-Clause", components, NULL);
