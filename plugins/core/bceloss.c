/* bceloss.c: torch.nn.BCELoss (on probabilities; weight, reduction as in
 * PyTorch: weight rescales each element and broadcasts to the input). */
#include "loss_weight.h"

static lt_status bce_create(const lt_value *args, void **self, char *err, size_t errlen) {
  core_wloss *c;
  lt_status st = core_wloss_new(args, 0, &c, err, errlen);
  if (st == LT_OK) *self = c;
  return st;
}

static lt_tensor *bce_forward(void *self, lt_tensor *input, lt_tensor *target) {
  core_wloss *c = self;
  return lt_binary_cross_entropy(input, target, core_loss_like(c->weight, input), c->reduction);
}

static const lt_loss_ops ops = {.size = sizeof(lt_loss_ops), .forward = bce_forward};

static const lt_param params[] = {
    CORE_LOSS_WEIGHT("a weight per element, broadcast to the input (list of numbers)"),
    CORE_REDUCTION,
};

static const lt_component components[] = {
    {"torch.nn.BCELoss", LT_KIND_LOSS, "Binary cross entropy of probabilities.", params, LT_COUNT_OF(params),
     bce_create, core_wloss_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.BCELoss", LT_VERSION_STRING, "torch.nn.BCELoss", "BSD-3-Clause", components, NULL);
