/* cmd_runs.c: `lighter-host runs [DIR]` lists the runs below DIR (default:
 * the current folder) from their run.yaml alone, sorted by start time;
 * `runs show V [DIR]` prints one run: its record, the last value of every
 * logged key and its checkpoint files; `runs diff A B [DIR]` is in
 * runs_diff.c. V is a version number, version_N, or a run's path. */
#include "cmd.h"

#include "runs.h"
#include "runs_metrics.h"
#include "trainer.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f) {
  fprintf(f, "usage: lighter-host runs [DIR]             list the runs below DIR (default: the current folder)\n"
             "       lighter-host runs show V [DIR]      a run's record, last logged values and checkpoints\n"
             "       lighter-host runs diff A B [DIR]    two runs' differing config values and final metrics\n"
             "V, A, B: a version number (3), version_3, or the run's path as listed\n");
}

/* cells (rows x cols) as text columns, the last one unpadded. */
static void print_table(FILE *f, char *const *cells, size_t rows, size_t cols) {
  size_t width[16] = {0};
  for (size_t i = 0; i < rows; i++)
    for (size_t c = 0; c + 1 < cols && c < 16; c++) {
      size_t w = strlen(cells[i * cols + c]);
      if (w > width[c]) width[c] = w;
    }
  for (size_t i = 0; i < rows; i++) {
    for (size_t c = 0; c < cols; c++) {
      const char *s = cells[i * cols + c];
      if (c + 1 < cols) fprintf(f, "%-*s  ", (int)width[c], s);
      else fprintf(f, "%s", s);
    }
    fputc('\n', f);
  }
}

static void say_bad_records(const host_runs *runs) {
  for (size_t i = 0; i < runs->n; i++)
    if (runs->v[i].state == HOST_RUN_RECORD_BAD)
      fprintf(stderr, "lighter-host runs: %s (listed as 'bad record'; fix or remove the file)\n", runs->v[i].error);
}

static int count_bad(const host_runs *runs) {
  int n = 0;
  for (size_t i = 0; i < runs->n; i++) n += runs->v[i].state == HOST_RUN_RECORD_BAD;
  return n;
}

/* Scans dir; on failure or when it holds no run, says so. */
static int scan_or_say(const char *dir, host_runs *runs) {
  char err[PATH_MAX + 200];
  if (host_runs_scan(dir, runs, err, sizeof err)) {
    fprintf(stderr, "lighter-host runs: %s\n", err);
    return HOST_EXIT_FAILED;
  }
  if (!runs->n) {
    fprintf(stderr,
            "lighter-host runs: no runs below '%s' (looked %d folders deep for folders holding run.yaml or "
            "metrics.csv, not following links); give the folder that holds lightning_logs/\n",
            dir, HOST_RUNS_DEPTH);
    host_runs_free(runs);
    return HOST_EXIT_FAILED;
  }
  return HOST_EXIT_OK;
}

static int list_runs(const char *dir) {
  host_runs runs;
  int rc = scan_or_say(dir, &runs);
  if (rc) return rc;
  char **cells = host_runs_table(&runs);
  print_table(stdout, cells, runs.n + 1, HOST_RUNS_COLS);
  host_runs_table_free(cells, runs.n + 1);
  say_bad_records(&runs);
  rc = count_bad(&runs) ? HOST_EXIT_FAILED : HOST_EXIT_OK;
  host_runs_free(&runs);
  return rc;
}

static void print_list(const char *label, char *const *v, size_t n) {
  printf("%-10s ", label);
  for (size_t i = 0; i < n; i++) printf("%s%s", i ? " " : "", v[i]);
  printf("%s\n", n ? "" : "-");
}

static void print_record(const host_run_info *r) {
  char buf[256], num[64];
  host_runs_fmt_status(r, buf, sizeof buf);
  printf("%-10s %s", "status", buf);
  if (r->status_known && r->status != HOST_REC_RUNNING && r->exit_code_known) printf(" (exit code %d)", r->exit_code);
  if (r->status_known && r->status == HOST_REC_DIED)
    printf(" (run.yaml says running; process %lld is gone)", r->pid);
  printf("\n%-10s %s\n", "stage", r->stage ? r->stage : "-");
  host_runs_fmt_time(r->started_unix, buf, sizeof buf);
  printf("%-10s %s\n", "started", buf);
  host_runs_fmt_time(r->ended_unix, buf, sizeof buf);
  printf("%-10s %s\n", "ended", buf);
  host_runs_fmt_duration(host_run_duration(r), buf, sizeof buf);
  printf("%-10s %s\n", "duration", buf);
  printf("%-10s pid %lld on %s\n%-10s %s\n", "process", r->pid, r->host ? r->host : "?", "cwd", r->cwd ? r->cwd : "-");
  print_list("configs", r->configs, r->nconfigs);
  print_list("overrides", r->overrides, r->noverrides);
  print_list("options", r->options, r->noptions);
  if (r->sweep) printf("%-10s %s, trial %lld\n", "sweep", r->sweep, r->trial);
  host_runs_fmt_number(r->best, num, sizeof num);
  if (r->monitor)
    printf("%-10s %s (%s) %s at step %lld, epoch %lld\n", "best", r->monitor, r->mode ? r->mode : "?", num,
           r->best_step, r->best_epoch);
  else printf("%-10s - (nothing monitored was logged)\n", "best");
  printf("%-10s step %lld, epoch %lld\n", "last", r->global_step, r->epoch);
}

