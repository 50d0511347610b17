/* statscores.h: torchmetrics' classification metrics over stat scores:
 * per class true/false positives/negatives, kept as one int64 tensor
 * [4, C] (tp, fp, tn, fn) so processes can sum it. task binary (preds are
 * probabilities or logits, thresholded; logits go through a sigmoid as
 * torchmetrics does when a value leaves [0, 1]: core_class_labels),
 * multiclass (preds are scores [N, C], argmax, or labels [N]; with top_k > 1
 * a prediction counts as the target when the target is among the k best,
 * else as the best, as torchmetrics 1.x refines it) or multilabel (preds
 * and targets [N, L], each label a binary task); average micro, macro
 * (multiclass leaves classes never seen out), weighted (by support) or
 * none. The including file defines score(multiclass, tp, fp, tn, fn) and
 * METRIC_CLASS ("Accuracy"); division by zero gives 0. */
#include "common.h"

#include <stdio.h>

typedef struct stats {
  int multiclass, multilabel, top_k;
  char name[64]; /* torchmetrics' class: MulticlassAccuracy, ... */
  int64_t classes;
  int average; /* 0 micro, 1 macro, 2 weighted, 3 none */
  double threshold;
  lt_tensor *s; /* int64 [4, C] (owned) */
} stats;

static double score(int multiclass, double tp, double fp, double tn, double fn);
static double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

static void stats_destroy(void *self) {
  stats *m = self;
  if (m) lt_tensor_free(m->s);
  free(m);
}

static void stats_reset(void *self) {
  stats *m = self;
  lt_tensor_zero_(m->s);
}

