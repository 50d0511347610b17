/* fit_loop.c: the fit, run as the state machine of fit_state.c: each
 * phase's work (setup and on_fit_start, the sanity check, an epoch's start,
 * one training batch with gradient accumulation, clipping, ddp's gradient
 * allreduce and schedulers per step, validation within the epoch, the
 * epoch's end, last.ckpt, the end of training, teardown), with Lightning's
 * hooks and progress counters, then host_fit_next says where to go. An
 * interruption within an epoch leaves a last.ckpt that resumes at the next
 * batch. */
#include "trainer_impl.h"

#include "metrics_csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The running training epoch. */
typedef struct epoch_run {
  double sum, subsum[16], t0; /* the loss so far */
  const char *sub_name[16];
  int nsub;
  int64_t count, samples;
  int loader_running;
  char what[64];
} epoch_run;

/* The driver's state besides the machine's. */
typedef struct fit_run {
  host_fit_plan plan;
  epoch_run e;
  int resuming; /* the next epoch start resumes a checkpoint's epoch */
  const char *during; /* for the interruption message: " (during validation)" */
} fit_run;

/* Trainer max_time has passed since the run started. */
static int time_up(const host_run *r) {
  return r->cfg->max_time_s > 0 && host_now() - r->loop.t_start > r->cfg->max_time_s;
}

static int do_validation(host_run *r) {
  /* limit_val_batches 0: no validation at all (no hooks, nothing logged), as Lightning */
  if (!r->data.self[HOST_MODE_VAL] || host_batches_for(r, HOST_MODE_VAL) == 0) return 0;
  return host_eval_run(r, HOST_MODE_VAL, -1, NULL);
}

static void stop_loader(host_run *r, epoch_run *e) {
  if (e->loader_running) r->data.ops[HOST_MODE_TRAIN]->stop(r->data.self[HOST_MODE_TRAIN]);
  e->loader_running = 0;
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
  host_loops_scheduler_step(&r->loop.fit.loops);
  return 0;
}

/* ---- setup, sanity check, train start ---- */

/* The fit's setup (after the setup hook, which trainer.c runs for every
 * stage): checks, the model summary and on_fit_start. */
static int fit_setup(host_run *r) {
  if (!r->data.self[HOST_MODE_TRAIN]) return FAIL("fit needs a training loader: give data::train_dataloader");
  if (!r->model.optimizer) return FAIL("fit needs an optimizer: give model::optimizer (e.g. torch.optim.SGD)");
  if (r->data.ops[HOST_MODE_TRAIN]->num_batches(r->data.self[HOST_MODE_TRAIN]) == 0)
    return host_no_batches(r, HOST_MODE_TRAIN);
  host_term_summary(r);
  return host_hook(r, LT_HOOK_ON_FIT_START, HOST_MODE_NONE, -1, NULL);
}

/* A few validation batches before training, logged nowhere; the validation
 * loop's counts are reset after it, as Lightning does. */
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
  r->loop.fit.loops.val = (host_tracker){0};
  return rc == HOST_EXIT_INTERRUPTED ? host_run_interrupted(r, "the sanity check") : rc;
}

static int train_start(host_run *r) {
  int rc = host_hook(r, LT_HOOK_ON_TRAIN_START, HOST_MODE_TRAIN, -1, NULL);
  if (!rc && host_interrupted) rc = host_run_interrupted(r, "the start of training");
  return rc;
}

/* ---- an epoch ---- */

/* The epoch's batches and validation interval (fixed for the epoch). */
static void plan_epoch(host_run *r, fit_run *f) {
  const host_trainer_cfg *c = r->cfg;
  int64_t nb = host_batches_for(r, HOST_MODE_TRAIN);
  f->plan.batches = nb;
  f->plan.val_every = c->val_check_batches > 0 ? c->val_check_batches
                      : c->val_check_frac > 0  ? (int64_t)floor((double)nb * c->val_check_frac)
                                               : -1;
  if (f->plan.val_every == 0) f->plan.val_every = 1;
}

/* The loader started at the epoch's first batch (a resumed epoch goes on at
 * its next batch; all done: straight to its end), on_train_epoch_start. */
