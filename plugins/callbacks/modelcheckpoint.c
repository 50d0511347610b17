/* modelcheckpoint.c: pytorch_lightning.callbacks.ModelCheckpoint: saves the
 * run (through the trainer's atomic writer) every n epochs (after the
 * epoch's validation) or every n training steps, named by the filename
 * template ("{epoch}-{step}" by default; "{val/loss:.2f}" formats a logged
 * value; auto_insert_metric_name writes "epoch=1-step=32"); with a monitor it
 * keeps the save_top_k best (-1: all; "-v1" on a name clash) and deletes the
 * rest, without one the latest save_top_k; save_last also writes last.ckpt.
 * Its state goes into checkpoints as Lightning's (best_model_path and
 * best_model_score, current_score, dirpath, best_k_models of the files that
 * stay, kth_best_model_path, kth_value, last_model_path; scores as 0-dim
 * tensors), so that `--ckpt_path best` finds the best file and Lightning
 * resumes it. Metric names with
 * "/" have it replaced by "_" in file names. A relative dirpath is inside
 * the run folder (Lightning takes it from the working directory): nothing
 * is written outside the run folder unless dirpath is absolute. */
#define _XOPEN_SOURCE 700 /* writer.h: realpath, lstat, readlink */
#include <lighter/lighter.h>

#include "writer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MC_KEEP 64

typedef struct mc {
  char dirpath[1024], filename[256], monitor[256];
  int has_monitor, maximize, save_last, weights_only, verbose, auto_name;
  int64_t top_k, every_epochs, every_steps;
  /* kept files and their scores (monitor) or step (no monitor) */
  char *path[MC_KEEP];
  double score[MC_KEEP];
  int n;
  char best[1800];
  double best_score;
  int64_t last_saved_step;
  /* Lightning's state besides: the last monitored value, the worst kept
   * (when k are kept), the folder and last.ckpt as last written */
  double current;
  int has_current;
  char kth[1800], dir[1100], last[1800];
  double kth_value;
} mc;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  mc *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const char *dirpath = lt_arg_is_null(args, "dirpath") ? NULL : lt_arg_str(args, "dirpath");
  if (dirpath) snprintf(m->dirpath, sizeof m->dirpath, "%s", dirpath);
  snprintf(m->filename, sizeof m->filename, "%s",
           lt_arg_is_null(args, "filename") ? "{epoch}-{step}" : lt_arg_str(args, "filename"));
  if (dirpath && wr_check_path("dirpath", dirpath, err, errlen)) {
    free(m);
    return LT_ERR_INVALID;
  }
  if (m->filename[0] == '/' || wr_escapes(m->filename)) {
    snprintf(err, errlen, "filename '%s' leaves the checkpoint folder: name a file inside it (dirpath sets the folder)",
             m->filename);
    free(m);
    return LT_ERR_INVALID;
  }
  const char *monitor = lt_arg_is_null(args, "monitor") ? NULL : lt_arg_str(args, "monitor");
  m->has_monitor = monitor != NULL;
  if (monitor) snprintf(m->monitor, sizeof m->monitor, "%s", monitor);
  m->verbose = (int)lt_arg_int(args, "verbose");
  const lt_value *save_last = lt_arg(args, "save_last");
  m->save_last = save_last->type == LT_P_BOOL && save_last->i;
  m->top_k = lt_arg_int(args, "save_top_k");
  m->weights_only = (int)lt_arg_int(args, "save_weights_only");
  m->maximize = !strcmp(lt_arg_str(args, "mode"), "max");
  m->auto_name = (int)lt_arg_int(args, "auto_insert_metric_name");
  m->every_steps = lt_arg_is_null(args, "every_n_train_steps") ? 0 : lt_arg_int(args, "every_n_train_steps");
  m->every_epochs = lt_arg_is_null(args, "every_n_epochs") ? (m->every_steps ? 0 : 1) : lt_arg_int(args, "every_n_epochs");
  m->best_score = m->maximize ? -INFINITY : INFINITY;
  m->kth_value = m->maximize ? -INFINITY : INFINITY;
  m->last_saved_step = -1;
  if (m->top_k < -1) {
    snprintf(err, errlen, "save_top_k must be -1 or more, got %lld", (long long)m->top_k);
    free(m);
    return LT_ERR_INVALID;
  }
  if (!m->has_monitor && m->top_k > 1) {
    snprintf(err, errlen, "ModelCheckpoint(save_top_k=%lld, monitor=None) is not a valid configuration: without a "
                          "monitor only the latest (save_top_k 1, or -1 for all) can be kept", (long long)m->top_k);
    free(m);
    return LT_ERR_INVALID;
  }
  *self = m;
  return LT_OK;
}

