/* adagrad.c: torch.optim.Adagrad, in the order of operations of PyTorch
 * 1.13's single-tensor implementation. */
#include "optim.h"

enum { LR, LR_DECAY, WEIGHT_DECAY, INITIAL, EPS, MAXIMIZE };
static const char *const names[] = {"lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"};

static lt_status adagrad_create(const lt_value *args, void **self, char *err, size_t errlen) {
  optim *o = (optim *)calloc(1, sizeof *o);
  if (!o) return LT_ERR_NOMEM;
  lt_status s = optim_init(o, args, names, 6, err, errlen);
  /* the accumulator starts at initial_accumulator_value, as PyTorch's */
  for (int g = 0; s == LT_OK && g < o->ngroups; g++)
    for (size_t i = 0; i < o->groups[g].n; i++) {
      optim_param *q = &o->groups[g].params[i];
      q->buf[0] = lt_tensor_keep(lt_tensor_full_like(q->p, o->groups[g].opt[INITIAL]));
      if (!q->buf[0]) {
        snprintf(err, errlen, "%s", lt_last_error());
        s = LT_FAIL;
        break;
      }
    }
  if (s != LT_OK) {
    optim_destroy(o);
    return s;
  }
  *self = o;
  return LT_OK;
}

static lt_status adagrad_step(void *self) {
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
        q->step++;
        if (h[MAXIMIZE]) g = lt_tensor_neg(g);
        if (h[WEIGHT_DECAY] != 0) {
          g = lt_tensor_clone(g);
          if (lt_tensor_add_(g, q->p, h[WEIGHT_DECAY]) != LT_OK) rc = LT_FAIL;
        }
        double clr = h[LR] / (1 + (double)(q->step - 1) * h[LR_DECAY]);
        lt_tensor *sum = q->buf[0];
        if (rc == LT_OK && lt_tensor_addcmul_(sum, g, g, 1) != LT_OK) rc = LT_FAIL;
        lt_tensor *std = lt_tensor_sqrt(sum);
        if (rc == LT_OK && (!std || lt_tensor_add_scalar_(std, h[EPS]) != LT_OK ||
                            lt_tensor_addcdiv_(q->p, g, std, -clr) != LT_OK))
          rc = LT_FAIL;
      }
      lt_scope_end(scope);
    }
  }
  lt_grad_set_enabled(prev);
  return rc;
}

static const lt_optimizer_ops ops = {.size = sizeof(lt_optimizer_ops), .step = adagrad_step, .zero_grad = optim_zero_grad,
                                     .num_groups = optim_num_groups, .get_lr = optim_get_lr, .set_lr = optim_set_lr};

static const lt_param params[] = {
    LT_PARAM_REQ("params", LT_P_LIST, "parameters (\"$@model::network.parameters()\") or a list of groups"),
    LT_PARAM_MIN("lr", LT_P_FLOAT, "0.01", 0.0, "learning rate"),
    LT_PARAM_MIN("lr_decay", LT_P_FLOAT, "0.0", 0.0, "learning rate decay"),
    LT_PARAM_MIN("weight_decay", LT_P_FLOAT, "0.0", 0.0, "L2 penalty"),
    LT_PARAM_MIN("initial_accumulator_value", LT_P_FLOAT, "0.0", 0.0, "start of the sum of squares"),
    {"eps", LT_P_FLOAT, (lt_kind)0, "1.0e-10", LT_PF_MIN, 0.0, 0, NULL, "added to the denominator"},
    LT_PARAM("maximize", LT_P_BOOL, "false", "maximize the objective"),
};

static const lt_component components[] = {
    {"torch.optim.Adagrad", LT_KIND_OPTIMIZER, "Adagrad.", params, LT__COUNT_OF(params), adagrad_create,
     optim_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.optim.Adagrad", LT_VERSION_STRING, "torch.optim.Adagrad", "BSD-3-Clause", components, NULL);
