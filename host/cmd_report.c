/* cmd_report.c: `lighter-host report DIR [-o FILE]`: the runs below DIR as
 * one self-contained HTML page (report.h): a legend, a chart per logged
 * key with every run overlaid, the sweep table of each sweep folder found
 * (its sweep.csv, as the sweep runner writes it) and the runs table. The
 * page is written atomically (a temporary file renamed over FILE); FILE
 * defaults to DIR/report.html. */
#include "cmd.h"

#include "report.h"
#include "trainer.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f) {
  fprintf(f, "usage: lighter-host report DIR [-o FILE]   the runs below DIR as one HTML page\n"
             "       (charts of every logged key with the runs overlaid, sweep and runs tables;\n"
             "       FILE defaults to DIR/report.html)\n");
}

/* The runs table: the cells `runs` prints, with each run's colour. */
static void runs_table(FILE *f, const host_runs *runs) {
  char **cells = host_runs_table(runs);
  fputs("<h2>Runs</h2>\n<table class=\"runs\">\n<tr>", f);
  for (int c = 0; c < HOST_RUNS_COLS; c++) fputs("<th>", f), host_html_text(f, cells[c]), fputs("</th>", f);
  fputs("</tr>\n", f);
  for (size_t i = 0; i < runs->n; i++) {
    char **row = cells + (i + 1) * HOST_RUNS_COLS, color[8];
    host_report_color(i, color);
    fprintf(f, "<tr><td><span class=\"swatch\" style=\"background:%s\"></span>", color);
    host_html_text(f, row[0]);
    fputs("</td>", f);
    for (int c = 1; c < HOST_RUNS_COLS; c++) {
      char status[40];
      snprintf(status, sizeof status, "%.*s", (int)strcspn(row[c], " ("), row[c]);
      fprintf(f, "<td class=\"%s%s\">", c == 4 ? "status-" : c == 5 ? "num" : c == 6 ? "overrides" : "",
              c == 4 ? status : "");
      host_html_text(f, row[c]);
      fputs("</td>", f);
    }
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
  host_runs_table_free(cells, runs->n + 1);
}

/* The run a sweep.csv row's run_dir names (relative to the sweep folder). */
static long run_of(const host_runs *runs, const char *sweep, const char *run_dir) {
  char name[PATH_MAX];
  if (!strcmp(sweep, ".")) snprintf(name, sizeof name, "%s", run_dir);
  else snprintf(name, sizeof name, "%s/%s", sweep, run_dir);
  for (size_t i = 0; i < runs->n; i++)
    if (!strcmp(runs->v[i].name, name)) return (long)i;
  return -1;
}

/* The best trial's row: the lowest (mode min) or highest best. */
static size_t best_row(char ***rows, size_t nrows, long best_col, long mode_col) {
  size_t hit = (size_t)-1;
  double bv = NAN;
  for (size_t r = 0; r < nrows && best_col >= 0; r++) {
    char *end;
    double v = strtod(rows[r][best_col], &end);
    if (end == rows[r][best_col] || isnan(v)) continue;
    int max = mode_col >= 0 && !strcmp(rows[r][mode_col], "max");
    if (hit == (size_t)-1 || (max ? v > bv : v < bv)) hit = r, bv = v;
  }
  return hit;
}

static void sweep_rows(FILE *f, const host_runs *runs, const char *sweep, char **head, size_t ncols, char ***rows,
                       size_t nrows) {
  long best_col = -1, mode_col = -1, dir_col = -1;
  for (size_t c = 0; c < ncols; c++) {
    if (!strcmp(head[c], "best")) best_col = (long)c;
    if (!strcmp(head[c], "mode")) mode_col = (long)c;
    if (!strcmp(head[c], "run_dir")) dir_col = (long)c;
  }
  size_t best = best_row(rows, nrows, best_col, mode_col);
  fputs("<tr>", f);
  for (size_t c = 0; c < ncols; c++) fputs("<th>", f), host_html_text(f, head[c]), fputs("</th>", f);
  fputs("</tr>\n", f);
  for (size_t r = 0; r < nrows; r++) {
    fprintf(f, "<tr%s>", r == best ? " class=\"best\"" : "");
    for (size_t c = 0; c < ncols; c++) {
      fputs("<td>", f);
      long run = (long)c == dir_col ? run_of(runs, sweep, rows[r][c]) : -1;
      if (run >= 0) {
        char color[8];
        host_report_color((size_t)run, color);
        fprintf(f, "<span class=\"swatch\" style=\"background:%s\"></span>", color);
      }
      host_html_text(f, rows[r][c]);
      fputs("</td>", f);
    }
    fputs("</tr>\n", f);
  }
}

/* One sweep folder's sweep.csv as a table, its best trial marked. */
static void sweep_table(FILE *f, const host_runs *runs, const char *sweep) {
  char path[PATH_MAX], err[PATH_MAX + 100];
  snprintf(path, sizeof path, "%s/%s/sweep.csv", runs->root, sweep);
  size_t len;
  char *text = host_read_text(path, &len, err, sizeof err);
  fputs("<h2>Sweep <code>", f);
  host_html_text(f, strcmp(sweep, ".") ? sweep : runs->root);
  fputs("</code> (sweep.csv)</h2>\n", f);
  if (!text) {
    fputs("<p>", f), host_html_text(f, err), fputs("</p>\n", f);
    fprintf(stderr, "lighter-host report: %s (the page says so)\n", err);
    return;
  }
  char *p = text, *end = text + len, **head = NULL, ***rows = NULL;
  size_t ncols = 0, nrows = 0;
  for (int row_end = 0; !row_end && p < end;) {
    head = realloc(head, (ncols + 1) * sizeof *head);
    if (!head) abort();
    head[ncols++] = host_csv_field(&p, end, &row_end);
  }
  while (p < end) {
    char **row = calloc(ncols ? ncols : 1, sizeof *row);
    size_t k = 0;
    for (int row_end = 0; !row_end && p < end; k++) {
      char *cell = host_csv_field(&p, end, &row_end);
      if (k < ncols) row[k] = cell;
    }
    for (; k < ncols; k++) row[k] = (char *)"";
    rows = realloc(rows, (nrows + 1) * sizeof *rows);
    if (!rows || !row) abort();
    rows[nrows++] = row;
  }
  fputs("<table class=\"sweep\">\n", f);
  sweep_rows(f, runs, sweep, head, ncols, rows, nrows);
  fputs("</table>\n", f);
  for (size_t r = 0; r < nrows; r++) free(rows[r]);
  free(rows), free(head), free(text);
}

static void write_page(FILE *f, const host_runs *runs, const host_metrics_file *metrics) {
  size_t nkeys;
  const char **keys = host_report_keys(metrics, runs->n, &nkeys);
  char when[64];
  time_t now = time(NULL);
  struct tm tm;
  strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r(&now, &tm));
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>lighter-host report: ", f);
  host_html_text(f, runs->root);
  fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>Runs in <code>", host_report_css);
  host_html_text(f, runs->root);
  fprintf(f,
          "</code></h1>\n<p class=\"meta\">%zu runs, %zu logged keys; written %s by lighter-host %s. Point at a "
          "chart to read the values; the checkboxes switch runs off and on.</p>\n"
          "<noscript><p>The charts need JavaScript; the tables below do not.</p></noscript>\n"
          "<div id=\"legend\"></div>\n<div id=\"charts\"></div>\n",
          runs->n, nkeys, when, LT_VERSION_STRING);
  for (size_t i = 0; i < runs->nsweeps; i++) sweep_table(f, runs, runs->sweeps[i]);
  runs_table(f, runs);
  fputs("<script type=\"application/json\" id=\"report-data\">", f);
  host_report_json(f, runs, metrics, keys, nkeys);
  fprintf(f, "</script>\n<script>\n%s</script>\n</body>\n</html>\n", host_report_js);
  free(keys);
}

