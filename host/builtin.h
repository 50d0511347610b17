/* builtin.h: components the host itself provides (the Trainer, the
 * CSVLogger and the TensorBoardLogger), registered like a plugin's so that
 * configs are checked and `inspect` shows them; their create parses the
 * arguments into the structs below, which the runner and trainer read. */
#ifndef HOST_BUILTIN_H
#define HOST_BUILTIN_H

#include "plugin.h"

#include <stdint.h>

/* pytorch_lightning.Trainer's arguments, parsed. Limits: -1 for none;
 * a fraction when *_frac is set. */
typedef struct host_trainer_cfg {
  int64_t max_epochs, min_epochs, max_steps;
  double max_time_s; /* <= 0: none */
  int64_t limit[4];  /* train, val, test, predict batches (-1: all) */
  double limit_frac[4];
  int64_t val_check_batches; /* validate every n train batches (-1: per epoch) */
  double val_check_frac;     /* or this fraction of the epoch (0: unused) */
  int64_t check_val_every_n_epoch, num_sanity_val_steps, log_every_n_steps, accumulate_grad_batches;
  double gradient_clip_val; /* <= 0: none */
  int clip_by_value;
  int fast_dev_run; /* batches, 0 off */
  double overfit_frac;
  int64_t overfit_batches;
  int enable_checkpointing, enable_progress_bar, enable_model_summary;
  int deterministic, precision64, bf16;
  char default_root_dir[1024];
  /* logger: 1 default CSVLogger, 0 none; loggers built are in the runner */
  int logger_default;
} host_trainer_cfg;

/* The loggers the host writes itself. */
typedef enum host_logger_kind { HOST_LOGGER_CSV, HOST_LOGGER_TENSORBOARD } host_logger_kind;

/* A CSVLogger's or TensorBoardLogger's arguments, parsed. */
typedef struct host_logger_cfg {
  host_logger_kind kind;
  char save_dir[1024], name[256];
  int64_t version;        /* -1: next free (or version_name) */
  char version_name[256]; /* a version given as a string: the folder's name ("" otherwise) */
  int64_t flush_every;    /* rows kept before a write: flush_logs_every_n_steps, or max_queue */
  /* TensorBoardLogger (and its SummaryWriter's keyword arguments) */
  char sub_dir[512], prefix[256], filename_suffix[128];
  int default_hp_metric, log_graph;
  double flush_secs; /* write rows kept longer than this (0: no limit) */
} host_logger_cfg;

#define HOST_TRAINER_TARGETS "pytorch_lightning.Trainer|lightning.Trainer|lightning.pytorch.Trainer"

/* Adds the built-in components to the registry (as a plugin "lighter-host"). */
void host_registry_add_builtin(host_registry *reg);
int host_is_trainer(const char *target);
int host_is_csv_logger(const char *target);
int host_is_tensorboard_logger(const char *target);

#endif
