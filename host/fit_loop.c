/* fit_loop.c: the fit: the sanity check, then epochs of training steps
 * (gradient accumulation, clipping, ddp's gradient allreduce, schedulers per
 * step or per epoch) with validation every n epochs or within an epoch,
 * stopping at max_epochs / max_steps / max_time, a callback's request or an
 * interruption (which leaves a last.ckpt that resumes at the next batch). */
#include "trainer_impl.h"

#include "metrics_csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* One training epoch as it runs. */
typedef struct epoch_run {
  int64_t nb, val_every, first; /* batches, validation every n batches (-1: at the end), the first batch */
  double sum, subsum[16], t0;   /* the loss so far */
  const char *sub_name[16];
  int nsub;
  int64_t count, samples;
  host_stop stop;
  char what[64];
} epoch_run;

/* Trainer max_time has passed since the run started. */
static int time_up(const host_run *r) {
  return r->cfg->max_time_s > 0 && host_now() - r->loop.t_start > r->cfg->max_time_s;
}

static int do_validation(host_run *r) {
  if (!r->data.self[HOST_MODE_VAL]) return 0;
  return host_eval_run(r, HOST_MODE_VAL, -1, NULL);
}

/* ^C or SIGTERM within a training epoch (its steps, or a validation in it or
 * at its end): last.ckpt resumes at batch `next` of the epoch; 130. */
static int interrupted_in_epoch(host_run *r, int64_t next, const char *during) {
  r->loop.in_epoch = 1;
  if (host_ddp_rank0(r))
    fprintf(stderr, "\nlighter-host: interrupted at epoch %lld, batch %lld%s%s\n", (long long)r->loop.epoch,
            (long long)next, during, r->cfg->enable_checkpointing ? "; saving last.ckpt" : "");
  host_ckpt_save_last(r);
  return HOST_EXIT_INTERRUPTED;
}

/* The scheduler's step (with its monitored value, if it has one). */
static int scheduler_step(host_run *r) {
  const host_model_parts *m = &r->model;
  if (!m->scheduler) return 0;
  double metric = NAN;
  if (*m->sched_monitor) {
    int found;
    metric = host_log_last(&r->last, m->sched_monitor, &found);
    if (!found)
      return FAIL("the scheduler monitors '%s', which is not logged; logged keys: %s", m->sched_monitor,
                  host_run_keys(r));
  }
  lt_clear_error();
  if (m->scheduler_ops->step(m->scheduler, metric) != LT_OK)
    return FAIL("scheduler %s: %s", m->scheduler_name, lt_last_error());
  return 0;
}

/* The sanity check: a few validation batches before training, logged nowhere. */
static int sanity_check(host_run *r) {
  const host_trainer_cfg *c = r->cfg;
  r->loop.sanity = 1;
  int64_t nb = host_batches_for(r, HOST_MODE_VAL);
  int rc = host_hook(r, LT_HOOK_ON_SANITY_CHECK_START, HOST_MODE_VAL, -1, NULL);
  if (!rc)
    rc = host_eval_run(r, HOST_MODE_VAL,
                       c->num_sanity_val_steps < 0 || c->num_sanity_val_steps > nb ? nb : c->num_sanity_val_steps, NULL);
  if (!rc) rc = host_hook(r, LT_HOOK_ON_SANITY_CHECK_END, HOST_MODE_VAL, -1, NULL);
  r->loop.sanity = 0;
  return rc == HOST_EXIT_INTERRUPTED ? host_run_interrupted(r, "the sanity check") : rc;
}

/* Up to on_train_start: checks, the summary, on_fit_start and the sanity check. */
static int fit_start(host_run *r) {
  const host_trainer_cfg *c = r->cfg;
  if (!r->data.self[HOST_MODE_TRAIN]) return FAIL("fit needs a training loader: give data::train_dataloader");
  if (!r->model.optimizer) return FAIL("fit needs an optimizer: give model::optimizer (e.g. torch.optim.SGD)");
  if (r->data.ops[HOST_MODE_TRAIN]->num_batches(r->data.self[HOST_MODE_TRAIN]) == 0)
    return host_no_batches(r, HOST_MODE_TRAIN);
  host_term_summary(r);
  int rc = host_hook(r, LT_HOOK_ON_FIT_START, HOST_MODE_NONE, -1, NULL);
  if (!rc && r->data.self[HOST_MODE_VAL] && c->num_sanity_val_steps != 0 && !c->fast_dev_run) rc = sanity_check(r);
  if (!rc) rc = host_hook(r, LT_HOOK_ON_TRAIN_START, HOST_MODE_TRAIN, -1, NULL);
  if (!rc && host_interrupted) rc = host_run_interrupted(r, "the start of training");
  return rc;
}

