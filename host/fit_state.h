/* fit_state.h: the fit's lifecycle as an explicit state machine. Its state
 * is the phase plus Lightning 2.2's loop progress counters (what a
 * checkpoint's `loops` holds, in Lightning's layout): the fit loop's epoch
 * progress, the training epoch loop's batch, scheduler and optimizer
 * progress, and the validation / test / predict loops' batch progress.
 * Everything here is pure (no tensors): fit_loop.c runs each phase's work
 * and asks host_fit_next where to go; tests/check_fit_state.c drives it
 * alone. */
#ifndef HOST_FIT_STATE_H
#define HOST_FIT_STATE_H

#include <stdint.h>

/* ready -> started -> processed -> completed, as Lightning's trackers
 * (a scheduler's and an optimizer step's have only ready and completed). */
typedef struct host_counts {
  int64_t ready, started, processed, completed;
} host_counts;

/* total: over the whole run; current: since the loop last started (an
 * epoch for the batches, a validation run for its batches). */
typedef struct host_tracker {
  host_counts total, current;
  int is_last_batch; /* batch trackers only */
} host_tracker;

/* Lightning's trackers a fit, validate, test or predict keeps. */
typedef struct host_loops {
  host_tracker epoch;         /* fit_loop.epoch_progress */
  host_tracker batch;         /* fit_loop.epoch_loop.batch_progress */
  host_tracker scheduler;     /* fit_loop.epoch_loop.scheduler_progress */
  host_tracker opt_step;      /* ...automatic_optimization.optim_progress.optimizer.step */
  host_tracker opt_zero_grad; /* ...automatic_optimization.optim_progress.optimizer.zero_grad */
  int64_t batches_that_stepped; /* fit_loop.epoch_loop.state_dict._batches_that_stepped */
  host_tracker val;           /* fit_loop.epoch_loop.val_loop.batch_progress */
  host_tracker validate, test, predict; /* {validate,test,predict}_loop.batch_progress */
} host_loops;

/* The phases of a fit. */
typedef enum host_fit_phase {
  HOST_FIT_CONFIGURED,   /* built; nothing has run */
  HOST_FIT_SETUP,        /* setup, checks, model summary, on_fit_start */
  HOST_FIT_SANITY_CHECK, /* a few validation batches, logged nowhere */
  HOST_FIT_TRAIN_START,  /* on_train_start */
  HOST_FIT_EPOCH_START,  /* the epoch's loader, on_train_epoch_start */
  HOST_FIT_TRAIN_BATCH,  /* one batch: step, backward, every n an optimizer step */
  HOST_FIT_VALIDATION,   /* validation within the epoch (val_check_interval) */
  HOST_FIT_EPOCH_END,    /* the epoch's validation, logs, on_train_epoch_end, scheduler */
  HOST_FIT_CHECKPOINT,   /* last.ckpt (also when interrupted within an epoch) */
  HOST_FIT_TRAIN_END,    /* on_train_end, on_fit_end */
  HOST_FIT_TEARDOWN,     /* on_exception, teardown, the log's last rows */
  HOST_FIT_DONE,
  HOST_FIT_FAILED,
  HOST_FIT_INTERRUPTED
} host_fit_phase;
#define HOST_FIT_NPHASES (HOST_FIT_INTERRUPTED + 1)

/* Why a training epoch ends before its last batch. */
typedef enum host_stop {
  HOST_STOP_NONE = 0,
  HOST_STOP_MAX_STEPS,   /* trainer::max_steps reached (and min_epochs done) */
  HOST_STOP_INTERRUPTED, /* SIGINT / SIGTERM: last.ckpt resumes at the next batch */
  HOST_STOP_MAX_TIME     /* trainer::max_time passed */
} host_stop;

/* What the transitions depend on besides the counters. */
typedef struct host_fit_plan {
  int64_t max_epochs; /* -1: none */
  int64_t min_epochs;
  int64_t max_steps;  /* -1: none */
  int64_t batches;    /* training batches of an epoch */
  int64_t val_every;  /* validate within the epoch every n batches; -1: only at its end */
  int sanity_check;   /* run one before training */
} host_fit_plan;

/* The machine: a phase and the loops' progress. */
typedef struct host_fit_machine {
  host_fit_phase phase;
  host_loops loops;
  int64_t epoch;       /* the running epoch (trainer.current_epoch) */
  int64_t global_step; /* optimizer steps so far: loops.opt_step.total.completed */
  host_stop stop;      /* set during an epoch's batches */
  int stop_requested;  /* a callback asked to stop (after min_epochs) */
  int failed;          /* the outcome once teardown is reached: failed ... */
  int interrupted;     /* ... or interrupted */
} host_fit_machine;

const char *host_fit_phase_name(host_fit_phase p);

/* The phase after m->phase, whose work ended with rc (0, 130 interrupted,
 * anything else failed). Pure: fit_loop.c applies it with host_fit_enter. */
host_fit_phase host_fit_next(const host_fit_machine *m, const host_fit_plan *p, int rc);

/* Moves the machine to phase `to` (from m->phase) after work that ended
 * with rc: leaving an epoch's checkpoint counts the epoch completed (as
 * Lightning does after its end hooks) and advances the epoch number (not
 * after max_time); an epoch start clears the stop reason; the outcome
 * (failed, interrupted) is recorded for teardown. The counting within a
 * phase is the phase's work (host_tracker_*, host_loops_*). */
void host_fit_enter(host_fit_machine *m, host_fit_phase to, int rc);

/* Whether the fit is over before an epoch starts: max_epochs reached, or
 * max_steps reached with min_epochs done. */
int host_fit_done(const host_fit_machine *m, const host_fit_plan *p);

/* Whether the running epoch has begun and not yet been processed (a
 * checkpoint written now resumes within it, at batch current.completed). */
int host_fit_in_epoch(const host_loops *l);

/* ---- the counting within phases (Lightning's increments) ---- */

void host_tracker_ready(host_tracker *t);
void host_tracker_started(host_tracker *t);
void host_tracker_processed(host_tracker *t);
void host_tracker_completed(host_tracker *t);
/* current back to zero (a loop's new run) */
void host_tracker_reset_current(host_tracker *t);
/* current back to its last completed value (a loop that restarts from a checkpoint) */
void host_tracker_reset_on_restart(host_tracker *t);

/* A training epoch starts: fresh batch / scheduler / optimizer counts (or,
 * when it resumes, each counter back to what it completed), the epoch loop's
 * validation counts reset; the epoch ready. */
void host_loops_epoch_start(host_loops *l, int resuming);
/* An optimizer step (ready, completed) and the zero_grad before the first
 * batch of an accumulation window. */
void host_fit_optimizer_step(host_fit_machine *m);
void host_loops_zero_grad(host_loops *l);
void host_loops_scheduler_step(host_loops *l);

#endif
