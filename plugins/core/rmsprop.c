/* rmsprop.c: torch.optim.RMSprop (centered and momentum variants), in the
 * order of operations of PyTorch 1.13's single-tensor implementation. */
#include "optim.h"

enum { LR, ALPHA, EPS, WEIGHT_DECAY, MOMENTUM, CENTERED, MAXIMIZE };
static const char *const names[] = {"lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"};

static lt_status rmsprop_create(const lt_value *args, void **self, char *err, size_t errlen) {
  optim *o = (optim *)calloc(1, sizeof *o);
  if (!o) return LT_ERR_NOMEM;
  lt_status s = optim_init(o, args, names, 7, err, errlen);
  if (s != LT_OK) {
    optim_destroy(o);
    return s;
  }
  *self = o;
  return LT_OK;
}

static lt_status rmsprop_step(void *self) {
  optim *o = (optim *)self;
  lt_status rc = LT_OK;
  int prev = lt_grad_set_enabled(0);
  for (int gi = 0; gi < o->ngroups && rc == LT_OK; gi++) {
    const double *h = o->groups[gi].opt;
    for (size_t i = 0; i < o->groups[gi].n && rc == LT_OK; i++) {
      optim_param *q = &o->groups[gi].params[i];
      lt_scope *scope = lt_scope_begin();
      lt_tensor *g = lt_tensor_grad(q->p);
      if (g) {
        if (h[MAXIMIZE]) g = lt_tensor_neg(g);
        q->step++;
        if (h[WEIGHT_DECAY] != 0) {
          g = lt_tensor_clone(g);
          if (lt_tensor_add_(g, q->p, h[WEIGHT_DECAY]) != LT_OK) rc = LT_FAIL;
        }
        lt_tensor *sq = optim_buf(q, 0), *avg;
        if (rc == LT_OK && (lt_tensor_mul_scalar_(sq, h[ALPHA]) != LT_OK || lt_tensor_addcmul_(sq, g, g, 1 - h[ALPHA]) != LT_OK))
          rc = LT_FAIL;
        if (h[CENTERED]) {
          lt_tensor *ga = optim_buf(q, 1);
          if (lt_tensor_mul_scalar_(ga, h[ALPHA]) != LT_OK || lt_tensor_add_(ga, g, 1 - h[ALPHA]) != LT_OK) rc = LT_FAIL;
          avg = lt_tensor_clone(sq);
          if (!avg || lt_tensor_addcmul_(avg, ga, ga, -1) != LT_OK || lt_tensor_sqrt_(avg) != LT_OK) rc = LT_FAIL;
        } else {
          avg = lt_tensor_sqrt(sq);
        }
        if (rc == LT_OK && (!avg || lt_tensor_add_scalar_(avg, h[EPS]) != LT_OK)) rc = LT_FAIL;
        if (rc == LT_OK && h[MOMENTUM] > 0) {
          lt_tensor *buf = optim_buf(q, 2);
          if (lt_tensor_mul_scalar_(buf, h[MOMENTUM]) != LT_OK || lt_tensor_addcdiv_(buf, g, avg, 1) != LT_OK ||
              lt_tensor_add_(q->p, buf, -h[LR]) != LT_OK)
            rc = LT_FAIL;
        } else if (rc == LT_OK && lt_tensor_addcdiv_(q->p, g, avg, -h[LR]) != LT_OK) {
          rc = LT_FAIL;
        }
      }
      lt_scope_end(scope);
    }
  }
  lt_grad_set_enabled(prev);
  return rc;
}

static const lt_optimizer_ops ops = {.size = sizeof(lt_optimizer_ops), .step = rmsprop_step, .zero_grad = optim_zero_grad,
                                     .num_groups = optim_num_groups, .get_lr = optim_get_lr, .set_lr = optim_set_lr};

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
    {"torch.optim.RMSprop", LT_KIND_OPTIMIZER, "RMSprop.", params, LT__COUNT_OF(params), rmsprop_create,
     optim_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.optim.RMSprop", LT_VERSION_STRING, "torch.optim.RMSprop", "BSD-3-Clause", components, NULL);
