/* nllloss.c: torch.nn.NLLLoss (on log-probabilities; weight, ignore_index,
 * reduction as in PyTorch). */
#include "loss_weight.h"

static lt_status nll_create(const lt_value *args, void **self, char *err, size_t errlen) {
  core_wloss *c;
  lt_status st = core_wloss_new(args, 0, &c, err, errlen);
  if (st == LT_OK) c->ignore_index = lt_arg_int(args, "ignore_index"), *self = c;
  return st;
}

static lt_tensor *nll_forward(void *self, lt_tensor *input, lt_tensor *target) {
  core_wloss *c = self;
  return lt_nll_loss(input, target, core_loss_like(c->weight, input), c->reduction, c->ignore_index);
}

static const lt_loss_ops ops = {.size = sizeof(lt_loss_ops), .forward = nll_forward};

static const lt_param params[] = {
    CORE_LOSS_WEIGHT("a weight per class (list of numbers)"),
    CORE_LOSS_IGNORE_INDEX,
    CORE_REDUCTION,
};

static const lt_component components[] = {
    {"torch.nn.NLLLoss", LT_KIND_LOSS, "Negative log likelihood of class targets.", params, LT_COUNT_OF(params),
     nll_create, core_wloss_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.NLLLoss", LT_VERSION_STRING, "torch.nn.NLLLoss", "BSD-3-Clause", components, NULL);
