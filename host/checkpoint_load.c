/* checkpoint_load.c: a checkpoint read back: the weights (every tensor
 * checked against the model before any is copied), and for a fit that
 * resumes, where the loop was (checked by ckpt_progress.c), the random
 * state and the optimizer, scheduler and callback states. */
#include "trainer_impl.h"

#include "ckpt_progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The network's tensors from state_dict ("network." keys). Nothing
 * changes when one is missing or of another shape. */
static int load_weights(host_run *r, lt_state *ck, const char *path) {
  lt_state *sd = lt_state_get_state(ck, "state_dict");
  if (!sd) return FAIL("checkpoint '%s' has no state_dict", path);
  lt_tensor **t = NULL;
  const char **names = NULL;
  size_t n = host_module_state(r, &t, &names);
  lt_tensor **src = calloc(n + 1, sizeof *src);
  int rc = 0;
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
  lt_state_free(sd);
  return rc;
}

/* The training metrics' states of a mid-epoch checkpoint (in ours dict). */
static void restore_train_metrics(host_run *r, const lt_state *ours) {
  lt_state *ms = lt_state_kind(ours, "train_metric_states") == LT_VALUE_LIST ? lt_state_get_state(ours, "train_metric_states")
                                                                             : NULL;
  host_metrics *m = &r->model.metrics[HOST_MODE_TRAIN];
  int prev = lt_grad_set_enabled(0);
  for (int i = 0; ms && i < m->n && i < lt_state_len(ms); i++) {
    char idx[16];
    snprintf(idx, sizeof idx, "%d", i);
    lt_state *one = lt_state_get_state(ms, idx);
    lt_tensor *st[16];
    size_t k = m->ops[i]->states(m->self[i], st, 16);
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

/* The counters of an older checkpoint of ours (epoch, batch_next, global_step). */
static void legacy_counters(host_loops *l, const host_progress *pr) {
  int64_t e = pr->epoch;
  host_counts *ec = &l->epoch.current;
  if (pr->batch_next >= 0) ec->ready = ec->started = e + 1, ec->processed = ec->completed = e;
  else ec->ready = ec->started = ec->processed = ec->completed = e + 1;
  l->epoch.total = *ec;
  if (pr->batch_next >= 0) {
    host_counts *bc = &l->batch.current;
    bc->ready = bc->started = bc->processed = bc->completed = pr->batch_next;
  }
  l->opt_step.total.ready = l->opt_step.total.completed = pr->global_step;
  l->batches_that_stepped = pr->global_step;
}

/* Where the fit loop was (the next epoch, or mid-epoch its next batch) and
 * Lightning's counters, which go on counting from there. */
static int restore_loops(host_run *r, lt_state *ck, const char *path) {
  host_progress pr;
  char why[512];
  if (host_progress_read(ck, &pr, why, sizeof why)) /* a run cannot be resumed from there */
    return FAIL("checkpoint '%s' is damaged: %s; resume from another checkpoint, or start a new run from its weights "
                "with --init_weights", path, why);
  host_loop_state *s = &r->loop;
  if (pr.lightning) s->fit.loops = pr.loops;
  else legacy_counters(&s->fit.loops, &pr);
  /* a finished epoch counts as completed when the fit starts again (Lightning's on_run_start) */
  host_counts *ec = &s->fit.loops.epoch.current;
  if (!host_fit_in_epoch(&s->fit.loops)) ec->completed = ec->processed;
  s->start_epoch = pr.epoch + 1;
  s->fit.global_step = pr.global_step;
  if (pr.batch_next >= 0) { /* mid-epoch */
    s->start_epoch = pr.epoch;
    s->start_batch = pr.batch_next;
    s->loss_sum = pr.loss_sum;
    s->loss_count = pr.loss_count;
    lt_state *loops = lt_state_get_state(ck, "loops");
    lt_state *ours = loops && lt_state_kind(loops, "lighter_host") == LT_VALUE_DICT
                         ? lt_state_get_state(loops, "lighter_host") : NULL;
    restore_train_metrics(r, ours ? ours : loops);
    lt_state_free(ours), lt_state_free(loops);
  }
  return 0;
}

/* The random state, the optimizer's and the scheduler's. */
static int restore_rng_optim(host_run *r, lt_state *ck, const char *path) {
  int rc = 0;
  const host_model_parts *m = &r->model;
  lt_state *rng = lt_state_get_state(ck, "rng_states");
  lt_tensor *gen = rng && lt_state_kind(rng, "torch") == LT_VALUE_TENSOR ? lt_state_get_tensor(rng, "torch") : NULL;
  if (gen && lt_rng_state_set(gen) != LT_OK)
    rc = FAIL("checkpoint '%s': cannot restore the random state: %s", path, lt_last_error());
  lt_tensor_free(gen);
  lt_state_free(rng);
  char err[512] = "";
  lt_state *os = lt_state_get_state(ck, "optimizer_states"), *o0 = os ? lt_state_get_state(os, "0") : NULL;
  if (o0 && m->optimizer && HOST_HAS(m->optimizer_ops, lt_optimizer_ops, state_load) &&
      m->optimizer_ops->state_load(m->optimizer, o0, err, sizeof err) != LT_OK)
    rc = FAIL("checkpoint '%s': the optimizer state does not fit: %s", path, err);
  lt_state_free(o0), lt_state_free(os);
  lt_state *ss = lt_state_get_state(ck, "lr_schedulers"), *s0 = ss ? lt_state_get_state(ss, "0") : NULL;
  if (!rc && s0 && m->scheduler && HOST_HAS(m->scheduler_ops, lt_scheduler_ops, state_load) &&
      m->scheduler_ops->state_load(m->scheduler, s0, err, sizeof err) != LT_OK)
    rc = FAIL("checkpoint '%s': the scheduler state does not fit: %s", path, err);
  lt_state_free(s0), lt_state_free(ss);
  return rc;
}

/* Each callback's state, under its key (Lightning's state_key, or the
 * "<target>#i" of our older checkpoints). */
static int restore_callbacks(host_run *r, lt_state *ck, const char *path) {
  int rc = 0;
  char err[512] = "";
  lt_state *cbs = lt_state_get_state(ck, "callbacks");
  for (int i = 0; cbs && !rc && i < r->callbacks.n; i++) {
    char legacy[300];
    snprintf(legacy, sizeof legacy, "%s#%d", r->callbacks.name[i], i);
    const char *key = lt_state_kind(cbs, r->callbacks.key[i]) == LT_VALUE_DICT ? r->callbacks.key[i] : legacy;
    if (!HOST_HAS(r->callbacks.ops[i], lt_callback_ops, state_load) || lt_state_kind(cbs, key) != LT_VALUE_DICT) continue;
    lt_state *cs = lt_state_get_state(cbs, key);
    if (r->callbacks.ops[i]->state_load(r->callbacks.self[i], cs, err, sizeof err) != LT_OK)
      rc = FAIL("checkpoint '%s': the state of callback %s does not fit: %s", path, r->callbacks.name[i], err);
    lt_state_free(cs);
  }
  lt_state_free(cbs);
  return rc;
}

int host_ckpt_load(host_run *r, const char *path, int resume) {
  lt_clear_error();
  lt_state *ck = lt_state_load(path);
  if (!ck) return FAIL("cannot load checkpoint '%s': %s", path, lt_last_error());
  int rc = load_weights(r, ck, path);
  if (!rc && resume) rc = restore_loops(r, ck, path);
  if (!rc && resume) rc = restore_rng_optim(r, ck, path);
  if (!rc && resume) rc = restore_callbacks(r, ck, path);
  lt_state_free(ck);
  if (!rc && host_ddp_rank0(r))
    fprintf(stderr, "lighter-host: loaded %s from '%s'\n", resume ? "the run" : "weights", path);
  return rc;
}
