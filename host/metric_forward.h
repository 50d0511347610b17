/* metric_forward.h: a metric's value on one batch alone while it keeps
 * accumulating over the epoch (torchmetrics' Metric.forward), for
 * Lighter's <mode>/metrics/<Name>/step keys. */
#ifndef HOST_METRIC_FORWARD_H
#define HOST_METRIC_FORWARD_H

#include <lighter/lighter.h>

/* Updates the metric (ops, self) with (pred, target) as update does; when
 * value is not NULL, also sets *value to the metric of this batch alone
 * (new ref, NULL when the metric keeps no state that adds up, so that its
 * batch value cannot be told apart: then it is only updated). LT_OK, or
 * the update's or compute's status with lt_last_error() set. */
lt_status host_metric_forward(const lt_metric_ops *ops, void *self, lt_tensor *pred, lt_tensor *target,
                              lt_tensor **value);

#endif