static void destroy(void *self) {
  mc *m = self;
  if (!m) return;
  for (int i = 0; i < m->n; i++) free(m->path[i]);
  free(m);
}

/* The file name of the template, with {key} and {key:fmt} filled in. */
static int format_name(mc *m, const lt_run_view *run, char *out, size_t len, char *err, size_t errlen) {
  size_t at = 0;
  for (const char *p = m->filename; *p && at + 1 < len; p++) {
    if (*p != '{') {
      out[at++] = *p == '/' ? '_' : *p;
      continue;
    }
    const char *end = strchr(p, '}');
    if (!end) break;
    char key[256] = "", fmt[32] = "";
    const char *colon = memchr(p, ':', (size_t)(end - p));
    size_t kl = (size_t)((colon ? colon : end) - p - 1);
    if (kl >= sizeof key) kl = sizeof key - 1;
    memcpy(key, p + 1, kl);
    if (colon && (size_t)(end - colon - 1) < sizeof fmt - 2) snprintf(fmt, sizeof fmt, "%%%.*s", (int)(end - colon - 1), colon + 1);
    double v;
    int is_int = !strcmp(key, "epoch") || !strcmp(key, "step");
    if (!strcmp(key, "epoch")) v = (double)run->epoch;
    else if (!strcmp(key, "step")) v = (double)run->global_step;
    else if (!run->metric(run->host, key, &v)) {
      snprintf(err, errlen, "ModelCheckpoint: the filename uses '%s', which is not logged; logged keys: %s", key,
               run->metric_keys(run->host));
      return -1;
    }
    char num[64];
    if (*fmt) snprintf(num, sizeof num, fmt, v);
    else if (is_int) snprintf(num, sizeof num, "%lld", (long long)v);
    else snprintf(num, sizeof num, "%.4f", v);
    char name[300];
    snprintf(name, sizeof name, "%s", key);
    for (char *c = name; *c; c++)
      if (*c == '/') *c = '_';
    at += (size_t)snprintf(out + at, len - at, "%s%s%s", m->auto_name ? name : "", m->auto_name ? "=" : "", num);
    p = end;
  }
  out[at < len ? at : len - 1] = 0;
  return 0;
}

static int exists(const char *p) { return access(p, F_OK) == 0; }

/* Under ddp rank 0 alone touches the files (the host saves only there);
 * every rank keeps the same bookkeeping, as the metrics are reduced. */
static int writes_files(const lt_run_view *run) {
  return run->size < offsetof(lt_run_view, rank) + sizeof run->rank || run->rank == 0;
}

/* Forgets kept file i; its path goes to gone (the caller removes the file
 * once the new checkpoint, whose state no longer lists it, is written). */
static void forget(mc *m, int i, char **gone) {
  *gone = m->path[i];
  m->path[i] = m->path[--m->n];
  m->score[i] = m->score[m->n];
}

static void remove_file(mc *m, char *path, int files) {
  if (m->verbose && files) fprintf(stderr, "ModelCheckpoint: removing %s\n", path);
  if (files && strcmp(path, m->best)) unlink(path);
  free(path);
}

static int worse(const mc *m, double a, double b) { return m->maximize ? a < b : a > b; }

/* With k files kept (and a monitor), the worst of them: the one the next
 * better checkpoint replaces (Lightning's kth_best_model_path, kth_value). */
