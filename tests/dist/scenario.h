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

#define SCEN_KEY "peer-says"
#define SCEN_VALUE "hello from rank 1"

#endif
