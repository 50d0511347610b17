/* trainer.c: the runner (model, trainer and data out of a built config, a
 * run folder) and the trainer's loops: fit (sanity check, epochs of
 * training steps with gradient accumulation and clipping, validation every
 * n epochs or within an epoch, schedulers per epoch or per step), validate,
 * test and predict; logging under Lighter's names into a Lightning-style
 * metrics.csv; last.ckpt at each epoch's end and on interruption. */
#include "trainer.h"

#include "ckpt_progress.h"
#include "config/emit.h"
#include "dist.h"
#include "metrics_csv.h"
#include "predictions.h"
#include "run_path.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t host_interrupted;

static const char *const mode_names[4] = {"train", "val", "test", "predict"};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* An error: printed (naming the rank in a group, which also hears of it). */
#define FAIL(...) host_failf(__VA_ARGS__)
#define HAS(ops, type, member) ((ops)->size >= offsetof(type, member) + sizeof((ops)->member) && (ops)->member)

/* ---- the log ------------------------------------------------------------ */

static size_t log_key(host_log *l, const char *key) {
  for (size_t i = 0; i < l->nkeys; i++)
    if (!strcmp(l->keys[i], key)) return i;
  if (l->nkeys == l->cap_keys) {
    size_t cap = l->cap_keys ? l->cap_keys * 2 : 32;
    double *v = malloc(cap * (l->cap_rows ? l->cap_rows : 1) * sizeof *v);
    if (!v) abort();
    for (size_t r = 0; r < l->nrows; r++)
      for (size_t k = 0; k < cap; k++) v[r * cap + k] = k < l->cap_keys ? l->values[r * l->cap_keys + k] : NAN;
    free(l->values);
    l->values = v;
    l->cap_keys = cap;
    l->keys = realloc(l->keys, cap * sizeof *l->keys);
    if (!l->keys) abort();
  }
  l->keys[l->nkeys] = strdup(key);
  return l->nkeys++;
}

/* The row of (epoch, step): the last one when it is the same step. */
static size_t log_row(host_log *l, int64_t epoch, int64_t step) {
  if (l->nrows && l->steps[l->nrows - 1] == step && l->epochs[l->nrows - 1] == epoch) return l->nrows - 1;
  if (l->nrows == l->cap_rows) {
    size_t cap = l->cap_rows ? l->cap_rows * 2 : 64, kc = l->cap_keys ? l->cap_keys : 32;
    l->values = realloc(l->values, cap * kc * sizeof *l->values);
    l->steps = realloc(l->steps, cap * sizeof *l->steps);
    l->epochs = realloc(l->epochs, cap * sizeof *l->epochs);
    if (!l->values || !l->steps || !l->epochs) abort();
    l->cap_rows = cap;
    l->cap_keys = kc;
    if (!l->keys) l->keys = calloc(kc, sizeof *l->keys);
  }
  for (size_t k = 0; k < l->cap_keys; k++) l->values[l->nrows * l->cap_keys + k] = NAN;
  l->steps[l->nrows] = step;
  l->epochs[l->nrows] = epoch;
  return l->nrows++;
}

static void log_put(host_log *l, int64_t epoch, int64_t step, const char *key, double v) {
  if (!l->cap_rows) log_row(l, epoch, step), l->nrows = 0;
  size_t k = log_key(l, key);
  size_t r = log_row(l, epoch, step);
  l->values[r * l->cap_keys + k] = v;
}

static double log_last(const host_log *l, const char *key, int *found) {
  for (size_t k = 0; k < l->nkeys; k++)
    if (!strcmp(l->keys[k], key))
      for (size_t r = l->nrows; r-- > 0;)
        if (!isnan(l->values[r * l->cap_keys + k])) {
          *found = 1;
          return l->values[r * l->cap_keys + k];
        }
  *found = 0;
  return NAN;
}

static void log_free(host_log *l) {
  for (size_t k = 0; k < l->nkeys; k++) free(l->keys[k]);
  free(l->keys), free(l->values), free(l->steps), free(l->epochs);
  memset(l, 0, sizeof *l);
}

void host_run_free(host_run *r) {
  log_free(&r->log);
  log_free(&r->last);
  if (r->run_lock_fd > 0) close(r->run_lock_fd); /* the run folder is free for the next run */
  r->run_lock_fd = 0;
}

static void put(host_run *r, const char *key, double v) {
  if (r->sanity) return;
  log_put(&r->log, r->epoch, r->global_step, key, v);
  log_put(&r->last, 0, 0, key, v); /* one row: the last value of each key */
}

/* ---- distributed (ddp) ------------------------------------------------------ */

static int rank0(const host_run *r) { return !r->dist || r->dist->rank == 0; }

/* A collective failed: what, where, and what the other ranks left word of. */
static int dist_failed(host_run *r, const char *what) {
  char err[1024], peers[1400];
  snprintf(err, sizeof err, "%s", *lt_last_error() ? lt_last_error() : "failed");
  host_dist_peers(peers, sizeof peers);
  return FAIL("%s (epoch %lld, step %lld) failed: %s; %s (collective timeout %.0f s: trainer::strategy "
              "{_target_: lightning.pytorch.strategies.DDPStrategy, timeout: seconds})",
              what, (long long)r->epoch, (long long)r->global_step, err, peers, r->dist->timeout_s);
}

/* Sums v[0..n) over the ranks, in place. */
static int dist_sum(host_run *r, double *v, int n, const char *what) {
  if (!r->dist) return 0;
  int64_t shape[1] = {n};
  lt_clear_error();
  lt_tensor *t = lt_tensor_from_data(v, shape, 1, LT_FLOAT64);
  lt_status st = t ? lt_dist_allreduce(r->dist->pg, &t, 1, LT_REDUCE_SUM, 0) : LT_FAIL;
  if (st == LT_OK) st = lt_tensor_copy_to(t, v, (size_t)n * sizeof *v, LT_FLOAT64);
  lt_tensor_free(t);
  return st == LT_OK ? 0 : dist_failed(r, what);
}

static size_t module_state(host_run *r, lt_tensor ***t, const char ***names);

/* Rank 0's parameters and buffers to every rank (DDP's start), or only
 * the buffers (before each training step, as broadcast_buffers). */
static int dist_broadcast(host_run *r, int buffers_only) {
  if (!r->dist) return 0;
  lt_tensor **t = NULL;
  const char **names = NULL;
  size_t n = 0;
  if (!buffers_only) {
    n = module_state(r, &t, &names);
  } else if (HAS(r->network_ops, lt_module_ops, buffers)) {
    n = r->network_ops->buffers(r->network, NULL, NULL, 0);
    if (!n) return 0;
    t = calloc(n + 1, sizeof *t), names = calloc(n + 1, sizeof *names);
    r->network_ops->buffers(r->network, t, names, n);
  }
  lt_clear_error();
  int rc = n && lt_dist_broadcast(r->dist->pg, t, (int)n, 0) != LT_OK
               ? dist_failed(r, buffers_only ? "the broadcast of buffers" : "the broadcast of the initial weights")
               : 0;
  free(t), free(names);
  return rc;
}

/* Each metric's states summed over the ranks (torchmetrics' sync before
 * compute); a metric that keeps no summable state is computed on this
 * rank's share alone, said once. */
static int dist_sync_metrics(host_run *r, host_metrics *m, const char *mode) {
  if (!r->dist) return 0;
  for (int i = 0; i < m->n; i++) {
    lt_tensor *st[64];
    size_t k = HAS(m->ops[i], lt_metric_ops, states) ? m->ops[i]->states(m->self[i], st, 64) : 0;
    if (!k) {
      static int said;
      if (!said++ && rank0(r))
        fprintf(stderr, "lighter-host: warning: %s metric %s keeps no state that adds up across ranks; its value is "
                        "computed on rank 0's share of the data\n", mode, m->name[i]);
      continue;
    }
    lt_clear_error();
    if (lt_dist_allreduce(r->dist->pg, st, (int)k, LT_REDUCE_SUM, 0) != LT_OK) {
      char what[300];
      snprintf(what, sizeof what, "the reduction of %s metric %s", mode, m->name[i]);
      return dist_failed(r, what);
    }
  }
  return 0;
}