/* The last non-empty cell of every metrics.csv column, with its step. */
static int print_final_values(const host_run_info *r) {
  char path[PATH_MAX], err[PATH_MAX + 200];
  snprintf(path, sizeof path, "%s/metrics.csv", r->dir);
  host_metrics_file m;
  if (access(path, F_OK)) {
    printf("\nfinal values: none (no metrics.csv)\n");
    return HOST_EXIT_OK;
  }
  if (host_metrics_file_read(path, &m, err, sizeof err)) {
    host_metrics_file_free(&m);
    fprintf(stderr, "lighter-host runs: %s\n", err);
    return HOST_EXIT_FAILED;
  }
  printf("\nfinal values (metrics.csv, %zu rows: the last value of each key)\n", m.nrows);
  size_t w = 3;
  for (size_t i = 0; i < m.ncols; i++)
    if (strlen(m.cols[i].key) > w) w = strlen(m.cols[i].key);
  printf("  %-*s  %8s  %s\n", (int)w, "key", "step", "value");
  for (size_t i = 0; i < m.ncols; i++) {
    const host_metric_series *c = &m.cols[i];
    char step[32] = "-";
    if (!isnan(c->last_step)) snprintf(step, sizeof step, "%.0f", c->last_step);
    printf("  %-*s  %8s  %s\n", (int)w, c->key, c->last ? step : "-", c->last ? c->last : "(never logged)");
  }
  host_metrics_file_free(&m);
  return HOST_EXIT_OK;
}

static int by_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_checkpoints(const host_run_info *r) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/checkpoints", r->dir);
  DIR *d = opendir(dir);
  if (!d) {
    printf("\ncheckpoints: none (no checkpoints/ folder)\n");
    return;
  }
  char **names = NULL;
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char **v = realloc(names, (n + 1) * sizeof *v);
    if (!v) abort();
    names = v;
    names[n++] = host_runs_dup(e->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, by_str);
  printf("\ncheckpoints (%s/)\n", dir);
  for (size_t i = 0; i < n; i++) {
    char p[PATH_MAX + 300], target[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    ssize_t tl = readlink(p, target, sizeof target - 1);
    if (tl >= 0) printf("  %s -> %.*s\n", names[i], (int)tl, target);
    else if (!stat(p, &st)) printf("  %s  %.1f KiB\n", names[i], st.st_size / 1024.0);
    free(names[i]);
  }
  if (!n) printf("  (empty)\n");
  free(names);
}

static int show_run(const char *spec, const char *dir) {
  host_runs runs;
  const host_run_info *r;
  char err[4096];
  int rc = HOST_EXIT_OK;
  if (host_runs_lookup(dir, spec, &runs, &r, err, sizeof err)) {
    fprintf(stderr, "lighter-host runs show: %s\n", err);
    host_runs_free(&runs);
    return HOST_EXIT_USAGE;
  }
  char where[PATH_MAX];
  printf("%-10s %s\n%-10s %s\n", "run", r->name, "folder", realpath(r->dir, where) ? where : r->dir);
  if (r->state == HOST_RUN_RECORD_BAD) {
    fprintf(stderr, "lighter-host runs show: %s\n", r->error);
    rc = HOST_EXIT_FAILED;
  } else if (r->state == HOST_RUN_NO_RECORD) {
    printf("%-10s no run.yaml (a run from before run records)\n", "record");
  } else {
    print_record(r);
  }
  if (!rc) rc = print_final_values(r);
  if (!rc) print_checkpoints(r);
  host_runs_free(&runs);
  return rc;
}

static int runs_command(int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return HOST_EXIT_OK;
    }
    if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "lighter-host runs: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return HOST_EXIT_USAGE;
    }
  }
  if (argc >= 1 && !strcmp(argv[0], "show")) {
    if (argc < 2 || argc > 3) {
      fprintf(stderr, "lighter-host runs show: give one run (a version number, version_N or a path)\n");
      usage(stderr);
      return HOST_EXIT_USAGE;
    }
    return show_run(argv[1], argc == 3 ? argv[2] : ".");
  }
  if (argc >= 1 && !strcmp(argv[0], "diff")) {
    if (argc < 3 || argc > 4) {
      fprintf(stderr, "lighter-host runs diff: give two runs (version numbers, version_N or paths)\n");
      usage(stderr);
      return HOST_EXIT_USAGE;
    }
    return host_runs_diff(argv[1], argv[2], argc == 4 ? argv[3] : ".");
  }
  if (argc > 1) {
    fprintf(stderr, "lighter-host runs: one folder at most (got %d arguments)\n", argc);
    usage(stderr);
    return HOST_EXIT_USAGE;
  }
  return list_runs(argc ? argv[0] : ".");
}

int host_cmd_runs(int argc, char **argv) {
  int rc = runs_command(argc, argv);
  cfg_sources_free(); /* what the YAML reader kept for its error messages */
  cfg_intern_free();
  return rc;
}
