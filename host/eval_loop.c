/* eval_loop.c: the loaders' batches (how many a loop runs: limit_*_batches,
 * fast_dev_run, overfit_batches) and the evaluation loop of validate, test
 * and predict (also the fit's validation and its sanity check): hooks, steps
 * without gradients, progress, and the epoch's mean loss and metrics. */
#include "trainer_impl.h"

#include "predictions.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int64_t host_batches_for(host_run *r, host_mode mode) {
  int64_t n = r->data.ops[mode]->num_batches(r->data.self[mode]);
  const host_trainer_cfg *c = r->cfg;
  if (c->fast_dev_run) return n < c->fast_dev_run ? n : c->fast_dev_run;
  int64_t lim = c->limit[mode];
  if (c->limit_frac[mode] > 0) lim = (int64_t)floor((double)n * c->limit_frac[mode]);
  if (mode < HOST_MODE_TEST && (c->overfit_batches > 0 || c->overfit_frac > 0)) {
    int64_t tn = r->data.ops[HOST_MODE_TRAIN]->num_batches(r->data.self[HOST_MODE_TRAIN]);
    lim = c->overfit_batches > 0 ? c->overfit_batches : (int64_t)floor((double)tn * c->overfit_frac);
    n = tn;
  }
  return lim >= 0 && lim < n ? lim : n;
}

/* overfit_batches: the train loader for val too. */
int host_next_batch(host_run *r, host_mode li, lt_batch *batch, lt_tensor **t, const char **names, int64_t bi) {
  char err[1024] = "";
  int n = r->data.ops[li]->next(r->data.self[li], t, names, 16, err, sizeof err);
  if (n <= 0)
    return FAIL("%s data, batch %lld: %s", host_mode_name(li), (long long)bi,
                n == 0 ? "the loader ran out of batches" : err);
  batch->n = n;
  batch->t = t;
  batch->names = names;
  return 0;
}

/* An empty dataset, or drop_last with fewer samples than a batch. */
int host_no_batches(host_run *r, host_mode mode) {
  return FAIL("the %s loader gives no batches (%lld samples%s); check its dataset and batch_size / drop_last",
              host_mode_name(mode), (long long)r->data.ops[mode]->num_samples(r->data.self[mode]),
              r->cfg->limit[mode] == 0 ? ", limit_*_batches 0" : "");
}

/* The loss of an evaluation epoch so far. */
typedef struct eval_sums {
  double sum, subsum[16];
  const char *subname[16];
  int nsub;
  int64_t count, samples;
} eval_sums;

/* The batch progress Lightning keeps for this loop: the fit's validation
 * loop, or the validate / test / predict loop of those stages. */
static host_tracker *progress_of(host_run *r, host_mode mode) {
  host_loops *l = &r->loop.fit.loops;
  if (r->stage == HOST_FIT) return &l->val;
  return mode == HOST_MODE_VAL ? &l->validate : mode == HOST_MODE_TEST ? &l->test : &l->predict;
}

/* Batch bi of nb: its hooks and step, counted in bt; the loss added to s. */
static int eval_batch(host_run *r, host_mode mode, host_mode li, int64_t bi, int64_t nb, lt_state *preds,
                      eval_sums *s) {
  lt_tensor *t[16];
  const char *names[16];
  lt_batch batch = {0, t, names};
  host_tracker *bt = progress_of(r, mode);
  int rc = host_next_batch(r, li, &batch, t, names, bi);
  if (rc) return rc;
  host_tracker_ready(bt);
  bt->is_last_batch = bi + 1 == nb;
  host_step_out o = {0};
  rc = host_hook(r, host_loop_hook_of(mode, HOST_ON_BATCH_START), mode, bi, NULL);
  if (!rc) host_tracker_started(bt);
  if (!rc) rc = host_step_run(r, mode, &batch, bi, &o);
  if (!rc) host_tracker_processed(bt);
  if (!rc) rc = host_hook(r, host_loop_hook_of(mode, HOST_ON_BATCH_END), mode, bi, o.out);
  if (!rc) host_tracker_completed(bt);
  if (!rc) host_logging_eval_step(r, mode, &o);
  if (!rc && preds && o.out && host_predictions_keep(preds, o.out) != LT_OK)
    rc = FAIL("predict_step of %s (batch %lld): cannot keep its outputs: %s", r->model.obj->comp->target,
              (long long)bi, lt_last_error());
  lt_state_free(o.out);
  if (rc) return rc;
  s->samples += batch.n ? lt_tensor_size(t[0], 0) : 0;
  if (o.loss) {
    s->sum += o.total, s->count++;
    s->nsub = o.nsub;
    for (int k = 0; k < o.nsub; k++) s->subsum[k] += o.sub[k], s->subname[k] = o.sub_name[k];
  }
  return 0;
}

