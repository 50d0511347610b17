/* run_logging.c: what a run logs, under Lighter's names, where Lightning
 * logs it: losses (mode/loss/step|epoch, or mode/loss/total/... and
 * mode/loss/<part>/... for a loss dict) and metrics (mode/metrics/<Name>/
 * step|epoch) twice, on the step and on the epoch, in train, val and test;
 * the optimizer's settings once an epoch (train/optimizer/<Opt>/lr/epoch,
 * ...). Training steps are logged every log_every_n_steps optimizer steps,
 * at Lightning's 0-based step; validation and test batches each, at the
 * running count of their batches and without an epoch, as Lightning's
 * CSVLogger writes them. */
#include "trainer_impl.h"

#include "metrics_csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>


static void loss_at(host_run *r, int64_t epoch, int64_t step, host_mode mode, const char *when, double total, int nsub,
                    const char *const *names, const double *subs) {
  char key[256];
  const char *m = host_mode_name(mode);
  if (nsub) snprintf(key, sizeof key, "%s/loss/total/%s", m, when);
  else snprintf(key, sizeof key, "%s/loss/%s", m, when);
  host_run_put_at(r, epoch, step, key, total);
  for (int k = 0; k < nsub; k++) {
    snprintf(key, sizeof key, "%s/loss/%s/%s", m, names[k], when);
    host_run_put_at(r, epoch, step, key, subs[k]);
  }
}

void host_logging_loss(host_run *r, host_mode mode, const char *when, double total, int nsub, const char *const *names,
                       const double *subs) {
  loss_at(r, r->loop.fit.epoch, host_run_log_step(r), mode, when, total, nsub, names, subs);
}

/* mode/metrics/<Name>/when = value (or .../<Name>/<k>/when for each of a
 * tensor's values). */
static void metric_at(host_run *r, int64_t epoch, int64_t step, const char *mode, const char *name, const char *when,
                      lt_tensor *value) {
  int64_t n = lt_tensor_numel(value);
  double *vals = malloc((size_t)(n ? n : 1) * sizeof *vals);
  if (!vals) abort();
  lt_tensor_copy_to(value, vals, (size_t)n * sizeof *vals, LT_FLOAT64);
  char key[512];
  for (int64_t k = 0; k < n; k++) {
    if (n == 1) snprintf(key, sizeof key, "%s/metrics/%s/%s", mode, name, when);
    else snprintf(key, sizeof key, "%s/metrics/%s/%lld/%s", mode, name, (long long)k, when);
    host_run_put_at(r, epoch, step, key, vals[k]);
  }
  free(vals);
}

/* The step's values: its loss and each metric on the batch. */
static void step_values(host_run *r, int64_t epoch, int64_t step, host_mode mode, const host_step_out *o) {
  if (o->loss) loss_at(r, epoch, step, mode, "step", o->total, o->nsub, o->sub_name, o->sub);
  const host_metrics *m = &r->model.metrics[mode];
  for (int i = 0; i < m->n; i++)
    if (o->metric_value[i]) metric_at(r, epoch, step, host_mode_name(mode), m->name[i], "step", o->metric_value[i]);
}

int host_logging_train_due(const host_run *r) {
  int64_t every = r->cfg->log_every_n_steps;
  int64_t step = r->loop.fit.global_step + (r->loop.step_pending ? 0 : 1); /* the step taken, or about to be */
  return every > 0 && (step % every == 0 || r->loop.fit.stop_requested);
}

int host_logging_train_step(host_run *r, const host_step_out *o) {
  if (!host_logging_train_due(r)) return 0;
  host_log_new_row(&r->log);
  step_values(r, r->loop.fit.epoch, host_run_log_step(r), HOST_MODE_TRAIN, o);
  if (host_log_flush_due(&r->log)) return host_log_flush(&r->log, 0);
  return 0;
}

void host_logging_eval_step(host_run *r, host_mode mode, const host_step_out *o) {
  if (r->loop.sanity || mode >= HOST_MODE_PREDICT) return;
  host_log_new_row(&r->log);
  step_values(r, -1, r->loop.eval_logged[mode]++, mode, o);
}

void host_metrics_reset(host_metrics *m) {
  for (int i = 0; i < m->n; i++) m->ops[i]->reset(m->self[i]);
}

int host_logging_metrics(host_run *r, host_metrics *m, host_mode mode_) {
  const char *mode = host_mode_name(mode_);
  if (host_ddp_sync_metrics(r, m, mode)) return 1;
  for (int i = 0; i < m->n; i++) {
    lt_clear_error();
    lt_tensor *v = m->ops[i]->compute(m->self[i]);
    if (!v) return FAIL("%s metric %s: %s", mode, m->name[i], lt_last_error());
    metric_at(r, r->loop.fit.epoch, host_run_log_step(r), mode, m->name[i], "epoch", v);
    lt_tensor_free(v);
  }
  host_metrics_reset(m);
  return 0;
}

/* The learning rate and the other options of each parameter group, kept
 * (Lighter logs them in the epoch's first training step, batch_idx 0; a
 * resumed epoch that starts later logs none, as there). */
void host_logging_optimizer_capture(host_run *r) {
  host_loop_state *st = &r->loop;
  st->nopt_stats = 0;
  if (!r->model.optimizer) return;
  int groups = r->model.optimizer_ops->num_groups(r->model.optimizer);
  int has_opt = HOST_HAS(r->model.optimizer_ops, lt_optimizer_ops, get_option);
  const char *opts[4] = {"momentum", "betas.0", "betas.1", "weight_decay"};
  const char *shown[4] = {"momentum", "beta1", "beta2", "weight_decay"};
  for (int g = 0; g < groups; g++) {
    char suffix[32] = "";
    if (g) snprintf(suffix, sizeof suffix, "/group%d", g);
    for (int k = -1; k < 4 && st->nopt_stats < 64; k++) {
      double v;
      if (k < 0) v = r->model.optimizer_ops->get_lr(r->model.optimizer, g);
      else if (!has_opt || !r->model.optimizer_ops->get_option(r->model.optimizer, g, opts[k], &v)) continue;
      if (k == 3 && v == 0) continue; /* Lighter logs the weight decay only when there is one */
      snprintf(st->opt_stat_key[st->nopt_stats], sizeof st->opt_stat_key[0], "train/optimizer/%s/%s%s/epoch",
               r->model.optimizer_name, k < 0 ? "lr" : shown[k], suffix);
      st->opt_stat[st->nopt_stats++] = v;
    }
  }
}

void host_logging_optimizer(host_run *r) {
  for (int i = 0; i < r->loop.nopt_stats; i++) host_run_put(r, r->loop.opt_stat_key[i], r->loop.opt_stat[i]);
  r->loop.nopt_stats = 0;
}