static int epoch_start(host_run *r, fit_run *f) {
  host_fit_machine *m = &r->loop.fit;
  epoch_run *e = &f->e;
  *e = (epoch_run){0};
  plan_epoch(r, f);
  host_loops_epoch_start(&m->loops, f->resuming);
  host_term_log_interval(r, f->plan.batches);
  r->loop.step_pending = 0;
  int64_t first = f->resuming ? r->loop.start_batch : 0;
  if (first > f->plan.batches) first = f->plan.batches;
  host_counts *bc = &m->loops.batch.current;
  bc->ready = bc->started = bc->processed = bc->completed = first; /* our loaders skip to it */
  char err[512];
  if (r->data.ops[HOST_MODE_TRAIN]->start(r->data.self[HOST_MODE_TRAIN], m->epoch, first, err, sizeof err) != LT_OK)
    return FAIL("train data: %s", err);
  e->loader_running = 1;
  if (r->model.network_ops->train) r->model.network_ops->train(r->model.network, 1);
  r->model.optimizer_ops->zero_grad(r->model.optimizer, 1);
  snprintf(e->what, sizeof e->what, "epoch %lld", (long long)m->epoch);
  int rc = host_hook(r, LT_HOOK_ON_TRAIN_EPOCH_START, HOST_MODE_TRAIN, -1, NULL);
  if (!rc) host_tracker_started(&m->loops.epoch);
  e->sum = first ? r->loop.loss_sum : 0;
  e->count = first ? r->loop.loss_count : 0;
  e->t0 = host_now();
  f->resuming = 0;
  return rc;
}

/* ddp: the step's loss over all ranks, and whether any of them must stop.
 * The exchange starts before the backward and is taken after it, so that
 * its round trip (2 ms on loopback here, as long as the whole allreduce of
 * an MLP's gradients) hides behind the backward instead of adding to it. */
typedef struct ddp_agree {
  host_ddp_sum_work sum;
  double v[19];
} ddp_agree;

static const char agree_what[] = "the reduction of the step's loss";

static int ddp_agree_start(host_run *r, const host_step_out *o, ddp_agree *a) {
  a->v[0] = o->total;
  for (int k = 0; k < o->nsub; k++) a->v[1 + k] = o->sub[k];
  a->v[1 + o->nsub] = host_interrupted ? 1 : 0;
  a->v[2 + o->nsub] = time_up(r);
  return host_ddp_sum_start(r, a->v, 3 + o->nsub, &a->sum, agree_what);
}

static int ddp_agree_finish(host_run *r, host_step_out *o, host_stop *stop, ddp_agree *a) {
  if (host_ddp_sum_finish(r, a->v, 3 + o->nsub, &a->sum, agree_what)) return 1;
  o->total = a->v[0] / r->dist->world;
  for (int k = 0; k < o->nsub; k++) o->sub[k] = a->v[1 + k] / r->dist->world;
  *stop = a->v[1 + o->nsub] > 0 ? HOST_STOP_INTERRUPTED : a->v[2 + o->nsub] > 0 ? HOST_STOP_MAX_TIME : HOST_STOP_NONE;
  return 0;
}

/* A loss that is not finite stops the run before the optimizer's step
 * (under ddp, the loss over all ranks, so that every rank stops). */
static int not_finite(host_run *r, const host_step_out *o, int64_t bi) {
  return FAIL("training_step of %s (epoch %lld, batch %lld) gave a %s loss; stopping before it reaches the "
              "weights (lower the learning rate, or check the data)",
              r->model.obj->comp->target, (long long)r->loop.fit.epoch, (long long)bi,
              isnan(o->total) ? "NaN" : "infinite");
}

/* The loss's backward (divided by accumulate_grad_batches), refused when it
 * is not finite (under ddp that is known after it: see ddp_agree). */
