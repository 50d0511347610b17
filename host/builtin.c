/* builtin.c: the host's own components: pytorch_lightning.Trainer (and
 * its lightning.* names), the CSVLogger and the TensorBoardLogger, with
 * Lightning's parameter names and defaults. */
#include "builtin.h"
#include "dist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int host_is_trainer(const char *t) {
  return t && (!strcmp(t, "pytorch_lightning.Trainer") || !strcmp(t, "lightning.Trainer") ||
               !strcmp(t, "lightning.pytorch.Trainer"));
}

int host_is_csv_logger(const char *t) {
  return t && (!strcmp(t, "pytorch_lightning.loggers.CSVLogger") || !strcmp(t, "lightning.pytorch.loggers.CSVLogger"));
}

int host_is_tensorboard_logger(const char *t) {
  return t && (!strcmp(t, "pytorch_lightning.loggers.TensorBoardLogger") ||
               !strcmp(t, "lightning.pytorch.loggers.TensorBoardLogger"));
}

/* An int or a fraction (Lightning's limit_*_batches, val_check_interval). */
static int int_or_frac(const lt_value *v, const char *name, int64_t *n, double *frac, char *err, size_t errlen) {
  *n = -1, *frac = 0;
  if (v->is_null) return 0;
  if (v->type == LT_P_INT && v->i >= 0) {
    *n = v->i;
    return 0;
  }
  if (v->type == LT_P_FLOAT && v->f >= 0 && v->f <= 1) {
    *frac = v->f;
    if (v->f == 1.0) *frac = 0; /* all */
    else if (v->f == 0.0) *n = 0;
    return 0;
  }
  snprintf(err, errlen, "%s must be an int >= 0 (batches) or a float in [0, 1] (a fraction), got %s", name,
           v->type == LT_P_STRING ? v->s : "something else");
  return -1;
}

/* "DD:HH:MM:SS" or {days, hours, minutes, seconds}. */
static int max_time(const lt_value *v, double *s, char *err, size_t errlen) {
  *s = 0;
  if (v->is_null) return 0;
  if (v->type == LT_P_STRING) {
    int d, h, m, sec;
    if (sscanf(v->s, "%d:%d:%d:%d", &d, &h, &m, &sec) == 4) {
      *s = ((d * 24.0 + h) * 60 + m) * 60 + sec;
      return 0;
    }
  } else if (v->type == LT_P_DICT) {
    for (size_t i = 0; i < v->n; i++) {
      double x = v->items[i].f, mult = !strcmp(v->keys[i], "days") ? 86400 : !strcmp(v->keys[i], "hours") ? 3600
                                                                     : !strcmp(v->keys[i], "minutes") ? 60
                                                                     : !strcmp(v->keys[i], "seconds") ? 1 : -1;
      if (mult < 0) break;
      *s += x * mult;
    }
    if (*s > 0) return 0;
  }
  snprintf(err, errlen, "max_time must be \"DD:HH:MM:SS\" or {days:, hours:, minutes:, seconds:}");
  return -1;
}

enum {
  T_ACCELERATOR, T_DEVICES, T_STRATEGY, T_NUM_NODES, T_PRECISION, T_LOGGER, T_CALLBACKS, T_FAST_DEV_RUN, T_MAX_EPOCHS,
  T_MIN_EPOCHS, T_MAX_STEPS, T_MIN_STEPS, T_MAX_TIME, T_LIMIT_TRAIN, T_LIMIT_VAL, T_LIMIT_TEST, T_LIMIT_PREDICT,
  T_OVERFIT, T_VAL_CHECK, T_CHECK_VAL_EVERY, T_NUM_SANITY, T_LOG_EVERY, T_CKPT, T_PROGRESS, T_SUMMARY, T_ACCUMULATE,
  T_CLIP_VAL, T_CLIP_ALGO, T_DETERMINISTIC, T_BENCHMARK, T_ROOT, T_INFERENCE, T_PROFILER, T_ANOMALY,
  T_DIST_SAMPLER, T_SYNC_BN, T_RELOAD
};

