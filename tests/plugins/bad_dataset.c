/* bad_dataset.c: a dataset that breaks its contract in the way `mode`
 * says, for the DataLoader's checks of what a dataset plugin returns:
 * ok (samples of "input" float [4] and "target" 0), too_many (ignores max:
 * writes and returns max + 1 values), null_name (the target has no name),
 * null_tensor (the target is NULL), silent (fails with no message at all),
 * huge (len is INT64_MAX), negative (len is -5); and through get_batch
 * (ABI 1.4): batch_short (its first dim is one sample short), batch_null_name
 * (the target has no name), batch_fails (fails: the loader then takes each
 * sample, whose get works). */
#include <lighter/lighter.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OK, TOO_MANY, NULL_NAME, NULL_TENSOR, SILENT, HUGE, NEGATIVE, BATCH_SHORT, BATCH_NULL_NAME, BATCH_FAILS,
       MODE_COUNT };

typedef struct bad {
  int mode;
  int64_t n;
} bad;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  bad *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const char *modes[MODE_COUNT] = {"ok",     "too_many",    "null_name",       "null_tensor", "silent",
                                   "huge",   "negative",    "batch_short",     "batch_null_name", "batch_fails"};
  for (int i = 0; i < MODE_COUNT; i++)
    if (!strcmp(args[0].s, modes[i])) m->mode = i;
  m->n = args[1].i;
  *self = m;
  return LT_OK;
}

static void destroy(void *self) { free(self); }

static int64_t len(void *self) {
  bad *m = self;
  return m->mode == HUGE ? INT64_MAX : m->mode == NEGATIVE ? -5 : m->n;
}

static int get(void *self, int64_t index, lt_tensor **out, const char **names, int max, char *err, size_t errlen) {
  bad *m = self;
  (void)index, (void)err, (void)errlen;
  if (m->mode == SILENT) return -1; /* the bug: no err, no lt_set_error */
  int n = m->mode == TOO_MANY ? max + 1 : 2; /* the bug: max is ignored */
  for (int i = 0; i < n; i++) {
    out[i] = i == 0 ? lt_tensor_zeros(LT_SHAPE(4), LT_FLOAT32, LT_CPU) : lt_tensor_scalar(0, LT_INT64);
    names[i] = i == 0 ? "input" : "target";
  }
  if (m->mode == NULL_NAME) names[1] = NULL;
  if (m->mode == NULL_TENSOR) lt_tensor_free(out[1]), out[1] = NULL;
  return n;
}

static int get_batch(void *self, const int64_t *indices, int64_t n, lt_tensor **out, const char **names, int max,
                     char *err, size_t errlen) {
  bad *m = self;
  (void)indices, (void)max;
  if (m->mode < BATCH_SHORT) return 0; /* sample by sample */
  if (m->mode == BATCH_FAILS) {
    snprintf(err, errlen, "this batch cannot be made");
    return -1;
  }
  int64_t rows = m->mode == BATCH_SHORT ? n - 1 : n;
  out[0] = lt_tensor_zeros(LT_SHAPE(rows, 4), LT_FLOAT32, LT_CPU), names[0] = "input";
  out[1] = lt_tensor_zeros(LT_SHAPE(rows), LT_INT64, LT_CPU);
  names[1] = m->mode == BATCH_NULL_NAME ? NULL : "target";
  return 2;
}

static const lt_dataset_ops ops = {.size = sizeof(lt_dataset_ops), .len = len, .get = get, .get_batch = get_batch};

static const lt_param params[] = {
    LT_PARAM_CHOICE("mode", "ok",
                    "ok|too_many|null_name|null_tensor|silent|huge|negative|batch_short|batch_null_name|batch_fails",
                    "how the dataset breaks its contract"),
    LT_PARAM_MIN("num_samples", LT_P_INT, "16", 0, "samples (ok, too_many, null_name, null_tensor, silent)"),
};

static const lt_component components[] = {
    {"test.BadDataset", LT_KIND_DATASET, "A dataset that breaks its contract.", params, LT__COUNT_OF(params), create,
     destroy, &ops},
};

LT_PLUGIN_DEFINE("test-bad-dataset", "1.0", "DataLoader checks of a dataset", "BSD-3-Clause", components, NULL);
