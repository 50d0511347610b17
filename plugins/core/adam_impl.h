/* adam_impl.h: Adam and AdamW (decoupled weight decay), following PyTorch
 * 1.13's _single_tensor_adam/_single_tensor_adamw operation by operation.
 * Included by adam.c and adamw.c, which differ only in ADAM_DECOUPLED. */
#include "optim.h"

#include <math.h>

/* The options' slots in a group's opt[], each bound to its name; betas
 * takes two: its first item in BETA1, its second in BETA2. */
enum { LR, BETA1, EPS, WEIGHT_DECAY, AMSGRAD, MAXIMIZE, NOPTS, BETA2 = NOPTS };
static const char *const names[NOPTS] = {[LR] = "lr", [BETA1] = "betas", [EPS] = "eps", [WEIGHT_DECAY] = "weight_decay",
                                         [AMSGRAD] = "amsgrad", [MAXIMIZE] = "maximize"};
static const optim_spec spec = {names, NOPTS, BETA1, BETA2, 1u << AMSGRAD | 1u << MAXIMIZE,
                                {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}, 1, 0, 0};

static lt_status adam_create(const lt_value *args, void **self, char *err, size_t errlen) {
  optim *o;
  lt_status s = optim_create(args, &spec, self, &o, err, errlen);
  for (int g = 0; s == LT_OK && g < o->ngroups; g++) {
    double b[2];
    optim_pair(args, g, names[BETA1], b);
    o->groups[g].opt[BETA1] = b[0];
    o->groups[g].opt[BETA2] = b[1];
    if (!(b[0] >= 0 && b[0] < 1 && b[1] >= 0 && b[1] < 1)) {
      snprintf(err, errlen, "betas must be in [0, 1), got [%g, %g]", b[0], b[1]);
      optim_destroy(o);
      s = LT_ERR_INVALID;
    }
  }
  return s;
}

static lt_status adam_update(optim_param *q, const double *h, lt_tensor *g) {
  double lr = h[LR], b1 = h[BETA1], b2 = h[BETA2];
  lt_tensor *m = optim_buf(q, 0), *v = optim_buf(q, 1);
  if (ADAM_DECOUPLED && lt_tensor_mul_scalar_(q->p, 1 - lr * h[WEIGHT_DECAY]) != LT_OK) return LT_FAIL;
  if (lt_tensor_mul_scalar_(m, b1) != LT_OK || lt_tensor_add_(m, g, 1 - b1) != LT_OK ||
      lt_tensor_mul_scalar_(v, b2) != LT_OK || lt_tensor_addcmul_(v, g, g, 1 - b2) != LT_OK)
    return LT_FAIL;
  double bc1 = 1 - pow(b1, (double)q->step), bc2 = 1 - pow(b2, (double)q->step);
  lt_tensor *sq = v;
  if (h[AMSGRAD]) {
    lt_tensor *mx = optim_buf(q, 2);
    if (lt_tensor_copy_(mx, lt_tensor_maximum(mx, v)) != LT_OK) return LT_FAIL;
    sq = mx;
  }
  lt_tensor *denom = lt_tensor_div_scalar(lt_tensor_sqrt(sq), sqrt(bc2));
  if (!denom || lt_tensor_add_scalar_(denom, h[EPS]) != LT_OK) return LT_FAIL;
  return lt_tensor_addcdiv_(q->p, m, denom, -(lr / bc1));
}

/* Adam adds weight decay to the gradient (L2); AdamW decays the weights. */
static lt_status adam_step(void *self) {
  return optim_step_each(self, MAXIMIZE, ADAM_DECOUPLED ? -1 : WEIGHT_DECAY, adam_update);
}

OPTIM_OPS(adam_step);

static const lt_param params[] = {
    LT_PARAM_REQ("params", LT_P_LIST, "parameters (\"$@model::network.parameters()\") or a list of groups"),
    LT_PARAM_MIN("lr", LT_P_FLOAT, "0.001", 0.0, "learning rate"),
    LT_PARAM("betas", LT_P_LIST, "[0.9, 0.999]", "coefficients of the running averages"),
    {"eps", LT_P_FLOAT, (lt_kind)0, "1.0e-08", LT_PF_MIN, 0.0, 0, NULL, "added to the denominator"},
    LT_PARAM_MIN("weight_decay", LT_P_FLOAT, ADAM_DEFAULT_WD, 0.0, ADAM_WD_DOC),
    LT_PARAM("amsgrad", LT_P_BOOL, "false", "the AMSGrad variant"),
    LT_PARAM("maximize", LT_P_BOOL, "false", "maximize the objective"),
};

static const lt_component components[] = {
    {ADAM_TARGET, LT_KIND_OPTIMIZER, ADAM_SUMMARY, params, LT_COUNT_OF(params), adam_create, optim_destroy, &ops},
};

LT_PLUGIN_DEFINE(ADAM_TARGET, LT_VERSION_STRING, ADAM_TARGET, "BSD-3-Clause", components, NULL);
