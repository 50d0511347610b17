/* trainer_impl.h: what the trainer's files share among themselves (not
 * for the rest of the host): the run's log, ddp helpers, the step, hooks,
 * the evaluation loop, checkpoints, terminal output and the fit loop. */
#ifndef HOST_TRAINER_IMPL_H
#define HOST_TRAINER_IMPL_H

#include "trainer.h"

#include <stddef.h>

/* An error: printed (naming the rank in a group, which also hears of it); 1. */
#define FAIL(...) host_failf(__VA_ARGS__)
/* ops has member (an ops table starts with its own size: older plugins' are shorter). */

/* The Lightning whose checkpoint layout we write (pytorch-lightning_version). */
#define HOST_LIGHTNING_VERSION "2.2.5"

/* Seconds on the monotonic clock. */
double host_now(void);
/* "train", "val", "test", "predict" (Lighter's mode names). */
const char *host_mode_name(host_mode mode);
/* "fit", "validate", "test", "predict". */
const char *host_stage_name(host_stage stage);

/* ---- the in-memory log (run_log.c) ---- */

/* Sets key at the row of (epoch, step) (a new row unless it is the last one's
 * step and the row is open); epoch < 0: a row without an epoch. */
void host_log_put(host_log *l, int64_t epoch, int64_t step, const char *key, double v);
/* The next value starts a row of its own: Lightning writes each
 * log_metrics call (a step's values, an epoch's) as one row. */
void host_log_new_row(host_log *l);
/* The step that rows are logged at now (Lightning's _batches_that_stepped). */
int64_t host_run_log_step(const host_run *r);
/* The newest value of key; *found says whether there is one. */
double host_log_last(const host_log *l, const char *key, int *found);
/* 1 when the rows kept are due to be written: flush_every of them, or the
 * oldest flush_secs old. */
int host_log_flush_due(const host_log *l);
/* Frees the log and closes its event files. */
void host_log_free(host_log *l);
/* Logs key = v at the run's epoch and step (nothing during the sanity check). */
void host_run_put(host_run *r, const char *key, double v);
/* key = v at (epoch, step) of the log (epoch < 0: none), as key's newest
 * value and in run.yaml's best; nothing during the sanity check. */
void host_run_put_at(host_run *r, int64_t epoch, int64_t step, const char *key, double v);
/* The keys logged so far, ", "-separated (a static buffer), or "(none yet)". */
const char *host_run_keys(const host_run *r);

/* ---- ddp (trainer_ddp.c) ---- */

/* This process writes the files: alone, or rank 0 of a group. */
int host_ddp_rank0(const host_run *r);
/* A collective failed: says what, where and the other ranks' news; 1. */
int host_ddp_failed(host_run *r, const char *what);
/* Sums v[0..n) over the ranks, in place (nothing alone). 0, or 1 after an error. */
int host_ddp_sum(host_run *r, double *v, int n, const char *what);
/* The same sum in two halves, so that work done between them (a backward)
 * hides the round trip: start sends v[0..n); finish waits and writes the
 * sums back into v (it must get the same v and n). finish also releases
 * the sum after an error; a sum never finished is released by drop. */
typedef struct host_ddp_sum_work {
  lt_dist_work *work;
  lt_tensor *t;
} host_ddp_sum_work;
int host_ddp_sum_start(host_run *r, const double *v, int n, host_ddp_sum_work *w, const char *what);
int host_ddp_sum_finish(host_run *r, double *v, int n, host_ddp_sum_work *w, const char *what);
void host_ddp_sum_drop(host_ddp_sum_work *w);
/* Rank 0's parameters and buffers to every rank, or only its buffers. */
int host_ddp_broadcast(host_run *r, int buffers_only);
/* Before the backward of a batch that steps: DDP's reducer readied for the
 * loss (*reduced = 1: the backward averages the gradients). 0, or 1 after
 * saying what failed. */
int host_ddp_prepare_backward(host_run *r, lt_tensor *loss, int *reduced);
/* Each metric's states summed over the ranks (torchmetrics' sync). */
int host_ddp_sync_metrics(host_run *r, host_metrics *m, const char *mode);

/* ---- the step (step.c) ---- */

typedef struct host_step_out {
  lt_tensor *loss; /* the scalar to backpropagate (borrowed from the step's scope) */
  int nsub;        /* a loss dict's parts besides 'total' */
  const char *sub_name[16];
  double sub[16], total;
  lt_tensor *pred;
  lt_state *out; /* the step's dict (the caller frees it) */
  /* each metric's value on this batch alone when it is logged on the step
   * (new refs in the step's scope; NULL: none) */
  lt_tensor *metric_value[HOST_MAX_METRICS];
} host_step_out;

/* One step of mode on batch bi; its loss and pred into o, the metrics of
 * the mode updated. 0, or 1 after an error naming the step, epoch, batch. */
