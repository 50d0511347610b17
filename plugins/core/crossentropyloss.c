/* crossentropyloss.c: torch.nn.CrossEntropyLoss (class indices or class
 * probabilities as targets; weight, ignore_index, reduction,
 * label_smoothing as in PyTorch). */
#include "loss_weight.h"

static lt_status ce_create(const lt_value *args, void **self, char *err, size_t errlen) {
  core_wloss *c;
  lt_status st = core_wloss_new(args, 0, &c, err, errlen);
  if (st == LT_OK) {
    c->ignore_index = lt_arg_int(args, "ignore_index");
    c->label_smoothing = lt_arg_float(args, "label_smoothing");
    *self = c;
  }
  return st;
}

static lt_tensor *ce_forward(void *self, lt_tensor *input, lt_tensor *target) {
  core_wloss *c = self;
  return lt_cross_entropy(input, target, core_loss_like(c->weight, input), c->reduction, c->ignore_index,
                          c->label_smoothing);
}

static const lt_loss_ops ops = {.size = sizeof(lt_loss_ops), .forward = ce_forward};

static const lt_param params[] = {
    CORE_LOSS_WEIGHT("a weight per class (list of numbers)"),
    CORE_LOSS_IGNORE_INDEX,
    LT_PARAM_CHOICE("reduction", "mean", "none|mean|sum", "how to reduce over the batch"),
    LT_PARAM_RANGE("label_smoothing", LT_P_FLOAT, "0.0", 0.0, 1.0, "amount of smoothing"),
};

static const lt_component components[] = {
    {"torch.nn.CrossEntropyLoss", LT_KIND_LOSS, "Cross entropy between logits and class targets.", params,
     LT_COUNT_OF(params), ce_create, core_wloss_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.CrossEntropyLoss", LT_VERSION_STRING, "torch.nn.CrossEntropyLoss", "BSD-3-Clause",
                 components, NULL);
