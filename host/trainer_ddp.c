/* trainer_ddp.c: the trainer's collectives under ddp: sums over the ranks
 * (losses, stop flags, logged values, metric states), rank 0's weights to
 * every rank, and an error that names the step and the other ranks' news. */
#include "trainer_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int host_ddp_rank0(const host_run *r) { return !r->dist || r->dist->rank == 0; }

/* A collective failed: what, where, and what the other ranks left word of. */
int host_ddp_failed(host_run *r, const char *what) {
  char err[1024], peers[1400];
  snprintf(err, sizeof err, "%s", *lt_last_error() ? lt_last_error() : "failed");
  host_dist_peers(peers, sizeof peers);
  /* Gloo says a timeout in its own words ("Application timeout caused pair
   * closure" when it strikes inside a backward's bucket allreduce) */
  int timed_out = strstr(err, "imeout") || strstr(err, "imed out") || strstr(err, "did not finish");
  return FAIL("%s (epoch %lld, step %lld) %s: %s; %s (collective timeout %.0f s: trainer::strategy "
              "{_target_: lightning.pytorch.strategies.DDPStrategy, timeout: seconds})",
              what, (long long)r->loop.fit.epoch, (long long)r->loop.fit.global_step,
              timed_out ? "timed out" : "failed", err, peers, r->dist->timeout_s);
}

int host_ddp_sum_start(host_run *r, const double *v, int n, host_ddp_sum_work *w, const char *what) {
  int64_t shape[1] = {n};
  lt_clear_error();
  w->t = lt_tensor_from_data(v, shape, 1, LT_FLOAT64);
  w->work = w->t ? lt_dist_allreduce_start(r->dist->pg, &w->t, 1, LT_REDUCE_SUM) : NULL;
  return w->work ? 0 : host_ddp_failed(r, what);
}

int host_ddp_sum_finish(host_run *r, double *v, int n, host_ddp_sum_work *w, const char *what) {
  lt_clear_error();
  lt_status st = lt_dist_work_wait(w->work); /* frees the work, also on failure */
  w->work = NULL;
  if (st == LT_OK) st = lt_tensor_copy_to(w->t, v, (size_t)n * sizeof *v, LT_FLOAT64);
  host_ddp_sum_drop(w);
  return st == LT_OK ? 0 : host_ddp_failed(r, what);
}

void host_ddp_sum_drop(host_ddp_sum_work *w) {
  lt_dist_work_free(w->work);
  lt_tensor_free(w->t);
  w->work = NULL, w->t = NULL;
}

/* Sums v[0..n) over the ranks, in place. */
int host_ddp_sum(host_run *r, double *v, int n, const char *what) {
  if (!r->dist) return 0;
  host_ddp_sum_work w = {0};
  return host_ddp_sum_start(r, v, n, &w, what) || host_ddp_sum_finish(r, v, n, &w, what);
}

/* Before the backward of a batch that steps the optimizer: PyTorch DDP's
 * reducer (c10d::Reducer, made here the first time, and again when the
 * parameters that require grad changed, as when a Freezer thaws a layer)
 * readied for the loss, so that the backward starts each bucket's
 * allreduce as its gradients are ready and returns with them averaged
 * (*reduced = 1). LIGHTER_DDP_REDUCER=0 leaves it to sync_and_clip's
 * allreduce after backward (*reduced = 0; the old way, for comparison). */
int host_ddp_prepare_backward(host_run *r, lt_tensor *loss, int *reduced) {
  *reduced = 0;
  const char *e = getenv("LIGHTER_DDP_REDUCER");
  if (e && !strcmp(e, "0")) return 0;
  for (int attempt = 0; attempt < 2; attempt++) {
    lt_clear_error();
    if (!r->loop.reducer) {
      size_t np = r->model.network_ops->parameters(r->model.network, NULL, NULL, 0);
      lt_tensor **ps = calloc(np + 1, sizeof *ps);
      r->model.network_ops->parameters(r->model.network, ps, NULL, np);
      r->loop.reducer = lt_dist_reducer_new(r->dist->pg, ps, (int)np, r->dist->bucket_mb, r->dist->find_unused);
      free(ps);
      if (!r->loop.reducer) return host_ddp_failed(r, "making DDP's gradient reducer");
    }
    lt_status st = lt_dist_reducer_prepare(r->loop.reducer, &loss, 1);
    if (st == LT_OK) return *reduced = 1, 0;
    if (st != LT_ERR_INVALID || attempt) break;
    lt_dist_reducer_free(r->loop.reducer); /* frozen or thawed parameters: a new reducer */
    r->loop.reducer = NULL;
  }
  return host_ddp_failed(r, r->dist->find_unused ? "readying DDP's gradient reducer"
                                                 : "readying DDP's gradient reducer (when a parameter took no part in the "
                                                   "last loss, set trainer::strategy: ddp_find_unused_parameters_true)");
}

/* Rank 0's parameters and buffers to every rank (DDP's start), or only
 * the buffers (before each training step, as broadcast_buffers). */
int host_ddp_broadcast(host_run *r, int buffers_only) {
  if (!r->dist) return 0;
  lt_tensor **t = NULL;
  const char **names = NULL;
  size_t n = 0;
  if (!buffers_only) {
    n = host_module_state(r, &t, &names);
  } else if (HOST_HAS(r->model.network_ops, lt_module_ops, buffers)) {
    n = r->model.network_ops->buffers(r->model.network, NULL, NULL, 0);
    if (!n) return 0;
    t = calloc(n + 1, sizeof *t), names = calloc(n + 1, sizeof *names);
    r->model.network_ops->buffers(r->model.network, t, names, n);
  }
  lt_clear_error();
  int rc = n && lt_dist_broadcast(r->dist->pg, t, (int)n, 0) != LT_OK
               ? host_ddp_failed(r, buffers_only ? "the broadcast of buffers" : "the broadcast of the initial weights")
               : 0;
  free(t), free(names);
  return rc;
}

/* Each metric's states summed over the ranks (torchmetrics' sync before
 * compute); a metric that keeps no summable state is computed on this
 * rank's share alone, said once. */
int host_ddp_sync_metrics(host_run *r, host_metrics *m, const char *mode) {
  if (!r->dist) return 0;
  for (int i = 0; i < m->n; i++) {
    lt_tensor *st[64];
    size_t k = HOST_HAS(m->ops[i], lt_metric_ops, states) ? m->ops[i]->states(m->self[i], st, 64) : 0;
    if (!k) {
      static int said;
      if (!said++ && host_ddp_rank0(r))
        fprintf(stderr, "lighter-host: warning: %s metric %s keeps no state that adds up across ranks; its value is "
                        "computed on rank 0's share of the data\n", mode, m->name[i]);
      continue;
    }
    lt_clear_error();
    if (lt_dist_allreduce(r->dist->pg, st, (int)k, LT_REDUCE_SUM, 0) != LT_OK) {
      char what[300];
      snprintf(what, sizeof what, "the reduction of %s metric %s", mode, m->name[i]);
      return host_ddp_failed(r, what);
    }
  }
  return 0;
}