/* Each run's metrics.csv (zeroed for a run without one); a file that
 * cannot be read is said and left out. */
static host_metrics_file *read_all(const host_runs *runs) {
  host_metrics_file *m = calloc(runs->n ? runs->n : 1, sizeof *m);
  if (!m) abort();
  for (size_t i = 0; i < runs->n; i++) {
    char path[PATH_MAX], err[PATH_MAX + 200];
    snprintf(path, sizeof path, "%s/metrics.csv", runs->v[i].dir);
    if (access(path, F_OK)) continue;
    if (host_metrics_file_read(path, &m[i], err, sizeof err)) {
      fprintf(stderr, "lighter-host report: %s (its curves are left out)\n", err);
      host_metrics_file_free(&m[i]);
    }
  }
  return m;
}

static int write_report(const char *dir, const char *out) {
  host_runs runs;
  char err[PATH_MAX + 200];
  if (host_runs_scan(dir, &runs, err, sizeof err)) {
    fprintf(stderr, "lighter-host report: %s\n", err);
    return HOST_EXIT_FAILED;
  }
  if (!runs.n) {
    fprintf(stderr, "lighter-host report: no runs below '%s' (looked %d folders deep for run.yaml or metrics.csv)\n",
            dir, HOST_RUNS_DEPTH);
    host_runs_free(&runs);
    return HOST_EXIT_FAILED;
  }
  for (size_t i = 0; i < runs.n; i++)
    if (runs.v[i].state == HOST_RUN_RECORD_BAD) fprintf(stderr, "lighter-host report: %s\n", runs.v[i].error);
  host_metrics_file *metrics = read_all(&runs);
  char tmp[PATH_MAX + 32];
  snprintf(tmp, sizeof tmp, "%s.tmp%d", out, (int)getpid());
  FILE *f = fopen(tmp, "w");
  int rc = HOST_EXIT_FAILED, e = 0;
  if (f) {
    write_page(f, &runs, metrics);
    e = ferror(f) ? EIO : 0;
    if (fclose(f) && !e) e = errno;
    if (!e && rename(tmp, out)) e = errno;
    if (e) unlink(tmp);
  } else {
    e = errno;
  }
  if (e) fprintf(stderr, "lighter-host report: cannot write '%s': %s\n", out, strerror(e));
  else printf("lighter-host report: wrote %s (%zu runs)\n", out, runs.n), rc = HOST_EXIT_OK;
  for (size_t i = 0; i < runs.n; i++) host_metrics_file_free(&metrics[i]);
  free(metrics);
  host_runs_free(&runs);
  return rc;
}

int host_cmd_report(int argc, char **argv) {
  const char *dir = NULL, *out = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return HOST_EXIT_OK;
    }
    if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
      if (i + 1 == argc) {
        fprintf(stderr, "lighter-host report: %s needs a file name\n", argv[i]);
        return HOST_EXIT_USAGE;
      }
      out = argv[++i];
    } else if (argv[i][0] == '-' || dir) {
      fprintf(stderr, "lighter-host report: unexpected '%s'\n", argv[i]);
      usage(stderr);
      return HOST_EXIT_USAGE;
    } else {
      dir = argv[i];
    }
  }
  if (!dir) {
    usage(stderr);
    return HOST_EXIT_USAGE;
  }
  char def[PATH_MAX];
  snprintf(def, sizeof def, "%s/report.html", dir);
  int rc = write_report(dir, out ? out : def);
  cfg_sources_free();
  cfg_intern_free();
  return rc;
}
