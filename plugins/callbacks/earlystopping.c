/* earlystopping.c: pytorch_lightning.callbacks.EarlyStopping: stops fit
 * when the monitored value stops improving by min_delta for patience
 * checks, leaves stopping_threshold, crosses divergence_threshold or is not
 * finite; checked at the end of each validation (or of each training epoch
 * without validation), as Lightning does. strict: a monitor that is not
 * logged is an error listing the keys that are. Its state survives a
 * resume, as Lightning's (wait_count, stopped_epoch, best_score as a
 * tensor, patience), in both directions. */
#include <lighter/lighter.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct es {
  char monitor[256];
  double min_delta, best, stopping_threshold, divergence_threshold;
  int64_t patience, wait, stopped_epoch;
  int maximize, strict, check_finite, verbose, has_stop, has_div, on_train_epoch_end, saw_val;
} es;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  es *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const char *monitor = lt_arg_str(args, "monitor");
  snprintf(m->monitor, sizeof m->monitor, "%s", monitor ? monitor : ""); /* required: never null */
  m->maximize = !strcmp(lt_arg_str(args, "mode"), "max");
  m->min_delta = fabs(lt_arg_float(args, "min_delta")) * (m->maximize ? 1 : -1);
  m->patience = lt_arg_int(args, "patience");
  m->verbose = (int)lt_arg_int(args, "verbose");
  m->strict = (int)lt_arg_int(args, "strict");
  m->check_finite = (int)lt_arg_int(args, "check_finite");
  m->has_stop = !lt_arg_is_null(args, "stopping_threshold");
  m->stopping_threshold = lt_arg_float(args, "stopping_threshold");
  m->has_div = !lt_arg_is_null(args, "divergence_threshold");
  m->divergence_threshold = lt_arg_float(args, "divergence_threshold");
  const lt_value *on_epoch_end = lt_arg(args, "check_on_train_epoch_end");
  m->on_train_epoch_end = on_epoch_end->type == LT_P_BOOL && on_epoch_end->i;
  m->best = m->maximize ? -INFINITY : INFINITY;
  (void)err, (void)errlen;
  *self = m;
  return LT_OK;
}

static void destroy(void *self) { free(self); }

static int better(const es *m, double a, double b) { return m->maximize ? a > b : a < b; }

static lt_status check(es *m, const lt_run_view *run) {
  double cur;
  if (!run->metric(run->host, m->monitor, &cur)) {
    if (!m->strict) return LT_OK;
    char msg[4500];
    snprintf(msg, sizeof msg,
             "Early stopping conditioned on metric `%s` which is not available. Pass in or modify your `EarlyStopping` "
             "callback to use any of the following: %s",
             m->monitor, run->metric_keys(run->host));
    lt_set_error(msg, 1);
    return LT_ERR_NOT_FOUND;
  }
  char why[600] = "";
  int stop = 0;
  if (m->check_finite && !isfinite(cur)) {
    stop = 1;
    snprintf(why, sizeof why, "Monitored metric %s = %g is not finite. Previous best value was %.3f.", m->monitor, cur,
             m->best);
  } else if (m->has_stop && better(m, cur, m->stopping_threshold)) {
    stop = 1;
    snprintf(why, sizeof why, "Stopping threshold reached: %s = %g %s %g.", m->monitor, cur, m->maximize ? ">" : "<",
             m->stopping_threshold);
  } else if (m->has_div && better(m, -cur, -m->divergence_threshold)) {
    stop = 1;
    snprintf(why, sizeof why, "Divergence threshold reached: %s = %g %s %g.", m->monitor, cur, m->maximize ? "<" : ">",
             m->divergence_threshold);
  } else if (better(m, cur - m->min_delta, m->best)) {
    if (m->verbose) fprintf(stderr, "EarlyStopping: %s improved to %.3f\n", m->monitor, cur);
    m->best = cur;
    m->wait = 0;
  } else if (++m->wait >= m->patience) {
    stop = 1;
    snprintf(why, sizeof why, "Monitored metric %s did not improve in the last %lld records. Best score: %.3f.",
             m->monitor, (long long)m->wait, m->best);
  }
  if (stop) {
    m->stopped_epoch = run->epoch;
    run->request_stop(run->host, why);
  }
  return LT_OK;
}