static lt_status stats_create(const lt_value *args, void **self, char *err, size_t errlen) {
  stats *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const char *task = lt_arg_str(args, "task");
  m->multiclass = !strcmp(task, "multiclass");
  m->multilabel = !strcmp(task, "multilabel");
  const char *count = m->multiclass ? "num_classes" : "num_labels";
  m->classes = m->multiclass || m->multilabel ? (lt_arg_is_null(args, count) ? 0 : lt_arg_int(args, count)) : 1;
  if (m->multiclass && m->classes < 2) {
    snprintf(err, errlen, "task multiclass needs num_classes (at least 2)");
    free(m);
    return LT_ERR_INVALID;
  }
  if (m->multilabel && m->classes < 1) {
    snprintf(err, errlen, "task multilabel needs num_labels (at least 1)");
    free(m);
    return LT_ERR_INVALID;
  }
  snprintf(m->name, sizeof m->name, "%s%s", m->multiclass ? "Multiclass" : m->multilabel ? "Multilabel" : "Binary",
           METRIC_CLASS);
  const char *a = lt_arg_str(args, "average");
  m->average = !strcmp(a, "macro") ? 1 : !strcmp(a, "weighted") ? 2 : !strcmp(a, "none") ? 3 : 0;
  m->threshold = lt_arg_float(args, "threshold");
  m->top_k = (int)lt_arg_int(args, "top_k");
  if (m->top_k != 1 && (!m->multiclass || m->top_k > m->classes)) {
    snprintf(err, errlen, m->multiclass ? "top_k (%d) must not exceed num_classes" : "top_k (%d) is for task multiclass",
             m->top_k);
    free(m);
    return LT_ERR_INVALID;
  }
  m->s = lt_tensor_keep(lt_tensor_zeros(LT_SHAPE(4, m->classes), LT_INT64, LT_CPU));
  if (!m->s) {
    snprintf(err, errlen, "%s", lt_last_error());
    free(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_status stats_update(void *self, lt_tensor *preds, lt_tensor *target) {
  stats *m = self;
  lt_scope *scope = lt_scope_begin();
  int prev = lt_grad_set_enabled(0);
  lt_status rc = LT_FAIL;
  lt_tensor *t = lt_tensor_to_dtype(lt_tensor_flatten(target, 0, -1), LT_INT64);
  lt_tensor *p = core_class_labels(preds, m->multiclass, m->threshold);
  if (m->multiclass && m->top_k > 1 && lt_tensor_dim(preds) == 2) {
    /* the target where it is among the k best, else the best */
    lt_tensor *idx = NULL;
    lt_tensor_topk(preds, m->top_k, 1, 1, 1, &idx);
    int64_t d1 = 1;
    lt_tensor *hit = idx ? lt_tensor_gt_scalar(lt_tensor_sum(lt_tensor_eq(idx, lt_tensor_unsqueeze(t, 1)), &d1, 1, 0), 0)
                         : NULL;
    p = hit ? lt_tensor_where(hit, t, p) : NULL;
  }
  if (m->multilabel) {
    /* per label: [N, L] predictions and targets, counted over N */
    int64_t L = m->classes, d0 = 0;
    lt_tensor *P = lt_tensor_reshape(p, LT_SHAPE(-1, L)), *T = lt_tensor_reshape(t, LT_SHAPE(-1, L));
    lt_tensor *nP = lt_tensor_rsub_scalar(P, 1), *nT = lt_tensor_rsub_scalar(T, 1);
    lt_tensor *rows[4] = {lt_tensor_sum(lt_tensor_mul(P, T), &d0, 1, 0), lt_tensor_sum(lt_tensor_mul(P, nT), &d0, 1, 0),
                          lt_tensor_sum(lt_tensor_mul(nP, nT), &d0, 1, 0), lt_tensor_sum(lt_tensor_mul(nP, T), &d0, 1, 0)};
    lt_tensor *add = P && T && lt_tensor_numel(p) == lt_tensor_numel(t) ? lt_tensor_stack(rows, 4, 0) : NULL;
    if (!add && P && T) {
      char msg[160];
      snprintf(msg, sizeof msg, "multilabel metric: preds and target must both be [N, %lld] (num_labels)", (long long)L);
      lt_set_error(msg, 0);
    }
    if (add && lt_tensor_add_(m->s, add, 1) == LT_OK) rc = LT_OK;
  } else if (m->multiclass) {
    /* one-hot rows, then per class counts */
    lt_tensor *P = lt_one_hot(p, m->classes), *T = lt_one_hot(t, m->classes);
    lt_tensor *nP = lt_tensor_rsub_scalar(P, 1), *nT = lt_tensor_rsub_scalar(T, 1);
    int64_t d0 = 0;
    lt_tensor *rows[4] = {lt_tensor_sum(lt_tensor_mul(P, T), &d0, 1, 0), lt_tensor_sum(lt_tensor_mul(P, nT), &d0, 1, 0),
                          lt_tensor_sum(lt_tensor_mul(nP, nT), &d0, 1, 0), lt_tensor_sum(lt_tensor_mul(nP, T), &d0, 1, 0)};
    lt_tensor *add = lt_tensor_stack(rows, 4, 0);
    if (add && lt_tensor_add_(m->s, add, 1) == LT_OK) rc = LT_OK;
  } else {
    lt_tensor *np = lt_tensor_rsub_scalar(p, 1), *nt = lt_tensor_rsub_scalar(t, 1);
    lt_tensor *rows[4] = {lt_tensor_sum(lt_tensor_mul(p, t), NULL, 0, 0), lt_tensor_sum(lt_tensor_mul(p, nt), NULL, 0, 0),
                          lt_tensor_sum(lt_tensor_mul(np, nt), NULL, 0, 0), lt_tensor_sum(lt_tensor_mul(np, t), NULL, 0, 0)};
    lt_tensor *add = lt_tensor_reshape(lt_tensor_stack(rows, 4, 0), LT_SHAPE(4, 1));
    if (add && lt_tensor_add_(m->s, add, 1) == LT_OK) rc = LT_OK;
  }
  lt_grad_set_enabled(prev);
  lt_scope_end(scope);
  return rc;
}

static lt_tensor *stats_compute(void *self) {
  stats *m = self;
  int64_t C = m->classes, *s = lt_tensor_data(m->s);
  if (!s) return NULL;
  const int64_t *tp = s, *fp = s + C, *tn = s + 2 * C, *fn = s + 3 * C;
  if (!m->multiclass && !m->multilabel)
    return lt_tensor_scalar(score(0, (double)tp[0], (double)fp[0], (double)tn[0], (double)fn[0]), LT_FLOAT32);
  if (m->average == 0) { /* micro: pool the counts */
    double a = 0, b = 0, c = 0, d = 0;
    for (int64_t k = 0; k < C; k++) a += (double)tp[k], b += (double)fp[k], c += (double)tn[k], d += (double)fn[k];
    return lt_tensor_scalar(score(m->multiclass, a, b, c, d), LT_FLOAT32);
  }
  float *per = malloc((size_t)C * sizeof *per);
  double num = 0, den = 0;
  for (int64_t k = 0; k < C; k++) {
    per[k] = (float)score(m->multiclass, (double)tp[k], (double)fp[k], (double)tn[k], (double)fn[k]);
    double w = m->average == 2 ? (double)(tp[k] + fn[k]) : (m->multiclass && tp[k] + fp[k] + fn[k] == 0 ? 0 : 1);
    num += w * per[k];
    den += w;
  }
  lt_tensor *r = m->average == 3 ? lt_tensor_from_data(per, &C, 1, LT_FLOAT32)
                                 : lt_tensor_scalar(den > 0 ? num / den : 0.0, LT_FLOAT32);
  free(per);
  return r;
}

static size_t stats_states(void *self, lt_tensor **out, size_t max) {
  if (out && max) out[0] = ((stats *)self)->s;
  return 1;
}

static const char *stats_name(void *self) { return ((stats *)self)->name; }
static const lt_metric_ops ops = {.size = sizeof(lt_metric_ops), .update = stats_update, .compute = stats_compute,
                                  .reset = stats_reset, .states = stats_states, .name = stats_name};

static const lt_param params[] = {
    LT_PARAM_CHOICE("task", "multiclass", "binary|multiclass|multilabel", "kind of classification"),
    {"num_classes", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 2, 0, NULL, "classes (multiclass)"},
    LT_PARAM_CHOICE("average", "micro", "micro|macro|weighted|none", "how to combine classes"),
    LT_PARAM_RANGE("threshold", LT_P_FLOAT, "0.5", 0.0, 1.0, "probability threshold (binary)"),
    LT_PARAM_MIN("top_k", LT_P_INT, "1", 1, "multiclass: a prediction is right if the target is among the k best"),
    {"num_labels", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 1, 0, NULL, "labels (multilabel)"},
};

static const lt_component components[] = {
    {METRIC_TARGET, LT_KIND_METRIC, METRIC_SUMMARY, params, LT_COUNT_OF(params), stats_create, stats_destroy, &ops},
};

LT_PLUGIN_DEFINE(METRIC_TARGET, LT_VERSION_STRING, METRIC_TARGET, "BSD-3-Clause", components, NULL);