static void update_kth(mc *m) {
  if (!m->has_monitor || m->top_k <= 0 || m->n < m->top_k) return;
  int w = 0;
  for (int i = 1; i < m->n; i++)
    if (worse(m, m->score[i], m->score[w])) w = i;
  snprintf(m->kth, sizeof m->kth, "%s", m->path[w]);
  m->kth_value = m->score[w];
}

static lt_status save(mc *m, const lt_run_view *run) {
  /* the folder: dirpath, or the run's checkpoints/ */
  char dir[1100], name[600], path[1800], err[4600] = "";
  if (*m->dirpath) wr_place(m->dirpath, run, dir, sizeof dir);
  else snprintf(dir, sizeof dir, "%s/checkpoints", run->run_dir);
  if (run->global_step == m->last_saved_step || m->top_k == 0) {
    if (m->top_k == 0 && m->save_last) goto last;
    return LT_OK;
  }
  int files = writes_files(run);
  if (files && wr_require_inside("ModelCheckpoint", "dirpath", *m->dirpath ? m->dirpath : "checkpoints", run) != LT_OK)
    return LT_ERR_INVALID;
  if (files) wr_mkdirs(dir);
  double score = (double)run->global_step;
  if (m->has_monitor && !run->metric(run->host, m->monitor, &score)) {
    snprintf(err, sizeof err, "ModelCheckpoint(monitor='%s') could not find the monitored key in the logged metrics; "
             "logged keys: %s", m->monitor, run->metric_keys(run->host));
    lt_set_error(err, 1);
    return LT_ERR_NOT_FOUND;
  }
  if (m->has_monitor) m->current = score, m->has_current = 1;
  if (m->has_monitor && isnan(score)) score = m->maximize ? -INFINITY : INFINITY;
  snprintf(m->dir, sizeof m->dir, "%s", dir);
  /* keep it? with a monitor: among the top k */
  if (m->has_monitor && m->top_k > 0 && m->n >= m->top_k) {
    int w = 0;
    for (int i = 1; i < m->n; i++)
      if (worse(m, m->score[i], m->score[w])) w = i;
    if (!worse(m, m->score[w], score)) goto last;
  }
  if (format_name(m, run, name, sizeof name, err, sizeof err)) {
    lt_set_error(err, 1);
    return LT_ERR_NOT_FOUND;
  }
  snprintf(path, sizeof path, "%s/%s.ckpt", dir, name);
  for (int v = 1; exists(path) && v < 1000; v++) snprintf(path, sizeof path, "%s/%s-v%d.ckpt", dir, name, v);
  if (m->n == MC_KEEP) { /* keeping all: stop tracking the oldest (its file stays) */
    free(m->path[0]);
    memmove(m->path, m->path + 1, (size_t)(MC_KEEP - 1) * sizeof *m->path);
    memmove(m->score, m->score + 1, (size_t)(MC_KEEP - 1) * sizeof *m->score);
    m->n--;
  }
  m->path[m->n] = malloc(strlen(path) + 1);
  if (!m->path[m->n]) return LT_ERR_NOMEM;
  strcpy(m->path[m->n], path);
  m->score[m->n++] = score;
  if (!m->has_monitor || !worse(m, score, m->best_score)) {
    m->best_score = score;
    snprintf(m->best, sizeof m->best, "%s", path);
  }
  /* beyond top k: the worst (monitor) or the oldest, forgotten before the
   * save so that its state lists only the files that stay */
  char *gone[MC_KEEP];
  int ngone = 0;
  while (m->top_k > 0 && m->n > m->top_k) {
    int w = 0;
    for (int i = 1; i < m->n; i++)
      if (m->has_monitor ? worse(m, m->score[i], m->score[w]) : m->score[i] < m->score[w]) w = i;
    forget(m, w, &gone[ngone++]);
  }
  update_kth(m);
  int weights = m->weights_only && run->size >= offsetof(lt_run_view, save_weights) + sizeof run->save_weights &&
                run->save_weights;
  lt_status src = weights ? run->save_weights(run->host, path) : run->save_checkpoint(run->host, path);
  for (int i = 0; i < ngone; i++) remove_file(m, gone[i], files);
  if (src != LT_OK) return LT_FAIL;
  if (m->verbose && files) fprintf(stderr, "ModelCheckpoint: saved %s\n", path);
  m->last_saved_step = run->global_step;
last:
  if (m->save_last) {
    if (writes_files(run)) wr_mkdirs(dir);
    snprintf(path, sizeof path, "%s/last.ckpt", dir);
    snprintf(m->last, sizeof m->last, "%s", path); /* part of the state it writes, as Lightning's */
    if (run->save_checkpoint(run->host, path) != LT_OK) return LT_FAIL;
  }
  return LT_OK;
}

