/* trainer.h: the runner and the trainer: what `lighter-host fit /
 * validate / test / predict` builds from a config (model, trainer, data)
 * and the lifecycle that drives it, with Lightning's loops and Lighter's
 * logging names. A run (host_run) is made of parts: the model, the
 * callbacks, the data, the command's options, the loop's state and where
 * its files go. */
#ifndef HOST_TRAINER_H
#define HOST_TRAINER_H

#include "build.h"
#include "builtin.h"
#include "dist.h"
#include "fit_state.h"
#include "run_record.h"

#include <signal.h>

/* The stages (the command: lighter-host fit|validate|test|predict). */
typedef enum host_stage { HOST_FIT, HOST_VALIDATE, HOST_TEST, HOST_PREDICT } host_stage;

/* What a step or a loop does: Lighter's mode names (train, val, test,
 * predict), which also index loaders, metrics and hooks. */
typedef enum host_mode {
  HOST_MODE_NONE = -1, /* a hook outside any loop (setup, on_fit_start, ...) */
  HOST_MODE_TRAIN = 0,
  HOST_MODE_VAL = 1,
  HOST_MODE_TEST = 2,
  HOST_MODE_PREDICT = 3
} host_mode;
#define HOST_NMODES 4

/* The exit statuses of a run (and of lighter-host fit|validate|test|predict). */
typedef enum host_exit {
  HOST_EXIT_OK = 0,
  HOST_EXIT_FAILED = 1,       /* a failure while running, reported */
  HOST_EXIT_USAGE = 2,        /* the command line or the config */
  HOST_EXIT_PLUGIN = 3,       /* a plugin could not be loaded */
  HOST_EXIT_INTERRUPTED = 130 /* SIGINT / SIGTERM */
} host_exit;

/* A metric or a MetricCollection's members, with the names they log under. */
#define HOST_MAX_METRICS 64
typedef struct host_metrics {
  void *top;
  const lt_metric_ops *top_ops;
  int n;
  void *self[HOST_MAX_METRICS];
  const lt_metric_ops *ops[HOST_MAX_METRICS];
  const char *name[HOST_MAX_METRICS];
} host_metrics;

/* The values logged at one step, in order of first appearance. */
#define HOST_MAX_LOGGERS 8
struct host_tb;
typedef struct host_log {
  char **keys;
  size_t nkeys;
  /* rows: one per step, values[row * cap + key] (NAN: empty) */
  double *values;
  int64_t *steps, *epochs;
  double *times; /* when each row was started (seconds since the epoch): its events' wall_time */
  size_t nrows, cap_rows, cap_keys;
  char path[1600]; /* metrics.csv, "" without a CSVLogger */
  struct host_tb *tb[HOST_MAX_LOGGERS]; /* the TensorBoardLoggers' event files (owned), fed the same rows */
  int ntb;
  int64_t flush_every;
  double flush_secs; /* also write when the oldest row kept is this old (0: never) */
  int on_disk;      /* the file exists, with a header of disk_keys keys */
  size_t disk_keys;
  int failed;       /* a write failed: the run stops, nothing more is written */
  int row_closed;   /* the next value starts a row of its own (host_log_new_row) */
} host_log;

/* The model: a LighterModule and the components it holds (all borrowed
 * from the build). */
typedef struct host_model_parts {
  host_object *obj;
  const lt_model_ops *ops; /* NULL: the default steps */
  void *network, *criterion, *optimizer, *scheduler;
  const lt_module_ops *network_ops;
  const lt_loss_ops *criterion_ops;
  const lt_optimizer_ops *optimizer_ops;
  const lt_scheduler_ops *scheduler_ops;
  const char *optimizer_name, *scheduler_name;
  int sched_per_step; /* interval: step (else epoch) */
  int64_t sched_frequency;
  char sched_monitor[256];
  host_metrics metrics[3]; /* train, val, test */
} host_model_parts;