/* The epoch's batches, its validation interval, its loader started (a
 * resumed epoch goes on at its next batch; all done: straight to its end). */
static int epoch_start(host_run *r, epoch_run *e) {
  const host_trainer_cfg *c = r->cfg;
  e->nb = host_batches_for(r, HOST_MODE_TRAIN);
  e->val_every = c->val_check_batches > 0 ? c->val_check_batches
                 : c->val_check_frac > 0  ? (int64_t)floor((double)e->nb * c->val_check_frac)
                                          : -1;
  if (e->val_every == 0) e->val_every = 1;
  e->first = r->loop.epoch == r->loop.start_epoch ? r->loop.start_batch : 0;
  if (e->first > e->nb) e->first = e->nb;
  char err[512];
  if (r->data.ops[HOST_MODE_TRAIN]->start(r->data.self[HOST_MODE_TRAIN], r->loop.epoch, e->first, err, sizeof err) != LT_OK)
    return FAIL("train data: %s", err);
  if (r->model.network_ops->train) r->model.network_ops->train(r->model.network, 1);
  r->model.optimizer_ops->zero_grad(r->model.optimizer, 1);
  snprintf(e->what, sizeof e->what, "epoch %lld", (long long)r->loop.epoch);
  int rc = host_hook(r, LT_HOOK_ON_TRAIN_EPOCH_START, HOST_MODE_TRAIN, -1, NULL);
  e->sum = e->first ? r->loop.loss_sum : 0;
  e->count = e->first ? r->loop.loss_count : 0;
  e->t0 = host_now();
  r->loop.in_epoch = 1;
  return rc;
}

/* ddp: the step's loss over all ranks, and whether any of them must stop. */
static int ddp_step_agree(host_run *r, host_step_out *o, host_stop *stop) {
  double v[19] = {o->total};
  for (int k = 0; k < o->nsub; k++) v[1 + k] = o->sub[k];
  v[1 + o->nsub] = host_interrupted ? 1 : 0;
  v[2 + o->nsub] = time_up(r);
  int rc = host_ddp_sum(r, v, 3 + o->nsub, "the reduction of the step's loss");
  o->total = v[0] / r->dist->world;
  for (int k = 0; k < o->nsub; k++) o->sub[k] = v[1 + k] / r->dist->world;
  *stop = v[1 + o->nsub] > 0 ? HOST_STOP_INTERRUPTED : v[2 + o->nsub] > 0 ? HOST_STOP_MAX_TIME : HOST_STOP_NONE;
  return rc;
}

/* The loss's backward (divided by accumulate_grad_batches), refused when it
 * is not finite. */
static int backward(host_run *r, const host_step_out *o, int64_t bi) {
  const char *target = r->model.obj->comp->target;
  if (!isfinite(o->total))
    return FAIL("training_step of %s (epoch %lld, batch %lld) gave a %s loss; stopping before it reaches the "
                "weights (lower the learning rate, or check the data)",
                target, (long long)r->loop.epoch, (long long)bi, isnan(o->total) ? "NaN" : "infinite");
  int64_t acc = r->cfg->accumulate_grad_batches;
  lt_tensor *l = acc > 1 ? lt_tensor_div_scalar(o->loss, (double)acc) : o->loss;
  lt_clear_error();
  if (!l || lt_tensor_backward(l, LT_NO_TENSOR, 0) != LT_OK)
    return FAIL("backward of training_step of %s (epoch %lld, batch %lld): %s", target, (long long)r->loop.epoch,
                (long long)bi, lt_last_error());
  return 0;
}

/* ddp: every rank's gradients averaged (only at the optimizer step, as
 * no_sync); then clipping by norm or value. */
static int sync_and_clip(host_run *r) {
  const host_trainer_cfg *c = r->cfg;
  if (!(c->gradient_clip_val > 0 || r->dist)) return 0;
  int rc = 0;
  size_t np = r->model.network_ops->parameters(r->model.network, NULL, NULL, 0);
  lt_tensor **ps = calloc(np + 1, sizeof *ps);
  r->model.network_ops->parameters(r->model.network, ps, NULL, np);
  lt_clear_error();
  if (r->dist && lt_dist_allreduce_grads(r->dist->pg, ps, (int)np, r->dist->bucket_mb) != LT_OK)
    rc = host_ddp_failed(r, "the allreduce of gradients");
  if (!rc && c->gradient_clip_val > 0) {
    if (c->clip_by_value) lt_clip_grad_value(ps, (int)np, c->gradient_clip_val);
    else lt_clip_grad_norm(ps, (int)np, c->gradient_clip_val, 2.0, NULL);
  }
  free(ps);
  return rc;
}

