/* run_logging.c: what a run logs, under Lighter's names: losses
 * (mode/loss/step|epoch, or mode/loss/total/... and mode/loss/<part>/...
 * for a loss dict), metrics (mode/metrics/<Name>/epoch) and the
 * optimizer's settings (train/optimizer/<Opt>/lr/epoch, ...). */
#include "trainer_impl.h"

#include <stdio.h>
#include <stdlib.h>

void host_logging_loss(host_run *r, host_mode mode, const char *when, double total, int nsub, const char *const *names,
                       const double *subs) {
  char key[256];
  const char *m = host_mode_name(mode);
  if (nsub) snprintf(key, sizeof key, "%s/loss/total/%s", m, when);
  else snprintf(key, sizeof key, "%s/loss/%s", m, when);
  host_run_put(r, key, total);
  for (int k = 0; k < nsub; k++) {
    snprintf(key, sizeof key, "%s/loss/%s/%s", m, names[k], when);
    host_run_put(r, key, subs[k]);
  }
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
    int64_t n = lt_tensor_numel(v);
    double *vals = malloc((size_t)(n ? n : 1) * sizeof *vals);
    lt_tensor_copy_to(v, vals, (size_t)n * sizeof *vals, LT_FLOAT64);
    char key[512];
    for (int64_t k = 0; k < n; k++) {
      if (n == 1) snprintf(key, sizeof key, "%s/metrics/%s/epoch", mode, m->name[i]);
      else snprintf(key, sizeof key, "%s/metrics/%s/%lld/epoch", mode, m->name[i], (long long)k);
      host_run_put(r, key, vals[k]);
    }
    free(vals);
    lt_tensor_free(v);
  }
  host_metrics_reset(m);
  return 0;
}

/* the learning rate and the other options of each parameter group */
void host_logging_optimizer(host_run *r) {
  if (!r->model.optimizer) return;
  char key[256];
  int groups = r->model.optimizer_ops->num_groups(r->model.optimizer);
  int has_opt = HAS(r->model.optimizer_ops, lt_optimizer_ops, get_option);
  const char *opts[4] = {"momentum", "betas.0", "betas.1", "weight_decay"};
  const char *shown[4] = {"momentum", "beta1", "beta2", "weight_decay"};
  for (int g = 0; g < groups; g++) {
    char suffix[32] = "";
    if (g) snprintf(suffix, sizeof suffix, "/group%d", g);
    snprintf(key, sizeof key, "train/optimizer/%s/lr%s/epoch", r->model.optimizer_name, suffix);
    host_run_put(r, key, r->model.optimizer_ops->get_lr(r->model.optimizer, g));
    for (int k = 0; has_opt && k < 4; k++) {
      double v;
      if (!r->model.optimizer_ops->get_option(r->model.optimizer, g, opts[k], &v)) continue;
      snprintf(key, sizeof key, "train/optimizer/%s/%s%s/epoch", r->model.optimizer_name, shown[k], suffix);
      host_run_put(r, key, v);
    }
  }
}