static lt_status trainer_create(const lt_value *a, void **self, char *err, size_t errlen) {
  host_trainer_cfg *c = calloc(1, sizeof *c);
  if (!c) return LT_ERR_NOMEM;
  const char *acc = a[T_ACCELERATOR].type == LT_P_STRING ? a[T_ACCELERATOR].s : "auto";
  const char *prec = a[T_PRECISION].type == LT_P_STRING ? a[T_PRECISION].s : NULL;
  int64_t p = a[T_PRECISION].type == LT_P_INT ? a[T_PRECISION].i : 0;
  int bad = 0;
  if (strcmp(acc, "auto") && strcmp(acc, "cpu"))
    bad = snprintf(err, errlen, "accelerator '%s' is not available: this build runs on the CPU (accelerator: cpu)", acc);
  else if (!(prec ? !strcmp(prec, "32") || !strcmp(prec, "32-true") || !strcmp(prec, "64") || !strcmp(prec, "64-true") ||
                        !strcmp(prec, "bf16-mixed") || !strcmp(prec, "bf16")
                  : p == 32 || p == 64))
    bad = snprintf(err, errlen,
                   "precision %s is not supported on the CPU here; use \"32-true\", \"64-true\" or \"bf16-mixed\"",
                   prec ? prec : "(number)");
  else if (a[T_STRATEGY].type == LT_P_STRING && host_strategy_kind(a[T_STRATEGY].s) == -2)
    bad = snprintf(err, errlen, "strategy '%s' is not available on the CPU here; use ddp (or auto, single_device)",
                   a[T_STRATEGY].s);
  else if (a[T_STRATEGY].type == LT_P_COMPONENT &&
           !(a[T_STRATEGY].component_type && strstr(a[T_STRATEGY].component_type->target, "DDPStrategy")))
    bad = snprintf(err, errlen, "strategy must be a name (ddp) or a DDPStrategy, not %s",
                   a[T_STRATEGY].component_type ? a[T_STRATEGY].component_type->target : "this component");
  else if (a[T_STRATEGY].type != LT_P_STRING && a[T_STRATEGY].type != LT_P_COMPONENT && !a[T_STRATEGY].is_null)
    bad = snprintf(err, errlen, "strategy must be a name (ddp) or a DDPStrategy");
  else if (!(a[T_DEVICES].type == LT_P_INT && (a[T_DEVICES].i >= 1 || a[T_DEVICES].i == -1)) &&
           !(a[T_DEVICES].type == LT_P_STRING && !strcmp(a[T_DEVICES].s, "auto")) && !a[T_DEVICES].is_null)
    bad = snprintf(err, errlen, "devices must be a number of processes (-1: one per core) or \"auto\" (1 on the CPU)");
  if (bad) {
    free(c);
    return LT_ERR_UNSUPPORTED;
  }
  c->precision64 = prec ? prec[0] == '6' : p == 64;
  c->bf16 = prec && !strncmp(prec, "bf16", 4);
  c->max_steps = a[T_MAX_STEPS].i;
  c->max_epochs = a[T_MAX_EPOCHS].is_null ? (c->max_steps < 0 ? 1000 : -1) : a[T_MAX_EPOCHS].i;
  c->min_epochs = a[T_MIN_EPOCHS].is_null ? 0 : a[T_MIN_EPOCHS].i;
  const char *names[4] = {"limit_train_batches", "limit_val_batches", "limit_test_batches", "limit_predict_batches"};
  if (max_time(&a[T_MAX_TIME], &c->max_time_s, err, errlen)) bad = 1;
  for (int i = 0; i < 4 && !bad; i++)
    if (int_or_frac(&a[T_LIMIT_TRAIN + i], names[i], &c->limit[i], &c->limit_frac[i], err, errlen)) bad = 1;
  if (!bad && int_or_frac(&a[T_VAL_CHECK], "val_check_interval", &c->val_check_batches, &c->val_check_frac, err, errlen))
    bad = 1;
  if (!bad && int_or_frac(&a[T_OVERFIT], "overfit_batches", &c->overfit_batches, &c->overfit_frac, err, errlen)) bad = 1;
  if (!bad && c->val_check_batches == 0) bad = snprintf(err, errlen, "val_check_interval must be at least 1 batch");
  if (bad) {
    free(c);
    return LT_ERR_INVALID;
  }
  if (c->overfit_batches < 0 && c->overfit_frac == 0) c->overfit_batches = 0;
  c->check_val_every_n_epoch = a[T_CHECK_VAL_EVERY].is_null ? 0 : a[T_CHECK_VAL_EVERY].i;
  c->num_sanity_val_steps = a[T_NUM_SANITY].i;
  c->log_every_n_steps = a[T_LOG_EVERY].i;
  c->enable_checkpointing = (int)a[T_CKPT].i;
  c->enable_progress_bar = (int)a[T_PROGRESS].i;
  c->enable_model_summary = (int)a[T_SUMMARY].i;
  c->accumulate_grad_batches = a[T_ACCUMULATE].i;
  c->gradient_clip_val = a[T_CLIP_VAL].is_null ? 0 : a[T_CLIP_VAL].f;
  c->clip_by_value = a[T_CLIP_ALGO].type == LT_P_STRING && !strcmp(a[T_CLIP_ALGO].s, "value");
  c->deterministic = a[T_DETERMINISTIC].type == LT_P_BOOL ? (int)a[T_DETERMINISTIC].i : 0;
  /* fast_dev_run: true is 1 batch; n batches of each; no logger, no checkpoints, one epoch */
  const lt_value *f = &a[T_FAST_DEV_RUN];
  c->fast_dev_run = f->type == LT_P_BOOL ? (int)f->i : f->type == LT_P_INT ? (int)f->i : 0;
  snprintf(c->default_root_dir, sizeof c->default_root_dir, "%s", a[T_ROOT].is_null ? "." : a[T_ROOT].s);
  c->logger_default = a[T_LOGGER].type == LT_P_BOOL ? (int)a[T_LOGGER].i : a[T_LOGGER].is_null ? 1 : 2;
  *self = c;
  return LT_OK;
}

