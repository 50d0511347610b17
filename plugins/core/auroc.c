/* auroc.c: torchmetrics.AUROC, the exact area under the ROC curve
 * (thresholds=None): task binary (probabilities, or logits through a
 * sigmoid), multiclass (scores [N, C], through a softmax unless already in
 * [0, 1]; one-vs-rest per class, then macro / weighted by support / none)
 * or multilabel ([N, L], per label). Predictions and targets are kept
 * (torchmetrics' "cat" state) and the curve is built as torchmetrics'
 * _binary_clf_curve: distinct thresholds in descending order, cumulative
 * true/false positives, trapezoids. A class without positives (or without
 * negatives) scores 0, as torchmetrics' ROC does. */
#include "common.h"

#include <stdio.h>

typedef struct auroc {
  int task;        /* 0 binary, 1 multiclass, 2 multilabel */
  int64_t classes; /* columns kept: 1, C or L */
  int average;     /* 0 macro, 1 weighted, 2 none */
  float *p;        /* n x classes scores */
  int64_t *t;      /* n targets (binary, multiclass) or n x L */
  int64_t n, cap;
} auroc;

static void auroc_destroy(void *self) {
  auroc *m = self;
  if (!m) return;
  free(m->p), free(m->t);
  free(m);
}

static void auroc_reset(void *self) { ((auroc *)self)->n = 0; }

static lt_status auroc_create(const lt_value *args, void **self, char *err, size_t errlen) {
  auroc *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const char *task = lt_arg_str(args, "task"), *average = lt_arg_str(args, "average");
  m->task = !strcmp(task, "multiclass") ? 1 : !strcmp(task, "multilabel") ? 2 : 0;
  const char *count = m->task == 1 ? "num_classes" : "num_labels";
  m->classes = m->task ? (lt_arg_is_null(args, count) ? 0 : lt_arg_int(args, count)) : 1;
  m->average = !strcmp(average, "weighted") ? 1 : !strcmp(average, "none") ? 2 : 0;
  if (m->classes < (m->task == 1 ? 2 : 1)) {
    snprintf(err, errlen, m->task == 1 ? "task multiclass needs num_classes (at least 2)"
                                       : "task multilabel needs num_labels (at least 1)");
    free(m);
    return LT_ERR_INVALID;
  }
  *self = m;
  return LT_OK;
}

static int grow(auroc *m, int64_t more) {
  if (m->n + more <= m->cap) return 0;
  int64_t cap = m->cap ? m->cap : 256;
  while (cap < m->n + more) cap *= 2;
  int64_t tcols = m->task == 2 ? m->classes : 1;
  float *p = realloc(m->p, (size_t)(cap * m->classes) * sizeof *p);
  if (p) m->p = p;
  int64_t *t = realloc(m->t, (size_t)(cap * tcols) * sizeof *t);
  if (t) m->t = t;
  if (!p || !t) return -1;
  m->cap = cap;
  return 0;
}

static lt_status auroc_update(void *self, lt_tensor *preds, lt_tensor *target) {
  auroc *m = self;
  lt_scope *scope = lt_scope_begin();
  int prev = lt_grad_set_enabled(0);
  lt_status rc = LT_ERR_SHAPE;
  lt_tensor *q = lt_tensor_to_dtype(lt_tensor_detach(preds), LT_FLOAT32);
  int64_t rows = m->task == 0 ? lt_tensor_numel(q) : (lt_tensor_dim(q) == 2 ? lt_tensor_size(q, 0) : -1);
  int64_t tcols = m->task == 2 ? m->classes : 1;
  char msg[200] = "";
  if (rows < 0 || (m->task && lt_tensor_size(q, 1) != m->classes))
    snprintf(msg, sizeof msg, "AUROC: preds must be [N, %lld], got %d dims", (long long)m->classes, lt_tensor_dim(q));
  else if (lt_tensor_numel(target) != rows * tcols)
    snprintf(msg, sizeof msg, "AUROC: %lld targets for %lld predictions", (long long)lt_tensor_numel(target),
             (long long)rows);
  if (!*msg && rows > 0) {
    double lo = 0, hi = 0;
    lt_tensor_item_double(lt_tensor_min(q, LT_DIM_NONE, 0, NULL), &lo);
    lt_tensor_item_double(lt_tensor_max(q, LT_DIM_NONE, 0, NULL), &hi);
    if (lo < 0 || hi > 1) q = m->task == 1 ? lt_softmax(q, 1) : lt_sigmoid(q);
    if (grow(m, rows) != 0) {
      rc = LT_ERR_NOMEM;
    } else if (lt_tensor_copy_to(q, m->p + m->n * m->classes, (size_t)(rows * m->classes) * sizeof(float), LT_FLOAT32) ==
                   LT_OK &&
               lt_tensor_copy_to(target, m->t + m->n * tcols, (size_t)(rows * tcols) * sizeof(int64_t), LT_INT64) ==
                   LT_OK) {
      m->n += rows;
      rc = LT_OK;
    } else {
      rc = LT_FAIL;
    }
  } else if (!*msg) {
    rc = LT_OK; /* an empty batch */
  }
  if (*msg) lt_set_error(msg, 0);
  lt_grad_set_enabled(prev);
  lt_scope_end(scope);
  return rc;
}

