/* bench_timer.c: the callback `make bench` adds to lighter-host's fit
 * (bench.Timer) so that the trainer's loop is timed from outside, without a
 * line of the host changed: it notes CLOCK_MONOTONIC at the end of the first
 * training batch (after its optimizer step) and of every later one, reads the
 * epoch's mean training loss and the validation accuracy the host logged, and
 * writes them as one JSON line to `out` when the fit ends. The driver
 * (scripts/bench/run.py) subtracts the moment it started the process.
 * Per batch it costs one clock_gettime. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, strdup under -std=c99 */
#include <lighter/lighter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct timer {
  char *out;
  int64_t batch_size, batches;
  double epoch_start, first_step, last_step, loss, acc;
} timer;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static lt_status create(const lt_value *a, void **self, char *err, size_t errlen) {
  timer *t = calloc(1, sizeof *t);
  if (!t || !(t->out = strdup(a[0].s))) {
    free(t);
    snprintf(err, errlen, "out of memory");
    return LT_ERR_NOMEM;
  }
  t->batch_size = a[1].i;
  t->loss = t->acc = -1;
  *self = t;
  return LT_OK;
}

static void destroy(void *self) {
  timer *t = self;
  free(t->out);
  free(t);
}

/* The value of the first logged key with prefix and containing part, or -1
 * (the metric's name depends on its class: Accuracy, MulticlassAccuracy). */
static double metric(const lt_run_view *run, const char *prefix, const char *part) {
  const char *keys = run->metric_keys(run->host);
  char key[512];
  double v;
  while (keys && *keys) {
    size_t n = strcspn(keys, ",");
    snprintf(key, sizeof key, "%.*s", (int)n, keys);
    if (!strncmp(key, prefix, strlen(prefix)) && strstr(key, part) && strstr(key, "/epoch") &&
        run->metric(run->host, key, &v))
      return v;
    keys += n;
    keys += strspn(keys, ", ");
  }
  return -1;
}

static lt_status hook(void *self, lt_hook h, const lt_run_view *run) {
  timer *t = self;
  if (h == LT_HOOK_ON_TRAIN_BATCH_END) {
    double n = now();
    if (!t->batches++) t->first_step = n;
    t->last_step = n;
  } else if (h == LT_HOOK_ON_TRAIN_EPOCH_START && !t->epoch_start) {
    t->epoch_start = now();
  } else if (h == LT_HOOK_ON_FIT_END) {
    t->loss = metric(run, "train/loss/", "total");
    if (t->loss < 0) t->loss = metric(run, "train/loss/epoch", "");
    t->acc = metric(run, "val/metrics/", "Accuracy");
    FILE *f = fopen(t->out, "w");
    if (!f) return LT_FAIL;
    fprintf(f, "{\"first_step\": %.6f, \"epoch_start\": %.6f, \"train_sps\": %.3f, \"loss\": %.6f, \"acc\": %.6f}\n",
            t->first_step, t->epoch_start,
            t->batches > 1 ? (double)((t->batches - 1) * t->batch_size) / (t->last_step - t->first_step) : 0.0,
            t->loss, t->acc);
    fclose(f);
  }
  return LT_OK;
}

static const lt_callback_ops ops = {.size = sizeof(lt_callback_ops), .hook = hook};

static const lt_param params[] = {
    LT_PARAM_REQ("out", LT_P_STRING, "file the JSON line is written to"),
    LT_PARAM_REQ("batch_size", LT_P_INT, "samples per training batch (all batches full)"),
};

static const lt_component components[] = {
    {"bench.Timer", LT_KIND_CALLBACK, "Times the training loop for make bench.", params, LT__COUNT_OF(params), create,
     destroy, &ops},
};

LT_PLUGIN_DEFINE("bench-timer", "1.0.0", "make bench's loop timer", "BSD-3-Clause", components, NULL);