static void free_self(void *self) { free(self); }

static const lt_param trainer_params[] = {
    LT_PARAM("accelerator", LT_P_ANY, "auto", "cpu (or auto)"),
    LT_PARAM("devices", LT_P_ANY, "auto", "processes per node (auto: 1 on the CPU); more than 1 runs ddp"),
    LT_PARAM("strategy", LT_P_ANY, "auto", "auto, single_device, ddp or a DDPStrategy (timeout, bucket_cap_mb)"),
    LT_PARAM_MIN("num_nodes", LT_P_INT, "1", 1, "machines (each runs devices processes; MASTER_ADDR, NODE_RANK)"),
    LT_PARAM("precision", LT_P_ANY, "32-true", "32-true, 64-true (float64 weights and inputs) or bf16-mixed (CPU autocast)"),
    LT_PARAM("logger", LT_P_ANY, "true", "true (a CSVLogger in default_root_dir), false, a logger or a list"),
    {"callbacks", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "callbacks, in order"},
    LT_PARAM("fast_dev_run", LT_P_ANY, "false", "true or n: n batches of each stage, no logs or checkpoints"),
    {"max_epochs", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, -1, 0, NULL,
     "stop after this many epochs (default 1000 when max_steps is -1)"},
    {"min_epochs", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 0, 0, NULL, "run at least this many"},
    LT_PARAM_MIN("max_steps", LT_P_INT, "-1", -1, "stop after this many optimizer steps (-1: no limit)"),
    {"min_steps", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "accepted"},
    {"max_time", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "\"DD:HH:MM:SS\" or {days, hours, ...}"},
    {"limit_train_batches", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "int (batches) or fraction"},
    {"limit_val_batches", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "int (batches) or fraction"},
    {"limit_test_batches", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "int (batches) or fraction"},
    {"limit_predict_batches", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "int (batches) or fraction"},
    LT_PARAM("overfit_batches", LT_P_ANY, "0.0", "train and validate on these first train batches"),
    {"val_check_interval", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "validate every n train batches, or a fraction of the epoch"},
    {"check_val_every_n_epoch", LT_P_INT, (lt_kind)0, "1", LT_PF_NULLABLE | LT_PF_MIN, 1, 0, NULL,
     "validate every n epochs"},
    LT_PARAM_MIN("num_sanity_val_steps", LT_P_INT, "2", -1, "validation batches before training (-1: all)"),
    LT_PARAM_MIN("log_every_n_steps", LT_P_INT, "50", 1, "log step values every n steps"),
    LT_PARAM("enable_checkpointing", LT_P_BOOL, "true", "save last.ckpt at the end of each epoch"),
    LT_PARAM("enable_progress_bar", LT_P_BOOL, "true", "progress (a bar on a terminal, lines otherwise)"),
    LT_PARAM("enable_model_summary", LT_P_BOOL, "true", "print the network's parameters at the start"),
    LT_PARAM_MIN("accumulate_grad_batches", LT_P_INT, "1", 1, "optimizer step every n batches"),
    {"gradient_clip_val", LT_P_FLOAT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 0, 0, NULL,
     "clip gradients (norm or value) before each step"},
    LT_PARAM_CHOICE("gradient_clip_algorithm", "norm", "norm|value", "how to clip"),
    LT_PARAM("deterministic", LT_P_ANY, "false", "accepted (CPU kernels are deterministic here)"),
    {"benchmark", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "accepted (no cuDNN)"},
    {"default_root_dir", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "where logs and checkpoints go (default: the current folder)"},
    LT_PARAM("inference_mode", LT_P_BOOL, "true", "evaluation without gradients"),
    {"profiler", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "accepted"},
    LT_PARAM("detect_anomaly", LT_P_BOOL, "false", "accepted"),
    LT_PARAM("use_distributed_sampler", LT_P_BOOL, "true", "accepted"),
    LT_PARAM("sync_batchnorm", LT_P_BOOL, "false", "accepted"),
    LT_PARAM_MIN("reload_dataloaders_every_n_epochs", LT_P_INT, "0", 0, "accepted"),
};

