/* fuzz_progress.c: libFuzzer target for how the host reads where a
 * checkpoint says the fit loop stopped (host/ckpt_progress.c): the input
 * builds the checkpoint's epoch, global_step and loops {batch_next,
 * loss_count, loss_sum} as any value torch.load could give (missing, None,
 * bool, int, float with NaN and infinities, string, list, dict) with any
 * int64 or double. Whatever host_progress_read accepts must be a position a
 * run can resume from: nothing negative, nothing past HOST_PROGRESS_MAX
 * (epoch + 1 and the counts after it cannot overflow), loss_count within
 * batch_next, a finite loss_sum; anything else aborts the run as a crash.
 * The tensor layer is liblighter as built (not instrumented).
 *   make fuzz; crashes go to tests/corpus/fuzz/progress (make test replays them). */
#include "../../host/ckpt_progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
  const uint8_t *p;
  size_t n;
} reader;

static uint64_t bytes(reader *r, int k) {
  uint64_t v = 0;
  for (int i = 0; i < k && r->n; i++, r->n--) v = v << 8 | *r->p++;
  return v;
}

/* Interesting numbers more often than random ones. */
static int64_t an_int(reader *r) {
  static const int64_t edge[] = {0, 1, -1, 2, INT64_MAX, INT64_MIN, HOST_PROGRESS_MAX, HOST_PROGRESS_MAX + 1};
  unsigned b = (unsigned)bytes(r, 1);
  return b < 8 ? edge[b] : (int64_t)bytes(r, 8);
}

static double a_double(reader *r) {
  static const double edge[] = {0.0, -0.0, 1.5, NAN, INFINITY, -INFINITY, 1e308, -1e-308};
  unsigned b = (unsigned)bytes(r, 1);
  if (b < 8) return edge[b];
  uint64_t u = bytes(r, 8);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

typedef enum { V_MISSING, V_NONE, V_BOOL, V_INT, V_DOUBLE, V_STRING, V_LIST, V_DICT, V__COUNT } value_kind;

static void put(reader *r, lt_state *st, const char *key) {
  switch ((value_kind)(bytes(r, 1) % V__COUNT)) {
  case V_MISSING: break;
  case V_NONE: lt_state_set_none(st, key); break;
  case V_BOOL: lt_state_set_bool(st, key, (int)(bytes(r, 1) & 1)); break;
  case V_INT: lt_state_set_int(st, key, an_int(r)); break;
  case V_DOUBLE: lt_state_set_double(st, key, a_double(r)); break;
  case V_STRING: lt_state_set_string(st, key, "12"); break;
  case V_LIST: {
    lt_state *l = lt_state_new_list();
    lt_state_set_int(l, NULL, an_int(r));
    lt_state_set_state(st, key, l);
    lt_state_free(l);
    break;
  }
  case V_DICT: {
    lt_state *d = lt_state_new_dict();
    put(r, d, "batch_next");
    put(r, d, "loss_count");
    put(r, d, "loss_sum");
    lt_state_set_state(st, key, d);
    lt_state_free(d);
    break;
  }
  default: break;
  }
}

static int resumable(const host_progress *p) {
  int ok = p->epoch >= 0 && p->epoch <= HOST_PROGRESS_MAX && p->global_step >= 0 &&
           p->global_step <= HOST_PROGRESS_MAX && p->batch_next >= -1 && p->batch_next <= HOST_PROGRESS_MAX;
  if (p->batch_next >= 0) ok = ok && p->loss_count >= 0 && p->loss_count <= p->batch_next && isfinite(p->loss_sum);
  return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  reader r = {data, size};
  lt_state *ck = lt_state_new_dict();
  put(&r, ck, "epoch");
  put(&r, ck, "global_step");
  put(&r, ck, "loops");
  host_progress p;
  char why[512];
  if (host_progress_read(ck, &p, why, sizeof why) == 0 && !resumable(&p)) abort();
  lt_state_free(ck);
  return 0;
}