/* The optimizer's step after the accumulated batches: the global step, the
 * per-step scheduler, the step's logged loss, max_steps. */
static int optimizer_step(host_run *r, epoch_run *e, const host_step_out *o, int64_t bi) {
  const host_trainer_cfg *c = r->cfg;
  host_model_parts *m = &r->model;
  int rc = sync_and_clip(r);
  lt_clear_error();
  if (!rc && m->optimizer_ops->step(m->optimizer) != LT_OK)
    rc = FAIL("optimizer %s step (epoch %lld, batch %lld): %s", m->optimizer_name, (long long)r->loop.epoch,
              (long long)bi, lt_last_error());
  m->optimizer_ops->zero_grad(m->optimizer, 1);
  r->loop.global_step++;
  if (!rc && m->sched_per_step && r->loop.global_step % m->sched_frequency == 0) rc = scheduler_step(r);
  if (!rc && r->loop.global_step % c->log_every_n_steps == 0) {
    host_logging_loss(r, HOST_MODE_TRAIN, "step", o->total, o->nsub, o->sub_name, o->sub);
    if (r->log.flush_every && r->log.nrows >= (size_t)r->log.flush_every) rc = host_log_flush(&r->log, 0);
  }
  if (c->max_steps >= 0 && r->loop.global_step >= c->max_steps && r->loop.epoch + 1 >= c->min_epochs &&
      !c->fast_dev_run)
    e->stop = HOST_STOP_MAX_STEPS;
  return rc;
}

/* Batch bi of the epoch: its hooks, step, backward and (every
 * accumulate_grad_batches) the optimizer's step. */
static int train_batch(host_run *r, epoch_run *e, int64_t bi) {
  lt_tensor *t[16];
  const char *names[16];
  lt_batch batch = {0, t, names};
  int rc = host_next_batch(r, HOST_MODE_TRAIN, &batch, t, names, bi);
  host_step_out o = {0};
  host_stop ddp_stop = HOST_STOP_NONE;
  if (!rc) rc = host_hook(r, LT_HOOK_ON_TRAIN_BATCH_START, HOST_MODE_TRAIN, bi, NULL);
  if (!rc && r->dist) rc = host_ddp_broadcast(r, 1);
  if (!rc) rc = host_step_run(r, HOST_MODE_TRAIN, &batch, bi, &o);
  if (!rc && r->dist) rc = ddp_step_agree(r, &o, &ddp_stop);
  if (!rc) rc = backward(r, &o, bi);
  if (!rc) {
    e->sum += o.total, e->count++;
    e->nsub = o.nsub;
    for (int k = 0; k < o.nsub; k++) e->subsum[k] += o.sub[k], e->sub_name[k] = o.sub_name[k];
    e->samples += batch.n ? lt_tensor_size(t[0], 0) : 0;
    r->loop.batch_next = bi + 1, r->loop.loss_sum = e->sum, r->loop.loss_count = e->count;
    if ((bi + 1) % r->cfg->accumulate_grad_batches == 0 || bi + 1 == e->nb) rc = optimizer_step(r, e, &o, bi);
    host_term_progress(r, e->what, bi + 1, e->nb, e->sum / (double)e->count, e->t0, e->samples,
                       bi + 1 == e->nb || e->stop);
    if (!rc) rc = host_hook(r, LT_HOOK_ON_TRAIN_BATCH_END, HOST_MODE_TRAIN, bi, o.out);
  }
  lt_state_free(o.out);
  if (!rc && r->dist) { /* every rank stops at the same batch */
    if (ddp_stop) e->stop = ddp_stop;
  } else {
    if (!rc && host_interrupted) e->stop = HOST_STOP_INTERRUPTED;
    if (!rc && time_up(r)) e->stop = HOST_STOP_MAX_TIME;
  }
  return rc;
}

/* The epoch's end: as in Lightning, its validation runs before
 * on_train_epoch_end, where the epoch's training loss and metrics are
 * logged; then the scheduler per epoch, the log flushed and last.ckpt. */
