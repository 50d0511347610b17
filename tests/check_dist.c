/* check_dist.c: the tensor layer's process groups (lt_dist_*: c10d Gloo
 * over a TCPStore) with two real processes on loopback: this test is rank
 * 0, tests/dist/peer.c rank 1. Sums, max / min / average, many tensors
 * packed into tiny buckets, broadcast from rank 1 in two dtypes, averaged
 * gradients (an unused parameter takes part with zeros), all-gather of
 * unequal row counts, the store, a barrier; then the failures: a peer that
 * exits fails the next collective at once, a peer that hangs fails it
 * after the timeout, and a bad rank is refused. */
#include "testutil.h"
#include "dist/scenario.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
  close(s);
  return ntohs(a.sin_port);
}

/* Starts rank 1 in mode; returns its pid. */
static pid_t peer(int port, const char *mode) {
  const char *build = getenv("LT_BUILD") ? getenv("LT_BUILD") : "build";
  char path[512], p[16];
  snprintf(path, sizeof path, "%s/tests/dist_peer", build);
  snprintf(p, sizeof p, "%d", port);
  char *argv[] = {path, p, (char *)mode, NULL};
  pid_t pid;
  ck_assert_msg(posix_spawn(&pid, path, NULL, NULL, argv, environ) == 0, "cannot start %s", path);
  return pid;
}