/* ---- metrics -------------------------------------------------------------- */

static void metrics_reset(host_metrics *m) {
  for (int i = 0; i < m->n; i++) m->ops[i]->reset(m->self[i]);
}

/* mode/metrics/<Name>/epoch for every member, then reset. */
static int metrics_log(host_run *r, host_metrics *m, const char *mode) {
  if (dist_sync_metrics(r, m, mode)) return 1;
  for (int i = 0; i < m->n; i++) {
    lt_clear_error();
    lt_tensor *v = m->ops[i]->compute(m->self[i]);
    if (!v) return FAIL("%s metric %s: %s", mode, m->name[i], lt_last_error());
    int64_t n = lt_tensor_numel(v);
    double *vals = malloc((size_t)(n ? n : 1) * sizeof *vals);
    lt_tensor_copy_to(v, vals, (size_t)n * sizeof *vals, LT_FLOAT64);
    char key[512];
    for (int64_t k = 0; k < n; k++) {
      if (n == 1) snprintf(key, sizeof key, "%s/metrics/%s/epoch", mode, m->name[i]);
      else snprintf(key, sizeof key, "%s/metrics/%s/%lld/epoch", mode, m->name[i], (long long)k);
      put(r, key, vals[k]);
    }
    free(vals);
    lt_tensor_free(v);
  }
  metrics_reset(m);
  return 0;
}

/* ---- steps ---------------------------------------------------------------- */

typedef struct step_out {
  lt_tensor *loss; /* the scalar to backpropagate (borrowed from the step's scope) */
  int nsub;
  const char *sub_name[16];
  double sub[16], total;
  lt_tensor *pred;
  lt_state *out; /* the step's dict (the caller frees it) */
} step_out;

static const char *step_name(int mode) {
  static const char *const n[4] = {"training_step", "validation_step", "test_step", "predict_step"};
  return n[mode];
}

/* The default step: pred = network(input), loss = criterion(pred, target). */
static lt_status default_step(const lt_model_ctx *c, const lt_batch *b, lt_state *out, int mode) {
  lt_tensor *x = lt_batch_get(b, "input"), *y = lt_batch_get(b, "target");
  if (!x && b->n > 0) x = b->t[0];
  if (!y && b->n > 1 && strcmp(b->names[1], "id")) y = b->t[1];
  if (!x) {
    lt_set_error("the batch has no 'input'", 1);
    return LT_ERR_INVALID;
  }
  lt_tensor *pred = lt_ctx_network(c, x);
  if (!pred) return LT_FAIL;
  lt_state_set_tensor(out, "pred", pred);
  lt_tensor *id = lt_batch_get(b, "id");
  if (id) lt_state_set_tensor(out, "id", id);
  if (mode == 3) return lt_state_set_tensor(out, "input", x);
  if (!y) {
    lt_set_error("the batch has no 'target' (the default step computes criterion(pred, target))", 1);
    return LT_ERR_INVALID;
  }
  lt_state_set_tensor(out, "target", y);
  lt_state_set_tensor(out, "input", x);
  if (!c->criterion && mode != 0) return LT_OK;
  lt_tensor *loss = lt_ctx_criterion(c, pred, y);
  if (!loss) return LT_FAIL;
  return lt_state_set_tensor(out, "loss", loss);
}

static int scalar_of(lt_tensor *t, double *v) {
  return lt_tensor_numel(t) == 1 && lt_tensor_item_double(t, v) == LT_OK ? 0 : -1;
}

/* One step of mode on batch; its loss and pred into o. 0, or 1 after
 * printing an error naming the step, the epoch and the batch. */
static int run_step(host_run *r, int mode, const lt_batch *batch, int64_t bi, step_out *o) {
  memset(o, 0, sizeof *o);
  lt_model_ctx c = {sizeof c, r->network, r->network_ops, r->criterion, r->criterion_ops, r->optimizer,
                    r->optimizer_ops, NULL, NULL, mode_names[mode], r->epoch, r->global_step, bi};
  if (mode < 3 && r->metrics[mode].top) c.metrics = r->metrics[mode].top, c.metrics_ops = r->metrics[mode].top_ops;
  lt_step_fn fn = NULL;
  if (r->mops) {
    lt_step_fn fns[4] = {r->mops->training_step, r->mops->validation_step, r->mops->test_step, r->mops->predict_step};
    fn = fns[mode];
  }
  lt_state *out = lt_state_new_dict();
  lt_clear_error();
  lt_tensor *conv[16];
  lt_batch b64 = *batch;
  if (r->cfg->precision64) { /* 64-true: floating inputs in float64, as the weights */
    for (int i = 0; i < batch->n && i < 16; i++) {
      lt_dtype dt = lt_tensor_dtype(batch->t[i]);
      conv[i] = dt == LT_FLOAT32 || dt == LT_FLOAT16 || dt == LT_BFLOAT16 ? lt_tensor_to_dtype(batch->t[i], LT_FLOAT64)
                                                                          : batch->t[i];
    }
    b64.t = conv;
    batch = &b64;
  }
  int prev_autocast = r->cfg->bf16 ? lt_autocast_set(1, LT_BFLOAT16) : 0;
  host_crash_push(r->model->plugin, r->model->comp->target, step_name(mode));
  lt_status rc = fn ? fn(r->model->self, &c, batch, out) : default_step(&c, batch, out, mode);
  host_crash_pop();
  if (r->cfg->bf16) lt_autocast_set(prev_autocast, LT_BFLOAT16);
  char where[256];
  snprintf(where, sizeof where, "%s of %s (epoch %lld, batch %lld)", step_name(mode), r->model->comp->target,
           (long long)r->epoch, (long long)bi);
  if (rc != LT_OK) {
    lt_state_free(out);
    return FAIL("%s failed: %s", where, *lt_last_error() ? lt_last_error() : lt_status_str(rc));
  }
  o->out = NULL;
  int bad = 0;
  lt_value_kind lk = lt_state_kind(out, "loss");
  if (lk == LT_VALUE_TENSOR) {
    o->loss = lt_state_get_tensor(out, "loss");
  } else if (lk == LT_VALUE_DICT) {
    lt_state *d = lt_state_get_state(out, "loss");
    if (lt_state_kind(d, "total") != LT_VALUE_TENSOR) {
      bad = FAIL("%s returned a loss dict without 'total' (a scalar tensor); its keys name the parts to log", where);
    } else {
      o->loss = lt_state_get_tensor(d, "total");
      for (int64_t k = 0; k < lt_state_len(d) && o->nsub < 16; k++) {
        const char *key = lt_state_key(d, k);
        if (!strcmp(key, "total")) continue;
        lt_tensor *t = lt_state_kind(d, key) == LT_VALUE_TENSOR ? lt_state_get_tensor(d, key) : NULL;
        if (!t || scalar_of(t, &o->sub[o->nsub])) {
          bad = FAIL("%s: loss['%s'] must be a scalar tensor", where, key);
          break;
        }
        o->sub_name[o->nsub++] = key; /* lives as long as the state: copied below */
      }
    }
    /* names must outlive the state */
    static char names[16][128];
    for (int k = 0; k < o->nsub; k++) snprintf(names[k], sizeof names[k], "%s", o->sub_name[k]), o->sub_name[k] = names[k];
    lt_state_free(d);
  } else if (lk != LT_VALUE_MISSING && lk != LT_VALUE_NONE) {
    bad = FAIL("%s returned a 'loss' that is not a tensor or a dict with 'total'", where);
  }
  if (!bad && o->loss) {
    if (scalar_of(o->loss, &o->total)) {
      char sh[96];
      lt_shape_text(o->loss, sh, sizeof sh);
      bad = FAIL("%s returned a loss of shape %s; it must be a scalar (reduce it, e.g. with mean)", where, sh);
    }
  }
  if (!bad && mode == 0 && !o->loss)
    bad = FAIL("%s returned no 'loss' (set out[\"loss\"] to a scalar tensor, or a dict with \"total\")", where);
  if (!bad && lt_state_kind(out, "pred") == LT_VALUE_TENSOR) o->pred = lt_state_get_tensor(out, "pred");
  /* metrics of the mode on (pred, target) */
  if (!bad && mode < 3 && r->metrics[mode].n && !r->sanity) {
    lt_tensor *p = o->pred, *t = lt_state_kind(out, "target") == LT_VALUE_TENSOR ? lt_state_get_tensor(out, "target") : NULL;
    host_metrics *m = &r->metrics[mode];
    if (p && t) {
      int prev = lt_grad_set_enabled(0);
      lt_tensor *pd = lt_tensor_detach(p);
      for (int i = 0; i < m->n && !bad; i++) {
        lt_clear_error();
        if (m->ops[i]->update(m->self[i], pd, t) != LT_OK)
          bad = FAIL("%s metric %s (%s): %s", mode_names[mode], m->name[i], where, lt_last_error());
      }
      lt_grad_set_enabled(prev);
    }
  }
  o->out = out;
  return bad;
}

