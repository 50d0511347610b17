/* check_dist.c: the tensor layer's process groups (lt_dist_*: c10d Gloo
 * over a TCPStore) with two real processes on loopback: this test is rank
 * 0, tests/dist/peer.c rank 1. Sums, max / min / average, many tensors
 * packed into tiny buckets, collectives in flight (two at once), broadcast from rank 1 in two dtypes, averaged
 * gradients (an unused parameter takes part with zeros), DDP's reducer
 * (synced and no_sync backwards, a parameter one rank used), all-gather of
 * unequal row counts, the store, a barrier; then the failures: a peer that
 * exits fails the next collective at once, a peer that hangs fails it
 * after the timeout, and a bad rank is refused. Then the host's launch plan
 * (host/dist.c) for each launcher's environment and the trainer's devices,
 * strategy and num_nodes. */
#include "testutil.h"
#include "dist/scenario.h"

#include "../host/cmd.h"
#include "../host/dist.h"

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
  /* other suites chdir when CK_FORK=no: a relative build folder is the source tree's */
  const char *build = getenv("LT_BUILD") ? getenv("LT_BUILD") : "build", *src = getenv("LT_SOURCE_DIR");
  char path[1024], p[16];
  if (build[0] != '/' && src) snprintf(path, sizeof path, "%s/%s/tests/dist_peer", src, build);
  else snprintf(path, sizeof path, "%s/tests/dist_peer", build);
  snprintf(p, sizeof p, "%d", port);
  char *argv[] = {path, p, (char *)mode, NULL};
  /* the peer says "ready" on fd 3 once loaded (libtorch under ASan takes
   * seconds), so that rank 0's short timeouts measure collectives only */
  int ready[2];
  ck_assert_int_eq(pipe(ready), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, ready[1], 3);
  posix_spawn_file_actions_addclose(&fa, ready[0]);
  pid_t pid;
  ck_assert_msg(posix_spawn(&pid, path, &fa, NULL, argv, environ) == 0, "cannot start %s", path);
  posix_spawn_file_actions_destroy(&fa);
  close(ready[1]);
  char c;
  ck_assert_msg(read(ready[0], &c, 1) == 1, "%s never said it was ready", path);
  close(ready[0]);
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
  /* in flight: two dtypes, the values unchanged until the wait; a second
   * collective started before the first is waited for */
  lt_tensor *fl[2] = {scen_f32(0), scen_i64(0)}, *avg = scen_f32(0);
  lt_dist_work *w1 = lt_dist_allreduce_start(d, fl, 2, LT_REDUCE_SUM);
  ck_assert_msg(w1 != NULL, "%s", lt_last_error());
  EXPECT_VALUES(fl[0], 0, 1, 10);
  lt_dist_work *w2 = lt_dist_allreduce_start(d, &avg, 1, LT_REDUCE_AVG);
  ck_assert_msg(w2 != NULL, "%s", lt_last_error());
  ck_assert_int_eq(lt_dist_work_wait(w2), LT_OK);
  ck_assert_int_eq(lt_dist_work_wait(w1), LT_OK);
  EXPECT_VALUES(fl[0], 0, 3, 30);
  EXPECT_VALUES(fl[1], 0, 1);
  EXPECT_VALUES(avg, 0, 1.5, 15);
  ck_assert_int_eq(lt_dist_work_wait(NULL), LT_ERR_NULL);
  lt_dist_work_free(NULL);
  ck_assert_ptr_null(lt_dist_allreduce_start(NULL, fl, 2, LT_REDUCE_SUM));
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
  /* DDP's reducer: step 1 averaged (q2, used by rank 1 alone, with zeros
   * here: 0.5); step 2 local (q0 3 + 4 = 7 here, 3 + 2 = 5 there); step 3
   * averaged again: (7 + 1 + 5 + 1) / 2 = 7 */
  lt_tensor *q[3];
  lt_dist_reducer *red;
  int failed = scen_reducer(d, 0, q, &red);
  ck_assert_msg(failed == 0, "reducer step %d: %s", failed, lt_last_error());
  EXPECT_VALUES(lt_tensor_grad(q[0]), 0, 7, 7);
  EXPECT_VALUES(lt_tensor_grad(q[1]), 0, 2, 2);
  EXPECT_VALUES(lt_tensor_grad(q[2]), 0, 0.5, 0.5, 0.5);
  /* a parameter frozen since: the reducer says so (make a new one) */
  lt_tensor_set_requires_grad(q[2], 0);
  lt_tensor *l = scen_reducer_loss(0, 3, q);
  ck_assert_int_eq(lt_dist_reducer_prepare(red, &l, 1), LT_ERR_INVALID);
  lt_dist_reducer_free(red);
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

