/* convtranspose2d.c: torch.nn.ConvTranspose2d: the transposed 2-D
 * convolution (stride, padding, output_padding, groups, dilation), weight
 * [in, out/groups, kh, kw] with PyTorch's default initialisation and
 * state-dict names "weight" and "bias". */
#include "common.h"

typedef struct convt {
  lt_tensor *weight, *bias; /* owned; bias may be NULL */
  int64_t stride[2], padding[2], out_padding[2], dilation[2], groups;
} convt;

static lt_status convt_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int64_t in = lt_arg_int(args, "in_channels"), out = lt_arg_int(args, "out_channels"), kernel[2];
  int bias = lt_arg_bool(args, "bias");
  convt *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  if (core_int_pair(args, "kernel_size", 1, kernel, err, errlen) ||
      core_int_pair(args, "stride", 1, m->stride, err, errlen) ||
      core_int_pair(args, "padding", 0, m->padding, err, errlen) ||
      core_int_pair(args, "output_padding", 0, m->out_padding, err, errlen) ||
      core_int_pair(args, "dilation", 1, m->dilation, err, errlen)) {
    free(m);
    return LT_ERR_INVALID;
  }
  m->groups = lt_arg_int(args, "groups");
  if (in % m->groups || out % m->groups) {
    snprintf(err, errlen, "in_channels (%lld) and out_channels (%lld) must be divisible by groups (%lld)",
             (long long)in, (long long)out, (long long)m->groups);
    free(m);
    return LT_ERR_INVALID;
  }
  for (int i = 0; i < 2; i++)
    if (m->out_padding[i] >= m->stride[i] && m->out_padding[i] >= m->dilation[i]) {
      snprintf(err, errlen, "output_padding (%lld) must be smaller than either stride (%lld) or dilation (%lld)",
               (long long)m->out_padding[i], (long long)m->stride[i], (long long)m->dilation[i]);
      free(m);
      return LT_ERR_INVALID;
    }
  m->weight = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(in, out / m->groups, kernel[0], kernel[1]), LT_FLOAT32, LT_CPU));
  if (bias) m->bias = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out), LT_FLOAT32, LT_CPU));
  if (!m->weight || (bias && !m->bias) || core_reset_parameters(m->weight, m->bias) != LT_OK) {
    snprintf(err, errlen, "%s", lt_last_error());
    core_wb_destroy(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *convt_forward(void *self, lt_tensor *x) {
  convt *m = self;
  return lt_conv_transpose2d(x, m->weight, m->bias ? m->bias : LT_NO_TENSOR, m->stride[0], m->stride[1],
                             m->padding[0], m->padding[1], m->out_padding[0], m->out_padding[1], m->groups,
                             m->dilation[0], m->dilation[1]);
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = convt_forward, .parameters = core_wb_parameters};

static const lt_param params[] = {
    CORE_CONV_PARAMS,
    LT_PARAM("padding", LT_P_ANY, "0", "dilation * (kernel_size - 1) - padding zeros on both sides: int or [h, w]"),
    LT_PARAM("output_padding", LT_P_ANY, "0", "extra size added to one side of the output: int or [h, w]"),
    LT_PARAM_MIN("groups", LT_P_INT, "1", 1, "blocked connections from input to output channels"),
    LT_PARAM("bias", LT_P_BOOL, "true", "learn an additive bias"),
    LT_PARAM("dilation", LT_P_ANY, "1", "spacing between kernel elements: int or [h, w]"),
    LT_PARAM_CHOICE("padding_mode", "zeros", "zeros", "padding mode (zeros only)"),
};

static const lt_component components[] = {
    {"torch.nn.ConvTranspose2d", LT_KIND_MODULE,
     "Applies a transposed 2-D convolution (a \"deconvolution\") over (N, C, H, W).", params, LT_COUNT_OF(params),
     convt_create, core_wb_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.ConvTranspose2d", LT_VERSION_STRING, "torch.nn.ConvTranspose2d", "BSD-3-Clause", components,
                 NULL);