/* ---- progress ------------------------------------------------------------- */

static void progress(host_run *r, const char *what, int64_t done, int64_t total, double loss, double t0, int64_t samples,
                     int last) {
  if (!r->cfg->enable_progress_bar || r->cfg->fast_dev_run || !rank0(r)) return;
  double dt = now() - t0, rate = dt > 0 ? (double)samples / dt : 0;
  if (isatty(2)) {
    int w = 24, fill = total > 0 ? (int)(w * done / total) : w;
    char bar[32];
    for (int i = 0; i < w; i++) bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
    bar[w] = 0;
    fprintf(stderr, "\r%s [%s] %lld/%lld", what, bar, (long long)done, (long long)total);
    if (!isnan(loss)) fprintf(stderr, "  loss %.4f", loss);
    fprintf(stderr, "  %.0f samples/s   ", rate);
    if (last) fputc('\n', stderr);
  } else {
    int64_t every = total >= 10 ? total / 10 : 1;
    if (!last && done % every) return;
    fprintf(stderr, "%s: %lld/%lld batches", what, (long long)done, (long long)total);
    if (!isnan(loss)) fprintf(stderr, ", loss %.4f", loss);
    fprintf(stderr, ", %.0f samples/s\n", rate);
  }
}

/* ---- loaders ---------------------------------------------------------------- */

/* Batches of the loader of mode to run (limit_*_batches, fast_dev_run, overfit). */
static int64_t batches_for(host_run *r, int mode) {
  int64_t n = r->loader_ops[mode]->num_batches(r->loader[mode]);
  const host_trainer_cfg *c = r->cfg;
  if (c->fast_dev_run) return n < c->fast_dev_run ? n : c->fast_dev_run;
  int64_t lim = c->limit[mode];
  if (c->limit_frac[mode] > 0) lim = (int64_t)floor((double)n * c->limit_frac[mode]);
  if (mode < 2 && (c->overfit_batches > 0 || c->overfit_frac > 0)) {
    int64_t tn = r->loader_ops[0]->num_batches(r->loader[0]);
    lim = c->overfit_batches > 0 ? c->overfit_batches : (int64_t)floor((double)tn * c->overfit_frac);
    n = tn;
  }
  return lim >= 0 && lim < n ? lim : n;
}

/* Next batch of loader li (overfit_batches: the train loader for val too). */
static int next_batch(host_run *r, int li, lt_batch *batch, lt_tensor **t, const char **names, int64_t bi) {
  char err[1024] = "";
  int n = r->loader_ops[li]->next(r->loader[li], t, names, 16, err, sizeof err);
  if (n <= 0)
    return FAIL("%s data, batch %lld: %s", mode_names[li], (long long)bi, n == 0 ? "the loader ran out of batches" : err);
  batch->n = n;
  batch->t = t;
  batch->names = names;
  return 0;
}

/* ---- hooks ---------------------------------------------------------------- */

static int view_metric(void *host, const char *key, double *out) {
  int found;
  double v = log_last(&((host_run *)host)->last, key, &found);
  if (found && out) *out = v;
  return found;
}

static void view_log(void *host, const char *key, double v) { put(host, key, v); }

static lt_status view_log_sync(void *host, const char *key, double v) {
  host_run *r = host;
  if (r->dist) {
    char what[300];
    snprintf(what, sizeof what, "the reduction of the logged value '%s'", key);
    if (dist_sum(r, &v, 1, what)) return LT_FAIL;
    v /= r->dist->world;
  }
  put(r, key, v);
  return LT_OK;
}

static void view_stop(void *host, const char *why) {
  host_run *r = host;
  if (!r->stop_requested && rank0(r))
    fprintf(stderr, "lighter-host: stopping after this epoch: %s\n", why ? why : "asked to");
  r->stop_requested = 1;
}

static int save_checkpoint(host_run *r, const char *path);
static int weights_only_save;
static lt_status view_save(void *host, const char *path) { return save_checkpoint(host, path) ? LT_FAIL : LT_OK; }
static lt_status view_save_weights(void *host, const char *path) {
  weights_only_save = 1;
  int rc = save_checkpoint(host, path);
  weights_only_save = 0;
  return rc ? LT_FAIL : LT_OK;
}

static const char *view_keys(void *host) {
  host_run *r = host;
  static char keys[4096];
  size_t at = 0;
  keys[0] = 0;
  for (size_t k = 0; k < r->last.nkeys && at < sizeof keys; k++)
    at += (size_t)snprintf(keys + at, sizeof keys - at, "%s%s", k ? ", " : "", r->last.keys[k]);
  return at ? keys : "(none yet)";
}

static const char *const stage_names[4] = {"fit", "validate", "test", "predict"};

/* Hook h on every callback (in order), then on the model. */
static int hook(host_run *r, lt_hook h, int mode, int64_t bi, const lt_state *outputs) {
  if (!r->ncallbacks && !(r->mops && r->mops->size >= offsetof(lt_model_ops, hook) + sizeof r->mops->hook && r->mops->hook))
    return 0;
  lt_run_view v = {sizeof v, stage_names[r->stage], r->sanity ? "sanity" : mode >= 0 ? mode_names[mode] : "",
                   r->epoch, r->global_step, bi, r->run_dir, r->network, r->network_ops, r->optimizer,
                   r->optimizer_ops, outputs, r, view_metric, view_log, view_stop, view_save, view_keys,
                   r->optimizer_name, view_save_weights, r->dist ? r->dist->rank : 0, r->dist ? r->dist->world : 1,
                   view_log_sync};
  for (int i = 0; i <= r->ncallbacks; i++) {
    lt_hook_fn fn;
    void *self;
    const char *who, *plugin = NULL;
    if (i < r->ncallbacks) {
      const lt_callback_ops *ops = r->callback_ops[i];
      fn = HAS(ops, lt_callback_ops, hook) ? ops->hook : NULL;
      self = r->callback[i], who = r->callback_name[i];
    } else {
      fn = r->mops && r->mops->size >= offsetof(lt_model_ops, hook) + sizeof r->mops->hook ? r->mops->hook : NULL;
      self = r->model->self, who = r->model->comp->target, plugin = r->model->plugin;
    }
    if (!fn) continue;
    lt_clear_error();
    host_crash_push(plugin, who, lt_hook_name(h));
    lt_status rc = fn(self, h, &v);
    host_crash_pop();
    if (rc != LT_OK)
      return FAIL("%s, hook %s (epoch %lld, step %lld): %s", who, lt_hook_name(h), (long long)r->epoch,
                  (long long)r->global_step, *lt_last_error() ? lt_last_error() : lt_status_str(rc));
  }
  return 0;
}

/* The hooks of each mode: start, epoch start, batch start/end, epoch end, end. */
static const lt_hook mode_hooks[4][6] = {
    {LT_HOOK_ON_TRAIN_START, LT_HOOK_ON_TRAIN_EPOCH_START, LT_HOOK_ON_TRAIN_BATCH_START, LT_HOOK_ON_TRAIN_BATCH_END,
     LT_HOOK_ON_TRAIN_EPOCH_END, LT_HOOK_ON_TRAIN_END},
    {LT_HOOK_ON_VALIDATION_START, LT_HOOK_ON_VALIDATION_EPOCH_START, LT_HOOK_ON_VALIDATION_BATCH_START,
     LT_HOOK_ON_VALIDATION_BATCH_END, LT_HOOK_ON_VALIDATION_EPOCH_END, LT_HOOK_ON_VALIDATION_END},
    {LT_HOOK_ON_TEST_START, LT_HOOK_ON_TEST_EPOCH_START, LT_HOOK_ON_TEST_BATCH_START, LT_HOOK_ON_TEST_BATCH_END,
     LT_HOOK_ON_TEST_EPOCH_END, LT_HOOK_ON_TEST_END},
    {LT_HOOK_ON_PREDICT_START, LT_HOOK_ON_PREDICT_EPOCH_START, LT_HOOK_ON_PREDICT_BATCH_START,
     LT_HOOK_ON_PREDICT_BATCH_END, LT_HOOK_ON_PREDICT_EPOCH_END, LT_HOOK_ON_PREDICT_END},
};