static lt_status hook(void *self, lt_hook h, const lt_run_view *run) {
  es *m = self;
  if (!strcmp(run->stage, "fit") && !strcmp(run->mode, "sanity")) return LT_OK;
  if (h == LT_HOOK_ON_VALIDATION_END && !strcmp(run->stage, "fit")) {
    m->saw_val = 1;
    return m->on_train_epoch_end ? LT_OK : check(m, run);
  }
  if (h == LT_HOOK_ON_TRAIN_EPOCH_END && (m->on_train_epoch_end || !m->saw_val)) return check(m, run);
  return LT_OK;
}

/* Lightning's EarlyStopping.state_dict(), best_score a 0-dim tensor as
 * Lightning keeps it (its checks call best_score.to(device)). */
static lt_status save(void *self, lt_state *out) {
  es *m = self;
  lt_state_set_int(out, "wait_count", m->wait);
  lt_state_set_int(out, "stopped_epoch", m->stopped_epoch);
  float best = (float)m->best;
  lt_tensor *t = lt_tensor_from_data(&best, NULL, 0, LT_FLOAT32);
  if (!t) return LT_FAIL;
  lt_state_set_tensor(out, "best_score", t);
  return lt_state_set_int(out, "patience", m->patience);
}

/* best_score: a tensor (Lightning's, ours) or a number (our older checkpoints). */
static int get_best(const lt_state *in, double *out) {
  if (lt_state_kind(in, "best_score") != LT_VALUE_TENSOR) return lt_state_get_double(in, "best_score", out) == LT_OK;
  lt_tensor *t = lt_state_get_tensor(in, "best_score");
  int ok = t && lt_tensor_numel(t) == 1 && lt_tensor_item_double(t, out) == LT_OK;
  lt_tensor_free(t);
  return ok;
}

static lt_status load(void *self, const lt_state *in, char *err, size_t errlen) {
  es *m = self;
  if (lt_state_get_int(in, "wait_count", &m->wait) != LT_OK || !get_best(in, &m->best)) {
    snprintf(err, errlen, "an EarlyStopping state needs wait_count and best_score");
    return LT_ERR_INVALID;
  }
  lt_state_get_int(in, "stopped_epoch", &m->stopped_epoch);
  return LT_OK;
}

static const lt_callback_ops ops = {.size = sizeof(lt_callback_ops), .hook = hook, .state_save = save, .state_load = load};

static const lt_param params[] = {
    LT_PARAM_REQ("monitor", LT_P_STRING, "the logged key to watch (e.g. val/loss/epoch)"),
    LT_PARAM("min_delta", LT_P_FLOAT, "0.0", "smallest change that counts as an improvement"),
    LT_PARAM_MIN("patience", LT_P_INT, "3", 0, "checks without improvement before stopping"),
    LT_PARAM("verbose", LT_P_BOOL, "false", "say when it improves"),
    LT_PARAM_CHOICE("mode", "min", "min|max", "whether the value should go down or up"),
    LT_PARAM("strict", LT_P_BOOL, "true", "a monitor that is not logged is an error"),
    LT_PARAM("check_finite", LT_P_BOOL, "true", "stop when the value is NaN or infinite"),
    {"stopping_threshold", LT_P_FLOAT, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "stop once the value is past it"},
    {"divergence_threshold", LT_P_FLOAT, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "stop once the value is worse than it"},
    {"check_on_train_epoch_end", LT_P_BOOL, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "check at the end of each training epoch instead of each validation"},
    LT_PARAM("log_rank_zero_only", LT_P_BOOL, "false", "accepted"),
};

static const lt_component components[] = {
    {"pytorch_lightning.callbacks.EarlyStopping", LT_KIND_CALLBACK, "Stops fit when a monitored value stops improving.",
     params, LT_COUNT_OF(params), create, destroy, &ops},
    {"lightning.pytorch.callbacks.EarlyStopping", LT_KIND_CALLBACK, "Stops fit when a monitored value stops improving.",
     params, LT_COUNT_OF(params), create, destroy, &ops},
};

LT_PLUGIN_DEFINE("pytorch_lightning.callbacks.EarlyStopping", LT_VERSION_STRING, "EarlyStopping", "BSD-3-Clause",
                 components, NULL);
