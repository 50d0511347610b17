/* learningratemonitor.c: pytorch_lightning.callbacks.LearningRateMonitor:
 * logs each parameter group's learning rate as Lightning names it
 * ("lr-SGD", "lr-SGD/pg2" for more groups; "lr-SGD-momentum",
 * "lr-SGD-weight_decay" on request) at the start of every training epoch,
 * or of every step with logging_interval: step. */
#include <lighter/lighter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lrm {
  int per_step, momentum, weight_decay;
} lrm;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  lrm *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->per_step = !lt_arg_is_null(args, "logging_interval") && !strcmp(lt_arg_str(args, "logging_interval"), "step");
  m->momentum = (int)lt_arg_int(args, "log_momentum");
  m->weight_decay = (int)lt_arg_int(args, "log_weight_decay");
  *self = m;
  return LT_OK;
}

static void destroy(void *self) { free(self); }

static lt_status hook(void *self, lt_hook h, const lt_run_view *run) {
  lrm *m = self;
  if (h != (m->per_step ? LT_HOOK_ON_TRAIN_BATCH_START : LT_HOOK_ON_TRAIN_EPOCH_START) || !run->optimizer) return LT_OK;
  const lt_optimizer_ops *o = run->optimizer_ops;
  int can = o->size >= offsetof(lt_optimizer_ops, get_option) + sizeof o->get_option && o->get_option;
  const char *name = "Optimizer";
  char base[300];
  int groups = o->num_groups(run->optimizer);
  for (int g = 0; g < groups; g++) {
    char suffix[32] = "";
    if (groups > 1) snprintf(suffix, sizeof suffix, "/pg%d", g + 1);
    (void)name;
    snprintf(base, sizeof base, "lr-%s%s", run->optimizer_name ? run->optimizer_name : "Optimizer", suffix);
    run->log(run->host, base, o->get_lr(run->optimizer, g));
    double v;
    char key[340];
    if (m->momentum && can && (o->get_option(run->optimizer, g, "momentum", &v) || o->get_option(run->optimizer, g, "betas.0", &v))) {
      snprintf(key, sizeof key, "%s-momentum", base);
      run->log(run->host, key, v);
    }
    if (m->weight_decay && can && o->get_option(run->optimizer, g, "weight_decay", &v)) {
      snprintf(key, sizeof key, "%s-weight_decay", base);
      run->log(run->host, key, v);
    }
  }
  return LT_OK;
}

static const lt_callback_ops ops = {.size = sizeof(lt_callback_ops), .hook = hook};

static const lt_param params[] = {
    {"logging_interval", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, "step|epoch",
     "step or epoch (null: epoch)"},
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