static int epoch_end(host_run *r, const epoch_run *e) {
  const host_trainer_cfg *c = r->cfg;
  int rc;
  int check = c->check_val_every_n_epoch > 0 && (r->loop.epoch + 1) % c->check_val_every_n_epoch == 0;
  if (check && (rc = do_validation(r))) return rc;
  double mean[16];
  for (int k = 0; k < e->nsub; k++) mean[k] = e->subsum[k] / (double)e->count;
  host_logging_loss(r, HOST_MODE_TRAIN, "epoch", e->count ? e->sum / (double)e->count : NAN, e->nsub, e->sub_name,
                    mean);
  if ((rc = host_logging_metrics(r, &r->model.metrics[HOST_MODE_TRAIN], HOST_MODE_TRAIN))) return rc;
  host_logging_optimizer(r);
  if ((rc = host_hook(r, LT_HOOK_ON_TRAIN_EPOCH_END, HOST_MODE_TRAIN, -1, NULL))) return rc;
  if (!r->model.sched_per_step && (r->loop.epoch + 1) % r->model.sched_frequency == 0 && (rc = scheduler_step(r)))
    return rc;
  if ((rc = host_log_flush(&r->log, 0))) return rc;
  return host_ckpt_save_last(r);
}

/* One training epoch: its batches (with validation within it), then its
 * end. 0 (e->stop says whether to stop), 1 or 130. */
static int train_epoch(host_run *r, epoch_run *e) {
  int rc = epoch_start(r, e);
  if (rc) return rc;
  int64_t bi;
  for (bi = e->first; bi < e->nb && !rc && !e->stop; bi++) {
    lt_scope *s = lt_scope_begin();
    rc = train_batch(r, e, bi);
    lt_scope_end(s);
    const char *during = "";
    if (!rc && !e->stop && e->val_every > 0 && (bi + 1) % e->val_every == 0 && bi + 1 < e->nb) {
      rc = do_validation(r);
      if (r->model.network_ops->train) r->model.network_ops->train(r->model.network, 1);
      if (rc == HOST_EXIT_INTERRUPTED) rc = 0, e->stop = HOST_STOP_INTERRUPTED, during = " (during validation)";
    }
    if (e->stop == HOST_STOP_INTERRUPTED) { /* last.ckpt resumes at the next batch */
      r->data.ops[HOST_MODE_TRAIN]->stop(r->data.self[HOST_MODE_TRAIN]);
      return interrupted_in_epoch(r, bi + 1, during);
    }
  }
  r->data.ops[HOST_MODE_TRAIN]->stop(r->data.self[HOST_MODE_TRAIN]);
  if (rc) return rc;
  r->loop.in_epoch = 0;
  lt_scope *end_scope = lt_scope_begin(); /* the epoch's end: validation, metrics, scheduler, checkpoint */
  rc = epoch_end(r, e);
  lt_scope_end(end_scope);
  /* interrupted in the validation at the epoch's end: last.ckpt resumes
   * at the epoch's end (its training metrics are not computed yet) */
  if (rc == HOST_EXIT_INTERRUPTED) return interrupted_in_epoch(r, e->nb, " (during validation)");
  if (!rc && r->dist) { /* a callback's stop on any rank stops them all */
    double v = r->loop.stop_requested;
    rc = host_ddp_sum(r, &v, 1, "the agreement on stopping");
    r->loop.stop_requested = v > 0;
  }
  return rc;
}

int host_fit(host_run *r) {
  const host_trainer_cfg *c = r->cfg;
  int rc = fit_start(r);
  if (rc) return rc;
  int64_t max_epochs = c->fast_dev_run ? 1 : c->max_epochs;
  for (r->loop.epoch = r->loop.start_epoch;; r->loop.epoch++) {
    int stop_steps = c->max_steps >= 0 && r->loop.global_step >= c->max_steps && !c->fast_dev_run;
    if ((max_epochs >= 0 && r->loop.epoch >= max_epochs) || (stop_steps && r->loop.epoch >= c->min_epochs)) break;
    epoch_run e = {0};
    if ((rc = train_epoch(r, &e))) return rc;
    if (e.stop == HOST_STOP_MAX_TIME) {
      if (host_ddp_rank0(r)) fprintf(stderr, "lighter-host: max_time reached after epoch %lld\n", (long long)r->loop.epoch);
      break;
    }
    if (e.stop == HOST_STOP_MAX_STEPS || (r->loop.stop_requested && r->loop.epoch + 1 >= c->min_epochs)) {
      r->loop.epoch++;
      break;
    }
  }
  rc = host_hook(r, LT_HOOK_ON_TRAIN_END, HOST_MODE_TRAIN, -1, NULL);
  if (!rc) rc = host_hook(r, LT_HOOK_ON_FIT_END, HOST_MODE_NONE, -1, NULL);
  if (!rc && !r->loop.saved_last) { /* a resumed run with nothing left to do still leaves its last.ckpt */
    r->loop.epoch = r->loop.start_epoch - 1;
    rc = host_ckpt_save_last(r);
  }
  return rc;
}
