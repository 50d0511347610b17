/* dist.c: distributed data parallel, the host's side (see dist.h): the
 * launch plan from torchrun / SLURM variables or the trainer's devices and
 * strategy, the self-spawn launcher (free port, N re-executions of this
 * command, signal forwarding, reaping, the worst status), joining the
 * process group, and failure messages that name the rank. */
#include "dist.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

host_dist host_dist_self;
char **host_argv; /* set by main() (cmd.h) */

/* A launch problem: said (as every host error) and -1. */
#define fail_plan(...) (host_failf(__VA_ARGS__), -1)

/* An environment variable as an int, or dflt when unset; -2 when set but
 * not a number. */
static long env_int(const char *name, long dflt) {
  const char *v = getenv(name);
  if (!v || !*v) return dflt;
  char *end;
  long x = strtol(v, &end, 10);
  return *end && *end != '(' ? -2 : x; /* SLURM writes "2(x3)" */
}

/* A timedelta as seconds: a number, or {days, hours, minutes, seconds,
 * milliseconds, microseconds, weeks} (datetime.timedelta's arguments,
 * with or without its _target_). -1 when it is neither. */
static double seconds_of(const cfg_node *n) {
  if (!n || n->kind == CFG_NULL) return 0;
  if (n->kind == CFG_INT) return (double)n->i;
  if (n->kind == CFG_FLOAT) return n->f;
  if (n->kind != CFG_DICT) return -1;
  double s = 0;
  for (size_t i = 0; i < n->n; i++) {
    const cfg_node *v = n->items[i];
    double unit = host_timedelta_unit(n->keys[i]);
    if (unit > 0 && (v->kind == CFG_INT || v->kind == CFG_FLOAT)) s += (v->kind == CFG_INT ? (double)v->i : v->f) * unit;
  }
  return s;
}

