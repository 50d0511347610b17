/* f1score.c: torchmetrics.F1Score: 2 tp / (2 tp + fp + fn). */
#define METRIC_TARGET "torchmetrics.F1Score"
#define METRIC_SUMMARY "Harmonic mean of precision and recall."
#define METRIC_CLASS "F1Score"
#include "statscores.h"

static double score(int multiclass, double tp, double fp, double tn, double fn) {
  (void)multiclass, (void)tn;
  return ratio(2 * tp, 2 * tp + fp + fn);
}