static lt_status hook(void *self, lt_hook h, const lt_run_view *run) {
  mc *m = self;
  if (strcmp(run->stage, "fit") || !strcmp(run->mode, "sanity")) return LT_OK;
  if (h == LT_HOOK_ON_TRAIN_BATCH_END && m->every_steps > 0 && run->global_step % m->every_steps == 0)
    return save(m, run);
  if (h == LT_HOOK_ON_TRAIN_EPOCH_END && m->every_epochs > 0 && (run->epoch + 1) % m->every_epochs == 0)
    return save(m, run);
  return LT_OK;
}

/* A score as Lightning keeps it: a 0-dim float32 tensor. */
static lt_status set_score(lt_state *st, const char *key, double v) {
  float f = (float)v;
  lt_tensor *t = lt_tensor_from_data(&f, NULL, 0, LT_FLOAT32);
  return t ? lt_state_set_tensor(st, key, t) : LT_FAIL;
}

/* Lightning's ModelCheckpoint.state_dict(): monitor, best_model_score,
 * best_model_path, current_score, dirpath, best_k_models, kth_best_model_path,
 * kth_value, last_model_path (scores as tensors, None where there is none). */
static lt_status state_save(void *self, lt_state *out) {
  mc *m = self;
  if (m->has_monitor) lt_state_set_string(out, "monitor", m->monitor);
  else lt_state_set_none(out, "monitor");
  if (m->has_monitor && *m->best) set_score(out, "best_model_score", m->best_score);
  else lt_state_set_none(out, "best_model_score");
  lt_state_set_string(out, "best_model_path", m->best);
  if (m->has_current) set_score(out, "current_score", m->current);
  else lt_state_set_none(out, "current_score");
  lt_state_set_string(out, "dirpath", m->dir);
  lt_state *k = lt_state_new_dict();
  for (int i = 0; m->has_monitor && i < m->n; i++) set_score(k, m->path[i], m->score[i]);
  lt_status rc = lt_state_set_state(out, "best_k_models", k);
  lt_state_free(k);
  lt_state_set_string(out, "kth_best_model_path", m->kth);
  set_score(out, "kth_value", m->kth_value);
  lt_state_set_string(out, "last_model_path", m->last);
  return rc;
}

/* A score: a tensor (Lightning's, ours) or a number (our older checkpoints). */
static int get_score(const lt_state *st, const char *key, double *v) {
  lt_value_kind k = lt_state_kind(st, key);
  if (k == LT_VALUE_TENSOR) {
    lt_tensor *t = lt_state_get_tensor(st, key);
    int ok = t && lt_tensor_numel(t) == 1 && lt_tensor_item_double(t, v) == LT_OK;
    lt_tensor_free(t);
    return ok;
  }
  return (k == LT_VALUE_DOUBLE || k == LT_VALUE_INT) && lt_state_get_double(st, key, v) == LT_OK;
}

static void get_text(const lt_state *st, const char *key, char *out, size_t len) {
  const char *s = lt_state_kind(st, key) == LT_VALUE_STRING ? lt_state_get_string(st, key) : NULL;
  if (s) snprintf(out, len, "%s", s);
}