double host_timedelta_unit(const char *name) {
  static const struct {
    const char *name;
    double seconds;
  } units[] = {{"weeks", 604800},  {"days", 86400},        {"hours", 3600},        {"minutes", 60},
               {"seconds", 1},     {"milliseconds", 1e-3}, {"microseconds", 1e-6}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (!strcmp(name, units[i].name)) return units[i].seconds;
  return -1;
}

int host_strategy_kind(const char *name) {
  static const char *const ddp[] = {"ddp", "ddp_spawn", "ddp_fork", "ddp_notebook",
                                    "ddp_find_unused_parameters_true", "ddp_find_unused_parameters_false"};
  if (!strcmp(name, "auto")) return 0;
  if (!strcmp(name, "single_device")) return -1;
  for (size_t i = 0; i < sizeof ddp / sizeof ddp[0]; i++)
    if (!strcmp(name, ddp[i])) return 1;
  return -2;
}

/* 1 ddp, 0 auto, -1 single_device; -2 unknown (printed). */
static int strategy_of(const cfg_node *s, host_dist *d) {
  if (!s || s->kind == CFG_NULL) return 0;
  if (s->kind == CFG_STRING) {
    int kind = host_strategy_kind(s->s);
    if (!strcmp(s->s, "ddp_find_unused_parameters_true")) d->find_unused = 1;
    if (kind > -2) return kind;
    host_failf("trainer::strategy '%s' is not available on the CPU here; use \"ddp\" (or auto, single_device)", s->s);
    return -2;
  }
  if (cfg_is_component(s)) { /* DDPStrategy(timeout=..., bucket_cap_mb=...) */
    double t = seconds_of(cfg_dict_get(s, "timeout"));
    if (t < 0) {
      host_failf("trainer::strategy::timeout must be seconds or a datetime.timedelta");
      return -2;
    }
    if (t > 0) d->timeout_s = t;
    const cfg_node *fu = cfg_dict_get(s, "find_unused_parameters");
    if (fu && fu->kind == CFG_BOOL) d->find_unused = fu->i != 0;
    const cfg_node *b = cfg_dict_get(s, "bucket_cap_mb");
    if (b && (b->kind == CFG_INT || b->kind == CFG_FLOAT)) d->bucket_mb = b->kind == CFG_INT ? (double)b->i : b->f;
    return 1;
  }
  host_failf("trainer::strategy must be a name (\"ddp\") or a DDPStrategy");
  return -2;
}

/* SLURM_NODELIST's first host: "node[03-05,09],gpu1" -> "node03". */
static void slurm_first_host(const char *list, char *out, size_t len) {
  size_t i = 0, o = 0;
  while (list[i] && list[i] != ',' && list[i] != '[' && o + 1 < len) out[o++] = list[i++];
  if (list[i] == '[')
    for (i++; list[i] && list[i] != '-' && list[i] != ',' && list[i] != ']' && o + 1 < len;) out[o++] = list[i++];
  out[o] = 0;
}

int host_dist_plan(const cfg_node *root, host_dist *d) {
  memset(d, 0, sizeof *d);
  d->world = 1, d->local_world = 1, d->timeout_s = 1800, d->bucket_mb = 25, d->find_unused = 0;
  const cfg_node *t = root ? cfg_dict_get(root, "trainer") : NULL;
  int strategy = strategy_of(t ? cfg_dict_get(t, "strategy") : NULL, d);
  if (strategy == -2) return -1;
  const cfg_node *dev = t ? cfg_dict_get(t, "devices") : NULL, *nn = t ? cfg_dict_get(t, "num_nodes") : NULL;
  long devices = 1, nodes = nn && nn->kind == CFG_INT ? (long)nn->i : 1;
  int devices_given = 0;
  if (dev && dev->kind == CFG_INT) {
    devices = (long)dev->i, devices_given = 1;
    if (devices == -1) devices = sysconf(_SC_NPROCESSORS_ONLN); /* "all" */
    if (devices < 1) return fail_plan("trainer::devices must be a positive number of processes (or auto)");
  } else if (dev && !(dev->kind == CFG_STRING && !strcmp(dev->s, "auto")) && dev->kind != CFG_NULL) {
    return fail_plan("trainer::devices must be a number of processes or \"auto\" (on the CPU: auto is 1)");
  }
  if (nodes < 1) return fail_plan("trainer::num_nodes must be at least 1");
  if (strategy == -1 && (devices > 1 || nodes > 1))
    return fail_plan("strategy single_device runs one process; devices %ld x num_nodes %ld needs strategy ddp",
                     devices, nodes);
  long want = devices * nodes;
  const char *addr = getenv("MASTER_ADDR");
  long port = env_int("MASTER_PORT", 0);
  long rank = env_int("RANK", -1), world = env_int("WORLD_SIZE", -1);
  if (rank >= 0 && world >= 1) { /* torchrun, our own spawn, or a hand-made launch */
    if (rank >= world) return fail_plan("RANK %ld is not below WORLD_SIZE %ld", rank, world);
    if (world > 1 && strategy == -1)
      return fail_plan("launched as %ld processes (WORLD_SIZE) but trainer::strategy is single_device; use ddp",
                       world);
    if (devices_given && want != world && world > 1)
      return fail_plan("the launcher started %ld processes (WORLD_SIZE) but the trainer asks for devices %ld x "
                       "num_nodes %ld = %ld; make them agree (or set trainer::devices=auto)",
                       world, devices, nodes, want);
    d->rank = (int)rank, d->world = (int)world;
    d->local_rank = (int)env_int("LOCAL_RANK", rank);
    d->local_world = (int)env_int("LOCAL_WORLD_SIZE", world);
    d->node_rank = (int)env_int("GROUP_RANK", env_int("NODE_RANK", 0));
    d->launcher = getenv("TORCHELASTIC_RUN_ID") ? "torchrun" : getenv("LIGHTER_LAUNCHER") ? "lighter-host"
                                                                                           : "the environment";
    const char *agent = getenv("TORCHELASTIC_USE_AGENT_STORE");
    if (agent && !strcmp(agent, "True"))
      snprintf(d->store_prefix, sizeof d->store_prefix, "/worker/attempt_%ld", env_int("TORCHELASTIC_RESTART_COUNT", 0));
    else
      d->serve_store = d->rank == 0;
  } else if (env_int("SLURM_NTASKS", 0) > 1 && env_int("SLURM_PROCID", -1) >= 0 &&
             !(getenv("SLURM_JOB_NAME") && (!strcmp(getenv("SLURM_JOB_NAME"), "bash") ||
                                            !strcmp(getenv("SLURM_JOB_NAME"), "interactive")))) {
    world = env_int("SLURM_NTASKS", 1);
    if (devices_given && want != world)
      return fail_plan("SLURM started %ld tasks but the trainer asks for devices %ld x num_nodes %ld = %ld; "
                       "make them agree (--ntasks-per-node = devices)", world, devices, nodes, want);
    d->rank = (int)env_int("SLURM_PROCID", 0), d->world = (int)world;
    d->local_rank = (int)env_int("SLURM_LOCALID", 0);
    d->local_world = (int)env_int("SLURM_NTASKS_PER_NODE", 1);
    d->node_rank = (int)env_int("SLURM_NODEID", 0);
    d->launcher = "slurm";
    d->serve_store = d->rank == 0;
    if (!addr) {
      static char host[256];
      const char *list = getenv("SLURM_NODELIST") ? getenv("SLURM_NODELIST") : getenv("SLURM_JOB_NODELIST");
      if (!list) return fail_plan("under SLURM: set MASTER_ADDR (no SLURM_NODELIST to take it from)");
      slurm_first_host(list, host, sizeof host);
      addr = host;
    }
    if (!port) { /* as Lightning: 15000 + the job id's last four digits */
      const char *job = getenv("SLURM_JOB_ID");
      size_t jl = job ? strlen(job) : 0;
      port = 15000 + (jl ? atol(job + (jl > 4 ? jl - 4 : 0)) : 0);
    }
  } else if (want > 1 && strategy >= 0) {
    if (nodes > 1 && (!getenv("MASTER_ADDR") || env_int("NODE_RANK", -1) < 0))
      return fail_plan("num_nodes %ld: start this command on every node with MASTER_ADDR, MASTER_PORT and NODE_RANK "
                       "set (or launch with torchrun / srun)", nodes);
    d->world = (int)want, d->local_world = (int)devices;
    d->node_rank = nodes > 1 ? (int)env_int("NODE_RANK", 0) : 0;
    if (d->node_rank < 0 || d->node_rank >= nodes) return fail_plan("NODE_RANK must be in 0..%ld", nodes - 1);
    snprintf(d->addr, sizeof d->addr, "%s", addr ? addr : "127.0.0.1");
    d->port = (int)port;
    d->launcher = "lighter-host";
    return (int)devices;
  } else {
    return 0;
  }
  if (port == -2 || (port && (port < 1 || port > 65535)))
    return fail_plan("MASTER_PORT must be a port number (1..65535)");
  if (!addr || !*addr || !port) {
    if (d->world == 1) return 0;
    return fail_plan("rank %d of %d: MASTER_ADDR and MASTER_PORT must be set (torchrun sets them)", d->rank, d->world);
  }
  snprintf(d->addr, sizeof d->addr, "%s", addr);
  d->port = (int)port;
  d->active = d->world > 1;
  return 0;
}

/* ---- the launcher ----------------------------------------------------------- */

static pid_t *children;
static int nchildren;
static volatile sig_atomic_t forwarded;

static void forward(int sig) {
  forwarded = sig;
  for (int i = 0; i < nchildren; i++)
    if (children[i] > 0) kill(children[i], sig);
}

static int free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (!bind(s, (struct sockaddr *)&a, sizeof a) && !getsockname(s, (struct sockaddr *)&a, &len))
    port = ntohs(a.sin_port);
  close(s);
  return port;
}

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int host_dist_spawn(char **argv, int n, const host_dist *d) {
  int port = d->port ? d->port : free_port();
  if (port <= 0) {
    fprintf(stderr, "lighter-host: cannot find a free port for the workers (%s); set MASTER_PORT\n", strerror(errno));
    return 1;
  }
  children = calloc((size_t)n, sizeof *children);
  if (!children) return 1;
  nchildren = n;
  /* per worker: 1 libtorch thread and an equal share of the cores for BLAS
   * (n workers with all cores each would fight over them) */
  char threads[32] = "";
  if (!getenv("LT_NUM_THREADS")) {
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    long share = ncpu / n > 0 ? ncpu / n : 1;
    snprintf(threads, sizeof threads, "1,%ld", share);
  }
  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  fflush(NULL);
  int started = 0;
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      /* the ranks already started would wait for this one until the
       * group's timeout (30 minutes by default): stop them now */
      fprintf(stderr, "lighter-host: cannot start worker %d (rank %d of %d): fork: %s; stopping the %d already "
                      "started (check the process limit, ulimit -u, and free memory)\n",
              i, d->node_rank * n + i, d->world, strerror(errno), started);
      break;
    }
    if (pid == 0) {
      sigaction(SIGINT, &old_int, NULL);
      sigaction(SIGTERM, &old_term, NULL);
      char v[32];
      snprintf(v, sizeof v, "%d", d->node_rank * n + i), setenv("RANK", v, 1);
      snprintf(v, sizeof v, "%d", i), setenv("LOCAL_RANK", v, 1);
      snprintf(v, sizeof v, "%d", d->world), setenv("WORLD_SIZE", v, 1);
      snprintf(v, sizeof v, "%d", n), setenv("LOCAL_WORLD_SIZE", v, 1);
      snprintf(v, sizeof v, "%d", d->node_rank), setenv("NODE_RANK", v, 1);
      snprintf(v, sizeof v, "%d", port), setenv("MASTER_PORT", v, 1);
      setenv("MASTER_ADDR", d->addr, 1);
      setenv("LIGHTER_LAUNCHER", "lighter-host", 1);
      if (*threads) setenv("LT_NUM_THREADS", threads, 1);
      execv("/proc/self/exe", argv);
      fprintf(stderr, "lighter-host: worker %d: cannot run /proc/self/exe: %s\n", i, strerror(errno));
      _exit(127);
    }
    children[i] = pid;
    started++;
  }
  int worst = 0, live = started;
  double deadline = 0, killed_at = 0;
  if (started < n) { /* SIGTERM now, SIGKILL 5 s later (they may be blocked joining the group) */
    forward(SIGTERM);
    killed_at = mono();
    worst = 1;
  } else {
    fprintf(stderr, "lighter-host: started %d workers (ranks %d..%d of %d, %s:%d)\n", n, d->node_rank * n,
            d->node_rank * n + n - 1, d->world, d->addr, port);
  }
  while (live > 0) {
    int st;
    pid_t pid = waitpid(-1, &st, WNOHANG);
    if (pid < 0 && errno != EINTR) break;
    if (pid <= 0) {
      double t = mono();
      if (deadline > 0 && t > deadline && killed_at == 0) {
        fprintf(stderr, "lighter-host: %d worker(s) still running %.0f s after a rank failed; terminating them\n", live,
                d->timeout_s + 5);
        forward(SIGTERM);
        killed_at = t;
      } else if (killed_at > 0 && t > killed_at + 5) {
        forward(SIGKILL);
        killed_at = t + 1e9;
      }
      struct timespec ts = {0, 50 * 1000 * 1000};
      nanosleep(&ts, NULL);
      continue;
    }
    int i = 0;
    while (i < n && children[i] != pid) i++;
    if (i == n) continue;
    children[i] = -1;
    live--;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
    int rank = d->node_rank * n + i;
    if (WIFSIGNALED(st) && !forwarded)
      fprintf(stderr, "lighter-host: rank %d (pid %d) was killed by signal %d (%s); the other ranks stop at their "
                      "next collective\n", rank, (int)pid, WTERMSIG(st), strsignal(WTERMSIG(st)));
    else if (code && code != 130 && !forwarded && worst == 0)
      fprintf(stderr, "lighter-host: rank %d (pid %d) exited with status %d\n", rank, (int)pid, code);
    if (code && deadline == 0) deadline = mono() + d->timeout_s + 5; /* the others fail within their timeout */
    if (code > worst && started == n) worst = code; /* else 1: the launch failed, as said */
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  free(children);
  children = NULL, nchildren = 0;
  return worst;
}