/* ---- evaluation loops (val / test / predict) -------------------------------- */

/* The loader of mode gives no batch: an error naming why (an empty
 * dataset, or drop_last with fewer samples than a batch). */
static int no_batches(host_run *r, int mode) {
  return FAIL("the %s loader gives no batches (%lld samples%s); check its dataset and batch_size / drop_last",
              mode_names[mode], (long long)r->loader_ops[mode]->num_samples(r->loader[mode]),
              r->cfg->limit[mode] == 0 ? ", limit_*_batches 0" : "");
}

static int run_eval(host_run *r, int mode, int64_t limit, lt_state *preds) {
  int li = mode;
  if (mode < 2 && (r->cfg->overfit_batches > 0 || r->cfg->overfit_frac > 0)) li = 0;
  int64_t nb = limit >= 0 ? limit : batches_for(r, mode);
  if (nb == 0 && r->loader_ops[li]->num_batches(r->loader[li]) == 0 && !r->sanity) return no_batches(r, li);
  char err[512];
  if (r->loader_ops[li]->start(r->loader[li], li == 0 ? 0 : r->epoch, 0, err, sizeof err) != LT_OK)
    return FAIL("%s data: %s", mode_names[mode], err);
  if (r->network_ops->train) r->network_ops->train(r->network, 0);
  int prev = lt_grad_set_enabled(0);
  double sum = 0, subsum[16] = {0};
  const char *subname[16];
  int nsub = 0;
  int64_t count = 0, samples = 0;
  double t0 = now();
  int rc = 0;
  char what[64];
  snprintf(what, sizeof what, r->sanity ? "sanity check" : mode == 1 ? "validation" : mode == 2 ? "test" : "predict");
  rc = hook(r, mode_hooks[mode][0], mode, -1, NULL);
  if (!rc) rc = hook(r, mode_hooks[mode][1], mode, -1, NULL);
  for (int64_t bi = 0; bi < nb && !rc && !host_interrupted; bi++) {
    lt_scope *s = lt_scope_begin();
    lt_tensor *t[16];
    const char *names[16];
    lt_batch batch = {0, t, names};
    rc = next_batch(r, li, &batch, t, names, bi);
    step_out o = {0};
    if (!rc) rc = hook(r, mode_hooks[mode][2], mode, bi, NULL);
    if (!rc) rc = run_step(r, mode, &batch, bi, &o);
    if (!rc) rc = hook(r, mode_hooks[mode][3], mode, bi, o.out);
    if (!rc && preds && o.out && host_predictions_keep(preds, o.out) != LT_OK)
      rc = FAIL("predict_step of %s (batch %lld): cannot keep its outputs: %s", r->model->comp->target, (long long)bi,
                lt_last_error());
    lt_state_free(o.out);
    if (!rc) {
      samples += batch.n ? lt_tensor_size(t[0], 0) : 0;
      if (o.loss) {
        sum += o.total, count++;
        nsub = o.nsub;
        for (int k = 0; k < o.nsub; k++) subsum[k] += o.sub[k], subname[k] = o.sub_name[k];
      }
      progress(r, what, bi + 1, nb, count ? sum / count : NAN, t0, samples, bi + 1 == nb);
    }
    lt_scope_end(s);
  }
  lt_grad_set_enabled(prev);
  r->loader_ops[li]->stop(r->loader[li]);
  if (rc) return rc;
  if (host_interrupted) return 130;
  if (mode < 3 && !r->sanity) {
    char key[256];
    if (r->dist) { /* every rank's batches: the mean over all of them */
      double v[18] = {sum, (double)count};
      for (int k = 0; k < nsub; k++) v[2 + k] = subsum[k];
      if (dist_sum(r, v, 2 + nsub, "the reduction of the loss")) return 1;
      sum = v[0], count = (int64_t)v[1];
      for (int k = 0; k < nsub; k++) subsum[k] = v[2 + k];
    }
    if (count) {
      snprintf(key, sizeof key, nsub ? "%s/loss/total/epoch" : "%s/loss/epoch", mode_names[mode]);
      put(r, key, sum / count);
      for (int k = 0; k < nsub; k++) {
        snprintf(key, sizeof key, "%s/loss/%s/epoch", mode_names[mode], subname[k]);
        put(r, key, subsum[k] / count);
      }
    }
    rc = metrics_log(r, &r->metrics[mode], mode_names[mode]);
  } else if (mode < 3) {
    metrics_reset(&r->metrics[mode]);
  }
  if (!rc) rc = hook(r, mode_hooks[mode][4], mode, -1, NULL);
  if (!rc) rc = hook(r, mode_hooks[mode][5], mode, -1, NULL);
  return rc;
}

/* ---- checkpoints (the weights, optimizer and scheduler states, progress) ---- */

static size_t module_state(host_run *r, lt_tensor ***t, const char ***names) {
  const lt_module_ops *ops = r->network_ops;
  int has_state = HAS(ops, lt_module_ops, state);
  size_t np = ops->parameters(r->network, NULL, NULL, 0);
  size_t nb = !has_state && HAS(ops, lt_module_ops, buffers) ? ops->buffers(r->network, NULL, NULL, 0) : 0;
  size_t n = has_state ? ops->state(r->network, NULL, NULL, 0) : np + nb;
  *t = calloc(n + 1, sizeof **t);
  *names = calloc(n + 1, sizeof **names);
  if (has_state) {
    ops->state(r->network, *t, *names, n);
  } else {
    ops->parameters(r->network, *t, *names, np);
    if (nb) ops->buffers(r->network, *t + np, *names + np, nb);
  }
  return n;
}

static int save_checkpoint_(host_run *r, const char *path);

/* Everything a checkpoint makes (detached views, step tensors) is freed here. */
static int save_checkpoint(host_run *r, const char *path) {
  if (!rank0(r)) return 0; /* under ddp, rank 0 writes */
  char why[PATH_MAX * 3];
  if (host_run_path_check(r->run_dir, path, why, sizeof why)) return FAIL("cannot save checkpoint: %s", why);
  lt_scope *s = lt_scope_begin();
  int rc = save_checkpoint_(r, path);
  lt_scope_end(s);
  return rc;
}

/* A checkpoint could not be written: lt_state_save left no temporary and
 * the file it would have replaced as it was. */
static int save_failed(const char *path) {
  const char *why = lt_last_error();
  int full = strstr(why, strerror(ENOSPC)) || strstr(why, strerror(EDQUOT));
  return FAIL("cannot save checkpoint '%s': %s (the previous one is intact); %s", path, why,
              host_write_advice(full ? ENOSPC : EIO));
}