/* The epoch's mean loss (over every rank's batches) and metrics. */
static int eval_log(host_run *r, host_mode mode, eval_sums *s) {
  if (r->dist) {
    double v[18] = {s->sum, (double)s->count};
    for (int k = 0; k < s->nsub; k++) v[2 + k] = s->subsum[k];
    if (host_ddp_sum(r, v, 2 + s->nsub, "the reduction of the loss")) return 1;
    s->sum = v[0], s->count = (int64_t)v[1];
    for (int k = 0; k < s->nsub; k++) s->subsum[k] = v[2 + k];
  }
  host_log_new_row(&r->log);
  if (s->count) {
    double mean[16];
    for (int k = 0; k < s->nsub; k++) mean[k] = s->subsum[k] / (double)s->count;
    host_logging_loss(r, mode, "epoch", s->sum / (double)s->count, s->nsub, s->subname, mean);
  }
  return host_logging_metrics(r, &r->model.metrics[mode], mode);
}

int host_eval_run(host_run *r, host_mode mode, int64_t limit, lt_state *preds) {
  host_mode li = mode;
  if (mode < HOST_MODE_TEST && (r->cfg->overfit_batches > 0 || r->cfg->overfit_frac > 0)) li = HOST_MODE_TRAIN;
  int64_t nb = limit >= 0 ? limit : host_batches_for(r, mode);
  if (nb == 0 && r->data.ops[li]->num_batches(r->data.self[li]) == 0 && !r->loop.sanity) return host_no_batches(r, li);
  char err[512];
  if (r->data.ops[li]->start(r->data.self[li], li == HOST_MODE_TRAIN ? 0 : r->loop.fit.epoch, 0, err, sizeof err) != LT_OK)
    return FAIL("%s data: %s", host_mode_name(mode), err);
  if (r->model.network_ops->train) r->model.network_ops->train(r->model.network, 0);
  int prev = lt_grad_set_enabled(0);
  eval_sums s = {0};
  double t0 = host_now();
  const char *what = r->loop.sanity ? "sanity check" : mode == HOST_MODE_VAL ? "validation"
                                                      : mode == HOST_MODE_TEST ? "test" : "predict";
  host_tracker_reset_current(progress_of(r, mode)); /* a new run of the loop */
  int rc = host_hook(r, host_loop_hook_of(mode, HOST_ON_START), mode, -1, NULL);
  if (!rc) rc = host_hook(r, host_loop_hook_of(mode, HOST_ON_EPOCH_START), mode, -1, NULL);
  for (int64_t bi = 0; bi < nb && !rc && !host_interrupted; bi++) {
    lt_scope *sc = lt_scope_begin();
    rc = eval_batch(r, mode, li, bi, nb, preds, &s);
    if (!rc) host_term_progress(r, what, bi + 1, nb, s.count ? s.sum / (double)s.count : NAN, t0, s.samples, bi + 1 == nb);
    lt_scope_end(sc);
  }
  lt_grad_set_enabled(prev);
  r->data.ops[li]->stop(r->data.self[li]);
  if (rc) return rc;
  if (host_interrupted) return HOST_EXIT_INTERRUPTED;
  if (mode < HOST_MODE_PREDICT && !r->loop.sanity) rc = eval_log(r, mode, &s);
  else if (mode < HOST_MODE_PREDICT) host_metrics_reset(&r->model.metrics[mode]);
  if (!rc) rc = host_hook(r, host_loop_hook_of(mode, HOST_ON_EPOCH_END), mode, -1, NULL);
  if (!rc) rc = host_hook(r, host_loop_hook_of(mode, HOST_ON_END), mode, -1, NULL);
  return rc;
}
