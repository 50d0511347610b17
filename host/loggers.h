/* loggers.h: the run's loggers (trainer::logger: a CSVLogger, a
 * TensorBoardLogger, or a list of them, as Lightning allows): where each
 * writes, and their files once the run folder exists. */
#ifndef HOST_LOGGERS_H
#define HOST_LOGGERS_H

#include "trainer.h"

typedef struct host_loggers {
  int n;
  const host_logger_cfg *cfg[HOST_MAX_LOGGERS]; /* borrowed from the build, or &deflt */
  host_logger_cfg deflt;                        /* the trainer's own CSVLogger (logger: true) */
} host_loggers;

/* logger: true: Lightning's default CSVLogger(default_root_dir, "lightning_logs"). */
void host_loggers_default(const host_trainer_cfg *c, host_loggers *ls);

/* Adds the logger built at config path `path` (target, its parsed
 * arguments). 0, or 2 after saying why (not a logger the host writes, a
 * second CSVLogger, more than HOST_MAX_LOGGERS). */
int host_loggers_add(host_loggers *ls, const char *path, const char *target, const host_logger_cfg *cfg);

/* lc's version folder: save_dir[/name]/version_N, or the folder its
 * version names; with no version, one more than the largest N there,
 * claimed by creating it (two runs started at once never share one). 0, or
 * -1 with errno. */
int host_logger_version_dir(const host_logger_cfg *lc, char *out, size_t len);

/* The logger and its version as a message names them ("CSVLogger version
 * 5"), into buf. */
const char *host_logger_describe(const host_logger_cfg *lc, char *buf, size_t len);

/* Whether lc's logs in the version folder vdir are a run's already (a
 * metrics.csv, an event file); *what says which. */
int host_logger_has_run(const host_logger_cfg *lc, const char *vdir, const char **what);

/* The loggers' files, once the run folder (the first logger's version
 * folder, r->run_dir) exists with its configs: the other loggers' folders
 * (a later logger with the same save_dir and name and no version shares
 * the run folder's version_N), metrics.csv's path, each TensorBoardLogger's
 * event file with the hyperparameters of config, hparams.yaml in each log
 * folder other than the run folder, how often the log is written. 0, or
 * 1 / 2 after saying what failed. */
int host_loggers_open(host_run *r, const host_loggers *ls, const cfg_node *config);

#endif
