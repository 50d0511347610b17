/* ckpt_loops.c: Lightning 2.2's `loops` of a checkpoint from the fit's
 * progress counters and back: the fit loop (epoch_progress, the training
 * epoch loop's batch, scheduler and optimizer progress, _batches_that_stepped,
 * its validation loop's batch progress) and the validate, test and predict
 * loops, with the trackers' fields as Lightning's dataclasses name them, so
 * that Lightning's Trainer.fit(ckpt_path=...) restores them. */
#include "ckpt_loops.h"

#include <stdio.h>
#include <string.h>

/* Which of ready, started, processed, completed a tracker has. */
enum { RC = 0, RSC = 1, RSPC = 2 };

static void put_counts(lt_state *d, const char *key, const host_counts *c, int kind) {
  lt_state *o = lt_state_new_dict();
  lt_state_set_int(o, "ready", c->ready);
  lt_state_set_int(o, "completed", c->completed);
  if (kind >= RSC) lt_state_set_int(o, "started", c->started);
  if (kind >= RSPC) lt_state_set_int(o, "processed", c->processed);
  lt_state_set_state(d, key, o);
  lt_state_free(o);
}

/* {total, current} (and is_last_batch for a batch tracker) under key. */
static void put_tracker(lt_state *d, const char *key, const host_tracker *t, int kind, int batch) {
  lt_state *o = lt_state_new_dict();
  put_counts(o, "total", &t->total, kind);
  put_counts(o, "current", &t->current, kind);
  if (batch) lt_state_set_bool(o, "is_last_batch", t->is_last_batch);
  lt_state_set_state(d, key, o);
  lt_state_free(o);
}

static void put_empty(lt_state *d, const char *key) {
  lt_state *o = lt_state_new_dict();
  lt_state_set_state(d, key, o);
  lt_state_free(o);
}

static void put_fit_loop(const host_loops *l, lt_state *out) {
  lt_state *f = lt_state_new_dict();
  put_empty(f, "state_dict");
  lt_state *sd = lt_state_new_dict();
  lt_state_set_int(sd, "_batches_that_stepped", l->batches_that_stepped);
  lt_state_set_state(f, "epoch_loop.state_dict", sd);
  lt_state_free(sd);
  put_tracker(f, "epoch_loop.batch_progress", &l->batch, RSPC, 1);
  put_tracker(f, "epoch_loop.scheduler_progress", &l->scheduler, RC, 0);
  put_empty(f, "epoch_loop.automatic_optimization.state_dict");
  lt_state *op = lt_state_new_dict(), *opt = lt_state_new_dict();
  put_tracker(opt, "step", &l->opt_step, RC, 0);
  put_tracker(opt, "zero_grad", &l->opt_zero_grad, RSC, 0);
  lt_state_set_state(op, "optimizer", opt);
  lt_state_set_state(f, "epoch_loop.automatic_optimization.optim_progress", op);
  lt_state_free(opt), lt_state_free(op);
  put_empty(f, "epoch_loop.manual_optimization.state_dict");
  host_tracker none = {0};
  put_tracker(f, "epoch_loop.manual_optimization.optim_step_progress", &none, RC, 0);
  put_empty(f, "epoch_loop.val_loop.state_dict");
  put_tracker(f, "epoch_loop.val_loop.batch_progress", &l->val, RSPC, 1);
  put_tracker(f, "epoch_progress", &l->epoch, RSPC, 0);
  lt_state_set_state(out, "fit_loop", f);
  lt_state_free(f);
}

static void put_eval_loop(lt_state *out, const char *key, const host_tracker *t, int batch) {
  lt_state *o = lt_state_new_dict();
  put_empty(o, "state_dict");
  put_tracker(o, "batch_progress", t, RSPC, batch);
  lt_state_set_state(out, key, o);
  lt_state_free(o);
}

void host_loops_put(const host_loops *l, lt_state *out) {
  put_fit_loop(l, out);
  put_eval_loop(out, "validate_loop", &l->validate, 1);
  put_eval_loop(out, "test_loop", &l->test, 1);
  put_eval_loop(out, "predict_loop", &l->predict, 0);
}

/* ---- reading ---- */

typedef struct reader {
  int64_t max;
  char *why;
  size_t len;
  int failed;
} reader;

static const char *kind_text(lt_value_kind k) {
  static const char *const names[] = {"missing", "None", "bool", "an integer", "a float", "a string",
                                      "a tensor", "a dict", "a list", "an object"};
  return (int)k >= 0 && (int)k < (int)(sizeof names / sizeof *names) ? names[k] : "an object";
}

