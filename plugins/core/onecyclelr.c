/* onecyclelr.c: torch.optim.lr_scheduler.OneCycleLR: the 1cycle policy
 * (lr from max_lr/div_factor up to max_lr and down to initial/final_div_
 * factor over total_steps, cosine or linear; momentum or Adam's beta1
 * cycled the other way), computed as PyTorch 1.13 computes it from the
 * groups' initial_lr, max_lr, min_lr, max_momentum and base_momentum. */
#include "sched.h"

enum { TOTAL, PCT, LINEAR, CYCLE, THREE, BETA1 };

static double get_option(const sched *s, int g, const char *name) {
  double v = NAN;
  s->ops->get_option(s->opt, g, name, &v);
  return v;
}

static double anneal(const sched *s, double start, double end, double pct) {
  if (s->p[LINEAR]) return (end - start) * pct + start;
  double cos_out = cos(3.14159265358979323846 * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

static double get_lr(const sched *s, int g, double lr) {
  (void)lr;
  double total = s->p[TOTAL], pct_start = s->p[PCT];
  int64_t step = s->last_epoch;
  if ((double)step > total) {
    char msg[160];
    snprintf(msg, sizeof msg, "OneCycleLR: tried to step %lld times; the specified number of total steps is %lld",
             (long long)step + 1, (long long)total);
    lt_set_error(msg, 0);
    return NAN;
  }
  /* phases: end step, lr from/to, momentum from/to */
  static const char *const two[2][4] = {{"initial_lr", "max_lr", "max_momentum", "base_momentum"},
                                        {"max_lr", "min_lr", "base_momentum", "max_momentum"}};
  static const char *const three[3][4] = {{"initial_lr", "max_lr", "max_momentum", "base_momentum"},
                                          {"max_lr", "initial_lr", "base_momentum", "max_momentum"},
                                          {"initial_lr", "min_lr", "max_momentum", "max_momentum"}};
  double ends[3];
  int n = s->p[THREE] ? 3 : 2;
  ends[0] = pct_start * total - 1;
  ends[1] = s->p[THREE] ? 2 * pct_start * total - 2 : total - 1;
  ends[2] = total - 1;
  double start = 0, out = NAN;
  for (int i = 0; i < n; i++) {
    const char *const *ph = s->p[THREE] ? three[i] : two[i];
    if ((double)step <= ends[i] || i == n - 1) {
      double pct = ((double)step - start) / (ends[i] - start);
      out = anneal(s, get_option(s, g, ph[0]), get_option(s, g, ph[1]), pct);
      if (s->p[CYCLE]) {
        double m = anneal(s, get_option(s, g, ph[2]), get_option(s, g, ph[3]), pct);
        s->ops->set_option(s->opt, g, s->p[BETA1] ? "betas.0" : "momentum", m);
      }
      break;
    }
    start = ends[i];
  }
  return out;
}

/* p[]'s names in the state dict (NULL ends) */
static const char *const pnames[] = {[TOTAL] = "total_steps",     [PCT] = "pct_start",     [LINEAR] = "anneal_linear",
                                     [CYCLE] = "cycle_momentum", [THREE] = "three_phase", [BETA1] = "use_beta1",
                                     [BETA1 + 1] = NULL};
static const sched_kind kind = {get_lr, NULL, pnames, 1u << TOTAL | 1u << LINEAR | 1u << CYCLE | 1u << THREE | 1u << BETA1};

/* The argument name: a number or one per group. */
static int per_group(const lt_value *args, int g, int ngroups, const char *name, double *out, char *err, size_t errlen) {
  const lt_value *v = lt_arg(args, name);
  if (v->type != LT_P_LIST) {
    *out = v->f;
    return 0;
  }
  if ((int)v->n != ngroups) {
    snprintf(err, errlen, "expected %d values for %s, got %zu", ngroups, name, v->n);
    return -1;
  }
  *out = v->items[g].f;
  return 0;
}

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  int ngroups;
  const lt_value *o = lt_arg(args, "optimizer");
  const lt_optimizer_ops *ops = sched_optimizer(o, &ngroups, err, errlen);
  if (!ops) return LT_ERR_INVALID;
  if (!LT_HAS(ops, lt_optimizer_ops, set_option) || !ops->get_option || !ops->set_option) {
    snprintf(err, errlen, "the optimizer does not expose its group options (built against an older SDK)");
    return LT_ERR_INVALID;
  }
  void *opt = o->component;
  double total;
  if (!lt_arg_is_null(args, "total_steps")) {
    total = (double)lt_arg_int(args, "total_steps");
  } else if (!lt_arg_is_null(args, "epochs") && !lt_arg_is_null(args, "steps_per_epoch")) {
    total = (double)(lt_arg_int(args, "epochs") * lt_arg_int(args, "steps_per_epoch"));
  } else {
    snprintf(err, errlen, "You must define either total_steps OR (epochs AND steps_per_epoch)");
    return LT_ERR_INVALID;
  }
  if (total <= 0) {
    snprintf(err, errlen, "expected a positive number of total steps, got %g", total);
    return LT_ERR_INVALID;
  }
  double m, beta1_probe;
  int use_beta1 = !ops->get_option(opt, 0, "momentum", &m) && ops->get_option(opt, 0, "betas.0", &beta1_probe);
  int64_t cycle = lt_arg_int(args, "cycle_momentum");
  if (cycle && !use_beta1 && !ops->get_option(opt, 0, "momentum", &m)) {
    snprintf(err, errlen, "optimizer must support momentum with `cycle_momentum` option enabled");
    return LT_ERR_INVALID;
  }
  /* check every per-group value before changing the optimizer */
  for (int pass = 0; pass < 2; pass++)
    for (int g = 0; g < ngroups; g++) {
      double max_lr, base_m, max_m;
      if (per_group(args, g, ngroups, "max_lr", &max_lr, err, errlen) ||
          per_group(args, g, ngroups, "base_momentum", &base_m, err, errlen) ||
          per_group(args, g, ngroups, "max_momentum", &max_m, err, errlen))
        return LT_ERR_INVALID;
      if (!pass) continue;
      double initial = max_lr / lt_arg_float(args, "div_factor");
      ops->set_option(opt, g, "initial_lr", initial);
      ops->set_option(opt, g, "max_lr", max_lr);
      ops->set_option(opt, g, "min_lr", initial / lt_arg_float(args, "final_div_factor"));
      if (cycle) {
        ops->set_option(opt, g, use_beta1 ? "betas.0" : "momentum", max_m);
        ops->set_option(opt, g, "max_momentum", max_m);
        ops->set_option(opt, g, "base_momentum", base_m);
      }
    }
  const double p[] = {[TOTAL] = total,
                      [PCT] = lt_arg_float(args, "pct_start"),
                      [LINEAR] = !strcmp(lt_arg_str(args, "anneal_strategy"), "linear"),
                      [CYCLE] = (double)cycle,
                      [THREE] = (double)lt_arg_int(args, "three_phase"),
                      [BETA1] = use_beta1};
  return sched_create(args, self, err, errlen, &kind, p);
}

static const lt_param params[] = {
    SCHED_OPTIMIZER,
    LT_PARAM_REQ("max_lr", LT_P_ANY, "upper learning rate (a number, or one per parameter group)"),
    {"total_steps", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 1, 0, NULL, "steps in the cycle"},
    {"epochs", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 1, 0, NULL, "with steps_per_epoch, instead of total_steps"},
    {"steps_per_epoch", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 1, 0, NULL, "steps in an epoch"},
    LT_PARAM_RANGE("pct_start", LT_P_FLOAT, "0.3", 0.0, 1.0, "fraction of the cycle spent increasing the lr"),
    LT_PARAM_CHOICE("anneal_strategy", "cos", "cos|linear", "annealing shape"),
    LT_PARAM("cycle_momentum", LT_P_BOOL, "true", "cycle momentum (or Adam's beta1) inversely to the lr"),
    LT_PARAM("base_momentum", LT_P_ANY, "0.85", "lower momentum (a number, or one per group)"),
    LT_PARAM("max_momentum", LT_P_ANY, "0.95", "upper momentum (a number, or one per group)"),
    {"div_factor", LT_P_FLOAT, (lt_kind)0, "25.0", LT_PF_MIN_EXCL, 0, 0, NULL, "initial_lr = max_lr / div_factor"},
    {"final_div_factor", LT_P_FLOAT, (lt_kind)0, "10000.0", LT_PF_MIN_EXCL, 0, 0, NULL,
     "min_lr = initial_lr / final_div_factor"},
    LT_PARAM("three_phase", LT_P_BOOL, "false", "a third phase annihilating the lr (fast.ai's shape)"),
};

SCHED_COMPONENT("torch.optim.lr_scheduler.OneCycleLR", "The 1cycle learning-rate policy.", params, create);
