/* confusionmatrix.c: torchmetrics.ConfusionMatrix: counts [C, C], rows
 * the target class, columns the predicted one (binary: C = 2, threshold on
 * probabilities, logits through a sigmoid). normalize: none, true, pred,
 * all as torchmetrics. */
#include "common.h"

#include <math.h>
#include <stdio.h>

typedef struct cm {
  int64_t classes;
  int binary, normalize; /* 0 none, 1 true, 2 pred, 3 all */
  double threshold;
  lt_tensor *s; /* int64 [C, C] (owned) */
} cm;

static void cm_destroy(void *self) {
  cm *m = self;
  if (m) lt_tensor_free(m->s);
  free(m);
}

static lt_status cm_create(const lt_value *args, void **self, char *err, size_t errlen) {
  cm *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->binary = !strcmp(lt_arg_str(args, "task"), "binary");
  m->classes = m->binary ? 2 : (lt_arg_is_null(args, "num_classes") ? 0 : lt_arg_int(args, "num_classes"));
  const char *n = lt_arg_is_null(args, "normalize") ? "none" : lt_arg_str(args, "normalize");
  m->normalize = !strcmp(n, "true") ? 1 : !strcmp(n, "pred") ? 2 : !strcmp(n, "all") ? 3 : 0;
  m->threshold = lt_arg_float(args, "threshold");
  if (m->classes < 2) {
    snprintf(err, errlen, "task multiclass needs num_classes (at least 2)");
    free(m);
    return LT_ERR_INVALID;
  }
  m->s = lt_tensor_keep(lt_tensor_zeros(LT_SHAPE(m->classes, m->classes), LT_INT64, LT_CPU));
  if (!m->s) {
    snprintf(err, errlen, "%s", lt_last_error());
    free(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_status cm_update(void *self, lt_tensor *preds, lt_tensor *target) {
  cm *m = self;
  lt_scope *scope = lt_scope_begin();
  int prev = lt_grad_set_enabled(0);
  lt_tensor *p = core_class_labels(preds, !m->binary, m->threshold);
  lt_tensor *t = lt_tensor_to_dtype(lt_tensor_flatten(target, 0, -1), LT_INT64);
  /* counts of target * C + pred, as a [C, C] table */
  lt_tensor *idx = lt_tensor_add(lt_tensor_mul_scalar(t, (double)m->classes), p);
  int64_t zero = 0;
  lt_tensor *counts = lt_tensor_sum(lt_one_hot(idx, m->classes * m->classes), &zero, 1, 0);
  lt_tensor *table = lt_tensor_reshape(counts, LT_SHAPE(m->classes, m->classes));
  lt_status rc = table && lt_tensor_add_(m->s, table, 1) == LT_OK ? LT_OK : LT_FAIL;
  lt_grad_set_enabled(prev);
  lt_scope_end(scope);
  return rc;
}

static lt_tensor *cm_compute(void *self) {
  cm *m = self;
  if (!m->normalize) return lt_tensor_clone(m->s);
  lt_scope *scope = lt_scope_begin();
  lt_tensor *f = lt_tensor_to_dtype(m->s, LT_FLOAT32), *den;
  int64_t d = m->normalize == 1 ? 1 : 0;
  if (m->normalize == 3) den = lt_tensor_sum(f, NULL, 0, 0);
  else den = lt_tensor_sum(f, &d, 1, 1);
  /* 0 / 0 reads 0, as torchmetrics */
  lt_tensor *r = lt_tensor_keep(lt_tensor_where(lt_tensor_eq_scalar(den, 0), lt_tensor_zeros_like(f), lt_tensor_div(f, den)));
  lt_scope_end(scope);
  return r;
}

static void cm_reset(void *self) { lt_tensor_zero_(((cm *)self)->s); }

static size_t cm_states(void *self, lt_tensor **out, size_t max) {
  if (out && max) out[0] = ((cm *)self)->s;
  return 1;
}

static const char *cm_name(void *self) {
  return ((cm *)self)->binary ? "BinaryConfusionMatrix" : "MulticlassConfusionMatrix";
}

static const lt_metric_ops ops = {.size = sizeof(lt_metric_ops), .update = cm_update, .compute = cm_compute,
                                  .reset = cm_reset, .states = cm_states, .name = cm_name};

static const lt_param params[] = {
    LT_PARAM_CHOICE("task", "multiclass", "binary|multiclass", "kind of classification"),
    {"num_classes", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 2, 0, NULL, "classes (multiclass)"},
    {"normalize", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, "none|true|pred|all",
     "normalise over targets (true), predictions (pred) or everything (all)"},
    LT_PARAM_RANGE("threshold", LT_P_FLOAT, "0.5", 0.0, 1.0, "probability threshold (binary)"),
};

static const lt_component components[] = {
    {"torchmetrics.ConfusionMatrix", LT_KIND_METRIC, "Counts of (target, prediction) pairs.", params,
     LT_COUNT_OF(params), cm_create, cm_destroy, &ops},
};

LT_PLUGIN_DEFINE("torchmetrics.ConfusionMatrix", LT_VERSION_STRING, "torchmetrics.ConfusionMatrix", "BSD-3-Clause",
                 components, NULL);