/* The trainer's callbacks, in order (borrowed from the build). */
#define HOST_MAX_CALLBACKS 32
typedef struct host_callbacks {
  int n;
  void *self[HOST_MAX_CALLBACKS];
  const lt_callback_ops *ops[HOST_MAX_CALLBACKS];
  const char *name[HOST_MAX_CALLBACKS];
  char key[HOST_MAX_CALLBACKS][400]; /* where its state goes in a checkpoint (Lightning's state_key) */
} host_callbacks;

/* The data module's loaders, by mode (NULL: none). */
typedef struct host_loaders {
  void *self[HOST_NMODES];
  const lt_loader_ops *ops[HOST_NMODES];
} host_loaders;

/* The command's options. */
typedef struct host_run_opts {
  const char *ckpt_path; /* --ckpt_path, resolved (NULL: none) */
  const char *init_weights; /* --init_weights: a new fit from these weights (NULL: none) */
  /* --weights_only is Lightning's: torch.load without code. Every load here
   * is that already, so it changes nothing (fit still resumes fully). */
  int weights_only, verbose, return_predictions;
  const char *raw_yaml, *resolved_yaml; /* the config, saved with checkpoints */
  int argc; /* the command line after the stage (for run.yaml) */
  char **argv;
} host_run_opts;

/* Where the loops are. */
typedef struct host_loop_state {
  host_fit_machine fit; /* the fit's phase, epoch, step and Lightning's progress */
  int64_t start_epoch, start_batch; /* where a resumed fit goes on */
  /* the running training epoch's loss so far (saved in checkpoints so that
   * a resume continues mid-epoch with the same epoch mean) */
  int64_t loss_count;
  double loss_sum;
  int saved_last;
  char default_ckpt[1800]; /* the epoch=E-step=S.ckpt this fit wrote last (no ModelCheckpoint) */
  int sanity; /* the sanity check's validation is running */
  double t_start;
  /* 1 from a batch's optimizer step to the end of that batch (its
   * validation included) and during an epoch's end: what is logged then
   * goes to the row of step global_step - 1, as Lightning's rows are at
   * _batches_that_stepped, which counts the step only after the batch */
  int step_pending;
  /* val and test batches logged so far (the step of their rows) */
  int64_t eval_logged[3];
  /* the optimizer's settings as the epoch's first batch saw them (Lighter
   * logs them there, on the epoch), logged at the epoch's end */
  int nopt_stats;
  char opt_stat_key[64][128];
  double opt_stat[64];
  /* ddp: PyTorch DDP's gradient reducer, made at the first synced backward
   * (NULL: none yet, or LIGHTER_DDP_REDUCER=0: averaged after backward) */
  lt_dist_reducer *reducer;
  int grads_reduced; /* the last backward averaged the gradients (the reducer did) */
} host_loop_state;

typedef struct host_run {
  host_build *b;
  host_stage stage;
  const host_trainer_cfg *cfg;
  host_model_parts model;
  host_callbacks callbacks;
  host_loaders data;
  host_run_opts opts;
  host_loop_state loop;
  /* where things go */
  char run_dir[1500];
  host_log log;
  int run_lock_fd; /* holds the run folder's lock (> 0) until the run is freed */
  /* the last value of every logged key (for monitors and the test table) */
  host_log last;
  /* run.yaml: the command, status and best monitored value (run_record.h) */
  host_record record;
  /* the process group under ddp (NULL alone): rank 0 writes the files */
  host_dist *dist;
} host_run;

/* Set by SIGINT / SIGTERM; the loops stop after the current step. */
extern volatile sig_atomic_t host_interrupted;

/* Runs the stage: HOST_EXIT_OK, _FAILED (reported) or _INTERRUPTED. */
int host_trainer_run(host_run *r);

/* Builds the run from a resolved config (model, trainer, data, run folder);
 * 0, or 2 / 1 after printing what is wrong. */
int host_run_prepare(host_run *r, host_build *b, host_stage stage);
void host_run_free(host_run *r);

/* --ckpt_path last|best resolved to a file (no last.ckpt: a fresh start,
 * said). 0, or 1 after saying why not. */
int host_ckpt_resolve(host_run *r);

#endif
