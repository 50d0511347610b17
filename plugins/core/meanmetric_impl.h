/* meanmetric_impl.h: torchmetrics' running means: MEAN_VALUE(preds,
 * target) gives the per-element values to average (squared error, absolute
 * error, or the values themselves); the state is a float64 [sum, count]. */
#include "common.h"

#include <stdio.h>

typedef struct mean {
  lt_tensor *s; /* float64 [2] (owned) */
} mean;

static void mean_destroy(void *self) {
  mean *m = self;
  if (m) lt_tensor_free(m->s);
  free(m);
}

static lt_status mean_create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args;
  mean *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->s = lt_tensor_keep(lt_tensor_zeros(LT_SHAPE(2), LT_FLOAT64, LT_CPU));
  if (!m->s) {
    snprintf(err, errlen, "%s", lt_last_error());
    free(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_status mean_update(void *self, lt_tensor *preds, lt_tensor *target) {
  mean *m = self;
  lt_scope *scope = lt_scope_begin();
  int prev = lt_grad_set_enabled(0);
  lt_tensor *v = lt_tensor_to_dtype(lt_tensor_detach(MEAN_VALUE(preds, target)), LT_FLOAT64);
  lt_tensor *add = v ? lt_tensor_stack((lt_tensor *[]){lt_tensor_sum(v, NULL, 0, 0),
                                                     lt_tensor_scalar((double)lt_tensor_numel(v), LT_FLOAT64)},
                                       2, 0)
                     : NULL;
  lt_status rc = add && lt_tensor_add_(m->s, add, 1) == LT_OK ? LT_OK : LT_FAIL;
  lt_grad_set_enabled(prev);
  lt_scope_end(scope);
  return rc;
}

static lt_tensor *mean_compute(void *self) {
  mean *m = self;
  double *s = lt_tensor_data(m->s);
  return s ? lt_tensor_scalar(s[1] > 0 ? s[0] / s[1] : NAN, LT_FLOAT32) : NULL;
}

static void mean_reset(void *self) { lt_tensor_zero_(((mean *)self)->s); }

static size_t mean_states(void *self, lt_tensor **out, size_t max) {
  if (out && max) out[0] = ((mean *)self)->s;
  return 1;
}

static const lt_metric_ops ops = {.size = sizeof(lt_metric_ops), .update = mean_update, .compute = mean_compute,
                                  .reset = mean_reset, .states = mean_states};

static const lt_param params[] = {LT_PARAM("compute_on_cpu", LT_P_BOOL, "false", "accepted for compatibility")};

static const lt_component components[] = {
    {METRIC_TARGET, LT_KIND_METRIC, METRIC_SUMMARY, params, LT_COUNT_OF(params), mean_create, mean_destroy, &ops},
};

LT_PLUGIN_DEFINE(METRIC_TARGET, LT_VERSION_STRING, METRIC_TARGET, "BSD-3-Clause", components, NULL);