/* d[key] (a dict) or NULL when missing; not a dict: an error naming path. */
static lt_state *child(reader *rd, const lt_state *d, const char *key, const char *path) {
  if (!d || rd->failed) return NULL;
  lt_value_kind k = lt_state_kind(d, key);
  if (k == LT_VALUE_MISSING) return NULL;
  if (k != LT_VALUE_DICT) {
    snprintf(rd->why, rd->len, "loops' %s%s is %s, not a dict", path, key, kind_text(k));
    rd->failed = 1;
    return NULL;
  }
  return lt_state_get_state(d, key);
}

static void read_int(reader *rd, const lt_state *d, const char *key, const char *path, int64_t *out) {
  if (!d || rd->failed) return;
  lt_value_kind k = lt_state_kind(d, key);
  if (k == LT_VALUE_MISSING) return;
  int64_t v = 0;
  if (k != LT_VALUE_INT || lt_state_get_int(d, key, &v) != LT_OK) {
    snprintf(rd->why, rd->len, "loops' %s%s is %s, not an integer", path, key, kind_text(k));
    rd->failed = 1;
  } else if (v < 0 || v > rd->max) {
    snprintf(rd->why, rd->len, "loops' %s%s is %lld (counts go from 0 to %lld)", path, key, (long long)v,
             (long long)rd->max);
    rd->failed = 1;
  } else {
    *out = v;
  }
}

static void read_counts(reader *rd, const lt_state *d, const char *key, const char *path, host_counts *c) {
  char p[300];
  snprintf(p, sizeof p, "%s%s.", path, key);
  lt_state *o = child(rd, d, key, path);
  read_int(rd, o, "ready", p, &c->ready);
  read_int(rd, o, "started", p, &c->started);
  read_int(rd, o, "processed", p, &c->processed);
  read_int(rd, o, "completed", p, &c->completed);
  lt_state_free(o);
}

static void read_tracker(reader *rd, const lt_state *d, const char *key, const char *path, host_tracker *t) {
  char p[300];
  snprintf(p, sizeof p, "%s%s.", path, key);
  lt_state *o = child(rd, d, key, path);
  read_counts(rd, o, "total", p, &t->total);
  read_counts(rd, o, "current", p, &t->current);
  if (o && lt_state_kind(o, "is_last_batch") == LT_VALUE_BOOL) lt_state_get_bool(o, "is_last_batch", &t->is_last_batch);
  lt_state_free(o);
}

static void read_fit_loop(reader *rd, const lt_state *f, host_loops *l) {
  const char *p = "fit_loop.";
  read_tracker(rd, f, "epoch_progress", p, &l->epoch);
  read_tracker(rd, f, "epoch_loop.batch_progress", p, &l->batch);
  read_tracker(rd, f, "epoch_loop.scheduler_progress", p, &l->scheduler);
  read_tracker(rd, f, "epoch_loop.val_loop.batch_progress", p, &l->val);
  lt_state *sd = child(rd, f, "epoch_loop.state_dict", p);
  read_int(rd, sd, "_batches_that_stepped", "fit_loop.epoch_loop.state_dict.", &l->batches_that_stepped);
  lt_state_free(sd);
  lt_state *op = child(rd, f, "epoch_loop.automatic_optimization.optim_progress", p);
  lt_state *opt = child(rd, op, "optimizer", "fit_loop.epoch_loop.automatic_optimization.optim_progress.");
  const char *op_path = "fit_loop.epoch_loop.automatic_optimization.optim_progress.optimizer.";
  read_tracker(rd, opt, "step", op_path, &l->opt_step);
  read_tracker(rd, opt, "zero_grad", op_path, &l->opt_zero_grad);
  lt_state_free(opt), lt_state_free(op);
}

int host_loops_read(const lt_state *loops, host_loops *l, int64_t max, char *why, size_t len) {
  memset(l, 0, sizeof *l);
  reader rd = {max, why, len, 0};
  lt_state *f = child(&rd, loops, "fit_loop", "");
  read_fit_loop(&rd, f, l);
  lt_state_free(f);
  static const char *const evals[3] = {"validate_loop", "test_loop", "predict_loop"};
  host_tracker *ts[3] = {&l->validate, &l->test, &l->predict};
  for (int i = 0; i < 3; i++) {
    char p[64];
    snprintf(p, sizeof p, "%s.", evals[i]);
    lt_state *e = child(&rd, loops, evals[i], "");
    read_tracker(&rd, e, "batch_progress", p, ts[i]);
    lt_state_free(e);
  }
  return rd.failed ? -1 : 0;
}
