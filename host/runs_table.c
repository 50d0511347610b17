/* runs_table.c: the run list as text cells (runs.h): times, durations and
 * statuses as a person reads them, and each run's overrides against the
 * first run's, since Lighter users tell runs apart by their overrides.
 * `runs` prints these cells padded; `report` writes them as an HTML table. */
#include "runs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void host_override_key(const char *ov, char *key, size_t len) {
  if (*ov == '=' || *ov == '~') ov++;
  const char *eq = strchr(ov, '=');
  size_t n = eq ? (size_t)(eq - ov) : strlen(ov);
  if (n >= len) n = len - 1;
  memcpy(key, ov, n);
  key[n] = 0;
}

const char *host_override_value(const char *ov) {
  if (*ov == '~') return "~";
  const char *eq = strchr(*ov == '=' ? ov + 1 : ov, '=');
  return eq ? eq + 1 : "";
}

/* The run's override of key (its text), or NULL. The last one wins, as on
 * the command line. */
static const char *override_of(const host_run_info *r, const char *key) {
  const char *hit = NULL;
  char k[1024];
  for (size_t i = 0; i < r->noverrides; i++) {
    host_override_key(r->overrides[i], k, sizeof k);
    if (!strcmp(k, key)) hit = r->overrides[i];
  }
  return hit;
}

/* Whether two runs give key the same value (both leaving it alone counts). */
static int same_override(const host_run_info *a, const host_run_info *b, const char *key) {
  const char *x = override_of(a, key), *y = override_of(b, key);
  if (!x || !y) return !x && !y;
  return !strcmp(host_override_value(x), host_override_value(y));
}

static int same_configs(const host_run_info *a, const host_run_info *b) {
  if (a->nconfigs != b->nconfigs) return 0;
  for (size_t i = 0; i < a->nconfigs; i++)
    if (strcmp(a->configs[i], b->configs[i])) return 0;
  return 1;
}

/* The run the others are compared with: the first with a record. */
static size_t base_run(const host_runs *runs) {
  for (size_t i = 0; i < runs->n; i++)
    if (runs->v[i].state == HOST_RUN_RECORD_OK) return i;
  return runs->n;
}

/* Whether some run other than the base sets key differently from it. */
static int key_varies(const host_runs *runs, size_t base, const char *key) {
  for (size_t j = base + 1; j < runs->n; j++)
    if (runs->v[j].state == HOST_RUN_RECORD_OK && !same_override(&runs->v[base], &runs->v[j], key)) return 1;
  return 0;
}

/* Keys left out of the comparison: where a run's files went, which its
 * name already says (the sweep runner gives each trial its own). */
static int location_key(const char *key) {
  return !strcmp(key, "trainer::default_root_dir");
}

static void append(char *out, size_t len, size_t *used, const char *s) {
  if (*used >= len) return;
  int n = snprintf(out + *used, len - *used, "%s%s", *used ? " " : "", s);
  *used += n > 0 ? (size_t)n : 0;
}

static void append_configs(const host_run_info *r, char *out, size_t len, size_t *used) {
  char buf[2048] = "configs=";
  for (size_t i = 0; i < r->nconfigs; i++) {
    size_t n = strlen(buf);
    snprintf(buf + n, sizeof buf - n, "%s%s", i ? "," : "", r->configs[i]);
  }
  append(out, len, used, buf);
}

void host_runs_override_diff(const host_runs *runs, size_t i, char *out, size_t len) {
  size_t base = base_run(runs), used = 0;
  out[0] = 0;
  if (base == runs->n || runs->v[i].state != HOST_RUN_RECORD_OK) return;
  const host_run_info *first = &runs->v[base], *r = &runs->v[i];
  char key[1024];
  int configs_vary = 0;
  for (size_t j = base + 1; j < runs->n && !configs_vary; j++)
    configs_vary = runs->v[j].state == HOST_RUN_RECORD_OK && !same_configs(first, &runs->v[j]);
  if (i == base) { /* the baseline: its value of every key that varies */
    if (configs_vary) append_configs(r, out, len, &used);
    for (size_t k = 0; k < r->noverrides; k++) {
      host_override_key(r->overrides[k], key, sizeof key);
      if (override_of(r, key) == r->overrides[k] && !location_key(key) && key_varies(runs, base, key))
        append(out, len, &used, r->overrides[k]);
    }
    return;
  }
  if (!same_configs(first, r)) append_configs(r, out, len, &used);
  for (size_t k = 0; k < r->noverrides; k++) {
    host_override_key(r->overrides[k], key, sizeof key);
    if (override_of(r, key) == r->overrides[k] && !location_key(key) && !same_override(first, r, key))
      append(out, len, &used, r->overrides[k]);
  }
  for (size_t k = 0; k < first->noverrides; k++) {
    host_override_key(first->overrides[k], key, sizeof key);
    if (override_of(first, key) == first->overrides[k] && !location_key(key) && !override_of(r, key)) {
      char unset[1100];
      snprintf(unset, sizeof unset, "%s=(unset)", key);
      append(out, len, &used, unset);
    }
  }
}

