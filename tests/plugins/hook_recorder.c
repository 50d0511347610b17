/* hook_recorder.c: a callback (test.HookRecorder) and a model
 * (test.HookModel, default steps) that append every hook they get to
 * `path`, one "who hook mode epoch step batch" line each, for the
 * trainer's hook-order test. A recorder named "sync" also logs its rank
 * with log_sync at each validation epoch's end ("sync/rank_mean": the
 * mean rank, 0.5 with two ranks). */
#include <lighter/lighter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rec {
  char path[512], who[64];
} rec;

static lt_status create_(const lt_value *args, void **self, const char *who) {
  rec *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  snprintf(m->path, sizeof m->path, "%s", args[0].s);
  snprintf(m->who, sizeof m->who, "%s", args[1].is_null ? who : args[1].s);
  *self = m;
  return LT_OK;
}

static lt_status create_cb(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  return create_(args, self, "callback");
}
static lt_status create_model(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  return create_(args, self, "model");
}

static void destroy(void *self) { free(self); }

static lt_status on_hook(void *self, lt_hook h, const lt_run_view *run) {
  rec *m = self;
  FILE *f = fopen(m->path, "a");
  if (!f) return LT_ERR_IO;
  fprintf(f, "%s %s %s %lld %lld %lld%s\n", m->who, lt_hook_name(h), run->mode, (long long)run->epoch,
          (long long)run->global_step, (long long)run->batch_idx,
          run->outputs && lt_state_kind(run->outputs, "loss") == LT_VALUE_TENSOR ? " loss" : "");
  fclose(f);
  if (h == LT_HOOK_ON_VALIDATION_EPOCH_END && !strcmp(m->who, "sync") && strcmp(run->mode, "sanity") &&
      run->size >= offsetof(lt_run_view, log_sync) + sizeof run->log_sync)
    return run->log_sync(run->host, "sync/rank_mean", (double)run->rank);
  return LT_OK;
}

static const lt_callback_ops cb_ops = {.size = sizeof(lt_callback_ops), .hook = on_hook};
static const lt_model_ops model_ops = {.size = sizeof(lt_model_ops), .hook = on_hook};

static const lt_param params[] = {
    LT_PARAM_REQ("path", LT_P_STRING, "file to append the hooks to"),
    {"name", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "name on each line"},
};

static const lt_component components[] = {
    {"test.HookRecorder", LT_KIND_CALLBACK, "Records hooks.", params, LT__COUNT_OF(params), create_cb, destroy, &cb_ops},
    {"test.HookModel", LT_KIND_MODEL, "Records hooks (default steps).", params, LT__COUNT_OF(params), create_model, destroy,
     &model_ops},
};

LT_PLUGIN_DEFINE("test-hooks", "1.0", "hook order", "BSD-3-Clause", components, NULL);