/* ---- the group ------------------------------------------------------------------ */

int host_dist_join(host_dist *d) {
  if (!d->active) return 0;
  lt_clear_error();
  d->pg = lt_dist_init(d->addr, d->port, d->rank, d->world, d->timeout_s, d->serve_store,
                       *d->store_prefix ? d->store_prefix : NULL);
  if (!d->pg) {
    fprintf(stderr, "lighter-host: [rank %d] cannot join the process group of %d at %s:%d (launched by %s) within "
                    "%.0f s: %s\n", d->rank, d->world, d->addr, d->port, d->launcher, d->timeout_s, lt_last_error());
    return 1;
  }
  host_dist_self = *d;
  return 0;
}

void host_dist_leave(host_dist *d) {
  if (d->pg) lt_dist_free(d->pg);
  d->pg = NULL;
  host_dist_self.pg = NULL;
  host_dist_self.active = 0;
}

int host_failf(const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  host_dist *d = &host_dist_self;
  if (d->active) {
    fprintf(stderr, "lighter-host: [rank %d] %s\n", d->rank, msg);
    static int noted;
    if (d->pg && !noted) {
      noted = 1;
      char key[32];
      snprintf(key, sizeof key, "failed/%d", d->rank);
      lt_dist_store_set(d->pg, key, msg); /* the store may be gone too: nothing to add then */
    }
  } else {
    fprintf(stderr, "lighter-host: %s\n", msg);
  }
  return 1;
}

void host_dist_peers(char *buf, size_t len) {
  host_dist *d = &host_dist_self;
  snprintf(buf, len, "another rank stopped or is unreachable (killed, or its machine lost: see the launcher's "
                     "report)");
  if (!d->pg) return;
  /* a failing rank writes its message before it exits: give it a moment */
  struct timespec ts = {0, 200 * 1000 * 1000};
  nanosleep(&ts, NULL);
  for (int r = 0; r < d->world; r++) {
    if (r == d->rank) continue;
    char key[32], msg[1024];
    snprintf(key, sizeof key, "failed/%d", r);
    lt_status st = lt_dist_store_get(d->pg, key, msg, sizeof msg, 0);
    if (st == LT_OK) {
      snprintf(buf, len, "rank %d failed first: %s", r, msg);
      return;
    }
    if (st != LT_ERR_NOT_FOUND) {
      snprintf(buf, len, "the group's store is gone too (rank 0 serves it: rank 0 stopped%s)",
               d->rank == 0 ? "?" : " or was killed");
      return;
    }
  }
}
