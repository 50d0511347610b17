/* scenario.h: the collectives both ranks of the lt_dist tests run, in the
 * same order (a collective only completes when every rank calls it): rank
 * 0 inside the Check suite (check_dist.c), rank 1 in tests/dist/peer.c.
 * Each step takes rank-dependent inputs and returns what rank 0 checks. */
#ifndef LT_TEST_DIST_SCENARIO_H
#define LT_TEST_DIST_SCENARIO_H

#include <lighter/lighter.h>

/* Inputs of rank r for the sum test: float32 [r+1, 10(r+1)], int64 [r]. */
static inline lt_tensor *scen_f32(int r) {
  float v[2] = {(float)(r + 1), (float)(10 * (r + 1))};
  return lt_tensor_from_data(v, (const int64_t[]){2}, 1, LT_FLOAT32);
}
static inline lt_tensor *scen_i64(int r) {
  int64_t v[1] = {r};
  return lt_tensor_from_data(v, (const int64_t[]){1}, 1, LT_INT64);
}
/* rows of rank r for all_gather: r + 1 rows of [2r+1+2k, 2r+2+2k] */
static inline lt_tensor *scen_rows(int r) {
  double v[4] = {1, 2, 3, 4};
  if (r == 1) v[0] = 3, v[1] = 4, v[2] = 5, v[3] = 6;
  return lt_tensor_from_data(v, (const int64_t[]){r + 1, 2}, 2, LT_FLOAT64);
}

/* DDP's reducer (lt_dist_reducer_*) over q[0..3) of 2, 2 and 3 zeros, the
 * same on both ranks: three backwards of rank r's losses, the first and
 * last readied (synced), the second not (no_sync: it accumulates locally).
 * Rank 0 step 1: 4 sum(q0) + sum(q1), rank 1: 2 sum(q0) + 3 sum(q1) +
 * sum(q2) (q2 used on rank 1 only); step 2: r0 4 sum(q0), r1 2 sum(q0);
 * step 3: sum(q0) on both. */
static inline lt_tensor *scen_reducer_loss(int r, int step, lt_tensor *const *q) {
  double c0 = step == 3 ? 1 : r ? 2 : 4;
  lt_tensor *l = lt_tensor_sum(lt_tensor_mul_scalar(q[0], c0), NULL, 0, 0);
  if (step == 1) l = lt_tensor_add(l, lt_tensor_sum(lt_tensor_mul_scalar(q[1], r ? 3 : 1), NULL, 0, 0));
  if (step == 1 && r) l = lt_tensor_add(l, lt_tensor_sum(q[2], NULL, 0, 0));
  return l;
}
/* Runs the three steps on rank r; 0, or the step that failed. */
static inline int scen_reducer(lt_dist *d, int r, lt_tensor **q, lt_dist_reducer **out) {
  const int64_t n[3] = {2, 2, 3};
  for (int i = 0; i < 3; i++) {
    q[i] = lt_tensor_zeros(&n[i], 1, LT_FLOAT32, LT_CPU);
    lt_tensor_set_requires_grad(q[i], 1);
  }
  lt_dist_reducer *red = *out = lt_dist_reducer_new(d, q, 3, 1e-6, 1);
  if (!red) return -1;
  for (int step = 1; step <= 3; step++) {
    lt_tensor *l = scen_reducer_loss(r, step, q);
    if (step != 2 && lt_dist_reducer_prepare(red, &l, 1) != LT_OK) return step;
    if (lt_tensor_backward(l, LT_NO_TENSOR, 0) != LT_OK) return step;
  }
  return 0;
}

#define SCEN_KEY "peer-says"
#define SCEN_VALUE "hello from rank 1"

#endif
