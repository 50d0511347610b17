/* learningratemonitor.c: pytorch_lightning.callbacks.LearningRateMonitor:
 * logs each parameter group's learning rate as Lightning names it
 * ("lr-SGD", "lr-SGD/pg2" for more groups; "lr-SGD-momentum",
 * "lr-SGD-weight_decay" on request), in rows of their own with the step and
 * no epoch, when Lightning does: at the start of every training epoch and,
 * on the batches where the trainer logs (log_every_n_steps), at the start
 * of the batch. logging_interval: epoch or step keeps one of the two; the
 * default (null) follows the scheduler's interval, and logs at both when
 * the optimizer has no scheduler. */
#include <lighter/lighter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BY_SCHEDULER, EVERY_EPOCH, EVERY_STEP };

typedef struct lrm {
  int interval, momentum, weight_decay;
} lrm;

static lt_status create(const lt_value *a, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  lrm *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const char *interval = lt_arg_str(a, "logging_interval");
  m->interval = !interval ? BY_SCHEDULER : !strcmp(interval, "step") ? EVERY_STEP : EVERY_EPOCH;
  m->momentum = lt_arg_bool(a, "log_momentum");
  m->weight_decay = lt_arg_bool(a, "log_weight_decay");
  *self = m;
  return LT_OK;
}

static void destroy(void *self) { free(self); }

/* Whether this hook logs: Lightning's on_train_epoch_start and
 * on_train_batch_start (the latter only where the trainer logs). */
static int logs_now(const lrm *m, lt_hook h, const lt_run_view *run) {
  int known = LT_HAS(run, lt_run_view, log_row) && run->log_row; /* older hosts: every batch, as before */
  const char *sched = known ? run->scheduler_interval : NULL;
  if (h == LT_HOOK_ON_TRAIN_EPOCH_START)
    return m->interval == EVERY_EPOCH || (m->interval == BY_SCHEDULER && (!sched || !strcmp(sched, "epoch")));
  if (h != LT_HOOK_ON_TRAIN_BATCH_START || (known && !run->log_step)) return 0;
  return m->interval == EVERY_STEP || (m->interval == BY_SCHEDULER && (!sched || !strcmp(sched, "step")));
}

static lt_status hook(void *self, lt_hook h, const lt_run_view *run) {
  lrm *m = self;
  if (!run->optimizer || !logs_now(m, h, run)) return LT_OK;
  void (*log)(void *, const char *, double) = LT_HAS(run, lt_run_view, log_row) && run->log_row ? run->log_row : run->log;
  const lt_optimizer_ops *o = run->optimizer_ops;
  int can = LT_HAS(o, lt_optimizer_ops, get_option) && o->get_option;
  char base[300], key[340];
  int groups = o->num_groups(run->optimizer);
  for (int g = 0; g < groups; g++) {
    char suffix[32] = "";
    if (groups > 1) snprintf(suffix, sizeof suffix, "/pg%d", g + 1);
    snprintf(base, sizeof base, "lr-%s%s", run->optimizer_name ? run->optimizer_name : "Optimizer", suffix);
    log(run->host, base, o->get_lr(run->optimizer, g));
    double v = 0;
    if (m->momentum) { /* Adam's beta1 where there are betas, else the momentum; 0 without either (as Lightning) */
      if (can && !o->get_option(run->optimizer, g, "betas.0", &v) && !o->get_option(run->optimizer, g, "momentum", &v))
        v = 0;
      snprintf(key, sizeof key, "%s-momentum", base);
      log(run->host, key, v);
    }
    if (m->weight_decay && can && o->get_option(run->optimizer, g, "weight_decay", &v)) {
      snprintf(key, sizeof key, "%s-weight_decay", base);
      log(run->host, key, v);
    }
  }
  return LT_OK;
}

static const lt_callback_ops ops = {.size = sizeof(lt_callback_ops), .hook = hook};

static const lt_param params[] = {
    {"logging_interval", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, "step|epoch",
     "step or epoch (null: as the scheduler steps; both without one)"},
    LT_PARAM("log_momentum", LT_P_BOOL, "false", "also log the momentum (or Adam's beta1)"),
    LT_PARAM("log_weight_decay", LT_P_BOOL, "false", "also log the weight decay"),
};

static const lt_component components[] = {
    {"pytorch_lightning.callbacks.LearningRateMonitor", LT_KIND_CALLBACK, "Logs the learning rates.", params,
     LT_COUNT_OF(params), create, destroy, &ops},
    {"lightning.pytorch.callbacks.LearningRateMonitor", LT_KIND_CALLBACK, "Logs the learning rates.", params,
     LT_COUNT_OF(params), create, destroy, &ops},
};

LT_PLUGIN_DEFINE("pytorch_lightning.callbacks.LearningRateMonitor", LT_VERSION_STRING, "LearningRateMonitor",
                 "BSD-3-Clause", components, NULL);
