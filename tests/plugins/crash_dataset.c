/* crash_dataset.c: a dataset of samples "input" float [4] and "target" 0
 * whose get crashes (crash_how.h) at sample `at`, for the crash report's
 * attribution on the main thread (num_workers 0) and on loader threads. */
#include <lighter/lighter.h>

#include "crash_how.h"

typedef struct crasher {
  int64_t at;
  crash_text how;
} crasher;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  crasher *c = calloc(1, sizeof *c);
  if (!c) return LT_ERR_NOMEM;
  c->at = args[0].i, c->how = crash_keep(args[1].s);
  *self = c;
  return LT_OK;
}

static void destroy(void *self) { free(self); }

static int64_t len(void *self) {
  (void)self;
  return 16;
}

static int get(void *self, int64_t index, lt_tensor **out, const char **names, int max, char *err, size_t errlen) {
  crasher *c = self;
  (void)max, (void)err, (void)errlen;
  if (index == c->at) crash_how(c->how.s);
  out[0] = lt_tensor_zeros(LT_SHAPE(4), LT_FLOAT32, LT_CPU), names[0] = "input";
  out[1] = lt_tensor_scalar(0, LT_INT64), names[1] = "target";
  return 2;
}

static int thread_safe(void *self) {
  (void)self;
  return 1;
}

static const lt_dataset_ops ops = {.size = sizeof(lt_dataset_ops), .len = len, .get = get, .thread_safe = thread_safe};

static const lt_param params[] = {
    LT_PARAM_MIN("at", LT_P_INT, "0", 0, "the sample whose get crashes"),
    LT_PARAM_CHOICE("how", "segv", CRASH_HOW_CHOICES, "the crash"),
};

static const lt_component components[] = {
    {"test.CrashDataset", LT_KIND_DATASET, "A dataset whose get crashes.", params, LT__COUNT_OF(params), create,
     destroy, &ops},
};

LT_PLUGIN_DEFINE("test-crash-dataset", "1.0", "crash report: a dataset", "BSD-3-Clause", components, NULL);