void host_runs_fmt_time(double unix_s, char *out, size_t len) {
  if (isnan(unix_s)) {
    snprintf(out, len, "-");
    return;
  }
  time_t t = (time_t)unix_s;
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

void host_runs_fmt_duration(double s, char *out, size_t len) {
  if (isnan(s) || s < 0) snprintf(out, len, "-");
  else if (s < 10) snprintf(out, len, "%.2fs", s);
  else if (s < 60) snprintf(out, len, "%.1fs", s);
  else if (s < 3600) snprintf(out, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
  else snprintf(out, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

void host_runs_fmt_number(double v, char *out, size_t len) {
  if (isnan(v)) snprintf(out, len, "-");
  else snprintf(out, len, "%.6g", v);
}

void host_runs_fmt_status(const host_run_info *r, char *out, size_t len) {
  if (r->state == HOST_RUN_NO_RECORD) snprintf(out, len, "no record");
  else if (r->state == HOST_RUN_RECORD_BAD) snprintf(out, len, "bad record");
  else if (!r->status_known) snprintf(out, len, "-");
  else if (r->status == HOST_REC_FAILED && r->exit_code_known)
    snprintf(out, len, "failed (%d)", r->exit_code);
  else snprintf(out, len, "%s", host_record_status_name(r->status));
}

double host_run_duration(const host_run_info *r) {
  if (!isnan(r->duration_s)) return r->duration_s;
  if (r->status_known && r->status == HOST_REC_RUNNING && !isnan(r->started_unix)) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (double)now.tv_sec + now.tv_nsec / 1e9 - r->started_unix;
  }
  return NAN;
}

/* The monitor that every run with one shares (and its mode), or NULL. */
static const host_run_info *shared_monitor(const host_runs *runs) {
  const host_run_info *seen = NULL;
  for (size_t i = 0; i < runs->n; i++) {
    const host_run_info *r = &runs->v[i];
    if (!r->monitor) continue;
    if (seen && (strcmp(seen->monitor, r->monitor) || strcmp(seen->mode ? seen->mode : "", r->mode ? r->mode : "")))
      return NULL;
    if (!seen) seen = r;
  }
  return seen;
}

char **host_runs_table(const host_runs *runs) {
  char **cells = calloc((runs->n + 1) * HOST_RUNS_COLS, sizeof *cells);
  if (!cells) abort();
  const host_run_info *mon = shared_monitor(runs);
  char best_head[600] = "best";
  if (mon) snprintf(best_head, sizeof best_head, "best %s (%s)", mon->monitor, mon->mode ? mon->mode : "?");
  const char *head[HOST_RUNS_COLS] = {"run", "stage", "start", "duration", "status", best_head, "overrides"};
  for (int c = 0; c < HOST_RUNS_COLS; c++) cells[c] = host_runs_dup(head[c]);
  for (size_t i = 0; i < runs->n; i++) {
    const host_run_info *r = &runs->v[i];
    char **row = cells + (i + 1) * HOST_RUNS_COLS;
    char buf[8192], num[64];
    row[0] = host_runs_dup(r->name);
    row[1] = host_runs_dup(r->stage ? r->stage : "-");
    host_runs_fmt_time(r->started_unix, buf, sizeof buf);
    row[2] = host_runs_dup(buf);
    host_runs_fmt_duration(host_run_duration(r), buf, sizeof buf);
    row[3] = host_runs_dup(buf);
    host_runs_fmt_status(r, buf, sizeof buf);
    row[4] = host_runs_dup(buf);
    host_runs_fmt_number(r->best, num, sizeof num);
    if (!mon && r->monitor && !isnan(r->best)) snprintf(buf, sizeof buf, "%s (%s)", num, r->monitor);
    else snprintf(buf, sizeof buf, "%s", num);
    row[5] = host_runs_dup(buf);
    host_runs_override_diff(runs, i, buf, sizeof buf);
    row[6] = host_runs_dup(buf);
  }
  return cells;
}

void host_runs_table_free(char **cells, size_t rows) {
  if (!cells) return;
  for (size_t i = 0; i < rows * HOST_RUNS_COLS; i++) free(cells[i]);
  free(cells);
}
