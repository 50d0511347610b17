/* runs_metrics.c: metrics.csv read back by column (runs_metrics.h). The
 * whole file is read at once and its fields are cut out in place, so a
 * run of thousands of rows costs one read and no copy per cell. */
#include "runs_metrics.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *host_csv_field(char **p, char *end, int *row_end) {
  char *start = *p, *s = start, *out = start;
  if (s < end && *s == '"') {
    for (s++; s < end; *out++ = *s++) {
      if (*s != '"') continue;
      if (s + 1 < end && s[1] == '"') s++; /* "" is one quote */
      else break;
    }
    while (s < end && *s != ',' && *s != '\n') s++;
  } else {
    while (s < end && *s != ',' && *s != '\n') s++;
    out = s;
  }
  if (out > start && out[-1] == '\r') out--;
  *row_end = s >= end || *s == '\n';
  *p = s < end ? s + 1 : s;
  *out = 0;
  return start;
}

static void push(host_metric_series *c, double x, double y) {
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    c->x = realloc(c->x, c->cap * sizeof *c->x);
    c->y = realloc(c->y, c->cap * sizeof *c->y);
    if (!c->x || !c->y) abort();
  }
  c->x[c->n] = x;
  c->y[c->n++] = y;
}

static double number(const char *s) {
  char *e;
  double v = strtod(s, &e);
  return e != s && !*e ? v : NAN;
}

/* The header: which field is the step, which column each field feeds. */
static size_t read_header(host_metrics_file *m, char **p, char *end, long **col_of, long *step_at) {
  size_t nf = 0, cap = 16;
  *col_of = malloc(cap * sizeof **col_of);
  m->cols = calloc(cap, sizeof *m->cols);
  if (!*col_of || !m->cols) abort();
  for (int row_end = 0; !row_end && *p < end;) {
    char *name = host_csv_field(p, end, &row_end);
    if (nf == cap) {
      cap *= 2;
      *col_of = realloc(*col_of, cap * sizeof **col_of);
      m->cols = realloc(m->cols, cap * sizeof *m->cols);
      if (!*col_of || !m->cols) abort();
    }
    (*col_of)[nf] = -1;
    if (!strcmp(name, "step")) *step_at = (long)nf;
    else if (strcmp(name, "epoch")) {
      memset(&m->cols[m->ncols], 0, sizeof *m->cols);
      m->cols[m->ncols].key = name;
      m->cols[m->ncols].last_step = NAN;
      (*col_of)[nf] = (long)m->ncols++;
    }
    nf++;
  }
  return nf;
}

int host_metrics_file_parse(const char *name, char *text, size_t len, host_metrics_file *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  m->text = text;
  char *p = text, *end = text + len;
  while (p < end && (*p == '\n' || *p == '\r')) p++;
  if (p == end) {
    snprintf(err, errlen, "%s: no header row (an empty file)", name);
    return -1;
  }
  long *col_of = NULL, step_at = -1;
  size_t nf = read_header(m, &p, end, &col_of, &step_at);
  const char **cells = malloc(nf * sizeof *cells);
  if (!cells) abort();
  while (p < end) {
    size_t k = 0;
    for (int row_end = 0; !row_end && p < end; k++) {
      const char *f = host_csv_field(&p, end, &row_end);
      if (k < nf) cells[k] = f;
    }
    if (k == 1 && !cells[0][0]) continue; /* a blank line */
    for (size_t i = k; i < nf; i++) cells[i] = "";
    double step = step_at >= 0 && cells[step_at][0] ? number(cells[step_at]) : NAN;
    for (size_t i = 0; i < nf; i++) {
      if (col_of[i] < 0 || !cells[i][0]) continue;
      host_metric_series *c = &m->cols[col_of[i]];
      push(c, step, number(cells[i]));
      c->last = cells[i];
      c->last_step = step;
    }
    m->nrows++;
  }
  free(cells);
  free(col_of);
  return 0;
}

char *host_read_text(const char *path, size_t *len, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0, got;
  char *text = malloc(cap + 1);
  while (text && (got = fread(text + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) text = realloc(text, (cap *= 2) + 1);
  }
  int bad = ferror(f);
  fclose(f);
  if (!text) abort();
  if (bad) {
    free(text);
    snprintf(err, errlen, "cannot read '%s': a read error", path);
    return NULL;
  }
  text[n] = 0;
  *len = n;
  return text;
}

int host_metrics_file_read(const char *path, host_metrics_file *m, char *err, size_t len) {
  memset(m, 0, sizeof *m);
  size_t n;
  char *text = host_read_text(path, &n, err, len);
  return text ? host_metrics_file_parse(path, text, n, m, err, len) : -1;
}

const host_metric_series *host_metrics_file_find(const host_metrics_file *m, const char *key) {
  for (size_t i = 0; i < m->ncols; i++)
    if (!strcmp(m->cols[i].key, key)) return &m->cols[i];
  return NULL;
}

void host_metrics_file_free(host_metrics_file *m) {
  for (size_t i = 0; i < m->ncols; i++) free(m->cols[i].x), free(m->cols[i].y);
  free(m->cols);
  free(m->text);
  memset(m, 0, sizeof *m);
}
