/* runs.h: the run browser's model (`lighter-host runs`, `report`): the run
 * folders found below a folder and what each one's run.yaml says, read
 * without opening metrics.csv so that listing 100 runs stays fast.
 *
 * A run folder is any folder holding run.yaml (see run_record.h), or an
 * older one with a metrics.csv and no run.yaml (shown with what can be
 * known: its name and the time metrics.csv was last written). The search
 * goes HOST_RUNS_DEPTH folders down, never into a run folder, a hidden
 * folder or through a symbolic link (so it stays inside the folder and
 * cannot loop). A folder holding sweep.csv is a sweep folder. */
#ifndef HOST_RUNS_H
#define HOST_RUNS_H

#include "run_record.h"

#include <stddef.h>
#include <stdint.h>

#define HOST_RUNS_DEPTH 5

/* What is known of a run's record. */
typedef enum host_run_record_state {
  HOST_RUN_NO_RECORD,  /* no run.yaml: an older run folder */
  HOST_RUN_RECORD_OK,  /* run.yaml read */
  HOST_RUN_RECORD_BAD  /* run.yaml unreadable: error says file:line and why */
} host_run_record_state;

typedef struct host_run_info {
  char *name; /* path relative to the searched folder (the folder as given when it is the run) */
  char *dir;  /* the folder's path as found (searched folder + name) */
  host_run_record_state state;
  char *error; /* HOST_RUN_RECORD_BAD: "file:line:col: what" */
  /* run.yaml's fields; NULL, NAN or -1 when absent */
  char *stage, *host, *cwd, *monitor, *mode, *sweep;
  host_record_status status; /* HOST_REC_DIED: "running" with its process gone */
  int status_known, exit_code_known, exit_code;
  double started_unix, ended_unix, duration_s, best;
  long long pid, trial, best_step, best_epoch, global_step, epoch;
  char **configs, **overrides, **options;
  size_t nconfigs, noverrides, noptions;
  double sort_time; /* started_unix, else metrics.csv's modification time */
  double group_time; /* a sweep's trials: the earliest sort_time among them (they list by trial) */
} host_run_info;

typedef struct host_runs {
  char *root; /* the searched folder as given */
  host_run_info *v;
  size_t n, cap;
  char **sweeps; /* sweep folders (relative names, as runs) */
  size_t nsweeps;
} host_runs;

/* Finds the run folders below dir, reads their run.yaml (a bad one is kept
 * with its error) and sorts them by start time. 0, or -1 with why in err
 * when dir cannot be read. Free with host_runs_free. */
int host_runs_scan(const char *dir, host_runs *runs, char *err, size_t len);
void host_runs_free(host_runs *runs);

/* The run spec names (as host_runs_find) below dir, or, when spec is the
 * path of a run folder elsewhere, that folder alone. 0 with *r in runs
 * (free runs with host_runs_free either way), or -1 with why in err. */
int host_runs_lookup(const char *dir, const char *spec, host_runs *runs, const host_run_info **r, char *err,
                     size_t len);

/* Reads path (a run.yaml) into r's record fields. 0, or -1 with r->state
 * HOST_RUN_RECORD_BAD and r->error saying file:line:col and what. */
int host_run_read_record(host_run_info *r, const char *path);
/* Frees what a host_run_info owns (not the struct). */
void host_run_clear(host_run_info *r);

/* Whether a "running" record's process is still there: 1 when pid runs on
 * this host and started no later than the run (a pid reused by a newer
 * process is not the run's), 0 when it is gone, -1 when the record is from
 * another host (nothing can be known). */
int host_run_process_alive(const char *host, long long pid, double started_unix);

/* The run that spec names: a version number ("3"), "version_3", or a path
 * (relative to the searched folder, or as given). NULL with why in err
 * (none there, listing the runs; or several, naming them). */
const host_run_info *host_runs_find(const host_runs *runs, const char *spec, char *err, size_t len);

/* An override's key path: "a::b=1" -> "a::b", "=a::b=1" -> "a::b",
 * "~a::b" -> "a::b"; written into key (len bytes). Its value is what
 * follows the first '=' ("~" for a deletion). */
void host_override_key(const char *ov, char *key, size_t len);
const char *host_override_value(const char *ov);

/* The overrides of run i that differ from the first run's (the first in
 * the list with a readable run.yaml, the base): for the base, its own
 * overrides of every key that some other run sets differently; for the
 * others, their overrides that the base does not have with that value,
 * and "key=(unset)" for a key only the base sets. Different config files
 * count as a "configs=..." item; trainer::default_root_dir is left out
 * (the run's name says where it went). Empty for a run without a record.
 * Written space-separated into out. */
void host_runs_override_diff(const host_runs *runs, size_t i, char *out, size_t len);

/* Text for the table: start in local time ("2026-12-02 16:14:59", "-"
 * when unknown), a duration ("0.25s", "4m05s", "2h03m"), a number ("%.6g"). */
void host_runs_fmt_time(double unix_s, char *out, size_t len);
void host_runs_fmt_duration(double s, char *out, size_t len);
void host_runs_fmt_number(double v, char *out, size_t len);
/* The run's status as the table shows it ("finished", "failed (1)",
 * "died", "no record", "bad record"). */
void host_runs_fmt_status(const host_run_info *r, char *out, size_t len);
/* Seconds the run took; for a running one, so far; NAN when unknown. */
double host_run_duration(const host_run_info *r);

/* The list as a table of text cells: a header row, then one row per run
 * (run, stage, start, duration, status, best, overrides). The best column's
 * header names the monitor when every run that has one shares it. cells
 * is rows x HOST_RUNS_COLS strings, owned by the caller (host_runs_table_free). */
enum { HOST_RUNS_COLS = 7 };
char **host_runs_table(const host_runs *runs);
void host_runs_table_free(char **cells, size_t rows);

/* A YAML scalar as text ("0.1", "true", "fit"; a number where text is
 * expected reads as its digits). 0, or -1 for null, a list or a dict. */
int host_runs_scalar_text(const cfg_node *v, char *buf, size_t len);

/* strdup that never returns NULL (out of memory aborts). */
char *host_runs_dup(const char *s);

#endif