static int save_checkpoint_(host_run *r, const char *path) {
  if (hook(r, LT_HOOK_ON_SAVE_CHECKPOINT, -1, -1, NULL)) return 1;
  lt_state *ck = lt_state_new_dict(), *sd = lt_state_new_dict();
  lt_tensor **t;
  const char **names;
  size_t n = module_state(r, &t, &names);
  for (size_t i = 0; i < n; i++) {
    char key[512];
    snprintf(key, sizeof key, "network.%s", names[i]);
    lt_state_set_tensor(sd, key, lt_tensor_detach(t[i]));
  }
  free(t), free(names);
  lt_state_set_int(ck, "epoch", r->epoch);
  lt_state_set_int(ck, "global_step", r->global_step);
  /* where the fit loop is: mid-epoch checkpoints resume at batch_next */
  lt_state *loops = lt_state_new_dict();
  lt_state_set_int(loops, "epoch", r->epoch);
  lt_state_set_int(loops, "batch_next", r->in_epoch ? r->batch_next : -1);
  lt_state_set_int(loops, "global_step", r->global_step);
  lt_state_set_double(loops, "loss_sum", r->in_epoch ? r->loss_sum : 0);
  lt_state_set_int(loops, "loss_count", r->in_epoch ? r->loss_count : 0);
  lt_state *ms = lt_state_new_list();
  for (int i = 0; r->in_epoch && i < r->metrics[0].n; i++) {
    lt_tensor *st[16];
    size_t k = r->metrics[0].ops[i]->states(r->metrics[0].self[i], st, 16);
    lt_state *one = lt_state_new_list();
    for (size_t j = 0; j < k && j < 16; j++) lt_state_set_tensor(one, NULL, lt_tensor_clone(st[j]));
    lt_state_set_state(ms, NULL, one);
    lt_state_free(one);
  }
  lt_state_set_state(loops, "train_metric_states", ms);
  lt_state_free(ms);
  lt_state_set_state(ck, "loops", loops);
  lt_state_free(loops);
  lt_state *rng = lt_state_new_dict();
  lt_tensor *gen = lt_rng_state_get();
  if (gen) lt_state_set_tensor(rng, "torch", gen);
  lt_state_set_state(ck, "rng_states", rng);
  lt_state_free(rng);
  lt_state_set_string(ck, "pytorch-lightning_version", "2.0.0");
  lt_state_set_string(ck, "lighter_host_version", LT_VERSION_STRING);
  lt_state_set_state(ck, "state_dict", sd);
  if (weights_only_save) { /* ModelCheckpoint(save_weights_only=True) */
    lt_status wrc = lt_state_save(ck, path);
    lt_state_free(sd), lt_state_free(ck);
    return wrc != LT_OK ? save_failed(path) : 0;
  }
  lt_state *opts = lt_state_new_list(), *scheds = lt_state_new_list();
  if (r->optimizer && HAS(r->optimizer_ops, lt_optimizer_ops, state_save)) {
    lt_state *o = lt_state_new_dict();
    if (r->optimizer_ops->state_save(r->optimizer, o) == LT_OK) lt_state_set_state(opts, NULL, o);
    lt_state_free(o);
  }
  if (r->scheduler && HAS(r->scheduler_ops, lt_scheduler_ops, state_save)) {
    lt_state *o = lt_state_new_dict();
    if (r->scheduler_ops->state_save(r->scheduler, o) == LT_OK) lt_state_set_state(scheds, NULL, o);
    lt_state_free(o);
  }
  lt_state *cbs = lt_state_new_dict();
  for (int i = 0; i < r->ncallbacks; i++)
    if (HAS(r->callback_ops[i], lt_callback_ops, state_save)) {
      lt_state *o = lt_state_new_dict();
      char key[300];
      snprintf(key, sizeof key, "%s#%d", r->callback_name[i], i);
      if (r->callback_ops[i]->state_save(r->callback[i], o) == LT_OK) lt_state_set_state(cbs, key, o);
      lt_state_free(o);
    }
  lt_state_set_state(ck, "callbacks", cbs);
  lt_state_free(cbs);
  lt_state_set_state(ck, "optimizer_states", opts);
  lt_state_set_state(ck, "lr_schedulers", scheds);
  lt_state *hp = lt_state_new_dict();
  if (r->raw_yaml) lt_state_set_string(hp, "config", r->raw_yaml);
  if (r->resolved_yaml) lt_state_set_string(hp, "config_resolved", r->resolved_yaml);
  lt_state_set_state(ck, "hyper_parameters", hp);
  lt_status rc = lt_state_save(ck, path);
  lt_state_free(hp), lt_state_free(opts), lt_state_free(scheds), lt_state_free(sd), lt_state_free(ck);
  return rc != LT_OK ? save_failed(path) : 0;
}

/* Weights (and, for fit without --weights_only, the optimizer, scheduler
 * and progress) from a checkpoint. Nothing changes when it does not fit. */
static int load_checkpoint(host_run *r, const char *path) {
  lt_clear_error();
  lt_state *ck = lt_state_load(path);
  if (!ck) return FAIL("cannot load checkpoint '%s': %s", path, lt_last_error());
  lt_state *sd = lt_state_get_state(ck, "state_dict");
  int rc = sd ? 0 : FAIL("checkpoint '%s' has no state_dict", path);
  lt_tensor **t = NULL;
  const char **names = NULL;
  size_t n = rc ? 0 : module_state(r, &t, &names);
  lt_tensor **src = calloc(n + 1, sizeof *src);
  for (size_t i = 0; !rc && i < n; i++) { /* check everything first */
    char key[512];
    snprintf(key, sizeof key, "network.%s", names[i]);
    src[i] = lt_state_kind(sd, key) == LT_VALUE_TENSOR ? lt_state_get_tensor(sd, key) : NULL;
    int64_t a[8], b[8];
    int da = src[i] ? lt_tensor_shape(src[i], a, 8) : -1, db = lt_tensor_shape(t[i], b, 8);
    if (!src[i]) rc = FAIL("checkpoint '%s' does not fit this model: no '%s' in its state_dict", path, key);
    else if (da != db || memcmp(a, b, (size_t)db * sizeof *a)) {
      char sa[96], sb[96];
      lt_shape_text(src[i], sa, sizeof sa), lt_shape_text(t[i], sb, sizeof sb);
      rc = FAIL("checkpoint '%s' does not fit this model: '%s' is %s there, %s here", path, key, sa, sb);
    }
  }
  if (!rc) {
    int prev = lt_grad_set_enabled(0);
    for (size_t i = 0; i < n; i++) lt_tensor_copy_(t[i], src[i]);
    lt_grad_set_enabled(prev);
  }
  for (size_t i = 0; i < n; i++) lt_tensor_free(src[i]);
  free(src), free(t), free(names);
  if (!rc && r->stage == HOST_FIT && !r->weights_only) {
    host_progress pr;
    char why[512];
    if (host_progress_read(ck, &pr, why, sizeof why)) { /* a run cannot be resumed from there */
      lt_state_free(sd), lt_state_free(ck);
      return FAIL("checkpoint '%s' is damaged: %s; resume from another checkpoint, or load only its weights with "
                  "--weights_only", path, why);
    }
    r->start_epoch = pr.epoch + 1;
    r->global_step = pr.global_step;
    lt_state *loops = lt_state_get_state(ck, "loops");
    if (pr.batch_next >= 0) { /* mid-epoch */
      r->start_epoch = pr.epoch;
      r->start_batch = pr.batch_next;
      r->loss_sum = pr.loss_sum;
      r->loss_count = pr.loss_count;
      lt_state *ms = lt_state_get_state(loops, "train_metric_states");
      int prev = lt_grad_set_enabled(0);
      for (int i = 0; ms && i < r->metrics[0].n && i < lt_state_len(ms); i++) {
        char idx[16];
        snprintf(idx, sizeof idx, "%d", i);
        lt_state *one = lt_state_get_state(ms, idx);
        lt_tensor *st[16];
        size_t k = r->metrics[0].ops[i]->states(r->metrics[0].self[i], st, 16);
        for (size_t j = 0; one && j < k && j < 16 && (int64_t)j < lt_state_len(one); j++) {
          snprintf(idx, sizeof idx, "%zu", j);
          lt_tensor *v = lt_state_get_tensor(one, idx);
          if (v) lt_tensor_copy_(st[j], v);
          lt_tensor_free(v);
        }
        lt_state_free(one);
      }
      lt_grad_set_enabled(prev);
      lt_state_free(ms);
    }
    lt_state_free(loops);
    lt_state *rng = lt_state_get_state(ck, "rng_states");
    lt_tensor *gen = rng && lt_state_kind(rng, "torch") == LT_VALUE_TENSOR ? lt_state_get_tensor(rng, "torch") : NULL;
    if (gen && lt_rng_state_set(gen) != LT_OK) rc = FAIL("checkpoint '%s': cannot restore the random state: %s", path, lt_last_error());
    lt_tensor_free(gen);
    lt_state_free(rng);
    char err[512] = "";
    lt_state *os = lt_state_get_state(ck, "optimizer_states"), *o0 = os ? lt_state_get_state(os, "0") : NULL;
    if (o0 && r->optimizer && HAS(r->optimizer_ops, lt_optimizer_ops, state_load) &&
        r->optimizer_ops->state_load(r->optimizer, o0, err, sizeof err) != LT_OK)
      rc = FAIL("checkpoint '%s': the optimizer state does not fit: %s", path, err);
    lt_state_free(o0), lt_state_free(os);
    lt_state *ss = lt_state_get_state(ck, "lr_schedulers"), *s0 = ss ? lt_state_get_state(ss, "0") : NULL;
    if (!rc && s0 && r->scheduler && HAS(r->scheduler_ops, lt_scheduler_ops, state_load) &&
        r->scheduler_ops->state_load(r->scheduler, s0, err, sizeof err) != LT_OK)
      rc = FAIL("checkpoint '%s': the scheduler state does not fit: %s", path, err);
    lt_state_free(s0), lt_state_free(ss);
    lt_state *cbs = !rc ? lt_state_get_state(ck, "callbacks") : NULL;
    for (int i = 0; cbs && !rc && i < r->ncallbacks; i++) {
      char key[300];
      snprintf(key, sizeof key, "%s#%d", r->callback_name[i], i);
      if (!HAS(r->callback_ops[i], lt_callback_ops, state_load) || lt_state_kind(cbs, key) != LT_VALUE_DICT) continue;
      lt_state *cs = lt_state_get_state(cbs, key);
      if (r->callback_ops[i]->state_load(r->callback[i], cs, err, sizeof err) != LT_OK)
        rc = FAIL("checkpoint '%s': the state of callback %s does not fit: %s", path, r->callback_name[i], err);
      lt_state_free(cs);
    }
    lt_state_free(cbs);
  }
  lt_state_free(sd);
  lt_state_free(ck);
  if (!rc && rank0(r)) fprintf(stderr, "lighter-host: loaded %s from '%s'\n", r->stage == HOST_FIT && !r->weights_only ? "the run" : "weights", path);
  return rc;
}

