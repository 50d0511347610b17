/* sweep.h: a sweep (`lighter-host fit cfg.yaml --multirun key=a,b ...`):
 * its trials, its folder and what the files in it say. cmd_sweep.c plans
 * it, sweep_exec.c runs the trials as child processes, sweep_dir.c keeps
 * the folder (sweep.yaml, sweep.csv, the trials' run records).
 *
 * A sweep folder (<default_root_dir>/multirun/<config>-<id> or
 * --sweep_dir) holds sweep.yaml (the spec), sweep.csv (a row per trial,
 * rewritten atomically whenever a trial's state changes) and one folder
 * per trial, <k>/, which is the trial's trainer::default_root_dir (and
 * every configured logger's save_dir): its run folders are
 * <k>/lightning_logs/version_N, its output <k>/trial.log. */
#ifndef HOST_SWEEP_H
#define HOST_SWEEP_H

#include "sweep_spec.h"

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* A trial's state in sweep.csv. */
typedef enum host_trial_status {
  HOST_TRIAL_PENDING,
  HOST_TRIAL_RUNNING,
  HOST_TRIAL_FINISHED,
  HOST_TRIAL_FAILED,
  HOST_TRIAL_INTERRUPTED
} host_trial_status;

const char *host_trial_status_name(host_trial_status s);

/* How a trial starts this time. */
typedef enum host_trial_start {
  HOST_TRIAL_FRESH,  /* never ran, or ran without leaving a last.ckpt */
  HOST_TRIAL_RESUME, /* --ckpt_path last: an earlier attempt left a last.ckpt */
  HOST_TRIAL_SKIP    /* finished in an earlier session */
} host_trial_start;

typedef struct host_trial {
  char **values; /* one value text per parameter (owned) */
  host_trial_status status;
  host_trial_start start;
  /* the best monitored value over the trial's run folders */
  int has_best, maximize;
  double best;
  char monitor[256];
  char run_dir[1024]; /* the newest run folder, relative to the sweep folder ("" while none) */
  double wall_s;      /* seconds of its processes, over every session */
  double wall_before; /* of earlier sessions */
  /* while it runs */
  pid_t pid;
  double started;      /* CLOCK_MONOTONIC */
  double started_unix; /* CLOCK_REALTIME, to tell this attempt's run folder */
  int dir_known;       /* run_dir is this attempt's */
  int exit_code;  /* the process's exit status, or 128 + signal */
} host_trial;

typedef struct host_sweep {
  const char *stage;
  char name[256];   /* the first config file's name without .yaml */
  char id[17];      /* hex hash of the stage, the configs' text and the spec */
  char dir[1200];   /* the sweep folder, absolute */
  char **cmd;       /* the command after `lighter-host` (borrowed argv) */
  int ncmd;
  /* the trials' command: configs, then the overrides (swept ones marked in
   * arg_param), then the options passed on (all borrowed from argv) */
  const char **configs, **overrides, **options;
  int nconfigs, noverrides, noptions;
  long *arg_param;   /* per override: the parameter it sweeps, or -1 */
  int has_section;   /* the config has a sweep: section (the trials get ~sweep) */
  char **save_dirs;  /* logger save_dir keys moved into the trial folder (owned) */
  size_t nsave_dirs;
  host_sweep_spec spec;
  host_trial *trials;
  size_t ntrials;
  long random_trials; /* --trials N (0: the grid) */
  unsigned long long seed;
  int jobs;           /* runs at once */
  char threads[48];   /* LT_NUM_THREADS of every trial */
  int lock_fd;
} host_sweep;

/* ---- sweep_dir.c ---------------------------------------------------------- */

/* The id, and the folder: dir_opt, else <root>/multirun/<name>-<id>,
 * made absolute. 0, or 2 after saying why. */
int host_sweep_dir_path(host_sweep *s, const char *root, const char *dir_opt);
/* Makes and locks the folder: 0, or 2 after saying why (another sweep
 * runs there, or it holds another sweep). */
int host_sweep_dir_open(host_sweep *s);
/* sweep.yaml: the spec. 0, or 1 after saying why. */
int host_sweep_write_spec(const host_sweep *s);
/* sweep.csv, atomically. 0, or 1 after saying why (once). */
int host_sweep_write_csv(const host_sweep *s);
/* What earlier sessions left: wall times from sweep.csv, and for each trial
 * its run records: finished ones are skipped, the others resume from a
 * last.ckpt when there is one. 0, or 2 after saying that a trial of an
 * earlier sweep process still runs. */
int host_sweep_read_state(host_sweep *s);
/* A trial's run folders now: its newest run folder and its best value.
 * Returns when the newest started (its run.yaml's started_unix; 0: none). */
double host_sweep_trial_records(const host_sweep *s, host_trial *t, size_t k);
/* The trial folder <dir>/<k> (absolute). */
void host_sweep_trial_dir(const host_sweep *s, size_t k, char *out, size_t len);

/* ---- sweep_exec.c ---------------------------------------------------------- */

/* Runs the trials not skipped, s->jobs at once, until all ended or a
 * signal stopped them: 0, or 130 when SIGINT/SIGTERM came. */
int host_sweep_exec(host_sweep *s);
/* The argv of trial k (NULL-terminated, malloc'd strings): the trial's
 * overrides then the sweep's own ones appended. */
char **host_sweep_trial_argv(const host_sweep *s, size_t k);
void host_sweep_argv_free(char **argv);

/* ---- sweep_table.c -------------------------------------------------------- */

/* The trials sorted by the monitored metric (its mode; trials without a
 * value last): trial, the swept values, status, best, wall time. */
void host_sweep_print_table(const host_sweep *s, FILE *f);

#endif
