/* run_record.h: run.yaml, the record of one run in its run folder: what
 * was run (stage, command line, config files, overrides), when, by which
 * process, how it ended and the best value of the monitored metric. Written
 * when the run folder is made (status running) and again as the run ends;
 * the sweep runner and `lighter-host runs` / `report` read it. */
#ifndef HOST_RUN_RECORD_H
#define HOST_RUN_RECORD_H

#include "config/node.h"

#include <stdint.h>
#include <time.h>

/* How a run ended (run.yaml's status). A run whose process died without
 * saying (SIGKILL, a crash) keeps "running" with a pid that is gone:
 * readers call that "died" (host_record_status_name of HOST_REC_DIED). */
typedef enum host_record_status {
  HOST_REC_RUNNING,
  HOST_REC_FINISHED,
  HOST_REC_FAILED,
  HOST_REC_INTERRUPTED,
  HOST_REC_DIED
} host_record_status;

const char *host_record_status_name(host_record_status s);

/* A metric whose best value is kept: the ModelCheckpoint's monitor, else
 * EarlyStopping's, else val/loss/epoch, else train/loss/epoch (min). */
#define HOST_REC_MONITORS 4
typedef struct host_record_monitor {
  char key[256];
  int maximize; /* mode: max */
  int seen;
  double best;
  int64_t best_step, best_epoch;
} host_record_monitor;

typedef struct host_record {
  int active;      /* a run folder of its own: run.yaml is written */
  char path[1600]; /* <run_dir>/run.yaml */
  const char *stage;
  struct timespec started; /* CLOCK_REALTIME */
  struct timespec started_mono;
  int nmon;
  host_record_monitor mon[HOST_REC_MONITORS];
  int64_t last_step, last_epoch;
} host_record;

/* Notes the command's start: a run's start and duration count from here
 * (else from host_record_start). */
void host_record_process_start(void);

/* Starts the record of a run in run_dir (the candidates for the monitor
 * read from root's trainer::callbacks) and writes run.yaml with status
 * running. argv: the command line after the stage (config files,
 * overrides, options). 0, or 1 after saying why it could not be written. */
int host_record_start(host_record *rec, const char *run_dir, const char *stage, const cfg_node *root, int argc,
                      char **argv);

/* A logged value (key at epoch/step): kept when it is a monitor's best. */
void host_record_value(host_record *rec, const char *key, double v, int64_t epoch, int64_t step);

/* Rewrites run.yaml with how the run ended (exit_code the process's exit
 * status). Quiet when the record is not active; 0, or 1 after saying why. */
int host_record_finish(host_record *rec, host_record_status st, int exit_code);

#endif
