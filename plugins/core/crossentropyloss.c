/* crossentropyloss.c: torch.nn.CrossEntropyLoss (class indices or class
 * probabilities as targets; weight, ignore_index, reduction,
 * label_smoothing as in PyTorch). */
#include "common.h"

#include <stdio.h>
#include <string.h>

typedef struct ce {
  lt_tensor *weight; /* owned, may be NULL */
  int64_t ignore_index;
  lt_reduction reduction;
  double smoothing;
} ce;

static void ce_destroy(void *self) {
  ce *c = self;
  if (c) lt_tensor_free(c->weight);
  free(c);
}

static lt_status ce_create(const lt_value *args, void **self, char *err, size_t errlen) {
  ce *c = calloc(1, sizeof *c);
  if (!c) return LT_ERR_NOMEM;
  if (!args[0].is_null) {
    const lt_value *w = &args[0];
    double *vals = calloc(w->n + 1, sizeof *vals);
    for (size_t i = 0; i < w->n; i++) vals[i] = w->items[i].f;
    int64_t n = (int64_t)w->n;
    c->weight = lt_tensor_keep(lt_tensor_to_dtype(lt_tensor_from_data(vals, &n, 1, LT_FLOAT64), LT_FLOAT32));
    free(vals);
    if (!c->weight) {
      snprintf(err, errlen, "weight: %s", lt_last_error());
      ce_destroy(c);
      return LT_FAIL;
    }
  }
  c->ignore_index = args[1].i;
  c->reduction = core_reduction(args[2].s);
  c->smoothing = args[3].f;
  *self = c;
  return LT_OK;
}

static lt_tensor *ce_forward(void *self, lt_tensor *input, lt_tensor *target) {
  ce *c = self;
  return lt_cross_entropy(input, target, c->weight ? c->weight : LT_NO_TENSOR, c->reduction, c->ignore_index,
                          c->smoothing);
}

static const lt_loss_ops ops = {.size = sizeof(lt_loss_ops), .forward = ce_forward};

static const lt_param params[] = {
    {"weight", LT_P_LIST, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "a weight per class (list of numbers)"},
    LT_PARAM("ignore_index", LT_P_INT, "-100", "target value that does not count"),
    LT_PARAM_CHOICE("reduction", "mean", "none|mean|sum", "how to reduce over the batch"),
    LT_PARAM_RANGE("label_smoothing", LT_P_FLOAT, "0.0", 0.0, 1.0, "amount of smoothing"),
};

static const lt_component components[] = {
    {"torch.nn.CrossEntropyLoss", LT_KIND_LOSS, "Cross entropy between logits and class targets.", params,
     LT__COUNT_OF(params), ce_create, ce_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.CrossEntropyLoss", LT_VERSION_STRING, "torch.nn.CrossEntropyLoss", "BSD-3-Clause",
                 components, NULL);
