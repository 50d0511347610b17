/* rmsprop.c: torch.optim.RMSprop (centered and momentum variants), in the
 * order of operations of PyTorch 1.13's single-tensor implementation. */
#include "optim.h"

/* The options' slots in a group's opt[], each bound to its name. */
enum { LR, ALPHA, EPS, WEIGHT_DECAY, MOMENTUM, CENTERED, MAXIMIZE, NOPTS };
static const char *const names[NOPTS] = {[LR] = "lr", [ALPHA] = "alpha", [EPS] = "eps", [WEIGHT_DECAY] = "weight_decay",
                                         [MOMENTUM] = "momentum", [CENTERED] = "centered", [MAXIMIZE] = "maximize"};
static const optim_spec spec = {names, NOPTS, -1, -1, 1u << CENTERED | 1u << MAXIMIZE,
                                {"square_avg", "grad_avg", "momentum_buffer"}, 1, 0, 0};

static lt_status rmsprop_create(const lt_value *args, void **self, char *err, size_t errlen) {
  return optim_create(args, &spec, self, NULL, err, errlen);
}

static lt_status rmsprop_update(optim_param *q, const double *h, lt_tensor *g) {
  lt_tensor *sq = optim_buf(q, 0), *avg;
  if (lt_tensor_mul_scalar_(sq, h[ALPHA]) != LT_OK || lt_tensor_addcmul_(sq, g, g, 1 - h[ALPHA]) != LT_OK)
    return LT_FAIL;
  if (h[CENTERED]) {
    lt_tensor *ga = optim_buf(q, 1);
    if (lt_tensor_mul_scalar_(ga, h[ALPHA]) != LT_OK || lt_tensor_add_(ga, g, 1 - h[ALPHA]) != LT_OK) return LT_FAIL;
    avg = lt_tensor_clone(sq);
    if (!avg || lt_tensor_addcmul_(avg, ga, ga, -1) != LT_OK || lt_tensor_sqrt_(avg) != LT_OK) return LT_FAIL;
  } else {
    avg = lt_tensor_sqrt(sq);
  }
  if (!avg || lt_tensor_add_scalar_(avg, h[EPS]) != LT_OK) return LT_FAIL;
  if (h[MOMENTUM] > 0) {
    lt_tensor *buf = optim_buf(q, 2);
    if (lt_tensor_mul_scalar_(buf, h[MOMENTUM]) != LT_OK || lt_tensor_addcdiv_(buf, g, avg, 1) != LT_OK ||
        lt_tensor_add_(q->p, buf, -h[LR]) != LT_OK)
      return LT_FAIL;
    return LT_OK;
  }
  return lt_tensor_addcdiv_(q->p, g, avg, -h[LR]);
}

static lt_status rmsprop_step(void *self) { return optim_step_each(self, MAXIMIZE, WEIGHT_DECAY, rmsprop_update); }

OPTIM_OPS(rmsprop_step);

static const lt_param params[] = {
    LT_PARAM_REQ("params", LT_P_LIST, "parameters (\"$@model::network.parameters()\") or a list of groups"),
    LT_PARAM_MIN("lr", LT_P_FLOAT, "0.01", 0.0, "learning rate"),
    LT_PARAM_MIN("alpha", LT_P_FLOAT, "0.99", 0.0, "smoothing constant"),
    {"eps", LT_P_FLOAT, (lt_kind)0, "1.0e-08", LT_PF_MIN, 0.0, 0, NULL, "added to the denominator"},
    LT_PARAM_MIN("weight_decay", LT_P_FLOAT, "0.0", 0.0, "L2 penalty"),
    LT_PARAM_MIN("momentum", LT_P_FLOAT, "0.0", 0.0, "momentum factor"),
    LT_PARAM("centered", LT_P_BOOL, "false", "normalise by the estimated variance of the gradient"),
    LT_PARAM("maximize", LT_P_BOOL, "false", "maximize the objective"),
};

static const lt_component components[] = {
    {"torch.optim.RMSprop", LT_KIND_OPTIMIZER, "RMSprop.", params, LT_COUNT_OF(params), rmsprop_create,
     optim_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.optim.RMSprop", LT_VERSION_STRING, "torch.optim.RMSprop", "BSD-3-Clause", components, NULL);