/* ---- the launch plan ---------------------------------------------------------- */

static const char *const env_names[] = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                                        "MASTER_PORT", "GROUP_RANK", "NODE_RANK", "TORCHELASTIC_RUN_ID",
                                        "TORCHELASTIC_USE_AGENT_STORE", "TORCHELASTIC_RESTART_COUNT", "SLURM_NTASKS",
                                        "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NODEID", "SLURM_NODELIST",
                                        "SLURM_JOB_ID", "SLURM_JOB_NAME", "SLURM_NTASKS_PER_NODE", "LIGHTER_LAUNCHER"};

static void env_clear(void) {
  for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++) unsetenv(env_names[i]);
}

static void plan_setup(void) { env_clear(); }
static void plan_teardown(void) {
  env_clear();
  unlink("/tmp/lt_dist_plan.yaml");
  cfg_sources_free();
  cfg_intern_free();
}

/* The plan for a trainer given as YAML flow text ("{devices: 2}"). */
static int plan(const char *trainer, host_dist *d) {
  FILE *f = fopen("/tmp/lt_dist_plan.yaml", "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f, "trainer: %s\n", trainer);
  fclose(f);
  const char *in[] = {"/tmp/lt_dist_plan.yaml"};
  cfg_error err = {0};
  cfg_node *root = host_config_load(in, 1, 1, &err);
  ck_assert_msg(root != NULL, "%s", err.msg);
  int rc = host_dist_plan(root, d);
  cfg_free(root);
  return rc;
}

START_TEST(plan_alone) {
  host_dist d;
  ck_assert_int_eq(plan("{max_epochs: 1}", &d), 0);
  ck_assert_int_eq(d.active, 0);
  ck_assert_int_eq(plan("{devices: auto, strategy: ddp}", &d), 0); /* auto is 1 on the CPU */
  ck_assert_int_eq(d.active, 0);
  ck_assert_int_eq(plan("{devices: 3, strategy: ddp}", &d), 3); /* the launcher starts 3 */
  ck_assert_int_eq(d.world, 3);
  ck_assert_str_eq(d.addr, "127.0.0.1");
  ck_assert_int_eq(plan("{devices: 2}", &d), 2); /* auto with 2 devices is ddp, as Lightning */
  ck_assert_int_eq(plan("{devices: 2, strategy: single_device}", &d), -1);
  ck_assert_int_eq(plan("{strategy: fsdp}", &d), -1);
  ck_assert_int_eq(plan("{devices: 0}", &d), -1);
  ck_assert_int_eq(plan("{devices: 2, num_nodes: 2, strategy: ddp}", &d), -1); /* no MASTER_ADDR / NODE_RANK */
  setenv("MASTER_ADDR", "10.0.0.1", 1), setenv("NODE_RANK", "1", 1);
  ck_assert_int_eq(plan("{devices: 2, num_nodes: 2, strategy: ddp}", &d), 2);
  ck_assert_int_eq(d.world, 4);
  ck_assert_int_eq(d.node_rank, 1);
  ck_assert_str_eq(d.addr, "10.0.0.1");
}
END_TEST

START_TEST(plan_torchrun) {
  host_dist d;
  setenv("RANK", "3", 1), setenv("WORLD_SIZE", "4", 1), setenv("LOCAL_RANK", "1", 1);
  setenv("LOCAL_WORLD_SIZE", "2", 1), setenv("GROUP_RANK", "1", 1), setenv("MASTER_ADDR", "node0", 1);
  setenv("MASTER_PORT", "29500", 1), setenv("TORCHELASTIC_RUN_ID", "x", 1);
  setenv("TORCHELASTIC_USE_AGENT_STORE", "True", 1), setenv("TORCHELASTIC_RESTART_COUNT", "2", 1);
  ck_assert_int_eq(plan("{max_epochs: 1}", &d), 0);
  ck_assert_int_eq(d.active, 1);
  ck_assert_int_eq(d.rank, 3);
  ck_assert_int_eq(d.world, 4);
  ck_assert_int_eq(d.local_rank, 1);
  ck_assert_int_eq(d.node_rank, 1);
  ck_assert_str_eq(d.launcher, "torchrun");
  ck_assert_str_eq(d.store_prefix, "/worker/attempt_2"); /* the agent's store: a client */
  ck_assert_int_eq(d.serve_store, 0);
  ck_assert_int_eq(d.port, 29500);
  ck_assert_int_eq(plan("{devices: 2, num_nodes: 2}", &d), 0);                 /* 2 x 2 = 4: agrees */
  ck_assert_int_eq(plan("{devices: 2}", &d), -1);                              /* 2 != 4 */
  ck_assert_int_eq(plan("{strategy: single_device}", &d), -1);
  ck_assert_int_eq(plan("{strategy: {_target_: lightning.pytorch.strategies.DDPStrategy, "
                        "timeout: {_target_: datetime.timedelta, minutes: 2, seconds: 5}}}", &d), 0);
  ck_assert(d.timeout_s == 125);
  unsetenv("TORCHELASTIC_USE_AGENT_STORE");
  setenv("RANK", "0", 1);
  ck_assert_int_eq(plan("{}", &d), 0);
  ck_assert_int_eq(d.serve_store, 1); /* without the agent's store, rank 0 serves one */
  setenv("MASTER_PORT", "99999", 1);
  ck_assert_int_eq(plan("{}", &d), -1);
  unsetenv("MASTER_PORT");
  ck_assert_int_eq(plan("{}", &d), -1); /* a group without an address */
}
END_TEST

START_TEST(plan_slurm) {
  host_dist d;
  setenv("SLURM_NTASKS", "4", 1), setenv("SLURM_PROCID", "2", 1), setenv("SLURM_LOCALID", "0", 1);
  setenv("SLURM_NODEID", "1", 1), setenv("SLURM_NTASKS_PER_NODE", "2(x2)", 1);
  setenv("SLURM_NODELIST", "gpu[03-04,09],cpu1", 1), setenv("SLURM_JOB_ID", "1234567", 1);
  ck_assert_int_eq(plan("{devices: 2, num_nodes: 2}", &d), 0);
  ck_assert_int_eq(d.active, 1);
  ck_assert_int_eq(d.rank, 2);
  ck_assert_int_eq(d.world, 4);
  ck_assert_int_eq(d.local_world, 2);
  ck_assert_str_eq(d.addr, "gpu03");
  ck_assert_int_eq(d.port, 15000 + 4567);
  ck_assert_str_eq(d.launcher, "slurm");
  ck_assert_int_eq(plan("{devices: 3}", &d), -1); /* 3 != 4 tasks */
  setenv("SLURM_JOB_NAME", "bash", 1);            /* an interactive allocation: not a launch */
  ck_assert_int_eq(plan("{}", &d), 0);
  ck_assert_int_eq(d.active, 0);
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
  TCase *tp = tcase_create("plan");
  tcase_add_checked_fixture(tp, plan_setup, plan_teardown);
  tcase_add_test(tp, plan_alone);
  tcase_add_test(tp, plan_torchrun);
  tcase_add_test(tp, plan_slurm);
  suite_add_tcase(s, tp);
  return s;
}
