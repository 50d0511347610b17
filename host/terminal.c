/* terminal.c: what a run shows on the terminal: the progress of a loop
 * (a bar on a terminal, a line every tenth of the loop otherwise), the
 * model summary, the results table of validate / test, Lightning's
 * notices and the closing line, in Lightning's words and layouts
 * (term_format.c). Only rank 0 speaks. */
#include "trainer_impl.h"

#include "term_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* done of total batches of a loop, with the mean loss so far and the rate. */
void host_term_progress(host_run *r, const char *what, int64_t done, int64_t total, double loss, double t0, int64_t samples,
                     int last) {
  if (!r->cfg->enable_progress_bar || r->cfg->fast_dev_run || !host_ddp_rank0(r)) return;
  double dt = host_now() - t0, rate = dt > 0 ? (double)samples / dt : 0;
  if (isatty(2)) {
    int w = 24, fill = total > 0 ? (int)(w * done / total) : w;
    char bar[32];
    for (int i = 0; i < w; i++) bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
    bar[w] = 0;
    fprintf(stderr, "\r%s [%s] %lld/%lld", what, bar, (long long)done, (long long)total);
    if (!isnan(loss)) fprintf(stderr, "  loss %.4f", loss);
    fprintf(stderr, "  %.0f samples/s   ", rate);
    if (last) fputc('\n', stderr);
  } else {
    int64_t every = total >= 10 ? total / 10 : 1;
    if (!last && done % every) return;
    fprintf(stderr, "%s: %lld/%lld batches", what, (long long)done, (long long)total);
    if (!isnan(loss)) fprintf(stderr, ", loss %.4f", loss);
    fprintf(stderr, ", %.0f samples/s\n", rate);
  }
}

/* The class name of the component at path ("model::network"): the last
 * part of its _target_ (torch.nn.Sequential: Sequential); NULL when none. */
static const char *class_of(const host_run *r, const char *path) {
  for (size_t i = 0; r->b && i < r->b->nobjects; i++) {
    const host_object *o = r->b->objects[i];
    if (o->path && !strcmp(o->path, path) && o->comp) {
      const char *dot = strrchr(o->comp->target, '.');
      return dot ? dot + 1 : o->comp->target;
    }
  }
  return NULL;
}

/* The LighterModule's top-level modules as Lightning's ModelSummary lists
 * them (network, criterion, the metrics of each mode), with their
 * parameter counts, on stderr. */
void host_term_summary(host_run *r) {
  if (!r->cfg->enable_model_summary || !host_ddp_rank0(r)) return;
  const host_model_parts *m = &r->model;
  size_t n = m->network_ops->parameters(m->network, NULL, NULL, 0);
  lt_tensor **t = calloc(n + 1, sizeof *t);
  if (!t) return;
  m->network_ops->parameters(m->network, t, NULL, n);
  int64_t total = 0, trainable = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t c = lt_tensor_numel(t[i]);
    total += c;
    if (lt_tensor_requires_grad(t[i])) trainable += c;
  }
  free(t);
  host_summary_row rows[5];
  size_t k = 0;
  const char *type = class_of(r, "model::network");
  rows[k++] = (host_summary_row){"network", type ? type : "Module", total, 1};
  if (m->criterion && (type = class_of(r, "model::criterion"))) rows[k++] = (host_summary_row){"criterion", type, 0, 1};
  static const char *const metrics[3] = {"train_metrics", "val_metrics", "test_metrics"};
  for (int i = 0; i < 3; i++) {
    const host_metrics *hm = &m->metrics[i];
    if (!hm->n) continue;
    /* Lighter keeps a list of metrics as a MetricCollection */
    char path[64];
    snprintf(path, sizeof path, "model::%s", metrics[i]);
    type = class_of(r, path);
    rows[k++] = (host_summary_row){metrics[i], type && strcmp(type, "MetricCollection") && hm->n == 1 ? hm->name[0]
                                                                                                      : "MetricCollection",
                                   0, 1};
  }
  int bytes = r->cfg->precision64 ? 8 : r->cfg->bf16 ? 2 : 4;
  host_print_summary(stderr, rows, k, total, trainable, bytes);
}

/* Lightning's notices before a run: fast_dev_run's. */
void host_term_notices(host_run *r) {
  if (!r->cfg->fast_dev_run || !host_ddp_rank0(r)) return;
  fprintf(stderr, "Running in `fast_dev_run` mode: will run the requested loop using %d batch(es). Logging and "
                  "checkpointing is suppressed.\n", r->cfg->fast_dev_run);
}

/* An epoch of nb batches logs no training step when nb < log_every_n_steps:
 * said once, as Lightning does, so that the missing rows are explained. */
void host_term_log_interval(host_run *r, int64_t nb) {
  static int said;
  int64_t every = r->cfg->log_every_n_steps;
  if (said || !*r->log.path || r->cfg->fast_dev_run || nb >= every || !host_ddp_rank0(r)) return;
  said = 1;
  fprintf(stderr, "lighter-host: warning: The number of training batches (%lld) is smaller than the logging interval "
                  "Trainer(log_every_n_steps=%lld). Set a lower value for log_every_n_steps if you want to see logs "
                  "for the training epoch.\n", (long long)nb, (long long)every);
}

/* The epoch values logged under mode (val or test), in Lightning's
 * results table on stdout (unless --verbose=false). */
void host_term_results(host_run *r, host_mode mode_) {
  if (!r->opts.verbose) return;
  const char *mode = host_mode_name(mode_);
  size_t len = strlen(mode), n = 0;
  const char **keys = calloc(r->last.nkeys + 1, sizeof *keys);
  double *values = calloc(r->last.nkeys + 1, sizeof *values);
  for (size_t k = 0; keys && values && k < r->last.nkeys; k++) {
    const char *key = r->last.keys[k];
    size_t kl = strlen(key);
    if (strncmp(key, mode, len) || key[len] != '/' || (kl > 5 && !strcmp(key + kl - 5, "/step"))) continue;
    int found;
    values[n] = host_log_last(&r->last, key, &found);
    keys[n++] = key;
  }
  host_print_results(stdout, mode_ == HOST_MODE_TEST ? "Test" : "Validate", keys, values, n, 0);
  fflush(stdout);
  free(keys), free(values);
}

void host_term_done(host_run *r) {
  if (!r->cfg->enable_progress_bar || !host_ddp_rank0(r)) return;
  fprintf(stderr, "lighter-host: %s done in %.1f s%s%s\n", host_stage_name(r->stage), host_now() - r->loop.t_start,
          *r->log.path ? "; logs in " : "", *r->log.path ? r->run_dir : "");
}