static int backward(host_run *r, const host_step_out *o, int64_t bi, int syncs) {
  const char *target = r->model.obj->comp->target;
  if (!r->dist && !isfinite(o->total)) return not_finite(r, o, bi);
  int64_t acc = r->cfg->accumulate_grad_batches;
  if (bi % acc == 0) host_loops_zero_grad(&r->loop.fit.loops); /* Lightning zeroes before a window's first backward */
  lt_tensor *l = acc > 1 ? lt_tensor_div_scalar(o->loss, (double)acc) : o->loss;
  int reduced = 0;
  if (syncs && l && r->dist && host_ddp_prepare_backward(r, l, &reduced)) return 1;
  lt_clear_error();
  if (!l || lt_tensor_backward(l, LT_NO_TENSOR, 0) != LT_OK) {
    if (reduced) return host_ddp_failed(r, "the allreduce of gradients during backward");
    return FAIL("backward of training_step of %s (epoch %lld, batch %lld): %s", target, (long long)r->loop.fit.epoch,
                (long long)bi, lt_last_error());
  }
  r->loop.grads_reduced = reduced;
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
  if (r->dist && !r->loop.grads_reduced && lt_dist_allreduce_grads(r->dist->pg, ps, (int)np, r->dist->bucket_mb) != LT_OK)
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
static int optimizer_step(host_run *r, const host_step_out *o, int64_t bi) {
  const host_trainer_cfg *c = r->cfg;
  host_model_parts *m = &r->model;
  host_fit_machine *fm = &r->loop.fit;
  int rc = sync_and_clip(r);
  lt_clear_error();
  if (!rc && m->optimizer_ops->step(m->optimizer) != LT_OK)
    rc = FAIL("optimizer %s step (epoch %lld, batch %lld): %s", m->optimizer_name, (long long)fm->epoch,
              (long long)bi, lt_last_error());
  m->optimizer_ops->zero_grad(m->optimizer, 1);
  host_fit_optimizer_step(fm);
  r->loop.step_pending = 1; /* until the next batch: its rows are at the step before */
  if (!rc && m->sched_per_step && fm->global_step % m->sched_frequency == 0) rc = scheduler_step(r);
  if (!rc) rc = host_logging_train_step(r, o);
  if (c->max_steps >= 0 && fm->global_step >= c->max_steps && fm->epoch + 1 >= c->min_epochs && !c->fast_dev_run)
    fm->stop = HOST_STOP_MAX_STEPS;
  return rc;
}

/* The step's loss into the epoch's sums. */
static void add_loss(host_run *r, epoch_run *e, const host_step_out *o) {
  e->sum += o->total, e->count++;
  e->nsub = o->nsub;
  for (int k = 0; k < o->nsub; k++) e->subsum[k] += o->sub[k], e->sub_name[k] = o->sub_name[k];
  r->loop.loss_sum = e->sum, r->loop.loss_count = e->count;
}

/* The next batch of the epoch: its hooks, step, backward and (every
 * accumulate_grad_batches) the optimizer's step, counted as Lightning does. */
static int train_batch(host_run *r, fit_run *f) {
  host_fit_machine *m = &r->loop.fit;
  host_tracker *bt = &m->loops.batch;
  int64_t bi = bt->current.ready, nb = f->plan.batches;
  lt_tensor *t[16];
  const char *names[16];
  lt_batch batch = {0, t, names};
  r->loop.step_pending = 0;
  int rc = host_next_batch(r, HOST_MODE_TRAIN, &batch, t, names, bi);
  if (rc) return rc;
  host_tracker_ready(bt);
  bt->is_last_batch = bi + 1 == nb;
  host_step_out o = {0};
  host_stop ddp_stop = HOST_STOP_NONE;
  rc = host_hook(r, LT_HOOK_ON_TRAIN_BATCH_START, HOST_MODE_TRAIN, bi, NULL);
  if (!rc) host_tracker_started(bt);
  if (!rc && r->dist) rc = host_ddp_broadcast(r, 1);
  if (!rc) rc = host_step_run(r, HOST_MODE_TRAIN, &batch, bi, &o);
  ddp_agree agree = {0};
  if (!rc && r->dist) rc = ddp_agree_start(r, &o, &agree);
  int stepping = (bi + 1) % r->cfg->accumulate_grad_batches == 0 || bi + 1 == nb;
  if (!rc) rc = backward(r, &o, bi, stepping);
  if (!rc && r->dist) rc = ddp_agree_finish(r, &o, &ddp_stop, &agree);
  host_ddp_sum_drop(&agree.sum); /* (a sum started and never finished: an error on the way) */
  if (!rc && r->dist && !isfinite(o.total)) rc = not_finite(r, &o, bi);
  if (!rc) {
    add_loss(r, &f->e, &o);
    f->e.samples += batch.n ? lt_tensor_size(t[0], 0) : 0;
    if (stepping) rc = optimizer_step(r, &o, bi);
    if (stepping) m->loops.batches_that_stepped++; /* (Lightning: after the batch; the same unless saved within it) */
    host_tracker_processed(bt);
    host_term_progress(r, f->e.what, bi + 1, nb, f->e.sum / (double)f->e.count, f->e.t0, f->e.samples,
                       bi + 1 == nb || m->stop);
    if (!rc) rc = host_hook(r, LT_HOOK_ON_TRAIN_BATCH_END, HOST_MODE_TRAIN, bi, o.out);
    if (!rc) host_tracker_completed(bt);
  }
  lt_state_free(o.out);
  if (!rc && r->dist) { /* every rank stops at the same batch */
    if (ddp_stop) m->stop = ddp_stop;
  } else if (!rc) {
    if (host_interrupted) m->stop = HOST_STOP_INTERRUPTED;
    if (time_up(r)) m->stop = HOST_STOP_MAX_TIME;
  }
  return rc;
}

/* Validation within the epoch; the network back in training mode after it. */
static int mid_epoch_validation(host_run *r, fit_run *f) {
  int rc = do_validation(r);
  if (r->model.network_ops->train) r->model.network_ops->train(r->model.network, 1);
  if (rc == HOST_EXIT_INTERRUPTED) r->loop.fit.stop = HOST_STOP_INTERRUPTED, f->during = " (during validation)", rc = 0;
  return rc;
}

/* The epoch's end: as in Lightning, its validation runs before the epoch
 * counts as processed and before on_train_epoch_end, where the epoch's
 * training loss and metrics are logged; then the scheduler per epoch and the
 * log flushed. */
static int epoch_end(host_run *r, fit_run *f) {
  const host_trainer_cfg *c = r->cfg;
  host_fit_machine *m = &r->loop.fit;
  const epoch_run *e = &f->e;
  stop_loader(r, &f->e);
  int rc;
  int check = c->check_val_every_n_epoch > 0 && (m->epoch + 1) % c->check_val_every_n_epoch == 0;
  r->loop.step_pending = 1; /* Lightning logs an epoch's end at its last step */
  if (check && (rc = do_validation(r))) {
    if (rc == HOST_EXIT_INTERRUPTED) f->during = " (during validation)";
    return rc;
  }
  host_tracker_processed(&m->loops.epoch);
  host_log_new_row(&r->log);
  double mean[16];
  for (int k = 0; k < e->nsub; k++) mean[k] = e->subsum[k] / (double)e->count;
  host_logging_loss(r, HOST_MODE_TRAIN, "epoch", e->count ? e->sum / (double)e->count : NAN, e->nsub, e->sub_name,
                    mean);
  if ((rc = host_logging_metrics(r, &r->model.metrics[HOST_MODE_TRAIN], HOST_MODE_TRAIN))) return rc;
  host_logging_optimizer(r);
  if ((rc = host_hook(r, LT_HOOK_ON_TRAIN_EPOCH_END, HOST_MODE_TRAIN, -1, NULL))) return rc;
  if (!r->model.sched_per_step && (m->epoch + 1) % r->model.sched_frequency == 0 && (rc = scheduler_step(r)))
    return rc;
  return host_log_flush(&r->log, 0);
}

/* last.ckpt: at the epoch's end, or (interrupted) where the epoch stopped;
 * then, under ddp, a callback's stop on any rank stops them all. */
static int checkpoint(host_run *r, fit_run *f) {
  host_fit_machine *m = &r->loop.fit;
  if (m->stop == HOST_STOP_INTERRUPTED) {
    stop_loader(r, &f->e);
    if (host_ddp_rank0(r))
      fprintf(stderr, "\nlighter-host: interrupted at epoch %lld, batch %lld%s%s\n", (long long)m->epoch,
              (long long)m->loops.batch.current.completed, f->during ? f->during : "",
              r->cfg->enable_checkpointing ? "; saving last.ckpt" : "");
    host_ckpt_save_last(r);
    return HOST_EXIT_INTERRUPTED;
  }
  int rc = host_ckpt_save_last(r);
  if (!rc && r->dist) {
    double v = m->stop_requested;
    rc = host_ddp_sum(r, &v, 1, "the agreement on stopping");
    m->stop_requested = v > 0;
  }
  if (!rc && m->stop == HOST_STOP_MAX_TIME && host_ddp_rank0(r))
    fprintf(stderr, "lighter-host: max_time reached after epoch %lld\n", (long long)m->epoch);
  return rc;
}

static int train_end(host_run *r) {
  int rc = host_hook(r, LT_HOOK_ON_TRAIN_END, HOST_MODE_TRAIN, -1, NULL);
  if (!rc) rc = host_hook(r, LT_HOOK_ON_FIT_END, HOST_MODE_NONE, -1, NULL);
  if (!rc && !r->loop.saved_last) { /* a resumed run with nothing left to do still leaves its last.ckpt */
    r->loop.fit.epoch = r->loop.start_epoch - 1;
    rc = host_ckpt_save_last(r);
  }
  return rc;
}

/* ---- the machine ---- */

/* The work of the machine's phase; its status. */
static int run_phase(host_run *r, fit_run *f, int rc_so_far) {
  switch (r->loop.fit.phase) {
  case HOST_FIT_SETUP: return fit_setup(r);
  case HOST_FIT_SANITY_CHECK: return sanity_check(r);
  case HOST_FIT_TRAIN_START: return train_start(r);
  case HOST_FIT_EPOCH_START: return epoch_start(r, f);
  case HOST_FIT_TRAIN_BATCH: {
    lt_scope *s = lt_scope_begin();
    int rc = train_batch(r, f);
    lt_scope_end(s);
    return rc;
  }
  case HOST_FIT_VALIDATION: return mid_epoch_validation(r, f);
  case HOST_FIT_EPOCH_END: {
    lt_scope *s = lt_scope_begin(); /* validation, metrics, scheduler */
    int rc = epoch_end(r, f);
    lt_scope_end(s);
    return rc;
  }
  case HOST_FIT_CHECKPOINT: return checkpoint(r, f);
  case HOST_FIT_TRAIN_END: return train_end(r);
  case HOST_FIT_TEARDOWN:
    stop_loader(r, &f->e);
    return host_run_finish(r, rc_so_far);
  default: return rc_so_far;
  }
}

int host_fit(host_run *r) {
  const host_trainer_cfg *c = r->cfg;
  fit_run f = {0};
  host_fit_machine *m = &r->loop.fit;
  f.plan.max_epochs = c->fast_dev_run ? 1 : c->max_epochs;
  f.plan.min_epochs = c->min_epochs;
  f.plan.max_steps = c->fast_dev_run ? -1 : c->max_steps;
  f.plan.sanity_check = r->data.self[HOST_MODE_VAL] && c->num_sanity_val_steps != 0 && !c->fast_dev_run;
  f.resuming = r->loop.start_batch > 0 || host_fit_in_epoch(&m->loops);
  m->epoch = r->loop.start_epoch;
  m->phase = HOST_FIT_CONFIGURED;
  int rc = 0;
  while (m->phase != HOST_FIT_DONE && m->phase != HOST_FIT_FAILED && m->phase != HOST_FIT_INTERRUPTED) {
    int prc = m->phase == HOST_FIT_CONFIGURED ? 0 : run_phase(r, &f, rc);
    if (prc && !rc) rc = prc;
    if (m->phase == HOST_FIT_TEARDOWN) rc = prc;
    host_fit_phase next = host_fit_next(m, &f.plan, prc);
    host_fit_enter(m, next, prc);
  }
  return rc;
}
