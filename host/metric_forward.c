/* metric_forward.c: torchmetrics' forward for our metrics: the batch's own
 * value, then the epoch's states go on as if only update had run. The
 * metrics keep states that add up (the ones summed across ranks under
 * ddp: counts of true and false positives, sums and weights), so the
 * batch's value comes from the states of the batch alone, and the states
 * of the epoch so far are added back afterwards: the same work as
 * torchmetrics' reduce-state path (full_state_update=False). */
#include "metric_forward.h"

#include "plugin.h"

#define MAX_STATES 64

lt_status host_metric_forward(const lt_metric_ops *ops, void *self, lt_tensor *pred, lt_tensor *target,
                              lt_tensor **value) {
  if (value) *value = NULL;
  lt_tensor *st[MAX_STATES], *kept[MAX_STATES];
  size_t k = value && HOST_HAS(ops, lt_metric_ops, states) ? ops->states(self, st, MAX_STATES) : 0;
  if (k == 0 || k > MAX_STATES) return ops->update(self, pred, target);
  int prev = lt_grad_set_enabled(0);
  for (size_t j = 0; j < k; j++) kept[j] = lt_tensor_clone(st[j]);
  ops->reset(self);
  lt_status rc = ops->update(self, pred, target);
  lt_tensor *v = rc == LT_OK ? ops->compute(self) : NULL;
  if (rc == LT_OK && !v) rc = LT_FAIL;
  /* the epoch goes on: its states so far plus this batch's */
  size_t k2 = ops->states(self, st, MAX_STATES);
  for (size_t j = 0; j < k && j < k2; j++) {
    lt_tensor *sum = kept[j] ? lt_tensor_add(st[j], kept[j]) : NULL;
    if (!sum || lt_tensor_copy_(st[j], sum) != LT_OK) rc = rc == LT_OK ? LT_FAIL : rc;
    lt_tensor_free(sum);
    lt_tensor_free(kept[j]);
  }
  lt_grad_set_enabled(prev);
  if (rc != LT_OK) {
    lt_tensor_free(v);
    return rc;
  }
  *value = v;
  return LT_OK;
}
