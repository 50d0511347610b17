/* sgd.c: torch.optim.SGD: momentum, dampening, nesterov, weight decay and
 * maximize, in the order of operations of PyTorch 1.13's single-tensor
 * implementation (so float64 runs agree to the last bits). */
#include "optim.h"

enum { LR, MOMENTUM, DAMPENING, WEIGHT_DECAY, NESTEROV, MAXIMIZE };
static const char *const names[] = {"lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"};

static lt_status sgd_create(const lt_value *args, void **self, char *err, size_t errlen) {
  optim *o = (optim *)calloc(1, sizeof *o);
  if (!o) return LT_ERR_NOMEM;
  lt_status s = optim_init(o, args, names, 6, err, errlen);
  if (s == LT_OK && args[5].i && (args[2].f <= 0 || args[3].f != 0)) {
    snprintf(err, errlen, "Nesterov momentum requires a momentum and zero dampening");
    s = LT_ERR_INVALID;
  }
  if (s != LT_OK) {
    optim_destroy(o);
    return s;
  }
  *self = o;
  return LT_OK;
}

static lt_status sgd_step(void *self) {
  optim *o = (optim *)self;
  lt_status rc = LT_OK;
  int prev = lt_grad_set_enabled(0);
  for (int gi = 0; gi < o->ngroups && rc == LT_OK; gi++) {
    const double *h = o->groups[gi].opt;
    for (size_t i = 0; i < o->groups[gi].n && rc == LT_OK; i++) {
      optim_param *q = &o->groups[gi].params[i];
      lt_scope *scope = lt_scope_begin();
      lt_tensor *d = lt_tensor_grad(q->p);
      if (d) {
        if (h[MAXIMIZE]) d = lt_tensor_neg(d);
        if (h[WEIGHT_DECAY] != 0) { /* d.add(p, alpha=wd), the same kernel as PyTorch */
          d = lt_tensor_clone(d);
          if (lt_tensor_add_(d, q->p, h[WEIGHT_DECAY]) != LT_OK) d = NULL;
        }
        if (h[MOMENTUM] != 0) {
          if (!q->buf[0]) {
            q->buf[0] = lt_tensor_keep(lt_tensor_detach(lt_tensor_clone(d)));
          } else if (lt_tensor_mul_scalar_(q->buf[0], h[MOMENTUM]) != LT_OK ||
                     lt_tensor_add_(q->buf[0], d, 1 - h[DAMPENING]) != LT_OK) {
            rc = LT_FAIL;
          }
          if (h[NESTEROV]) {
            d = lt_tensor_clone(d);
            if (lt_tensor_add_(d, q->buf[0], h[MOMENTUM]) != LT_OK) d = NULL;
          } else {
            d = q->buf[0];
          }
        }
        if (rc == LT_OK && (!d || lt_tensor_add_(q->p, d, -h[LR]) != LT_OK)) rc = LT_FAIL;
      }
      lt_scope_end(scope);
    }
  }
  lt_grad_set_enabled(prev);
  return rc;
}

static const lt_optimizer_ops ops = {.size = sizeof(lt_optimizer_ops), .step = sgd_step, .zero_grad = optim_zero_grad,
                                     .num_groups = optim_num_groups, .get_lr = optim_get_lr, .set_lr = optim_set_lr};

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
     LT__COUNT_OF(params), sgd_create, optim_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.optim.SGD", LT_VERSION_STRING, "torch.optim.SGD", "BSD-3-Clause", components, NULL);