static int keep(mc *m, const char *path, double score) {
  if (m->n == MC_KEEP || !(m->path[m->n] = malloc(strlen(path) + 1))) return -1;
  strcpy(m->path[m->n], path);
  m->score[m->n++] = score;
  return 0;
}

static lt_status state_load(void *self, const lt_state *in, char *err, size_t errlen) {
  mc *m = self;
  const char *best = lt_state_kind(in, "best_model_path") == LT_VALUE_STRING ? lt_state_get_string(in, "best_model_path")
                                                                            : NULL;
  lt_value_kind kk = lt_state_kind(in, "best_k_models");
  if (!best || kk != LT_VALUE_DICT) {
    snprintf(err, errlen, "a ModelCheckpoint state needs best_model_path (a string) and best_k_models (a dict)");
    return LT_ERR_INVALID;
  }
  lt_state *k = lt_state_get_state(in, "best_k_models");
  snprintf(m->best, sizeof m->best, "%s", best);
  get_score(in, "best_model_score", &m->best_score);
  m->has_current = get_score(in, "current_score", &m->current);
  get_score(in, "kth_value", &m->kth_value);
  get_text(in, "kth_best_model_path", m->kth, sizeof m->kth);
  get_text(in, "last_model_path", m->last, sizeof m->last);
  get_text(in, "dirpath", m->dir, sizeof m->dir);
  for (int i = 0; i < m->n; i++) free(m->path[i]);
  m->n = 0;
  for (int64_t i = 0; i < lt_state_len(k) && m->n < MC_KEEP; i++) {
    const char *p = lt_state_key(k, i);
    double v = 0;
    get_score(k, p, &v);
    if (keep(m, p, v)) break;
  }
  /* without a monitor Lightning keeps no best_k_models: the latest is the best */
  if (!m->has_monitor && !m->n && *m->best) keep(m, m->best, (double)m->last_saved_step);
  lt_state_free(k);
  return LT_OK;
}

static const lt_callback_ops ops = {.size = sizeof(lt_callback_ops), .hook = hook, .state_save = state_save,
                                    .state_load = state_load};

static const lt_param params[] = {
    {"dirpath", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "folder (default: the run's checkpoints/)"},
    {"filename", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "template: {epoch}, {step}, {logged/key:.2f} (default {epoch}-{step})"},
    {"monitor", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "logged key ranking the checkpoints"},
    LT_PARAM("verbose", LT_P_BOOL, "false", "say what is saved and removed"),
    {"save_last", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "also write last.ckpt"},
    LT_PARAM_MIN("save_top_k", LT_P_INT, "1", -1, "how many to keep (-1: all, 0: none)"),
    LT_PARAM("save_weights_only", LT_P_BOOL, "false", "save only state_dict (not optimizer, loops, callbacks)"),
    LT_PARAM_CHOICE("mode", "min", "min|max", "whether a lower or higher monitor is better"),
    LT_PARAM("auto_insert_metric_name", LT_P_BOOL, "true", "write key=value in file names"),
    {"every_n_train_steps", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 0, 0, NULL, "save every n steps"},
    {"every_n_epochs", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 0, 0, NULL,
     "save every n epochs (default 1)"},
    {"save_on_train_epoch_end", LT_P_BOOL, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "accepted"},
    LT_PARAM("enable_version_counter", LT_P_BOOL, "true", "add -v1, -v2 on a name clash"),
};

static const lt_component components[] = {
    {"pytorch_lightning.callbacks.ModelCheckpoint", LT_KIND_CALLBACK, "Saves checkpoints, keeping the best k.", params,
     LT_COUNT_OF(params), create, destroy, &ops},
    {"lightning.pytorch.callbacks.ModelCheckpoint", LT_KIND_CALLBACK, "Saves checkpoints, keeping the best k.", params,
     LT_COUNT_OF(params), create, destroy, &ops},
};

LT_PLUGIN_DEFINE("pytorch_lightning.callbacks.ModelCheckpoint", LT_VERSION_STRING, "ModelCheckpoint", "BSD-3-Clause",
                 components, NULL);
