/* conv2d.c: torch.nn.Conv2d as a plugin: 2-D convolution with stride,
 * padding, dilation and groups, PyTorch's default initialisation and
 * state-dict names "weight" and "bias". kernel_size, stride, padding and
 * dilation take an int or a pair [h, w], as in PyTorch. */
#include "common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct conv2d {
  lt_tensor *weight, *bias; /* owned; bias may be NULL */
  int64_t stride[2], padding[2], dilation[2], groups;
} conv2d;

static lt_status conv2d_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int64_t in = lt_arg_int(args, "in_channels"), out = lt_arg_int(args, "out_channels"), kernel[2];
  int bias = lt_arg_bool(args, "bias");
  conv2d *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  if (core_int_pair(args, "kernel_size", 1, kernel, err, errlen) ||
      core_int_pair(args, "stride", 1, m->stride, err, errlen) ||
      core_int_pair(args, "padding", 0, m->padding, err, errlen) ||
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
  m->weight = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out, in / m->groups, kernel[0], kernel[1]), LT_FLOAT32, LT_CPU));
  if (bias) m->bias = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out), LT_FLOAT32, LT_CPU));
  if (!m->weight || (bias && !m->bias) || core_reset_parameters(m->weight, m->bias) != LT_OK) goto fail;
  *self = m;
  return LT_OK;
fail:
  snprintf(err, errlen, "%s", lt_last_error());
  core_wb_destroy(m);
  return LT_FAIL;
}

static lt_tensor *conv2d_forward(void *self, lt_tensor *x) {
  conv2d *m = self;
  return lt_conv2d(x, m->weight, m->bias ? m->bias : LT_NO_TENSOR, m->stride[0], m->stride[1], m->padding[0],
                   m->padding[1], m->dilation[0], m->dilation[1], m->groups);
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = conv2d_forward, .parameters = core_wb_parameters};

static const lt_param params[] = {
    CORE_CONV_PARAMS,
    LT_PARAM("padding", LT_P_ANY, "0", "zero padding on both sides: int or [h, w]"),
    LT_PARAM("dilation", LT_P_ANY, "1", "spacing between kernel elements: int or [h, w]"),
    LT_PARAM_MIN("groups", LT_P_INT, "1", 1, "blocked connections from input to output channels"),
    LT_PARAM("bias", LT_P_BOOL, "true", "learn an additive bias"),
    LT_PARAM_CHOICE("padding_mode", "zeros", "zeros", "padding mode (zeros only)"),
};

static const lt_component components[] = {
    {"torch.nn.Conv2d", LT_KIND_MODULE, "Applies a 2-D convolution over an input of shape (N, C, H, W).", params,
     LT_COUNT_OF(params), conv2d_create, core_wb_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.Conv2d", LT_VERSION_STRING, "torch.nn.Conv2d", "BSD-3-Clause", components, NULL);
