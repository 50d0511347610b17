/* meanabsoluteerror.c: torchmetrics.MeanAbsoluteError. */
#define METRIC_TARGET "torchmetrics.MeanAbsoluteError"
#define METRIC_SUMMARY "Mean of |preds - target|."
#define MEAN_VALUE(p, t) lt_tensor_abs(lt_tensor_sub(p, t))
#include "meanmetric_impl.h"