static lt_status csv_create(const lt_value *a, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  host_logger_cfg *c = calloc(1, sizeof *c);
  if (!c) return LT_ERR_NOMEM;
  c->kind = HOST_LOGGER_CSV;
  snprintf(c->save_dir, sizeof c->save_dir, "%s", a[0].s);
  snprintf(c->name, sizeof c->name, "%s", a[1].is_null ? "" : a[1].s);
  c->version = a[2].is_null ? -1 : a[2].i;
  c->flush_every = a[4].i;
  *self = c;
  return LT_OK;
}

static const lt_param csv_params[] = {
    LT_PARAM_REQ("save_dir", LT_P_STRING, "the folder of the logs"),
    {"name", LT_P_STRING, (lt_kind)0, "lightning_logs", LT_PF_NULLABLE, 0, 0, NULL, "sub-folder of save_dir"},
    {"version", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 0, 0, NULL,
     "version_N folder (null: the next free one)"},
    LT_PARAM("prefix", LT_P_STRING, "", "accepted"),
    LT_PARAM_MIN("flush_logs_every_n_steps", LT_P_INT, "100", 1, "write metrics.csv every n steps"),
};

enum { TB_SAVE_DIR, TB_NAME, TB_VERSION, TB_LOG_GRAPH, TB_HP_METRIC, TB_PREFIX, TB_SUB_DIR, TB_MAX_QUEUE, TB_FLUSH_SECS,
       TB_SUFFIX };

/* 1 when a relative path climbs out of its folder (a ".." part). */
static int climbs_out(const char *p) {
  if (*p == '/') return 0;
  for (const char *c = p; *c; c += strcspn(c, "/"), c += *c == '/')
    if (!strncmp(c, "..", 2) && (c[2] == '/' || !c[2])) return 1;
  return 0;
}

/* A string argument ("" for null or an empty default). */
static const char *str_arg(const lt_value *v) { return !v->is_null && v->s ? v->s : ""; }

