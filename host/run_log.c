/* run_log.c: the run's log in memory: a table of rows (epoch, step) by keys
 * in order of first appearance, that metrics_csv.c writes out (to
 * metrics.csv and the TensorBoard event files together, so that both hold
 * the same keys and steps), and a one-row table of each key's newest value
 * for monitors, schedulers and the results table. Rows are Lightning's:
 * each group of values logged together (a step's, an epoch's, a validation
 * batch's) is a row, at the step Lightning logs it at (host_run_log_step),
 * stamped with the time it was started. */
#include "trainer_impl.h"

#include "tb_writer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t log_key(host_log *l, const char *key) {
  for (size_t i = 0; i < l->nkeys; i++)
    if (!strcmp(l->keys[i], key)) return i;
  if (l->nkeys == l->cap_keys) {
    size_t cap = l->cap_keys ? l->cap_keys * 2 : 32;
    double *v = malloc(cap * (l->cap_rows ? l->cap_rows : 1) * sizeof *v);
    if (!v) abort();
    for (size_t r = 0; r < l->nrows; r++)
      for (size_t k = 0; k < cap; k++) v[r * cap + k] = k < l->cap_keys ? l->values[r * l->cap_keys + k] : NAN;
    free(l->values);
    l->values = v;
    l->cap_keys = cap;
    l->keys = realloc(l->keys, cap * sizeof *l->keys);
    if (!l->keys) abort();
  }
  l->keys[l->nkeys] = strdup(key);
  return l->nkeys++;
}

/* The row of (epoch, step): the last one when it is the same step and open. */
static size_t log_row(host_log *l, int64_t epoch, int64_t step) {
  if (l->nrows && !l->row_closed && l->steps[l->nrows - 1] == step && l->epochs[l->nrows - 1] == epoch)
    return l->nrows - 1;
  l->row_closed = 0;
  if (l->nrows == l->cap_rows) {
    size_t cap = l->cap_rows ? l->cap_rows * 2 : 64, kc = l->cap_keys ? l->cap_keys : 32;
    l->values = realloc(l->values, cap * kc * sizeof *l->values);
    l->steps = realloc(l->steps, cap * sizeof *l->steps);
    l->epochs = realloc(l->epochs, cap * sizeof *l->epochs);
    l->times = realloc(l->times, cap * sizeof *l->times);
    if (!l->values || !l->steps || !l->epochs || !l->times) abort();
    l->cap_rows = cap;
    l->cap_keys = kc;
    if (!l->keys) l->keys = calloc(kc, sizeof *l->keys);
  }
  for (size_t k = 0; k < l->cap_keys; k++) l->values[l->nrows * l->cap_keys + k] = NAN;
  l->steps[l->nrows] = step;
  l->epochs[l->nrows] = epoch;
  l->times[l->nrows] = host_wall_now();
  return l->nrows++;
}

void host_log_put(host_log *l, int64_t epoch, int64_t step, const char *key, double v) {
  if (!l->cap_rows) log_row(l, epoch, step), l->nrows = 0;
  size_t k = log_key(l, key);
  size_t r = log_row(l, epoch, step);
  l->values[r * l->cap_keys + k] = v;
}

void host_log_new_row(host_log *l) { l->row_closed = 1; }

double host_log_last(const host_log *l, const char *key, int *found) {
  for (size_t k = 0; k < l->nkeys; k++)
    if (!strcmp(l->keys[k], key))
      for (size_t r = l->nrows; r-- > 0;)
        if (!isnan(l->values[r * l->cap_keys + k])) {
          *found = 1;
          return l->values[r * l->cap_keys + k];
        }
  *found = 0;
  return NAN;
}

int host_log_flush_due(const host_log *l) {
  if (l->flush_every && l->nrows >= (size_t)l->flush_every) return 1;
  return l->flush_secs > 0 && l->nrows > 1 && host_wall_now() - l->times[0] >= l->flush_secs;
}

void host_log_free(host_log *l) {
  for (size_t k = 0; k < l->nkeys; k++) free(l->keys[k]);
  for (int i = 0; i < l->ntb; i++) host_tb_close(l->tb[i]);
  free(l->keys), free(l->values), free(l->steps), free(l->epochs), free(l->times);
  memset(l, 0, sizeof *l);
}

int64_t host_run_log_step(const host_run *r) { return r->loop.fit.global_step - (r->loop.step_pending ? 1 : 0); }

void host_run_put_at(host_run *r, int64_t epoch, int64_t step, const char *key, double v) {
  if (r->loop.sanity) return;
  host_log_put(&r->log, epoch, step, key, v);
  host_log_put(&r->last, 0, 0, key, v); /* one row: the last value of each key */
  host_record_value(&r->record, key, v, epoch >= 0 ? epoch : r->loop.fit.epoch, step);
}

void host_run_put(host_run *r, const char *key, double v) {
  host_run_put_at(r, r->loop.fit.epoch, host_run_log_step(r), key, v);
}

const char *host_run_keys(const host_run *r) {
  static char keys[4096];
  size_t at = 0;
  keys[0] = 0;
  for (size_t k = 0; k < r->last.nkeys && at < sizeof keys; k++)
    at += (size_t)snprintf(keys + at, sizeof keys - at, "%s%s", k ? ", " : "", r->last.keys[k]);
  return at ? keys : "(none yet)";
}
