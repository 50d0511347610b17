/* accuracy.c: torchmetrics.Accuracy: binary (tp + tn) / all; multiclass per
 * class tp / (tp + fn), so micro is the fraction of right predictions. */
#define METRIC_TARGET "torchmetrics.Accuracy"
#define METRIC_SUMMARY "Fraction of correct predictions."
#define METRIC_CLASS "Accuracy"
#include "statscores.h"

static double score(int multiclass, double tp, double fp, double tn, double fn) {
  return multiclass ? ratio(tp, tp + fn) : ratio(tp + tn, tp + tn + fp + fn);
}
