/* trainer.h: the runner and the trainer: what `lighter-host fit /
 * validate / test / predict` builds from a config (model, trainer, data)
 * and the lifecycle that drives it, with Lightning's loops and Lighter's
 * logging names. */
#ifndef HOST_TRAINER_H
#define HOST_TRAINER_H

#include "build.h"
#include "builtin.h"
#include "dist.h"

#include <signal.h>

/* The stages. */
typedef enum host_stage { HOST_FIT, HOST_VALIDATE, HOST_TEST, HOST_PREDICT } host_stage;

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
typedef struct host_log {
  char **keys;
  size_t nkeys;
  /* rows: one per step, values[row * cap + key] (NAN: empty) */
  double *values;
  int64_t *steps, *epochs;
  size_t nrows, cap_rows, cap_keys;
  char path[1600]; /* metrics.csv, "" without a logger */
  int64_t flush_every;
  int on_disk;      /* the file exists, with a header of disk_keys keys */
  size_t disk_keys;
  int failed;       /* a write failed: the run stops, nothing more is written */
} host_log;

typedef struct host_run {
  host_build *b;
  host_stage stage;
  const host_trainer_cfg *cfg;
  /* the model */
  host_object *model;
  const lt_model_ops *mops;
  void *network, *criterion, *optimizer, *scheduler;
  const lt_module_ops *network_ops;
  const lt_loss_ops *criterion_ops;
  const lt_optimizer_ops *optimizer_ops;
  const lt_scheduler_ops *scheduler_ops;
  const char *optimizer_name, *scheduler_name;
  int sched_per_step;
  int64_t sched_frequency;
  char sched_monitor[256];
  host_metrics metrics[3]; /* train, val, test */
  /* callbacks, in order */
  int ncallbacks;
  void *callback[32];
  const lt_callback_ops *callback_ops[32];
  const char *callback_name[32];
  int stop_requested;
  /* the data */
  void *loader[4];
  const lt_loader_ops *loader_ops[4];
  /* where things go */
  char run_dir[1500];
  host_log log;
  const char *raw_yaml, *resolved_yaml; /* the config, saved with checkpoints */
  /* options of the command */
  const char *ckpt_path;
  int weights_only, verbose, return_predictions;
  /* state */
  int64_t epoch, global_step, start_epoch;
  /* within the running training epoch: the next batch and the loss so far
   * (saved in checkpoints so that a resume continues mid-epoch) */
  int64_t batch_next, start_batch, loss_count;
  double loss_sum;
  int in_epoch, saved_last;
  int run_lock_fd; /* holds the run folder's lock (> 0) until the run is freed */
  int sanity;
  double t_start;
  /* the last value of every logged key (for monitors and the test table) */
  host_log last;
  /* the process group under ddp (NULL alone): rank 0 writes the files */
  host_dist *dist;
} host_run;

/* Set by SIGINT / SIGTERM; the loops stop after the current step. */
extern volatile sig_atomic_t host_interrupted;

/* Runs the stage: 0, 1 (a failure, reported), 130 (interrupted). */
int host_trainer_run(host_run *r);

/* Builds the run from a resolved config (model, trainer, data, run folder);
 * 0, or 2 / 1 after printing what is wrong. */
int host_run_prepare(host_run *r, host_build *b, host_stage stage);
void host_run_free(host_run *r);

#endif