static int wait_exit(pid_t pid) {
  int st;
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

START_TEST(collectives) {
  int port = free_port();
  pid_t pid = peer(port, "collectives");
  lt_dist *d = lt_dist_init("127.0.0.1", port, 0, 2, 20, 1, NULL);
  ck_assert_msg(d != NULL, "%s", lt_last_error());
  lt_tensor *t[2] = {scen_f32(0), scen_i64(0)};
  ck_assert_int_eq(lt_dist_allreduce(d, t, 2, LT_REDUCE_SUM, 0), LT_OK);
  EXPECT_VALUES(t[0], 0, 3, 30);
  EXPECT_VALUES(t[1], 0, 1);
  ck_assert_int_eq(lt_tensor_dtype(t[1]), LT_INT64);
  const double want[3][2] = {{2, 20}, {1, 10}, {1.5, 15}}; /* max, min, avg of [1, 10] and [2, 20] */
  for (int op = 1; op <= 3; op++) {
    lt_tensor *x = scen_f32(0);
    ck_assert_int_eq(lt_dist_allreduce(d, &x, 1, (lt_reduce_op)op, 0), LT_OK);
    EXPECT_VALUES(x, 0, want[op - 1][0], want[op - 1][1]);
  }
  lt_tensor *many[5];
  for (int i = 0; i < 5; i++) many[i] = scen_f32(0);
  ck_assert_int_eq(lt_dist_allreduce(d, many, 5, LT_REDUCE_SUM, 1e-5), LT_OK); /* one tensor a bucket */
  for (int i = 0; i < 5; i++) EXPECT_VALUES(many[i], 0, 3, 30);
  lt_tensor *bc[2] = {lt_tensor_zeros((const int64_t[]){3}, 1, LT_FLOAT64, LT_CPU),
                      lt_tensor_zeros((const int64_t[]){1}, 1, LT_INT64, LT_CPU)};
  ck_assert_int_eq(lt_dist_broadcast(d, bc, 2, 1), LT_OK);
  EXPECT_VALUES(bc[0], 0, 7, 8, 9);
  EXPECT_VALUES(bc[1], 0, 42);
  /* rank 0: d(sum(4 p0))/dp0 = 4, rank 1: 2; p1 unused on both */
  lt_tensor *p[2] = {lt_tensor_zeros((const int64_t[]){2}, 1, LT_FLOAT32, LT_CPU),
                     lt_tensor_zeros((const int64_t[]){2}, 1, LT_FLOAT32, LT_CPU)};
  lt_tensor_set_requires_grad(p[0], 1), lt_tensor_set_requires_grad(p[1], 1);
  lt_tensor *loss = lt_tensor_sum(lt_tensor_mul_scalar(p[0], 4.0), NULL, 0, 0);
  ck_assert_int_eq(lt_tensor_backward(loss, LT_NO_TENSOR, 0), LT_OK);
  ck_assert_int_eq(lt_dist_allreduce_grads(d, p, 2, 0), LT_OK);
  EXPECT_VALUES(lt_tensor_grad(p[0]), 0, 3, 3);
  EXPECT_VALUES(lt_tensor_grad(p[1]), 0, 0, 0);
  lt_tensor *g = lt_dist_all_gather(d, scen_rows(0));
  EXPECT_SHAPE(g, 3, 2);
  EXPECT_VALUES(g, 0, 1, 2, 3, 4, 5, 6);
  char buf[64];
  ck_assert_int_eq(lt_dist_store_get(d, SCEN_KEY, buf, sizeof buf, 10), LT_OK);
  ck_assert_str_eq(buf, SCEN_VALUE);
  ck_assert_int_eq(lt_dist_store_get(d, "nobody-set-this", buf, sizeof buf, 0), LT_ERR_NOT_FOUND);
  ck_assert_int_eq(lt_dist_barrier(d), LT_OK);
  lt_dist_free(d);
  ck_assert_int_eq(wait_exit(pid), 0);
}
END_TEST

START_TEST(dead_peer_fails_fast) {
  int port = free_port();
  pid_t pid = peer(port, "die");
  lt_dist *d = lt_dist_init("127.0.0.1", port, 0, 2, 60, 1, NULL);
  ck_assert_msg(d != NULL, "%s", lt_last_error());
  ck_assert_int_eq(wait_exit(pid), 3);
  lt_tensor *x = scen_f32(0);
  double t0 = now();
  lt_clear_error();
  ck_assert_int_ne(lt_dist_allreduce(d, &x, 1, LT_REDUCE_SUM, 0), LT_OK);
  ck_assert_msg(now() - t0 < 10, "a dead peer took %.1f s to notice (timeout 60 s)", now() - t0);
  ck_assert_msg(strstr(lt_last_error(), "lt_dist_allreduce") != NULL, "%s", lt_last_error());
  lt_dist_free(d);
}
END_TEST

START_TEST(hung_peer_times_out) {
  int port = free_port();
  pid_t pid = peer(port, "hang");
  lt_dist *d = lt_dist_init("127.0.0.1", port, 0, 2, 2, 1, NULL);
  ck_assert_msg(d != NULL, "%s", lt_last_error());
  lt_tensor *x = scen_f32(0);
  double t0 = now();
  lt_clear_error();
  ck_assert_int_ne(lt_dist_allreduce(d, &x, 1, LT_REDUCE_SUM, 0), LT_OK);
  double took = now() - t0;
  ck_assert_msg(took > 1.5 && took < 10, "the 2 s timeout fired after %.1f s", took);
  ck_assert_msg(strstr(lt_last_error(), "timed out") || strstr(lt_last_error(), "Timed out"), "%s", lt_last_error());
  kill(pid, SIGKILL);
  wait_exit(pid);
  lt_dist_free(d);
}
END_TEST

START_TEST(bad_arguments) {
  lt_clear_error();
  ck_assert_ptr_null(lt_dist_init("127.0.0.1", 1234, 2, 2, 1, 1, NULL));
  ck_assert_msg(strstr(lt_last_error(), "rank") != NULL, "%s", lt_last_error());
  ck_assert_ptr_null(lt_dist_init(NULL, 1234, 0, 2, 1, 1, NULL));
  lt_tensor *x = scen_f32(0);
  ck_assert_int_eq(lt_dist_allreduce(NULL, &x, 1, LT_REDUCE_SUM, 0), LT_ERR_NULL);
  ck_assert_msg(strstr(lt_last_error(), "no process group") != NULL, "%s", lt_last_error());
}
END_TEST

Suite *dist_suite(void) {
  Suite *s = suite_create("dist");
  TCase *tc = tcase_create("gloo");
  tcase_add_checked_fixture(tc, lt_test_setup, lt_test_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, collectives);
  tcase_add_test(tc, dead_peer_fails_fast);
  tcase_add_test(tc, hung_peer_times_out);
  tcase_add_test(tc, bad_arguments);
  suite_add_tcase(s, tc);
  return s;
}
