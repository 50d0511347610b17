/* r2score.c: torchmetrics.R2Score: 1 - SS_res / SS_tot over everything
 * seen; the state is float64 [sum y, sum y^2, sum (y - p)^2, n]. */
#include "common.h"

#include <math.h>
#include <stdio.h>

typedef struct r2 {
  lt_tensor *s; /* owned */
} r2;

static void r2_destroy(void *self) {
  r2 *m = self;
  if (m) lt_tensor_free(m->s);
  free(m);
}

static lt_status r2_create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args;
  r2 *m = calloc(1, sizeof *m);
  if (!m || !(m->s = lt_tensor_keep(lt_tensor_zeros(LT_SHAPE(4), LT_FLOAT64, LT_CPU)))) {
    snprintf(err, errlen, "%s", lt_last_error());
    free(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_status r2_update(void *self, lt_tensor *preds, lt_tensor *target) {
  r2 *m = self;
  lt_scope *scope = lt_scope_begin();
  int prev = lt_grad_set_enabled(0);
  lt_tensor *p = lt_tensor_to_dtype(lt_tensor_detach(preds), LT_FLOAT64);
  lt_tensor *t = lt_tensor_to_dtype(target, LT_FLOAT64);
  lt_tensor *parts[4] = {lt_tensor_sum(t, NULL, 0, 0), lt_tensor_sum(lt_tensor_mul(t, t), NULL, 0, 0),
                         lt_tensor_sum(lt_tensor_pow_scalar(lt_tensor_sub(t, p), 2), NULL, 0, 0),
                         t ? lt_tensor_scalar((double)lt_tensor_numel(t), LT_FLOAT64) : NULL};
  lt_tensor *add = lt_tensor_stack(parts, 4, 0);
  lt_status rc = add && lt_tensor_add_(m->s, add, 1) == LT_OK ? LT_OK : LT_FAIL;
  lt_grad_set_enabled(prev);
  lt_scope_end(scope);
  return rc;
}

static lt_tensor *r2_compute(void *self) {
  double *s = lt_tensor_data(((r2 *)self)->s);
  if (!s) return NULL;
  double tss = s[1] - s[0] * s[0] / s[3];
  return lt_tensor_scalar(s[3] > 0 && tss != 0 ? 1 - s[2] / tss : NAN, LT_FLOAT32);
}

static void r2_reset(void *self) { lt_tensor_zero_(((r2 *)self)->s); }

static size_t r2_states(void *self, lt_tensor **out, size_t max) {
  if (out && max) out[0] = ((r2 *)self)->s;
  return 1;
}

static const lt_metric_ops ops = {.size = sizeof(lt_metric_ops), .update = r2_update, .compute = r2_compute,
                                  .reset = r2_reset, .states = r2_states};

static const lt_param params[] = {LT_PARAM("num_outputs", LT_P_INT, "1", "outputs (1 only)")};

static const lt_component components[] = {
    {"torchmetrics.R2Score", LT_KIND_METRIC, "Coefficient of determination.", params, LT_COUNT_OF(params), r2_create,
     r2_destroy, &ops},
};

LT_PLUGIN_DEFINE("torchmetrics.R2Score", LT_VERSION_STRING, "torchmetrics.R2Score", "BSD-3-Clause", components, NULL);
