/* bcewithlogitsloss.c: torch.nn.BCEWithLogitsLoss (sigmoid inside, stable;
 * weight, reduction and pos_weight as in PyTorch: pos_weight weighs the
 * positive examples of each class, the last dimension of the input). */
#include "loss_weight.h"

static lt_status bcel_create(const lt_value *args, void **self, char *err, size_t errlen) {
  core_wloss *c;
  lt_status st = core_wloss_new(args, 1, &c, err, errlen);
  if (st == LT_OK) *self = c;
  return st;
}

static lt_tensor *bcel_forward(void *self, lt_tensor *input, lt_tensor *target) {
  core_wloss *c = self;
  return lt_binary_cross_entropy_with_logits(input, target, core_loss_like(c->weight, input),
                                             core_loss_like(c->pos_weight, input), c->reduction);
}

static const lt_loss_ops ops = {.size = sizeof(lt_loss_ops), .forward = bcel_forward};

static const lt_param params[] = {
    CORE_LOSS_WEIGHT("a weight per element, broadcast to the input (list of numbers)"),
    CORE_REDUCTION,
    {"pos_weight", LT_P_LIST, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "a weight of the positive examples per class (list of numbers)"},
};

static const lt_component components[] = {
    {"torch.nn.BCEWithLogitsLoss", LT_KIND_LOSS, "Binary cross entropy of logits.", params, LT_COUNT_OF(params),
     bcel_create, core_wloss_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.BCEWithLogitsLoss", LT_VERSION_STRING, "torch.nn.BCEWithLogitsLoss", "BSD-3-Clause",
                 components, NULL);
