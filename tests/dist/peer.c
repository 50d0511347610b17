/* peer.c: rank 1 of the two-process lt_dist tests (tests/check_dist.c is
 * rank 0): `peer PORT collectives|die|hang`. collectives runs the same
 * calls as rank 0 in the same order; die joins and exits at once; hang
 * joins and sleeps, so that rank 0's timeout shows. Exit 0 when every call
 * of this side succeeded. */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(x)                                                                  \
  do {                                                                            \
    if (!(x)) {                                                                   \
      fprintf(stderr, "peer: %s failed: %s\n", #x, lt_last_error());               \
      return 1;                                                                   \
    }                                                                             \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  if (write(3, "r", 1) == 1) close(3); /* loaded: tell rank 0 (check_dist.c) */
  int port = atoi(argv[1]);
  lt_dist *d = lt_dist_init("127.0.0.1", port, 1, 2, 20, 0, NULL);
  CHECK(d);
  if (!strcmp(argv[2], "die")) _exit(3);
  if (!strcmp(argv[2], "hang")) {
    sleep(30);
    return 0;
  }
  lt_scope *s = lt_scope_begin();
  lt_tensor *t[2] = {scen_f32(1), scen_i64(1)};
  CHECK(lt_dist_allreduce(d, t, 2, LT_REDUCE_SUM, 0) == LT_OK);
  for (int op = 1; op <= 3; op++) {
    lt_tensor *x = scen_f32(1);
    CHECK(lt_dist_allreduce(d, &x, 1, (lt_reduce_op)op, 0) == LT_OK);
  }
  lt_tensor *many[5];
  for (int i = 0; i < 5; i++) many[i] = scen_f32(1);
  CHECK(lt_dist_allreduce(d, many, 5, LT_REDUCE_SUM, 1e-5) == LT_OK);
  lt_tensor *fl[2] = {scen_f32(1), scen_i64(1)}, *avg = scen_f32(1);
  lt_dist_work *w1 = lt_dist_allreduce_start(d, fl, 2, LT_REDUCE_SUM);
  CHECK(w1);
  lt_dist_work *w2 = lt_dist_allreduce_start(d, &avg, 1, LT_REDUCE_AVG);
  CHECK(w2);
  CHECK(lt_dist_work_wait(w1) == LT_OK); /* the other order than rank 0's */
  CHECK(lt_dist_work_wait(w2) == LT_OK);
  double b[3] = {7, 8, 9};
  int64_t bi[1] = {42};
  lt_tensor *bc[2] = {lt_tensor_from_data(b, (const int64_t[]){3}, 1, LT_FLOAT64),
                      lt_tensor_from_data(bi, (const int64_t[]){1}, 1, LT_INT64)};
  CHECK(lt_dist_broadcast(d, bc, 2, 1) == LT_OK);
  lt_tensor *p[2] = {lt_tensor_zeros((const int64_t[]){2}, 1, LT_FLOAT32, LT_CPU),
                     lt_tensor_zeros((const int64_t[]){2}, 1, LT_FLOAT32, LT_CPU)};
  lt_tensor_set_requires_grad(p[0], 1), lt_tensor_set_requires_grad(p[1], 1);
  lt_tensor *loss = lt_tensor_sum(lt_tensor_mul_scalar(p[0], 2.0), NULL, 0, 0);
  CHECK(lt_tensor_backward(loss, LT_NO_TENSOR, 0) == LT_OK);
  CHECK(lt_dist_allreduce_grads(d, p, 2, 0) == LT_OK);
  lt_tensor *q[3];
  lt_dist_reducer *red;
  CHECK(scen_reducer(d, 1, q, &red) == 0);
  lt_dist_reducer_free(red);
  CHECK(lt_dist_all_gather(d, scen_rows(1)) != NULL);
  CHECK(lt_dist_store_set(d, SCEN_KEY, SCEN_VALUE) == LT_OK);
  CHECK(lt_dist_barrier(d) == LT_OK);
  lt_scope_end(s);
  lt_dist_free(d);
  return 0;
}