static lt_status tb_create(const lt_value *a, void **self, char *err, size_t errlen) {
  const lt_value *v = &a[TB_VERSION];
  const char *sub = str_arg(&a[TB_SUB_DIR]), *suffix = str_arg(&a[TB_SUFFIX]);
  if (!v->is_null && !(v->type == LT_P_INT && v->i >= 0) &&
      !(v->type == LT_P_STRING && *v->s && !strchr(v->s, '/') && strcmp(v->s, ".") && strcmp(v->s, ".."))) {
    snprintf(err, errlen, "version must be an int >= 0 (the folder version_N), a folder name (a string without '/') "
                          "or null (the next free version_N)");
    return LT_ERR_INVALID;
  }
  if (climbs_out(sub)) {
    snprintf(err, errlen, "sub_dir '%s' climbs out of the version folder ('..'); give a folder inside it, or an "
                          "absolute path", sub);
    return LT_ERR_INVALID;
  }
  if (strchr(suffix, '/')) {
    snprintf(err, errlen, "filename_suffix '%s' must not hold a '/' (it ends the event file's name)", suffix);
    return LT_ERR_INVALID;
  }
  host_logger_cfg *c = calloc(1, sizeof *c);
  if (!c) return LT_ERR_NOMEM;
  c->kind = HOST_LOGGER_TENSORBOARD;
  snprintf(c->save_dir, sizeof c->save_dir, "%s", a[TB_SAVE_DIR].s);
  snprintf(c->name, sizeof c->name, "%s", str_arg(&a[TB_NAME]));
  c->version = v->type == LT_P_INT ? v->i : -1;
  if (v->type == LT_P_STRING) snprintf(c->version_name, sizeof c->version_name, "%s", v->s);
  c->log_graph = (int)a[TB_LOG_GRAPH].i;
  c->default_hp_metric = (int)a[TB_HP_METRIC].i;
  snprintf(c->prefix, sizeof c->prefix, "%s", str_arg(&a[TB_PREFIX]));
  snprintf(c->sub_dir, sizeof c->sub_dir, "%s", sub);
  c->flush_every = a[TB_MAX_QUEUE].i;
  c->flush_secs = a[TB_FLUSH_SECS].f;
  snprintf(c->filename_suffix, sizeof c->filename_suffix, "%s", suffix);
  *self = c;
  return LT_OK;
}

static const lt_param tb_params[] = {
    LT_PARAM_REQ("save_dir", LT_P_STRING, "the folder of the logs"),
    {"name", LT_P_STRING, (lt_kind)0, "lightning_logs", LT_PF_NULLABLE, 0, 0, NULL,
     "sub-folder of save_dir (null or '': none)"},
    {"version", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "version_N folder for an int, that folder for a string (null: the next free version_N)"},
    LT_PARAM("log_graph", LT_P_BOOL, "false", "accepted; no graph is written (a notice says so)"),
    LT_PARAM("default_hp_metric", LT_P_BOOL, "true", "hp_metric = -1 at step 0 and the hyperparameters (hparams plugin)"),
    LT_PARAM("prefix", LT_P_STRING, "", "tags are prefix-key"),
    {"sub_dir", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "the event file goes to save_dir/name/version/sub_dir"},
    LT_PARAM_MIN("max_queue", LT_P_INT, "10", 1, "SummaryWriter's: write the event file every n logged rows"),
    LT_PARAM_MIN("flush_secs", LT_P_FLOAT, "120", 0, "SummaryWriter's: or when a row waited this long (0: never)"),
    LT_PARAM("filename_suffix", LT_P_STRING, "", "SummaryWriter's: added to the event file's name"),
};

/* DDPStrategy: what the trainer needs of it is read from the config by the
 * launcher (dist.c); its create only checks the arguments. */
static lt_status ddp_create(const lt_value *a, void **self, char *err, size_t errlen) {
  const lt_value *t = &a[0];
  if (!t->is_null && t->type != LT_P_INT && t->type != LT_P_FLOAT &&
      !(t->type == LT_P_COMPONENT && t->component_type && !strcmp(t->component_type->target, "datetime.timedelta"))) {
    snprintf(err, errlen, "timeout must be seconds or a datetime.timedelta");
    return LT_ERR_INVALID;
  }
  if ((t->type == LT_P_INT || t->type == LT_P_FLOAT) && t->f <= 0) {
    snprintf(err, errlen, "timeout must be more than 0 seconds");
    return LT_ERR_INVALID;
  }
  *self = calloc(1, 1);
  return *self ? LT_OK : LT_ERR_NOMEM;
}

static const lt_param ddp_params[] = {
    {"timeout", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "every collective fails after this (seconds or a datetime.timedelta; default 1800)"},
    LT_PARAM_CHOICE("process_group_backend", "gloo", "gloo", "c10d backend (gloo on the CPU)"),
    {"bucket_cap_mb", LT_P_FLOAT, (lt_kind)0, "25", LT_PF_MIN, 0, 0, NULL, "gradient bucket size for the allreduce"},
    LT_PARAM("find_unused_parameters", LT_P_BOOL, "false", "accepted (unused parameters always take part with zeros)"),
    LT_PARAM("gradient_as_bucket_view", LT_P_BOOL, "false", "accepted"),
    LT_PARAM("static_graph", LT_P_BOOL, "false", "accepted"),
    LT_PARAM("broadcast_buffers", LT_P_BOOL, "true", "accepted (buffers are broadcast from rank 0 before each step)"),
};

