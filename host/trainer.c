/* trainer.c: a run from start to end: precision, the checkpoint to resume
 * or load, ddp's first broadcast and sharding, setup, the stage (fit,
 * validate, test or predict), on_exception, teardown and the log's last
 * rows. The loops are in fit_loop.c and eval_loop.c. */
#include "trainer_impl.h"

#include "metrics_csv.h"
#include "predictions.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t host_interrupted;

double host_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *host_mode_name(host_mode mode) {
  static const char *const names[HOST_NMODES] = {"train", "val", "test", "predict"};
  return mode >= 0 && mode < HOST_NMODES ? names[mode] : "";
}

const char *host_stage_name(host_stage stage) {
  static const char *const names[4] = {"fit", "validate", "test", "predict"};
  return names[stage];
}

void host_run_free(host_run *r) {
  host_log_free(&r->log);
  host_log_free(&r->last);
  if (r->loop.reducer) lt_dist_reducer_free(r->loop.reducer); /* (the tensor layer may not be loaded) */
  r->loop.reducer = NULL;
  if (r->run_lock_fd > 0) close(r->run_lock_fd); /* the run folder is free for the next run */
  r->run_lock_fd = 0;
}

int host_run_interrupted(host_run *r, const char *during) {
  if (host_ddp_rank0(r))
    fprintf(stderr, "\nlighter-host: interrupted during %s; nothing new was trained, nothing saved\n", during);
  return HOST_EXIT_INTERRUPTED;
}

/* precision 64-true: the network's floating parameters and buffers become
 * float64 in place (optimizers and modules keep their handles). */
static void to_float64(host_run *r) {
  lt_tensor **t;
  const char **names;
  size_t n = host_module_state(r, &t, &names);
  int prev = lt_grad_set_enabled(0);
  for (size_t i = 0; i < n; i++) {
    lt_dtype dt = lt_tensor_dtype(t[i]);
    if (dt == LT_FLOAT32 || dt == LT_FLOAT16 || dt == LT_BFLOAT16)
      lt_tensor_set_data(t[i], lt_tensor_to_dtype(t[i], LT_FLOAT64));
  }
  lt_grad_set_enabled(prev);
  free(t), free(names);
}

/* ddp: rank 0's weights everywhere, each rank its shard of every loader. */
static int ddp_setup(host_run *r) {
  int rc = host_ddp_broadcast(r, 0);
  for (int i = 0; !rc && i < HOST_NMODES; i++) {
    if (!r->data.self[i]) continue;
    char what[96];
    snprintf(what, sizeof what, "the %s loader", host_mode_name((host_mode)i));
    if (!HOST_HAS(r->data.ops[i], lt_loader_ops, set_shard))
      return FAIL("%s cannot be sharded across ranks (its plugin has no set_shard); use torch.utils.data.DataLoader",
                  what);
    lt_clear_error();
    if (r->data.ops[i]->set_shard(r->data.self[i], r->dist->rank, r->dist->world) != LT_OK)
      return FAIL("%s: %s", what, lt_last_error());
  }
  return rc;
}

/* validate or test: one loop over its loader, then the results table. */
static int run_evaluate(host_run *r) {
  host_mode mode = r->stage == HOST_VALIDATE ? HOST_MODE_VAL : HOST_MODE_TEST;
  int rc = host_eval_run(r, mode, -1, NULL);
  if (rc == HOST_EXIT_INTERRUPTED) host_run_interrupted(r, mode == HOST_MODE_VAL ? "validation" : "test");
  if (!rc && host_ddp_rank0(r)) host_term_results(r, mode);
  return rc;
}

/* predict: one loop, its outputs kept in predictions.pt with --return_predictions. */
static int run_predict(host_run *r) {
  lt_state *preds = r->opts.return_predictions ? lt_state_new_list() : NULL;
  int rc = host_eval_run(r, HOST_MODE_PREDICT, -1, preds);
  if (rc == HOST_EXIT_INTERRUPTED) host_run_interrupted(r, "predict");
  if (!rc && preds) {
    char path[1600]; /* under ddp each rank predicts its shard: predictions.rankN.pt beside rank 0's */
    if (host_ddp_rank0(r)) snprintf(path, sizeof path, "%s/predictions.pt", r->run_dir);
    else snprintf(path, sizeof path, "%s/predictions.rank%d.pt", r->run_dir, r->dist->rank);
    if (lt_state_save(preds, path) != LT_OK) {
      rc = FAIL("cannot save '%s': %s", path, lt_last_error());
    } else {
      char keys[512];
      host_predictions_keys(preds, keys, sizeof keys);
      fprintf(stderr, "lighter-host: %lld batches of predictions (each a dict of %s) in %s\n",
              (long long)lt_state_len(preds), *keys ? keys : "nothing", path);
    }
  }
  lt_state_free(preds);
  return rc;
}

int host_run_finish(host_run *r, int rc) {
  if (rc && rc != HOST_EXIT_INTERRUPTED) host_hook(r, LT_HOOK_ON_EXCEPTION, HOST_MODE_NONE, -1, NULL);
  int trc = host_hook(r, LT_HOOK_TEARDOWN, HOST_MODE_NONE, -1, NULL);
  if (!rc) rc = trc;
  if (host_log_flush(&r->log, 1) && !rc) rc = HOST_EXIT_FAILED;
  if (!rc && r->dist) { /* rank 0 serves the group's store: everybody leaves together */
    lt_clear_error();
    if (lt_dist_barrier(r->dist->pg) != LT_OK) rc = host_ddp_failed(r, "the final barrier");
  }
  if (!rc) host_term_done(r);
  return rc;
}

static int trainer_run_(host_run *r) {
  r->loop.t_start = host_now();
  int rc = 0;
  host_term_notices(r);
  if (r->cfg->precision64) to_float64(r);
  if (r->opts.ckpt_path && (rc = host_ckpt_load(r, r->opts.ckpt_path, r->stage == HOST_FIT))) return rc;
  if (r->opts.init_weights && (rc = host_ckpt_load(r, r->opts.init_weights, 0))) return rc;
  if (host_interrupted) return host_run_interrupted(r, "the loading of the checkpoint");
  if (r->dist && (rc = ddp_setup(r))) return rc;
  if ((rc = host_hook(r, LT_HOOK_SETUP, HOST_MODE_NONE, -1, NULL))) return rc;
  if (host_interrupted) return host_run_finish(r, host_run_interrupted(r, "setup")); /* teardown still runs */
  /* the fit is a state machine that ends with its own teardown */
  if (r->stage == HOST_FIT) return host_fit(r);
  /* validate, test and predict without their loader fail before anything runs (no teardown) */
  if (r->stage == HOST_VALIDATE && !r->data.self[HOST_MODE_VAL]) return FAIL("validate needs data::val_dataloader");
  if (r->stage == HOST_TEST && !r->data.self[HOST_MODE_TEST]) return FAIL("test needs data::test_dataloader");
  if (r->stage == HOST_PREDICT && !r->data.self[HOST_MODE_PREDICT])
    return FAIL("predict needs data::predict_dataloader");
  rc = r->stage == HOST_PREDICT ? run_predict(r) : run_evaluate(r);
  return host_run_finish(r, rc);
}

/* The run inside one scope: whatever the host makes outside the per-batch
 * scopes is released at the end. */
int host_trainer_run(host_run *r) {
  lt_scope *s = lt_scope_begin();
  int rc = trainer_run_(r);
  lt_scope_end(s);
  return rc;
}
