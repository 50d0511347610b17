/* recall.c: torchmetrics.Recall: tp / (tp + fn). */
#define METRIC_TARGET "torchmetrics.Recall"
#define METRIC_SUMMARY "Fraction of positives that are found."
#define METRIC_CLASS "Recall"
#include "statscores.h"

static double score(int multiclass, double tp, double fp, double tn, double fn) {
  (void)multiclass, (void)tn, (void)fp;
  return ratio(tp, tp + fn);
}
