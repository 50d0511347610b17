/* fit_state.c: the fit's state machine (see fit_state.h): where each phase
 * leads, and the counting Lightning 2.2 does on the way, so that the
 * counters a checkpoint holds are the ones Lightning would have written at
 * the same point of the same run. */
#include "fit_state.h"

#include <string.h>

const char *host_fit_phase_name(host_fit_phase p) {
  static const char *const names[HOST_FIT_NPHASES] = {
      "configured", "setup",     "sanity check", "train start", "epoch start", "train batch", "validation",
      "epoch end",  "checkpoint", "train end",   "teardown",    "done",        "failed",      "interrupted"};
  return (int)p >= 0 && p < HOST_FIT_NPHASES ? names[p] : "?";
}

void host_tracker_ready(host_tracker *t) { t->total.ready++, t->current.ready++; }
void host_tracker_started(host_tracker *t) { t->total.started++, t->current.started++; }
void host_tracker_processed(host_tracker *t) { t->total.processed++, t->current.processed++; }
void host_tracker_completed(host_tracker *t) { t->total.completed++, t->current.completed++; }

void host_tracker_reset_current(host_tracker *t) {
  memset(&t->current, 0, sizeof t->current);
  t->is_last_batch = 0;
}

void host_tracker_reset_on_restart(host_tracker *t) {
  host_counts *c = &t->current;
  c->ready = c->started = c->processed = c->completed;
}

void host_loops_epoch_start(host_loops *l, int resuming) {
  host_tracker *per_epoch[4] = {&l->batch, &l->scheduler, &l->opt_step, &l->opt_zero_grad};
  for (int i = 0; i < 4; i++) {
    if (resuming) host_tracker_reset_on_restart(per_epoch[i]);
    else host_tracker_reset_current(per_epoch[i]);
  }
  /* the validation loop counts the batches seen per training epoch */
  if (!resuming) memset(&l->val.total, 0, sizeof l->val.total);
  if (resuming) host_tracker_reset_on_restart(&l->epoch);
  host_tracker_ready(&l->epoch);
}

void host_fit_optimizer_step(host_fit_machine *m) {
  host_tracker_ready(&m->loops.opt_step);
  host_tracker_completed(&m->loops.opt_step);
  m->global_step = m->loops.opt_step.total.completed;
}

void host_loops_zero_grad(host_loops *l) {
  host_tracker_ready(&l->opt_zero_grad);
  host_tracker_started(&l->opt_zero_grad);
  host_tracker_completed(&l->opt_zero_grad);
}

void host_loops_scheduler_step(host_loops *l) {
  host_tracker_ready(&l->scheduler);
  host_tracker_completed(&l->scheduler);
}

int host_fit_in_epoch(const host_loops *l) { return l->epoch.current.ready > l->epoch.current.processed; }

int host_fit_done(const host_fit_machine *m, const host_fit_plan *p) {
  int steps_done = p->max_steps >= 0 && m->global_step >= p->max_steps;
  return (p->max_epochs >= 0 && m->epoch >= p->max_epochs) || (steps_done && m->epoch >= p->min_epochs);
}

/* Within an epoch's batches, after batch number done (1-based). */
static host_fit_phase after_batch(const host_fit_machine *m, const host_fit_plan *p, int64_t done) {
  if (m->stop == HOST_STOP_INTERRUPTED) return HOST_FIT_CHECKPOINT;
  if (m->stop != HOST_STOP_NONE) return HOST_FIT_EPOCH_END;
  if (p->val_every > 0 && done % p->val_every == 0 && done < p->batches) return HOST_FIT_VALIDATION;
  return done < p->batches ? HOST_FIT_TRAIN_BATCH : HOST_FIT_EPOCH_END;
}

/* After an epoch's checkpoint: the next epoch, or the end of training. */
static host_fit_phase after_checkpoint(const host_fit_machine *m, const host_fit_plan *p) {
  if (m->stop == HOST_STOP_INTERRUPTED) return HOST_FIT_TEARDOWN;
  if (m->stop == HOST_STOP_MAX_TIME || m->stop == HOST_STOP_MAX_STEPS) return HOST_FIT_TRAIN_END;
  if (m->stop_requested && m->epoch + 1 >= p->min_epochs) return HOST_FIT_TRAIN_END;
  host_fit_machine next = *m;
  next.epoch++;
  return host_fit_done(&next, p) ? HOST_FIT_TRAIN_END : HOST_FIT_EPOCH_START;
}

host_fit_phase host_fit_next(const host_fit_machine *m, const host_fit_plan *p, int rc) {
  int in_batches = m->phase == HOST_FIT_TRAIN_BATCH || m->phase == HOST_FIT_VALIDATION || m->phase == HOST_FIT_EPOCH_END;
  if (rc == 130 && in_batches) return HOST_FIT_CHECKPOINT; /* last.ckpt resumes where it stopped */
  if (rc && m->phase < HOST_FIT_TEARDOWN) return HOST_FIT_TEARDOWN;
  int64_t done = m->loops.batch.current.ready;
  switch (m->phase) {
  case HOST_FIT_CONFIGURED: return HOST_FIT_SETUP;
  case HOST_FIT_SETUP: return p->sanity_check ? HOST_FIT_SANITY_CHECK : HOST_FIT_TRAIN_START;
  case HOST_FIT_SANITY_CHECK: return HOST_FIT_TRAIN_START;
  case HOST_FIT_TRAIN_START: return host_fit_done(m, p) ? HOST_FIT_TRAIN_END : HOST_FIT_EPOCH_START;
  case HOST_FIT_EPOCH_START: return done < p->batches ? HOST_FIT_TRAIN_BATCH : HOST_FIT_EPOCH_END;
  case HOST_FIT_TRAIN_BATCH: return after_batch(m, p, done);
  case HOST_FIT_VALIDATION:
    if (m->stop == HOST_STOP_INTERRUPTED) return HOST_FIT_CHECKPOINT;
    return done < p->batches ? HOST_FIT_TRAIN_BATCH : HOST_FIT_EPOCH_END;
  case HOST_FIT_EPOCH_END: return HOST_FIT_CHECKPOINT;
  case HOST_FIT_CHECKPOINT: return rc ? HOST_FIT_TEARDOWN : after_checkpoint(m, p);
  case HOST_FIT_TRAIN_END: return HOST_FIT_TEARDOWN;
  case HOST_FIT_TEARDOWN:
    return m->failed || (rc && rc != 130) ? HOST_FIT_FAILED : m->interrupted || rc == 130 ? HOST_FIT_INTERRUPTED
                                                                                          : HOST_FIT_DONE;
  default: return m->phase; /* done, failed, interrupted: final */
  }
}

void host_fit_enter(host_fit_machine *m, host_fit_phase to, int rc) {
  host_fit_phase from = m->phase;
  if (rc == 130 || (from == HOST_FIT_CHECKPOINT && m->stop == HOST_STOP_INTERRUPTED)) m->interrupted = 1;
  else if (rc) m->failed = 1;
  if (rc == 130 && to == HOST_FIT_CHECKPOINT) m->stop = HOST_STOP_INTERRUPTED;
  if (from == HOST_FIT_CHECKPOINT && !m->interrupted && to != HOST_FIT_TEARDOWN) {
    /* the epoch is over: Lightning counts it completed after its end hooks */
    host_tracker_completed(&m->loops.epoch);
    if (m->stop != HOST_STOP_MAX_TIME) m->epoch++;
  }
  if (to == HOST_FIT_EPOCH_START) m->stop = HOST_STOP_NONE;
  m->phase = to;
}
