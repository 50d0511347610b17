/* tb_writer.h: a TensorBoardLogger's event file, fed with the run log's
 * rows when metrics.csv is. */
#ifndef HOST_TB_WRITER_H
#define HOST_TB_WRITER_H

#include "builtin.h"
#include "config/node.h"

#include <stddef.h>

struct host_log;
typedef struct host_tb host_tb;

/* A new event file events.out.tfevents.<seconds>.<host>.<pid>.<n> in
 * log_dir (which must exist) with its first event; a path below run_dir
 * must stay inside it on disk. NULL after saying why. */
host_tb *host_tb_open(const char *run_dir, const char *log_dir, const host_logger_cfg *cfg);

/* Lightning's TensorBoardLogger.log_hyperparams(config) with no metrics:
 * with default_hp_metric, hp_metric = -1 at step 0 and the hparams
 * plugin's experiment, session start and session end summaries; nothing
 * without it. 0, or 1 after saying what failed. */
int host_tb_log_hyperparams(host_tb *t, const cfg_node *config);

/* Rows [0, upto) of the log: a scalar event for each value of a row, at
 * the row's step and the time it was logged, then its epoch (as
 * Lightning's logger connector adds "epoch" to what it logs at the
 * trainer's step); one write for them all, the file cut back to its last
 * complete record when it fails. 0, or 1 after saying what failed, what is
 * kept and what to do. */
int host_tb_write_rows(host_tb *t, const struct host_log *l, size_t upto);

const char *host_tb_path(const host_tb *t);

/* Seconds since the epoch, as events and log rows are stamped. */
double host_wall_now(void);
void host_tb_close(host_tb *t);

#endif
