/* sweep_table.c: the table that ends a sweep: one line per trial, sorted
 * by the monitored metric in its mode (best first; trials without a value
 * after them, by number), with the swept values, the status, the best
 * value and the wall time. */
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const host_sweep *g_sort; /* qsort has no context argument */

static int by_best(const void *a, const void *b) {
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  const host_trial *x = &g_sort->trials[i], *y = &g_sort->trials[j];
  if (x->has_best != y->has_best) return x->has_best ? -1 : 1;
  if (x->has_best && x->best != y->best) return (x->best < y->best) == !x->maximize ? -1 : 1;
  return i < j ? -1 : 1;
}

static const char *col_name(const host_sweep *s, size_t c) {
  static const char *head[4] = {"trial", "status", "best", "wall_s"};
  return c == 0 ? head[0] : c <= s->spec.n ? s->spec.params[c - 1].key : head[c - s->spec.n];
}

/* The cells of one line: trial, values..., status, best, wall. */
static void cells(const host_sweep *s, size_t k, char **out, size_t width) {
  const host_trial *t = &s->trials[k];
  size_t c = 0;
  snprintf(out[c++], width, "%zu", k);
  for (size_t p = 0; p < s->spec.n; p++) snprintf(out[c++], width, "%s", t->values[p]);
  snprintf(out[c++], width, "%s", host_trial_status_name(t->status));
  if (t->has_best) snprintf(out[c++], width, "%.6g", t->best);
  else snprintf(out[c++], width, "-");
  if (t->wall_s > 0) snprintf(out[c++], width, "%.1f", t->wall_s);
  else snprintf(out[c++], width, "-");
}

void host_sweep_print_table(const host_sweep *s, FILE *f) {
  enum { CELL = 96 };
  size_t ncol = s->spec.n + 4, *order = malloc((s->ntrials + 1) * sizeof *order);
  size_t *w = calloc(ncol, sizeof *w);
  char **row = malloc(ncol * sizeof *row), *buf = malloc(ncol * CELL);
  if (!order || !w || !row || !buf) abort();
  for (size_t c = 0; c < ncol; c++) row[c] = buf + c * CELL;
  const host_trial *ranked = NULL;
  for (size_t k = 0; k < s->ntrials; k++) {
    order[k] = k;
    if (!ranked && s->trials[k].has_best) ranked = &s->trials[k];
  }
  g_sort = s;
  qsort(order, s->ntrials, sizeof *order, by_best);
  /* the header, then the widths over every line */
  for (size_t c = 0; c < ncol; c++) w[c] = strlen(col_name(s, c));
  for (size_t k = 0; k < s->ntrials; k++) {
    cells(s, k, row, CELL);
    for (size_t c = 0; c < ncol; c++)
      if (strlen(row[c]) > w[c]) w[c] = strlen(row[c]);
  }
  if (ranked) fprintf(f, "\nsweep results, sorted by %s (%s):\n", ranked->monitor, ranked->maximize ? "max" : "min");
  else fprintf(f, "\nsweep results (no monitored value was logged):\n");
  for (size_t c = 0; c < ncol; c++) fprintf(f, "%s%-*s", c ? "  " : "", c + 1 < ncol ? (int)w[c] : 0, col_name(s, c));
  fputc('\n', f);
  for (size_t i = 0; i < s->ntrials; i++) {
    cells(s, order[i], row, CELL);
    for (size_t c = 0; c < ncol; c++) fprintf(f, "%s%-*s", c ? "  " : "", c + 1 < ncol ? (int)w[c] : 0, row[c]);
    fputc('\n', f);
  }
  fprintf(f, "(%s/sweep.csv)\n", s->dir);
  fflush(f);
  free(order), free(w), free(row), free(buf);
}
