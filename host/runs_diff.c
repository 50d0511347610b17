/* runs_diff.c: `lighter-host runs diff A B [DIR]`: two runs side by side:
 * a few record fields, the config keys whose resolved values differ (the
 * resolved config flattened to a::b::c paths: config.resolved.yaml, else
 * hparams.yaml, else config.yaml) and the final value of every logged key
 * with B - A. */
#include "cmd.h"

#include "config/yaml.h"
#include "runs.h"
#include "runs_metrics.h"
#include "trainer.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A flattened config: path -> value text, in the document's order. */
typedef struct flat {
  char **path, **text;
  size_t n, cap;
  size_t *sorted; /* indexes by path, for lookups */
} flat;

static void flat_add(flat *f, const char *path, const char *text) {
  if (f->n == f->cap) {
    f->cap = f->cap ? 2 * f->cap : 64;
    f->path = realloc(f->path, f->cap * sizeof *f->path);
    f->text = realloc(f->text, f->cap * sizeof *f->text);
    if (!f->path || !f->text) abort();
  }
  f->path[f->n] = host_runs_dup(path);
  f->text[f->n++] = host_runs_dup(text);
}

static void flatten(flat *f, const cfg_node *n, const char *path) {
  char sub[4096], text[4096];
  if (n->kind == CFG_DICT || n->kind == CFG_LIST) {
    if (!n->n) flat_add(f, path, n->kind == CFG_DICT ? "{}" : "[]");
    for (size_t i = 0; i < n->n; i++) {
      char idx[32];
      snprintf(idx, sizeof idx, "%zu", i);
      const char *part = n->kind == CFG_DICT ? n->keys[i] : idx;
      if (path[0]) snprintf(sub, sizeof sub, "%s::%s", path, part);
      else snprintf(sub, sizeof sub, "%s", part);
      flatten(f, n->items[i], sub);
    }
    return;
  }
  if (host_runs_scalar_text(n, text, sizeof text)) snprintf(text, sizeof text, "null");
  flat_add(f, path, text);
}

static const flat *sort_ctx;
static int by_path(const void *a, const void *b) {
  return strcmp(sort_ctx->path[*(const size_t *)a], sort_ctx->path[*(const size_t *)b]);
}

static void flat_index(flat *f) {
  f->sorted = malloc((f->n ? f->n : 1) * sizeof *f->sorted);
  if (!f->sorted) abort();
  for (size_t i = 0; i < f->n; i++) f->sorted[i] = i;
  sort_ctx = f;
  qsort(f->sorted, f->n, sizeof *f->sorted, by_path);
}

/* The value text of path in f, or NULL. */
static const char *flat_get(const flat *f, const char *path) {
  size_t lo = 0, hi = f->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(f->path[f->sorted[mid]], path);
    if (!c) return f->text[f->sorted[mid]];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

static void flat_free(flat *f) {
  for (size_t i = 0; i < f->n; i++) free(f->path[i]), free(f->text[i]);
  free(f->path), free(f->text), free(f->sorted);
}

/* The run's resolved config, flattened; -1 after saying why. */
static int load_config(const host_run_info *r, flat *f, char *used, size_t len) {
  static const char *const names[] = {"config.resolved.yaml", "hparams.yaml", "config.yaml"};
  memset(f, 0, sizeof *f);
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", r->dir, names[i]);
    if (access(p, F_OK)) continue;
    cfg_error err = {0};
    cfg_node *root = cfg_yaml_load_file(p, &err);
    if (!root) {
      fprintf(stderr, "lighter-host runs diff: cannot read the config of %s:\n", r->name);
      cfg_error_print(stderr, &err, cfg_use_color(stderr));
      return -1;
    }
    flatten(f, root, "");
    cfg_free(root);
    flat_index(f);
    snprintf(used, len, "%s", names[i]);
    return 0;
  }
  snprintf(used, len, "no config file");
  flat_index(f);
  return 0;
}

static void print_record_row(const char *label, const char *a, const char *b) {
  printf("  %-22s %-24s %s%s\n", label, a, b, strcmp(a, b) ? "" : "  (same)");
}

static void print_records(const host_run_info *a, const host_run_info *b) {
  char x[256], y[256];
  printf("%-24s %-24s %s\n", "record", "A", "B");
  host_runs_fmt_status(a, x, sizeof x), host_runs_fmt_status(b, y, sizeof y);
  print_record_row("status", x, y);
  print_record_row("stage", a->stage ? a->stage : "-", b->stage ? b->stage : "-");
  host_runs_fmt_duration(host_run_duration(a), x, sizeof x), host_runs_fmt_duration(host_run_duration(b), y, sizeof y);
  print_record_row("duration", x, y);
  host_runs_fmt_number(a->best, x, sizeof x), host_runs_fmt_number(b->best, y, sizeof y);
  char label[300];
  snprintf(label, sizeof label, "best %s", a->monitor && b->monitor && !strcmp(a->monitor, b->monitor) ? a->monitor : "");
  print_record_row(label, x, y);
  snprintf(x, sizeof x, "%lld", a->global_step), snprintf(y, sizeof y, "%lld", b->global_step);
  print_record_row("global_step", x, y);
}