/* One binary AUROC of scores s[i * stride] against positives pos(i). */
typedef struct col {
  const float *s;
  int64_t stride;
  float score; /* for sorting */
  int positive;
} col;

static int by_score_desc(const void *a, const void *b) {
  float x = ((const col *)a)->score, y = ((const col *)b)->score;
  return x < y ? 1 : x > y ? -1 : 0;
}

static double binary_auc(col *c, int64_t n) {
  qsort(c, (size_t)n, sizeof *c, by_score_desc);
  double P = 0, N = 0;
  for (int64_t i = 0; i < n; i++) P += c[i].positive, N += !c[i].positive;
  /* the curve's points at each distinct threshold; trapezoids between */
  double tps = 0, fps = 0, x0 = 0, y0 = 0, area = 0;
  for (int64_t i = 0; i < n; i++) {
    tps += c[i].positive;
    fps += !c[i].positive;
    if (i + 1 < n && c[i + 1].score == c[i].score) continue;
    double x = N > 0 ? fps / N : 0, y = P > 0 ? tps / P : 0;
    area += (x - x0) * (y + y0) / 2;
    x0 = x, y0 = y;
  }
  return area;
}

static lt_tensor *auroc_compute(void *self) {
  auroc *m = self;
  int64_t C = m->classes, cols = m->task == 0 ? 1 : C;
  col *c = malloc((size_t)(m->n ? m->n : 1) * sizeof *c);
  float *per = malloc((size_t)cols * sizeof *per);
  double *support = calloc((size_t)cols, sizeof *support);
  lt_tensor *r = NULL;
  if (c && per && support) {
    for (int64_t k = 0; k < cols; k++) {
      for (int64_t i = 0; i < m->n; i++) {
        c[i].score = m->p[i * C + k];
        c[i].positive = m->task == 1 ? m->t[i] == k : m->task == 2 ? m->t[i * C + k] == 1 : m->t[i] == 1;
        support[k] += c[i].positive;
      }
      per[k] = (float)binary_auc(c, m->n);
    }
    if (m->task == 0) {
      r = lt_tensor_scalar(per[0], LT_FLOAT32);
    } else if (m->average == 2) {
      r = lt_tensor_from_data(per, &cols, 1, LT_FLOAT32);
    } else {
      double num = 0, den = 0;
      for (int64_t k = 0; k < cols; k++) {
        double w = m->average == 1 ? support[k] : 1;
        num += w * per[k];
        den += w;
      }
      r = lt_tensor_scalar(den > 0 ? num / den : 0, LT_FLOAT32);
    }
  } else {
    lt_set_error("AUROC: out of memory", 0);
  }
  free(c), free(per), free(support);
  return r;
}

/* The kept predictions are concatenated across processes, not summed. */
static size_t auroc_states(void *self, lt_tensor **out, size_t max) {
  (void)self, (void)out, (void)max;
  return 0;
}

static const char *auroc_name(void *self) {
  int task = ((auroc *)self)->task;
  return task == 1 ? "MulticlassAUROC" : task == 2 ? "MultilabelAUROC" : "BinaryAUROC";
}

static const lt_metric_ops ops = {.size = sizeof(lt_metric_ops), .update = auroc_update, .compute = auroc_compute,
                                  .reset = auroc_reset, .states = auroc_states, .name = auroc_name};

static const lt_param params[] = {
    LT_PARAM_CHOICE("task", "binary", "binary|multiclass|multilabel", "kind of classification"),
    {"num_classes", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 2, 0, NULL, "classes (multiclass)"},
    {"num_labels", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 1, 0, NULL, "labels (multilabel)"},
    LT_PARAM_CHOICE("average", "macro", "macro|weighted|none", "how to combine classes (multiclass, multilabel)"),
    {"thresholds", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "null only: the exact curve"},
};

static lt_status auroc_create_checked(const lt_value *args, void **self, char *err, size_t errlen) {
  if (!lt_arg_is_null(args, "thresholds")) {
    snprintf(err, errlen, "only thresholds: null (the exact curve) is supported");
    return LT_ERR_UNSUPPORTED;
  }
  return auroc_create(args, self, err, errlen);
}

static const lt_component components[] = {
    {"torchmetrics.AUROC", LT_KIND_METRIC, "Area under the ROC curve.", params, LT_COUNT_OF(params),
     auroc_create_checked, auroc_destroy, &ops},
};

LT_PLUGIN_DEFINE("torchmetrics.AUROC", LT_VERSION_STRING, "torchmetrics.AUROC", "BSD-3-Clause", components, NULL);
