/* precision.c: torchmetrics.Precision: tp / (tp + fp). */
#define METRIC_TARGET "torchmetrics.Precision"
#define METRIC_SUMMARY "Fraction of positive predictions that are right."
#define METRIC_CLASS "Precision"
#include "statscores.h"

static double score(int multiclass, double tp, double fp, double tn, double fn) {
  (void)multiclass, (void)tn, (void)fn;
  return ratio(tp, tp + fp);
}