static int save_last(host_run *r) {
  if (!r->cfg->enable_checkpointing || r->cfg->fast_dev_run || r->stage != HOST_FIT) return 0;
  char dir[1600], path[1700];
  r->saved_last = 1;
  if (!rank0(r)) return 0;
  snprintf(dir, sizeof dir, "%s/checkpoints", r->run_dir);
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/last.ckpt", dir);
  return save_checkpoint(r, path);
}

/* ^C or SIGTERM where no training step was done since the last save:
 * said once (by rank 0); 130. */
static int interrupted(host_run *r, const char *during) {
  if (rank0(r)) fprintf(stderr, "\nlighter-host: interrupted during %s; nothing new was trained, nothing saved\n", during);
  return 130;
}

/* ^C or SIGTERM within a training epoch (its steps, or a validation in it or
 * at its end): last.ckpt resumes at batch `next` of the epoch; 130. */
static int interrupted_in_epoch(host_run *r, int64_t next, const char *during) {
  r->in_epoch = 1;
  if (rank0(r))
    fprintf(stderr, "\nlighter-host: interrupted at epoch %lld, batch %lld%s%s\n", (long long)r->epoch, (long long)next,
            during, r->cfg->enable_checkpointing ? "; saving last.ckpt" : "");
  save_last(r);
  return 130;
}

/* ---- the model summary ---------------------------------------------------- */

static void summary(host_run *r) {
  if (!r->cfg->enable_model_summary || r->cfg->fast_dev_run || !rank0(r)) return;
  size_t n = r->network_ops->parameters(r->network, NULL, NULL, 0);
  lt_tensor **t = calloc(n + 1, sizeof *t);
  const char **names = calloc(n + 1, sizeof *names);
  r->network_ops->parameters(r->network, t, names, n);
  fprintf(stderr, "  | %-24s | %12s\n", "Name", "Params");
  int64_t total = 0, trainable = 0;
  for (size_t i = 0; i < n;) {
    const char *dot = strchr(names[i], '.');
    size_t len = dot ? (size_t)(dot - names[i]) : strlen(names[i]);
    int64_t count = 0;
    size_t j = i;
    for (; j < n && !strncmp(names[j], names[i], len) && (names[j][len] == '.' || !names[j][len]); j++) {
      int64_t c = lt_tensor_numel(t[j]);
      count += c, total += c;
      if (lt_tensor_requires_grad(t[j])) trainable += c;
    }
    fprintf(stderr, "  | network.%-16.*s | %12lld\n", (int)len, names[i], (long long)count);
    i = j;
  }
  fprintf(stderr, "%lld trainable params, %lld total (%.2f MB in float32)\n", (long long)trainable, (long long)total,
          (double)total * 4 / 1e6);
  free(t), free(names);
}

/* ---- fit ------------------------------------------------------------------- */

static void log_optimizer(host_run *r) {
  if (!r->optimizer) return;
  char key[256];
  int groups = r->optimizer_ops->num_groups(r->optimizer);
  int has_opt = HAS(r->optimizer_ops, lt_optimizer_ops, get_option);
  const char *opts[4] = {"momentum", "betas.0", "betas.1", "weight_decay"};
  const char *shown[4] = {"momentum", "beta1", "beta2", "weight_decay"};
  for (int g = 0; g < groups; g++) {
    char suffix[32] = "";
    if (g) snprintf(suffix, sizeof suffix, "/group%d", g);
    snprintf(key, sizeof key, "train/optimizer/%s/lr%s/epoch", r->optimizer_name, suffix);
    put(r, key, r->optimizer_ops->get_lr(r->optimizer, g));
    for (int k = 0; has_opt && k < 4; k++) {
      double v;
      if (!r->optimizer_ops->get_option(r->optimizer, g, opts[k], &v)) continue;
      snprintf(key, sizeof key, "train/optimizer/%s/%s%s/epoch", r->optimizer_name, shown[k], suffix);
      put(r, key, v);
    }
  }
}

static int scheduler_step(host_run *r) {
  if (!r->scheduler) return 0;
  double metric = NAN;
  if (*r->sched_monitor) {
    int found;
    metric = log_last(&r->last, r->sched_monitor, &found);
    if (!found)
      return FAIL("the scheduler monitors '%s', which is not logged; logged keys: %s", r->sched_monitor, view_keys(r));
  }
  lt_clear_error();
  if (r->scheduler_ops->step(r->scheduler, metric) != LT_OK)
    return FAIL("scheduler %s: %s", r->scheduler_name, lt_last_error());
  return 0;
}

static int do_validation(host_run *r) {
  if (!r->loader[1]) return 0;
  return run_eval(r, 1, -1, NULL);
}

static int epoch_end(host_run *r, double mean, int nsub_epoch, const char *const *sub_name_epoch,
                     const double *subsum_epoch, int64_t count);

/* Trainer max_time has passed since the run started. */
static int time_up(const host_run *r) { return r->cfg->max_time_s > 0 && now() - r->t_start > r->cfg->max_time_s; }

