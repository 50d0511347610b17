/* meansquarederror.c: torchmetrics.MeanSquaredError. */
#define METRIC_TARGET "torchmetrics.MeanSquaredError"
#define METRIC_SUMMARY "Mean of (preds - target)^2."
#define MEAN_VALUE(p, t) lt_tensor_pow_scalar(lt_tensor_sub(p, t), 2)
#include "meanmetric_impl.h"