static void print_config_diff(const flat *fa, const flat *fb, const char *used_a, const char *used_b) {
  size_t differ = 0, w = 3;
  for (int pass = 0; pass < 2; pass++) {
    if (pass) {
      printf("\nconfig (A: %s, B: %s): %zu of %zu keys differ\n", used_a, used_b, differ, fa->n);
      if (differ) printf("  %-*s  %-24s %s\n", (int)w, "key", "A", "B");
    }
    for (size_t i = 0; i < fa->n; i++) {
      const char *vb = flat_get(fb, fa->path[i]);
      if (vb && !strcmp(vb, fa->text[i])) continue;
      if (!pass) differ++, w = strlen(fa->path[i]) > w ? strlen(fa->path[i]) : w;
      else printf("  %-*s  %-24s %s\n", (int)w, fa->path[i], fa->text[i], vb ? vb : "(absent)");
    }
    for (size_t i = 0; i < fb->n; i++) {
      if (flat_get(fa, fb->path[i])) continue;
      if (!pass) differ++, w = strlen(fb->path[i]) > w ? strlen(fb->path[i]) : w;
      else printf("  %-*s  %-24s %s\n", (int)w, fb->path[i], "(absent)", fb->text[i]);
    }
  }
}

static int read_metrics(const host_run_info *r, host_metrics_file *m) {
  char p[PATH_MAX], err[PATH_MAX + 200];
  snprintf(p, sizeof p, "%s/metrics.csv", r->dir);
  memset(m, 0, sizeof *m);
  if (access(p, F_OK)) return 0; /* nothing logged: every value is absent */
  if (!host_metrics_file_read(p, m, err, sizeof err)) return 0;
  fprintf(stderr, "lighter-host runs diff: %s\n", err);
  return -1;
}

static void metric_row(const char *key, int w, const host_metric_series *ca, const host_metric_series *cb) {
  const char *ta = ca && ca->last ? ca->last : "-", *tb = cb && cb->last ? cb->last : "-";
  char d[64] = "";
  double va = ca && ca->n ? ca->y[ca->n - 1] : NAN, vb = cb && cb->n ? cb->y[cb->n - 1] : NAN;
  if (!isnan(va) && !isnan(vb)) snprintf(d, sizeof d, "%+.6g", vb - va);
  printf("  %-*s  %-16s %-16s %s\n", w, key, ta, tb, d);
}

static void print_metrics_diff(const host_metrics_file *ma, const host_metrics_file *mb) {
  size_t w = 3;
  for (size_t i = 0; i < ma->ncols; i++) w = strlen(ma->cols[i].key) > w ? strlen(ma->cols[i].key) : w;
  for (size_t i = 0; i < mb->ncols; i++) w = strlen(mb->cols[i].key) > w ? strlen(mb->cols[i].key) : w;
  printf("\nfinal metrics (metrics.csv: the last value of each key)\n  %-*s  %-16s %-16s %s\n", (int)w, "key", "A",
         "B", "B - A");
  for (size_t i = 0; i < ma->ncols; i++)
    metric_row(ma->cols[i].key, (int)w, &ma->cols[i], host_metrics_file_find(mb, ma->cols[i].key));
  for (size_t i = 0; i < mb->ncols; i++)
    if (!host_metrics_file_find(ma, mb->cols[i].key)) metric_row(mb->cols[i].key, (int)w, NULL, &mb->cols[i]);
}

static int diff_runs(const host_run_info *a, const host_run_info *b) {
  for (const host_run_info *r = a; r; r = r == a ? b : NULL)
    if (r->state == HOST_RUN_RECORD_BAD) {
      fprintf(stderr, "lighter-host runs diff: %s\n", r->error);
      return HOST_EXIT_FAILED;
    }
  printf("A  %s\nB  %s\n\n", a->name, b->name);
  print_records(a, b);
  flat fa, fb;
  char used_a[64], used_b[64];
  int rc = HOST_EXIT_FAILED;
  if (load_config(a, &fa, used_a, sizeof used_a)) return rc;
  if (!load_config(b, &fb, used_b, sizeof used_b)) {
    print_config_diff(&fa, &fb, used_a, used_b);
    host_metrics_file ma, mb;
    int bad_a = read_metrics(a, &ma), bad_b = bad_a ? 0 : read_metrics(b, &mb);
    if (!bad_a && !bad_b) {
      print_metrics_diff(&ma, &mb);
      rc = HOST_EXIT_OK;
    }
    host_metrics_file_free(&ma);
    if (!bad_a) host_metrics_file_free(&mb);
    flat_free(&fb);
  }
  flat_free(&fa);
  return rc;
}

int host_runs_diff(const char *spec_a, const char *spec_b, const char *dir) {
  host_runs ra, rb;
  const host_run_info *a = NULL, *b = NULL;
  char err[4096];
  int rc = HOST_EXIT_USAGE;
  if (host_runs_lookup(dir, spec_a, &ra, &a, err, sizeof err) ||
      host_runs_lookup(dir, spec_b, &rb, &b, err, sizeof err))
    fprintf(stderr, "lighter-host runs diff: %s\n", err);
  else rc = diff_runs(a, b);
  host_runs_free(&ra);
  if (a) host_runs_free(&rb);
  cfg_sources_free();
  cfg_intern_free();
  return rc;
}
