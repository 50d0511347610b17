/* terminal.c: what a run shows on the terminal: the progress of a loop
 * (a bar on a terminal, a line every tenth of the loop otherwise), the
 * model summary, the results table of validate / test and the closing
 * line. Only rank 0 speaks. */
#include "trainer_impl.h"

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

/* The network's top-level modules and their parameter counts. */
void host_term_summary(host_run *r) {
  if (!r->cfg->enable_model_summary || r->cfg->fast_dev_run || !host_ddp_rank0(r)) return;
  size_t n = r->model.network_ops->parameters(r->model.network, NULL, NULL, 0);
  lt_tensor **t = calloc(n + 1, sizeof *t);
  const char **names = calloc(n + 1, sizeof *names);
  r->model.network_ops->parameters(r->model.network, t, names, n);
  fprintf(stderr, "  | %-24s | %12s\n", "Name", "Params");
  int64_t total = 0, trainable = 0;
  for (size_t i = 0; i < n;) {
    const char *dot = strchr(names[i], '.');
    size_t len = dot ? (size_t)(dot - names[i]) : strlen(names[i]);
    int64_t count = 0;
    size_t j = i;
    for (; j < n && !strncmp(names[j], names[i], len) && (names[j][len] == '.' || !names[j][len]); j++) {
      int64_t c = lt_tensor_numel(t[j]);
      count += c, total += c;
      if (lt_tensor_requires_grad(t[j])) trainable += c;
    }
    fprintf(stderr, "  | network.%-16.*s | %12lld\n", (int)len, names[i], (long long)count);
    i = j;
  }
  fprintf(stderr, "%lld trainable params, %lld total (%.2f MB in float32)\n", (long long)trainable, (long long)total,
          (double)total * 4 / 1e6);
  free(t), free(names);
}

/* The values logged under mode (val or test), as a table on stderr and
 * as "key value" lines on stdout. */
void host_term_results(host_run *r, host_mode mode_) {
  const char *mode = host_mode_name(mode_);
  fprintf(stderr, "%-48s %s\n", mode[0] == 't' ? "Test metric" : "Validate metric", "Value");
  for (size_t k = 0; k < r->last.nkeys; k++) {
    if (strncmp(r->last.keys[k], mode, strlen(mode)) || r->last.keys[k][strlen(mode)] != '/') continue;
    int found;
    double v = host_log_last(&r->last, r->last.keys[k], &found);
    fprintf(stderr, "%-48s %.6g\n", r->last.keys[k], v);
    printf("%s %.6g\n", r->last.keys[k], v);
  }
}

void host_term_done(host_run *r) {
  if (!r->cfg->enable_progress_bar || !host_ddp_rank0(r)) return;
  fprintf(stderr, "lighter-host: %s done in %.1f s%s%s\n", host_stage_name(r->stage), host_now() - r->loop.t_start,
          *r->log.path ? "; logs in " : "", *r->log.path ? r->run_dir : "");
}