int host_step_run(host_run *r, host_mode mode, const lt_batch *batch, int64_t bi, host_step_out *o);

/* ---- Lighter's logged names (run_logging.c) ---- */

/* The loss of a step or an epoch: mode/loss/when, or with a loss dict
 * mode/loss/total/when and mode/loss/<part>/when. */
void host_logging_loss(host_run *r, host_mode mode, const char *when, double total, int nsub, const char *const *names,
                       const double *subs);
/* mode/metrics/<Name>/epoch for every member (synced under ddp), then reset. */
int host_logging_metrics(host_run *r, host_metrics *m, host_mode mode);
void host_metrics_reset(host_metrics *m);
/* train/optimizer/<Opt>/lr/epoch and the optimizer's other options
 * (weight_decay only when it is not 0, as Lighter): kept at the epoch's
 * first batch (capture), logged at its end. */
void host_logging_optimizer_capture(host_run *r);
void host_logging_optimizer(host_run *r);
/* Whether the training batch about to step logs its values (Lightning's
 * should_update_logs: global_step + 1 a multiple of log_every_n_steps, or
 * the run stopping). */
int host_logging_train_due(const host_run *r);
/* After an optimizer step: when due, a row of the step's values (loss and
 * metrics on the batch, mode/.../step) at Lightning's 0-based step. */
int host_logging_train_step(host_run *r, const host_step_out *o);
/* A validation or test batch's row: its loss and metrics (mode/.../step)
 * at the running count of the mode's batches, without an epoch. */
void host_logging_eval_step(host_run *r, host_mode mode, const host_step_out *o);

/* ---- hooks (hooks.c) ---- */

/* Which of a loop's hooks (host_loop_hook). */
typedef enum host_loop_hook {
  HOST_ON_START,
  HOST_ON_EPOCH_START,
  HOST_ON_BATCH_START,
  HOST_ON_BATCH_END,
  HOST_ON_EPOCH_END,
  HOST_ON_END
} host_loop_hook;

/* Hook h on every callback (in order), then on the model. 0, or 1 after an error. */
int host_hook(host_run *r, lt_hook h, host_mode mode, int64_t bi, const lt_state *outputs);
/* The hook of mode's loop: on_train_start, on_validation_batch_end, ... */
lt_hook host_loop_hook_of(host_mode mode, host_loop_hook which);

/* ---- loaders and the evaluation loop (eval_loop.c) ---- */

/* Batches of the loader of mode to run (limit_*_batches, fast_dev_run, overfit). */
int64_t host_batches_for(host_run *r, host_mode mode);
/* The next batch of loader li into batch (t, names: its storage). */
int host_next_batch(host_run *r, host_mode li, lt_batch *batch, lt_tensor **t, const char **names, int64_t bi);
/* The loader of mode gives no batch: an error naming why; 1. */
int host_no_batches(host_run *r, host_mode mode);
/* A validation, test or predict loop of limit batches (-1: as configured);
 * predict outputs kept in preds when given. 0, 1 or 130 (interrupted). */
int host_eval_run(host_run *r, host_mode mode, int64_t limit, lt_state *preds);

/* ---- checkpoints (checkpoint.c) ---- */

/* The network's parameters and buffers in state-dict order (*t, *names: the caller frees). */
size_t host_module_state(host_run *r, lt_tensor ***t, const char ***names);
/* Saves the run (or only its weights) at path; rank 0 only. 0, or 1 after an error. */
int host_ckpt_save(host_run *r, const char *path, int weights_only);
/* Loads weights (and for fit, unless --weights_only, everything to resume). */
int host_ckpt_load(host_run *r, const char *path, int resume);
/* checkpoints/last.ckpt of a fit (when checkpointing is on). */
int host_ckpt_save_last(host_run *r);

/* ---- the terminal (terminal.c) ---- */

void host_term_progress(host_run *r, const char *what, int64_t done, int64_t total, double loss, double t0,
                        int64_t samples, int last);
void host_term_summary(host_run *r);
void host_term_results(host_run *r, host_mode mode);
void host_term_notices(host_run *r);
void host_term_log_interval(host_run *r, int64_t nb);
void host_term_done(host_run *r);

/* ---- the run (trainer.c) and the fit loop (fit_loop.c) ---- */

/* ^C or SIGTERM where nothing was trained since the last save: said once; 130. */
int host_run_interrupted(host_run *r, const char *during);
/* After the stage, whatever its outcome rc: on_exception (a failure),
 * teardown, the log's last rows, under ddp the final barrier, the closing
 * line. The run's status. */
int host_run_finish(host_run *r, int rc);
/* The fit, from its setup to its teardown (fit_state.h). */
int host_fit(host_run *r);

#endif
