/* hooks.c: Lightning's hooks, run on every callback in list order and then
 * on the model, with the run view (lt_run_view) they read: the stage and
 * mode, epoch / step / batch, the network and optimizer, logged values,
 * log / stop / save requests. */
#include "trainer_impl.h"

#include <stdio.h>
#include <string.h>

static int view_metric(void *host, const char *key, double *out) {
  int found;
  double v = host_log_last(&((host_run *)host)->last, key, &found);
  if (found && out) *out = v;
  return found;
}

static void view_log(void *host, const char *key, double v) { host_run_put(host, key, v); }

static lt_status view_log_sync(void *host, const char *key, double v) {
  host_run *r = host;
  if (r->dist) {
    char what[300];
    snprintf(what, sizeof what, "the reduction of the logged value '%s'", key);
    if (host_ddp_sum(r, &v, 1, what)) return LT_FAIL;
    v /= r->dist->world;
  }
  host_run_put(r, key, v);
  return LT_OK;
}

/* A row of the current step without an epoch (Lightning's logger.log_metrics). */
static void view_log_row(void *host, const char *key, double v) {
  host_run *r = host;
  host_run_put_at(r, -1, host_run_log_step(r), key, v);
}

static void view_stop(void *host, const char *why) {
  host_run *r = host;
  if (!r->loop.fit.stop_requested && host_ddp_rank0(r))
    fprintf(stderr, "lighter-host: stopping after this epoch: %s\n", why ? why : "asked to");
  r->loop.fit.stop_requested = 1;
}

static lt_status view_save(void *host, const char *path) { return host_ckpt_save(host, path, 0) ? LT_FAIL : LT_OK; }
static lt_status view_save_weights(void *host, const char *path) {
  return host_ckpt_save(host, path, 1) ? LT_FAIL : LT_OK;
}

static const char *view_keys(void *host) { return host_run_keys(host); }

/* The model's hook function, or NULL (older plugins' ops end before it). */
static lt_hook_fn model_hook(const host_model_parts *m) {
  return m->ops && m->ops->size >= offsetof(lt_model_ops, hook) + sizeof m->ops->hook ? m->ops->hook : NULL;
}

int host_hook(host_run *r, lt_hook h, host_mode mode, int64_t bi, const lt_state *outputs) {
  const host_model_parts *m = &r->model;
  if (!r->callbacks.n && !model_hook(m)) return 0;
  const char *mode_text = r->loop.sanity ? "sanity" : mode != HOST_MODE_NONE ? host_mode_name(mode) : "";
  lt_run_view v = {sizeof v, host_stage_name(r->stage), mode_text, r->loop.fit.epoch, r->loop.fit.global_step, bi,
                   r->run_dir, m->network, m->network_ops, m->optimizer, m->optimizer_ops, outputs, r,
                   view_metric, view_log, view_stop, view_save, view_keys, m->optimizer_name, view_save_weights,
                   r->dist ? r->dist->rank : 0, r->dist ? r->dist->world : 1, view_log_sync, 0, NULL,
                   view_log_row};
  v.log_step = mode == HOST_MODE_TRAIN && bi >= 0 && !r->loop.sanity && host_logging_train_due(r);
  v.scheduler_interval = !m->scheduler ? NULL : m->sched_per_step ? "step" : "epoch";
  for (int i = 0; i <= r->callbacks.n; i++) {
    lt_hook_fn fn;
    void *self;
    const char *who, *plugin = NULL;
    if (i < r->callbacks.n) {
      const lt_callback_ops *ops = r->callbacks.ops[i];
      fn = HOST_HAS(ops, lt_callback_ops, hook) ? ops->hook : NULL;
      self = r->callbacks.self[i], who = r->callbacks.name[i];
    } else {
      fn = model_hook(m);
      self = m->obj->self, who = m->obj->comp->target, plugin = m->obj->plugin;
    }
    if (!fn) continue;
    lt_clear_error();
    host_crash_push(plugin, who, lt_hook_name(h));
    lt_status rc = fn(self, h, &v);
    host_crash_pop();
    if (rc != LT_OK)
      return FAIL("%s, hook %s (epoch %lld, step %lld): %s", who, lt_hook_name(h), (long long)r->loop.fit.epoch,
                  (long long)r->loop.fit.global_step, *lt_last_error() ? lt_last_error() : lt_status_str(rc));
  }
  return 0;
}

/* The hooks of each mode: start, epoch start, batch start/end, epoch end, end. */
static const lt_hook mode_hooks[4][6] = {
    {LT_HOOK_ON_TRAIN_START, LT_HOOK_ON_TRAIN_EPOCH_START, LT_HOOK_ON_TRAIN_BATCH_START, LT_HOOK_ON_TRAIN_BATCH_END,
     LT_HOOK_ON_TRAIN_EPOCH_END, LT_HOOK_ON_TRAIN_END},
    {LT_HOOK_ON_VALIDATION_START, LT_HOOK_ON_VALIDATION_EPOCH_START, LT_HOOK_ON_VALIDATION_BATCH_START,
     LT_HOOK_ON_VALIDATION_BATCH_END, LT_HOOK_ON_VALIDATION_EPOCH_END, LT_HOOK_ON_VALIDATION_END},
    {LT_HOOK_ON_TEST_START, LT_HOOK_ON_TEST_EPOCH_START, LT_HOOK_ON_TEST_BATCH_START, LT_HOOK_ON_TEST_BATCH_END,
     LT_HOOK_ON_TEST_EPOCH_END, LT_HOOK_ON_TEST_END},
    {LT_HOOK_ON_PREDICT_START, LT_HOOK_ON_PREDICT_EPOCH_START, LT_HOOK_ON_PREDICT_BATCH_START,
     LT_HOOK_ON_PREDICT_BATCH_END, LT_HOOK_ON_PREDICT_EPOCH_END, LT_HOOK_ON_PREDICT_END},
};

lt_hook host_loop_hook_of(host_mode mode, host_loop_hook which) { return mode_hooks[mode][which]; }
