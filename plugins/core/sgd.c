/* sgd.c: torch.optim.SGD: momentum, dampening, nesterov, weight decay and
 * maximize, in the order of operations of PyTorch 1.13's single-tensor
 * implementation (so float64 runs agree to the last bits). */
#include "optim.h"

/* The options' slots in a group's opt[], each bound to its name (the
 * argument it defaults to and its key in the state dict). */
enum { LR, MOMENTUM, DAMPENING, WEIGHT_DECAY, NESTEROV, MAXIMIZE, NOPTS };
static const char *const names[NOPTS] = {[LR] = "lr", [MOMENTUM] = "momentum", [DAMPENING] = "dampening",
                                         [WEIGHT_DECAY] = "weight_decay", [NESTEROV] = "nesterov",
                                         [MAXIMIZE] = "maximize"};
static const optim_spec spec = {names, NOPTS, -1, -1, 1u << NESTEROV | 1u << MAXIMIZE, {"momentum_buffer"}, 0, 1, 0};

static lt_status sgd_create(const lt_value *args, void **self, char *err, size_t errlen) {
  if (lt_arg_bool(args, "nesterov") && (lt_arg_float(args, "momentum") <= 0 || lt_arg_float(args, "dampening") != 0)) {
    snprintf(err, errlen, "Nesterov momentum requires a momentum and zero dampening");
    return LT_ERR_INVALID;
  }
  return optim_create(args, &spec, self, NULL, err, errlen);
}

static lt_status sgd_update(optim_param *q, const double *h, lt_tensor *d) {
  if (h[MOMENTUM] != 0) {
    if (!q->buf[0]) {
      q->buf[0] = lt_tensor_keep(lt_tensor_detach(lt_tensor_clone(d)));
    } else if (lt_tensor_mul_scalar_(q->buf[0], h[MOMENTUM]) != LT_OK ||
               lt_tensor_add_(q->buf[0], d, 1 - h[DAMPENING]) != LT_OK) {
      return LT_FAIL;
    }
    if (h[NESTEROV]) {
      d = lt_tensor_clone(d);
      if (lt_tensor_add_(d, q->buf[0], h[MOMENTUM]) != LT_OK) return LT_FAIL;
    } else {
      d = q->buf[0];
    }
  }
  return d && lt_tensor_add_(q->p, d, -h[LR]) == LT_OK ? LT_OK : LT_FAIL;
}

static lt_status sgd_step(void *self) { return optim_step_each(self, MAXIMIZE, WEIGHT_DECAY, sgd_update); }

OPTIM_OPS(sgd_step);

static const lt_param params[] = {
    LT_PARAM_REQ("params", LT_P_LIST, "parameters (\"$@model::network.parameters()\") or a list of groups"),
    LT_PARAM_MIN("lr", LT_P_FLOAT, "0.001", 0.0, "learning rate"),
    LT_PARAM_MIN("momentum", LT_P_FLOAT, "0.0", 0.0, "momentum factor"),
    LT_PARAM("dampening", LT_P_FLOAT, "0.0", "dampening for momentum"),
    LT_PARAM_MIN("weight_decay", LT_P_FLOAT, "0.0", 0.0, "L2 penalty"),
    LT_PARAM("nesterov", LT_P_BOOL, "false", "Nesterov momentum"),
    LT_PARAM("maximize", LT_P_BOOL, "false", "maximize the objective"),
};

static const lt_component components[] = {
    {"torch.optim.SGD", LT_KIND_OPTIMIZER, "Stochastic gradient descent (with momentum).", params,
     LT_COUNT_OF(params), sgd_create, optim_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.optim.SGD", LT_VERSION_STRING, "torch.optim.SGD", "BSD-3-Clause", components, NULL);
