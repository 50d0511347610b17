/* common.h: small helpers the built-in torch.nn plugins share (each plugin
 * stays one file and one component; these are static inline). */
#ifndef LT_CORE_COMMON_H
#define LT_CORE_COMMON_H

#include <lighter/lighter.h>

#include <math.h>

/* Parameters of a layer with a weight and an optional bias, named as in
 * PyTorch's state dict. */
static inline size_t core_weight_bias(lt_tensor *weight, lt_tensor *bias, lt_tensor **out, const char **names,
                                      size_t max) {
  lt_tensor *p[2] = {weight, bias};
  const char *n[2] = {"weight", "bias"};
  size_t count = bias ? 2 : 1;
  for (size_t i = 0; i < count && i < max; i++) {
    if (out) out[i] = p[i];
    if (names) names[i] = n[i];
  }
  return count;
}

/* PyTorch's reset_parameters for Linear and ConvNd: kaiming_uniform_(a =
 * sqrt(5)) on the weight, then U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the
 * bias (if any), in that order so the random stream matches Python's. Both
 * then require grad. */
static inline lt_status core_reset_parameters(lt_tensor *weight, lt_tensor *bias) {
  if (lt_init_kaiming_uniform_(weight, sqrt(5.0)) != LT_OK) return LT_FAIL;
  if (bias) {
    int64_t fan_in = 0;
    if (lt_init_fans(weight, &fan_in, NULL) != LT_OK) return LT_FAIL;
    double bound = fan_in > 0 ? 1.0 / sqrt((double)fan_in) : 0;
    if (lt_tensor_uniform_(bias, -bound, bound) != LT_OK) return LT_FAIL;
    lt_tensor_set_requires_grad(bias, 1);
  }
  return lt_tensor_set_requires_grad(weight, 1);
}

#endif
