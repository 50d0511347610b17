/* reducelronplateau.c: torch.optim.lr_scheduler.ReduceLROnPlateau: lowers
 * the lr by factor when the monitored value (passed to step) stops
 * improving for patience steps, with threshold, cooldown and min_lr as in
 * PyTorch 1.13. */
#include "sched.h"

#include <math.h>
#include <stdio.h>

typedef struct plateau {
  void *opt;
  const lt_optimizer_ops *ops;
  int maximize, relative;
  double factor, threshold, min_lr, eps, best;
  int64_t patience, cooldown, cooldown_counter, bad, last_epoch;
} plateau;

static int better(const plateau *s, double a) {
  double b = s->best, t = s->threshold;
  if (!s->maximize) return s->relative ? a < b * (1 - t) : a < b - t;
  return s->relative ? a > b * (t + 1) : a > b + t;
}

static lt_status plateau_step(void *self, double metric) {
  plateau *s = self;
  if (isnan(metric)) {
    lt_set_error("ReduceLROnPlateau needs the monitored value at each step (a monitor key)", 0);
    return LT_ERR_INVALID;
  }
  s->last_epoch++;
  if (better(s, metric)) {
    s->best = metric;
    s->bad = 0;
  } else {
    s->bad++;
  }
  if (s->cooldown_counter > 0) {
    s->cooldown_counter--;
    s->bad = 0;
  }
  if (s->bad > s->patience) {
    for (int g = 0; g < s->ops->num_groups(s->opt); g++) {
      double old = s->ops->get_lr(s->opt, g), lr = fmax(old * s->factor, s->min_lr);
      if (old - lr > s->eps) s->ops->set_lr(s->opt, g, lr);
    }
    s->cooldown_counter = s->cooldown;
    s->bad = 0;
  }
  return LT_OK;
}

static double plateau_last_lr(void *self, int g) {
  plateau *s = self;
  return s->ops->get_lr(s->opt, g);
}

static lt_status plateau_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int ngroups;
  const lt_value *o = lt_arg(args, "optimizer");
  const lt_optimizer_ops *ops = sched_optimizer(o, &ngroups, err, errlen);
  if (!ops) return LT_ERR_INVALID;
  double factor = lt_arg_float(args, "factor");
  if (factor >= 1.0) {
    snprintf(err, errlen, "factor should be < 1.0, got %g", factor);
    return LT_ERR_INVALID;
  }
  plateau *s = calloc(1, sizeof *s);
  if (!s) return LT_ERR_NOMEM;
  s->opt = o->component;
  s->ops = ops;
  s->maximize = !strcmp(lt_arg_str(args, "mode"), "max");
  s->factor = factor;
  s->patience = lt_arg_int(args, "patience");
  s->threshold = lt_arg_float(args, "threshold");
  s->relative = !strcmp(lt_arg_str(args, "threshold_mode"), "rel");
  s->cooldown = lt_arg_int(args, "cooldown");
  s->min_lr = lt_arg_float(args, "min_lr");
  s->eps = lt_arg_float(args, "eps");
  s->best = s->maximize ? -INFINITY : INFINITY;
  *self = s;
  return LT_OK;
}