static const lt_param timedelta_params[] = {
    LT_PARAM("days", LT_P_FLOAT, "0", ""),         LT_PARAM("seconds", LT_P_FLOAT, "0", ""),
    LT_PARAM("microseconds", LT_P_FLOAT, "0", ""), LT_PARAM("milliseconds", LT_P_FLOAT, "0", ""),
    LT_PARAM("minutes", LT_P_FLOAT, "0", ""),      LT_PARAM("hours", LT_P_FLOAT, "0", ""),
    LT_PARAM("weeks", LT_P_FLOAT, "0", ""),
};

static lt_status timedelta_create(const lt_value *a, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  double *s = malloc(sizeof *s);
  if (!s) return LT_ERR_NOMEM;
  *s = 0;
  for (size_t i = 0; i < LT__COUNT_OF(timedelta_params); i++) *s += a[i].f * host_timedelta_unit(timedelta_params[i].name);
  *self = s;
  return LT_OK;
}

#define DDP(name)                                                                                            \
  {name, LT_KIND_OTHER, "Lightning's DDPStrategy: data parallel over c10d Gloo (timeout, bucket_cap_mb).",   \
   ddp_params, LT__COUNT_OF(ddp_params), ddp_create, free_self, NULL}

#define TRAINER(name)                                                                                        \
  {name, LT_KIND_OTHER, "Lightning's Trainer: runs fit, validate, test and predict.", trainer_params,        \
   LT__COUNT_OF(trainer_params), trainer_create, free_self, NULL}
#define CSVLOG(name)                                                                                         \
  {name, LT_KIND_LOGGER, "Lightning's CSVLogger: save_dir/name/version_N/metrics.csv and hparams.yaml.",     \
   csv_params, LT__COUNT_OF(csv_params), csv_create, free_self, NULL}
#define TBLOG(name)                                                                                          \
  {name, LT_KIND_LOGGER,                                                                                     \
   "Lightning's TensorBoardLogger: save_dir/name/version_N[/sub_dir]/events.out.tfevents.* (scalars, "       \
   "hp_metric, the hparams plugin) and hparams.yaml.",                                                       \
   tb_params, LT__COUNT_OF(tb_params), tb_create, free_self, NULL}

static const lt_component components[] = {
    TRAINER("pytorch_lightning.Trainer"),
    TRAINER("lightning.Trainer"),
    TRAINER("lightning.pytorch.Trainer"),
    CSVLOG("pytorch_lightning.loggers.CSVLogger"),
    CSVLOG("lightning.pytorch.loggers.CSVLogger"),
    TBLOG("pytorch_lightning.loggers.TensorBoardLogger"),
    TBLOG("lightning.pytorch.loggers.TensorBoardLogger"),
    DDP("pytorch_lightning.strategies.DDPStrategy"),
    DDP("lightning.pytorch.strategies.DDPStrategy"),
    {"datetime.timedelta", LT_KIND_OTHER, "Python's datetime.timedelta (a duration, e.g. a DDPStrategy timeout).",
     timedelta_params, LT__COUNT_OF(timedelta_params), timedelta_create, free_self, NULL},
};

static const lt_plugin builtin = {LT_ABI_MAJOR, LT_ABI_MINOR, "lighter-host", LT_VERSION_STRING,
                                  "components of the host itself", "BSD-3-Clause", components,
                                  LT__COUNT_OF(components), NULL};

void host_registry_add_builtin(host_registry *reg) {
  for (size_t i = 0; i < reg->nplugins; i++)
    if (reg->plugins[i].desc == &builtin) return;
  host_plugin *p = realloc(reg->plugins, (reg->nplugins + 1) * sizeof *p);
  host_entry *e = realloc(reg->entries, (reg->nentries + builtin.ncomponents) * sizeof *e);
  if (!p || !e) abort();
  reg->plugins = p, reg->entries = e;
  size_t idx = reg->nplugins++;
  memset(&p[idx], 0, sizeof p[idx]);
  p[idx].path = strdup("built into lighter-host");
  p[idx].desc = &builtin;
  for (size_t i = 0; i < builtin.ncomponents; i++) {
    if (host_registry_find(reg, components[i].target)) continue; /* a plugin may provide its own */
    e[reg->nentries].comp = &components[i];
    e[reg->nentries++].plugin = idx;
  }
}