static int fit(host_run *r) {
  const host_trainer_cfg *c = r->cfg;
  if (!r->loader[0]) return FAIL("fit needs a training loader: give data::train_dataloader");
  if (!r->optimizer) return FAIL("fit needs an optimizer: give model::optimizer (e.g. torch.optim.SGD)");
  if (r->loader_ops[0]->num_batches(r->loader[0]) == 0) return no_batches(r, 0);
  summary(r);
  int rc = hook(r, LT_HOOK_ON_FIT_START, -1, -1, NULL);
  if (!rc && r->loader[1] && c->num_sanity_val_steps != 0 && !c->fast_dev_run) {
    r->sanity = 1;
    int64_t nb = batches_for(r, 1);
    rc = hook(r, LT_HOOK_ON_SANITY_CHECK_START, 1, -1, NULL);
    if (!rc)
      rc = run_eval(r, 1, c->num_sanity_val_steps < 0 || c->num_sanity_val_steps > nb ? nb : c->num_sanity_val_steps, NULL);
    if (!rc) rc = hook(r, LT_HOOK_ON_SANITY_CHECK_END, 1, -1, NULL);
    r->sanity = 0;
    if (rc == 130) return interrupted(r, "the sanity check");
  }
  if (!rc) rc = hook(r, LT_HOOK_ON_TRAIN_START, 0, -1, NULL);
  if (rc) return rc;
  if (host_interrupted) return interrupted(r, "the start of training");
  int64_t acc = c->accumulate_grad_batches;
  int64_t max_epochs = c->fast_dev_run ? 1 : c->max_epochs;
  for (r->epoch = r->start_epoch;; r->epoch++) {
    int stop_steps = c->max_steps >= 0 && r->global_step >= c->max_steps && !c->fast_dev_run;
    if ((max_epochs >= 0 && r->epoch >= max_epochs) || (stop_steps && r->epoch >= c->min_epochs)) break;
    int64_t nb = batches_for(r, 0);
    int64_t val_every = c->val_check_batches > 0 ? c->val_check_batches
                        : c->val_check_frac > 0  ? (int64_t)floor((double)nb * c->val_check_frac)
                                                 : -1;
    if (val_every == 0) val_every = 1;
    char err[512], what[64];
    /* a resumed epoch goes on at its next batch (all done: straight to its end) */
    int64_t first = r->epoch == r->start_epoch ? r->start_batch : 0;
    if (first > nb) first = nb;
    if (r->loader_ops[0]->start(r->loader[0], r->epoch, first, err, sizeof err) != LT_OK)
      return FAIL("train data: %s", err);
    if (r->network_ops->train) r->network_ops->train(r->network, 1);
    r->optimizer_ops->zero_grad(r->optimizer, 1);
    snprintf(what, sizeof what, "epoch %lld", (long long)r->epoch);
    if ((rc = hook(r, LT_HOOK_ON_TRAIN_EPOCH_START, 0, -1, NULL))) return rc;
    double sum = first ? r->loss_sum : 0, t0 = now(), subsum_epoch[16] = {0};
    const char *sub_name_epoch[16];
    int nsub_epoch = 0;
    int64_t count = first ? r->loss_count : 0, samples = 0, bi;
    int stop = 0;
    r->in_epoch = 1;
    for (bi = first; bi < nb && !rc && !stop; bi++) {
      lt_scope *s = lt_scope_begin();
      lt_tensor *t[16];
      const char *names[16];
      lt_batch batch = {0, t, names};
      rc = next_batch(r, 0, &batch, t, names, bi);
      step_out o = {0};
      int dist_stop = 0;
      if (!rc) rc = hook(r, LT_HOOK_ON_TRAIN_BATCH_START, 0, bi, NULL);
      if (!rc && r->dist) rc = dist_broadcast(r, 1);
      if (!rc) rc = run_step(r, 0, &batch, bi, &o);
      if (!rc && r->dist) { /* the loss over all ranks, and whether any of them must stop */
        double v[19] = {o.total};
        for (int k = 0; k < o.nsub; k++) v[1 + k] = o.sub[k];
        v[1 + o.nsub] = host_interrupted ? 1 : 0;
        v[2 + o.nsub] = time_up(r);
        rc = dist_sum(r, v, 3 + o.nsub, "the reduction of the step's loss");
        o.total = v[0] / r->dist->world;
        for (int k = 0; k < o.nsub; k++) o.sub[k] = v[1 + k] / r->dist->world;
        dist_stop = v[1 + o.nsub] > 0 ? 2 : v[2 + o.nsub] > 0 ? 3 : 0;
      }
      if (!rc) {
        if (!isfinite(o.total)) {
          rc = FAIL("training_step of %s (epoch %lld, batch %lld) gave a %s loss; stopping before it reaches the "
                    "weights (lower the learning rate, or check the data)",
                    r->model->comp->target, (long long)r->epoch, (long long)bi, isnan(o.total) ? "NaN" : "infinite");
        }
      }
      if (!rc) {
        lt_tensor *l = acc > 1 ? lt_tensor_div_scalar(o.loss, (double)acc) : o.loss;
        lt_clear_error();
        if (!l || lt_tensor_backward(l, LT_NO_TENSOR, 0) != LT_OK)
          rc = FAIL("backward of training_step of %s (epoch %lld, batch %lld): %s", r->model->comp->target,
                    (long long)r->epoch, (long long)bi, lt_last_error());
      }
      if (!rc) {
        sum += o.total, count++;
        nsub_epoch = o.nsub;
        for (int k = 0; k < o.nsub; k++) subsum_epoch[k] += o.sub[k], sub_name_epoch[k] = o.sub_name[k];
        samples += batch.n ? lt_tensor_size(t[0], 0) : 0;
        r->batch_next = bi + 1, r->loss_sum = sum, r->loss_count = count;
        if ((bi + 1) % acc == 0 || bi + 1 == nb) {
          if (c->gradient_clip_val > 0 || r->dist) {
            size_t np = r->network_ops->parameters(r->network, NULL, NULL, 0);
            lt_tensor **ps = calloc(np + 1, sizeof *ps);
            r->network_ops->parameters(r->network, ps, NULL, np);
            lt_clear_error();
            /* ddp: every rank's gradients averaged (only at the optimizer step, as no_sync) */
            if (r->dist && lt_dist_allreduce_grads(r->dist->pg, ps, (int)np, r->dist->bucket_mb) != LT_OK)
              rc = dist_failed(r, "the allreduce of gradients");
            if (!rc && c->gradient_clip_val > 0) {
              if (c->clip_by_value) lt_clip_grad_value(ps, (int)np, c->gradient_clip_val);
              else lt_clip_grad_norm(ps, (int)np, c->gradient_clip_val, 2.0, NULL);
            }
            free(ps);
          }
          lt_clear_error();
          if (!rc && r->optimizer_ops->step(r->optimizer) != LT_OK)
            rc = FAIL("optimizer %s step (epoch %lld, batch %lld): %s", r->optimizer_name, (long long)r->epoch,
                      (long long)bi, lt_last_error());
          r->optimizer_ops->zero_grad(r->optimizer, 1);
          r->global_step++;
          if (!rc && r->sched_per_step && r->global_step % r->sched_frequency == 0) rc = scheduler_step(r);
          if (!rc && r->global_step % c->log_every_n_steps == 0) {
            put(r, o.nsub ? "train/loss/total/step" : "train/loss/step", o.total);
            for (int k = 0; k < o.nsub; k++) {
              char key[256];
              snprintf(key, sizeof key, "train/loss/%s/step", o.sub_name[k]);
              put(r, key, o.sub[k]);
            }
            if (r->log.flush_every && r->log.nrows >= (size_t)r->log.flush_every) rc = host_log_flush(&r->log, 0);
          }
          if (c->max_steps >= 0 && r->global_step >= c->max_steps && r->epoch + 1 >= c->min_epochs && !c->fast_dev_run)
            stop = 1;
        }
        progress(r, what, bi + 1, nb, sum / count, t0, samples, bi + 1 == nb || stop);
        if (!rc) rc = hook(r, LT_HOOK_ON_TRAIN_BATCH_END, 0, bi, o.out);
      }
      lt_state_free(o.out);
      lt_scope_end(s);
      if (!rc && r->dist) { /* every rank stops at the same batch */
        if (dist_stop) stop = dist_stop;
      } else {
        if (!rc && host_interrupted) stop = 2;
        if (!rc && time_up(r)) stop = 3;
      }
      const char *during = "";
      if (!rc && !stop && val_every > 0 && (bi + 1) % val_every == 0 && bi + 1 < nb) {
        rc = do_validation(r);
        if (r->network_ops->train) r->network_ops->train(r->network, 1);
        if (rc == 130) rc = 0, stop = 2, during = " (during validation)";
      }
      if (stop == 2) { /* interrupted: last.ckpt resumes at the next batch */
        r->loader_ops[0]->stop(r->loader[0]);
        return interrupted_in_epoch(r, bi + 1, during);
      }
    }
    r->loader_ops[0]->stop(r->loader[0]);
    if (rc) return rc;
    r->in_epoch = 0;
    lt_scope *end_scope = lt_scope_begin(); /* the epoch's end: validation, metrics, scheduler, checkpoint */
    rc = epoch_end(r, count ? sum / count : NAN, nsub_epoch, sub_name_epoch, subsum_epoch, count);
    lt_scope_end(end_scope);
    /* interrupted in the validation at the epoch's end: last.ckpt resumes
     * at the epoch's end (its training metrics are not computed yet) */
    if (rc == 130) return interrupted_in_epoch(r, nb, " (during validation)");
    if (!rc && r->dist) { /* a callback's stop on any rank stops them all */
      double v = r->stop_requested;
      rc = dist_sum(r, &v, 1, "the agreement on stopping");
      r->stop_requested = v > 0;
    }
    if (rc) return rc;
    if (stop == 3) {
      if (rank0(r)) fprintf(stderr, "lighter-host: max_time reached after epoch %lld\n", (long long)r->epoch);
      break;
    }
    if (stop == 1 || (r->stop_requested && r->epoch + 1 >= c->min_epochs)) {
      r->epoch++;
      break;
    }
  }
  rc = hook(r, LT_HOOK_ON_TRAIN_END, 0, -1, NULL);
  if (!rc) rc = hook(r, LT_HOOK_ON_FIT_END, -1, -1, NULL);
  if (!rc && !r->saved_last) { /* a resumed run with nothing left to do still leaves its last.ckpt */
    r->epoch = r->start_epoch - 1;
    rc = save_last(r);
  }
  return rc;
}