/* PyTorch's state_dict(): its __dict__ less the optimizer. */
static lt_status plateau_save(void *self, lt_state *out) {
  plateau *s = self;
  int n = s->ops->num_groups(s->opt);
  double mins[SCHED_MAX_GROUPS], last[SCHED_MAX_GROUPS];
  for (int g = 0; g < n && g < SCHED_MAX_GROUPS; g++) mins[g] = s->min_lr, last[g] = s->ops->get_lr(s->opt, g);
  lt_state *ml = sched_list(mins, n), *ll = sched_list(last, n);
  lt_status rc = ml && ll ? LT_OK : LT_FAIL;
  if (rc == LT_OK) rc = lt_state_set_double(out, "factor", s->factor);
  if (rc == LT_OK) rc = lt_state_set_state(out, "min_lrs", ml);
  if (rc == LT_OK) rc = lt_state_set_int(out, "patience", s->patience);
  if (rc == LT_OK) rc = lt_state_set_bool(out, "verbose", 0);
  if (rc == LT_OK) rc = lt_state_set_int(out, "cooldown", s->cooldown);
  if (rc == LT_OK) rc = lt_state_set_int(out, "cooldown_counter", s->cooldown_counter);
  if (rc == LT_OK) rc = lt_state_set_string(out, "mode", s->maximize ? "max" : "min");
  if (rc == LT_OK) rc = lt_state_set_double(out, "threshold", s->threshold);
  if (rc == LT_OK) rc = lt_state_set_string(out, "threshold_mode", s->relative ? "rel" : "abs");
  if (rc == LT_OK) rc = lt_state_set_double(out, "best", s->best);
  if (rc == LT_OK) rc = lt_state_set_int(out, "num_bad_epochs", s->bad);
  if (rc == LT_OK) rc = lt_state_set_double(out, "mode_worse", s->maximize ? -INFINITY : INFINITY);
  if (rc == LT_OK) rc = lt_state_set_double(out, "eps", s->eps);
  if (rc == LT_OK) rc = lt_state_set_int(out, "last_epoch", s->last_epoch);
  if (rc == LT_OK) rc = lt_state_set_state(out, "_last_lr", ll);
  lt_state_free(ml), lt_state_free(ll);
  return rc;
}

static lt_status plateau_load(void *self, const lt_state *in, char *err, size_t errlen) {
  plateau *s = self;
  double best;
  int64_t bad, cooldown_counter, last_epoch;
  if (lt_state_get_double(in, "best", &best) != LT_OK || lt_state_get_int(in, "num_bad_epochs", &bad) != LT_OK ||
      lt_state_get_int(in, "cooldown_counter", &cooldown_counter) != LT_OK ||
      lt_state_get_int(in, "last_epoch", &last_epoch) != LT_OK) {
    snprintf(err, errlen, "a ReduceLROnPlateau state needs best, num_bad_epochs, cooldown_counter and last_epoch");
    return LT_ERR_INVALID;
  }
  s->best = best, s->bad = bad, s->cooldown_counter = cooldown_counter, s->last_epoch = last_epoch;
  lt_state_get_double(in, "factor", &s->factor);
  lt_state_get_int(in, "patience", &s->patience);
  lt_state_get_int(in, "cooldown", &s->cooldown);
  lt_state_get_double(in, "threshold", &s->threshold);
  lt_state_get_double(in, "eps", &s->eps);
  return LT_OK;
}

static const lt_scheduler_ops ops = {.size = sizeof(lt_scheduler_ops), .step = plateau_step,
                                     .get_last_lr = plateau_last_lr, .state_save = plateau_save,
                                     .state_load = plateau_load};

static const lt_param params[] = {
    LT_PARAM_COMPONENT("optimizer", LT_KIND_OPTIMIZER, LT_PF_REQUIRED, "the optimizer to drive"),
    LT_PARAM_CHOICE("mode", "min", "min|max", "whether the monitored value should go down or up"),
    LT_PARAM_MIN("factor", LT_P_FLOAT, "0.1", 0.0, "new lr = lr * factor"),
    LT_PARAM_MIN("patience", LT_P_INT, "10", 0, "steps without improvement before reducing"),
    LT_PARAM_MIN("threshold", LT_P_FLOAT, "0.0001", 0.0, "what counts as an improvement"),
    LT_PARAM_CHOICE("threshold_mode", "rel", "rel|abs", "threshold relative to the best or absolute"),
    LT_PARAM_MIN("cooldown", LT_P_INT, "0", 0, "steps to wait after a reduction"),
    LT_PARAM_MIN("min_lr", LT_P_FLOAT, "0.0", 0.0, "lower bound of the lr"),
    LT_PARAM_MIN("eps", LT_P_FLOAT, "1.0e-08", 0.0, "smaller changes are ignored"),
};

static const lt_component components[] = {
    {"torch.optim.lr_scheduler.ReduceLROnPlateau", LT_KIND_SCHEDULER,
     "Reduces the lr when a monitored value stops improving.", params, LT_COUNT_OF(params), plateau_create, free,
     &ops},
};

LT_PLUGIN_DEFINE("torch.optim.lr_scheduler.ReduceLROnPlateau", LT_VERSION_STRING,
                 "torch.optim.lr_scheduler.ReduceLROnPlateau", "BSD-3-Clause", components, NULL);
