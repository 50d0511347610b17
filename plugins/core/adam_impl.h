/* adam_impl.h: Adam and AdamW (decoupled weight decay), following PyTorch
 * 1.13's _single_tensor_adam/_single_tensor_adamw operation by operation.
 * Included by adam.c and adamw.c, which differ only in ADAM_DECOUPLED. */
#include "optim.h"

#include <math.h>

enum { LR, BETA1, EPS, WEIGHT_DECAY, AMSGRAD, MAXIMIZE, BETA2 };
static const char *const names[] = {"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"};

static lt_status adam_create(const lt_value *args, void **self, char *err, size_t errlen) {
  optim *o = (optim *)calloc(1, sizeof *o);
  if (!o) return LT_ERR_NOMEM;
  lt_status s = optim_init(o, args, names, 6, err, errlen);
  for (int g = 0; s == LT_OK && g < o->ngroups; g++) {
    double b[2];
    optim_pair(args, g, 2, "betas", b);
    if (!(b[0] >= 0 && b[0] < 1 && b[1] >= 0 && b[1] < 1)) {
      snprintf(err, errlen, "betas must be in [0, 1), got [%g, %g]", b[0], b[1]);
      s = LT_ERR_INVALID;
    }
    o->groups[g].opt[BETA1] = b[0];
    o->groups[g].opt[BETA2] = b[1];
  }
  if (s != LT_OK) {
    optim_destroy(o);
    return s;
  }
  *self = o;
  return LT_OK;
}

static lt_status adam_step(void *self) {
  optim *o = (optim *)self;
  lt_status rc = LT_OK;
  int prev = lt_grad_set_enabled(0);
  for (int gi = 0; gi < o->ngroups && rc == LT_OK; gi++) {
    const double *h = o->groups[gi].opt;
    double lr = h[LR], b1 = h[BETA1], b2 = h[BETA2], eps = h[EPS], wd = h[WEIGHT_DECAY];
    for (size_t i = 0; i < o->groups[gi].n && rc == LT_OK; i++) {
      optim_param *q = &o->groups[gi].params[i];
      lt_scope *scope = lt_scope_begin();
      lt_tensor *g = lt_tensor_grad(q->p);
      if (g) {
        if (h[MAXIMIZE]) g = lt_tensor_neg(g);
        lt_tensor *m = optim_buf(q, 0), *v = optim_buf(q, 1);
        q->step++;
        if (ADAM_DECOUPLED) {
          if (lt_tensor_mul_scalar_(q->p, 1 - lr * wd) != LT_OK) rc = LT_FAIL;
        } else if (wd != 0) {
          g = lt_tensor_clone(g);
          if (lt_tensor_add_(g, q->p, wd) != LT_OK) rc = LT_FAIL;
        }
        if (rc == LT_OK && (lt_tensor_mul_scalar_(m, b1) != LT_OK || lt_tensor_add_(m, g, 1 - b1) != LT_OK ||
                            lt_tensor_mul_scalar_(v, b2) != LT_OK || lt_tensor_addcmul_(v, g, g, 1 - b2) != LT_OK))
          rc = LT_FAIL;
        double bc1 = 1 - pow(b1, (double)q->step), bc2 = 1 - pow(b2, (double)q->step);
        double step_size = lr / bc1, bc2_sqrt = sqrt(bc2);
        lt_tensor *sq = v;
        if (h[AMSGRAD]) {
          lt_tensor *mx = optim_buf(q, 2);
          if (lt_tensor_copy_(mx, lt_tensor_maximum(mx, v)) != LT_OK) rc = LT_FAIL;
          sq = mx;
        }
        lt_tensor *denom = lt_tensor_div_scalar(lt_tensor_sqrt(sq), bc2_sqrt);
        if (rc == LT_OK && (!denom || lt_tensor_add_scalar_(denom, eps) != LT_OK ||
                            lt_tensor_addcdiv_(q->p, m, denom, -step_size) != LT_OK))
          rc = LT_FAIL;
      }
      lt_scope_end(scope);
    }
  }
  lt_grad_set_enabled(prev);
  return rc;
}

static const lt_optimizer_ops ops = {.size = sizeof(lt_optimizer_ops), .step = adam_step, .zero_grad = optim_zero_grad,
                                     .num_groups = optim_num_groups, .get_lr = optim_get_lr, .set_lr = optim_set_lr};

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
    {ADAM_TARGET, LT_KIND_OPTIMIZER, ADAM_SUMMARY, params, LT__COUNT_OF(params), adam_create, optim_destroy, &ops},
};

LT_PLUGIN_DEFINE(ADAM_TARGET, LT_VERSION_STRING, ADAM_TARGET, "BSD-3-Clause", components, NULL);