static int epoch_end(host_run *r, double mean, int nsub_epoch, const char *const *sub_name_epoch,
                   const double *subsum_epoch, int64_t count) {
  const host_trainer_cfg *c = r->cfg;
  int rc;
  /* as in Lightning, the epoch's validation runs before on_train_epoch_end,
   * where the epoch's training loss and metrics are logged */
  int check = c->check_val_every_n_epoch > 0 && (r->epoch + 1) % c->check_val_every_n_epoch == 0;
  if (check && (rc = do_validation(r))) return rc;
  put(r, nsub_epoch ? "train/loss/total/epoch" : "train/loss/epoch", mean);
  for (int k = 0; k < nsub_epoch; k++) {
    char key[256];
    snprintf(key, sizeof key, "train/loss/%s/epoch", sub_name_epoch[k]);
    put(r, key, subsum_epoch[k] / (double)count);
  }
  if ((rc = metrics_log(r, &r->metrics[0], "train"))) return rc;
  log_optimizer(r);
  if ((rc = hook(r, LT_HOOK_ON_TRAIN_EPOCH_END, 0, -1, NULL))) return rc;
  if (!r->sched_per_step && (r->epoch + 1) % r->sched_frequency == 0 && (rc = scheduler_step(r))) return rc;
  if ((rc = host_log_flush(&r->log, 0))) return rc;
  return save_last(r);
}

static void results_table(host_run *r, const char *mode) {
  fprintf(stderr, "%-48s %s\n", mode[0] == 't' ? "Test metric" : "Validate metric", "Value");
  for (size_t k = 0; k < r->last.nkeys; k++) {
    if (strncmp(r->last.keys[k], mode, strlen(mode)) || r->last.keys[k][strlen(mode)] != '/') continue;
    int found;
    double v = log_last(&r->last, r->last.keys[k], &found);
    fprintf(stderr, "%-48s %.6g\n", r->last.keys[k], v);
    printf("%s %.6g\n", r->last.keys[k], v);
  }
}

static int trainer_run_(host_run *r);

/* The run inside one scope: whatever the host makes outside the per-batch
 * scopes is released at the end. */
int host_trainer_run(host_run *r) {
  lt_scope *s = lt_scope_begin();
  int rc = trainer_run_(r);
  lt_scope_end(s);
  return rc;
}

/* precision 64-true: the network's floating parameters and buffers become
 * float64 in place (optimizers and modules keep their handles). */
static void to_float64(host_run *r) {
  lt_tensor **t;
  const char **names;
  size_t n = module_state(r, &t, &names);
  int prev = lt_grad_set_enabled(0);
  for (size_t i = 0; i < n; i++) {
    lt_dtype dt = lt_tensor_dtype(t[i]);
    if (dt == LT_FLOAT32 || dt == LT_FLOAT16 || dt == LT_BFLOAT16) lt_tensor_set_data(t[i], lt_tensor_to_dtype(t[i], LT_FLOAT64));
  }
  lt_grad_set_enabled(prev);
  free(t), free(names);
}

static int trainer_run_(host_run *r) {
  r->t_start = now();
  int rc = 0;
  if (r->cfg->precision64) to_float64(r);
  if (r->ckpt_path && (rc = load_checkpoint(r, r->ckpt_path))) return rc;
  if (host_interrupted) return interrupted(r, "the loading of the checkpoint");
  if (r->dist) { /* ddp: rank 0's weights everywhere, each rank its shard of every loader */
    if ((rc = dist_broadcast(r, 0))) return rc;
    for (int i = 0; i < 4; i++) {
      if (!r->loader[i]) continue;
      char what[96];
      snprintf(what, sizeof what, "the %s loader", mode_names[i]);
      if (!HAS(r->loader_ops[i], lt_loader_ops, set_shard))
        return FAIL("%s cannot be sharded across ranks (its plugin has no set_shard); use torch.utils.data.DataLoader",
                    what);
      lt_clear_error();
      if (r->loader_ops[i]->set_shard(r->loader[i], r->dist->rank, r->dist->world) != LT_OK)
        return FAIL("%s: %s", what, lt_last_error());
    }
  }
  if ((rc = hook(r, LT_HOOK_SETUP, -1, -1, NULL))) return rc;
  if (host_interrupted) rc = interrupted(r, "setup"); /* teardown still runs */
  else switch (r->stage) {
  case HOST_FIT: rc = fit(r); break;
  case HOST_VALIDATE:
  case HOST_TEST: {
    int mode = r->stage == HOST_VALIDATE ? 1 : 2;
    if (!r->loader[mode]) return FAIL("%s needs data::%s_dataloader", mode == 1 ? "validate" : "test", mode_names[mode]);
    rc = run_eval(r, mode, -1, NULL);
    if (rc == 130) interrupted(r, mode == 1 ? "validation" : "test");
    if (!rc && rank0(r)) results_table(r, mode_names[mode]);
    break;
  }
  case HOST_PREDICT: {
    if (!r->loader[3]) return FAIL("predict needs data::predict_dataloader");
    lt_state *preds = r->return_predictions ? lt_state_new_list() : NULL;
    rc = run_eval(r, 3, -1, preds);
    if (rc == 130) interrupted(r, "predict");
    if (!rc && preds) {
      char path[1600]; /* under ddp each rank predicts its shard: predictions.rankN.pt beside rank 0's */
      if (rank0(r)) snprintf(path, sizeof path, "%s/predictions.pt", r->run_dir);
      else snprintf(path, sizeof path, "%s/predictions.rank%d.pt", r->run_dir, r->dist->rank);
      if (lt_state_save(preds, path) != LT_OK) rc = FAIL("cannot save '%s': %s", path, lt_last_error());
      else {
        char keys[512];
        host_predictions_keys(preds, keys, sizeof keys);
        fprintf(stderr, "lighter-host: %lld batches of predictions (each a dict of %s) in %s\n",
                (long long)lt_state_len(preds), *keys ? keys : "nothing", path);
      }
    }
    lt_state_free(preds);
    break;
  }
  }
  if (rc && rc != 130) hook(r, LT_HOOK_ON_EXCEPTION, -1, -1, NULL);
  int trc = hook(r, LT_HOOK_TEARDOWN, -1, -1, NULL);
  if (!rc) rc = trc;
  if (host_log_flush(&r->log, 1) && !rc) rc = 1;
  if (!rc && r->dist) { /* rank 0 serves the group's store: everybody leaves together */
    lt_clear_error();
    if (lt_dist_barrier(r->dist->pg) != LT_OK) rc = dist_failed(r, "the final barrier");
  }
  if (!rc && r->cfg->enable_progress_bar && rank0(r))
    fprintf(stderr, "lighter-host: %s done in %.1f s%s%s\n", r->stage == HOST_FIT ? "fit" : r->stage == HOST_VALIDATE ? "validate"
                                                            : r->stage == HOST_TEST ? "test" : "predict",
            now() - r->t_start, *r->log.path ? "; logs in " : "", *r->log.path ? r->run_dir : "");
  return rc;
}
