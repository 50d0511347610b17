/* meanmetric.c: torchmetrics.MeanMetric: the mean of the values given as preds (target ignored). */
#define METRIC_TARGET "torchmetrics.MeanMetric"
#define METRIC_SUMMARY "Running mean of the values."
#define MEAN_VALUE(p, t) ((void)(t), lt_tensor_ref(p))
#include "meanmetric_impl.h"
