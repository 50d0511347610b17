/* adagrad.c: torch.optim.Adagrad, in the order of operations of PyTorch
 * 1.13's single-tensor implementation. */
#include "optim.h"

/* The options' slots in a group's opt[], each bound to its name. */
enum { LR, LR_DECAY, WEIGHT_DECAY, INITIAL, EPS, MAXIMIZE, NOPTS };
static const char *const names[NOPTS] = {[LR] = "lr", [LR_DECAY] = "lr_decay", [WEIGHT_DECAY] = "weight_decay",
                                         [INITIAL] = "initial_accumulator_value", [EPS] = "eps",
                                         [MAXIMIZE] = "maximize"};
static const optim_spec spec = {names, NOPTS, -1, -1, 1u << MAXIMIZE, {"sum"}, 1, 0, 1};

static lt_status adagrad_create(const lt_value *args, void **self, char *err, size_t errlen) {
  optim *o;
  lt_status s = optim_create(args, &spec, self, &o, err, errlen);
  /* the accumulator starts at initial_accumulator_value, as PyTorch's */
  for (int g = 0; s == LT_OK && g < o->ngroups; g++)
    for (size_t i = 0; s == LT_OK && i < o->groups[g].n; i++) {
      optim_param *q = &o->groups[g].params[i];
      q->buf[0] = lt_tensor_keep(lt_tensor_full_like(q->p, o->groups[g].opt[INITIAL]));
      if (!q->buf[0]) {
        snprintf(err, errlen, "%s", lt_last_error());
        optim_destroy(o);
        s = LT_FAIL;
      }
    }
  return s;
}

static lt_status adagrad_update(optim_param *q, const double *h, lt_tensor *g) {
  double clr = h[LR] / (1 + (double)(q->step - 1) * h[LR_DECAY]);
  lt_tensor *sum = q->buf[0];
  if (lt_tensor_addcmul_(sum, g, g, 1) != LT_OK) return LT_FAIL;
  lt_tensor *std = lt_tensor_sqrt(sum);
  if (!std || lt_tensor_add_scalar_(std, h[EPS]) != LT_OK) return LT_FAIL;
  return lt_tensor_addcdiv_(q->p, g, std, -clr);
}

static lt_status adagrad_step(void *self) { return optim_step_each(self, MAXIMIZE, WEIGHT_DECAY, adagrad_update); }

OPTIM_OPS(adagrad_step);

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
    {"torch.optim.Adagrad", LT_KIND_OPTIMIZER, "Adagrad.", params, LT_COUNT_OF(params), adagrad_create,
     optim_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.optim.Adagrad", LT_VERSION_STRING, "torch.optim.Adagrad", "BSD-3-Clause", components, NULL);
