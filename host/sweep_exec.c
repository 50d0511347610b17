/* sweep_exec.c: running a sweep's trials. Each trial is lighter-host
 * itself (/proc/self/exe) run again with the trial's overrides, in a
 * process group of its own (a ^C at the terminal reaches only this parent,
 * which passes it on once: a run that got it twice would stop without
 * saving), with LIGHTER_SWEEP_DIR / LIGHTER_SWEEP_TRIAL and its
 * LT_NUM_THREADS in its environment and its output in <k>/trial.log. The
 * parent waits in sigtimedwait (SIGINT, SIGTERM and SIGCHLD blocked, so no
 * handler races the loop): the first signal goes to every running trial
 * (each writes last.ckpt and exits 130), a second kills their process
 * groups; no new trial starts once one came. A trial whose parent dies
 * gets SIGTERM (PR_SET_PDEATHSIG), so none is left running. */
#include "sweep.h"

#include "cmd.h"
#include "config/emit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How often the loop looks for the trials' new run folders. */
enum { WATCH_NS = 200 * 1000 * 1000 };

static double now_mono(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static double now_unix(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- the trial's command ----------------------------------------------------- */

typedef struct args {
  char **v;
  size_t n, cap;
} args;

static void add(args *a, char *s) { /* s owned */
  if (a->n + 2 > a->cap) {
    a->cap = a->cap ? 2 * a->cap : 32;
    a->v = realloc(a->v, a->cap * sizeof *a->v);
    if (!a->v) abort();
  }
  a->v[a->n++] = s;
  a->v[a->n] = NULL;
}

static void addf(args *a, const char *fmt, const char *x, const char *y, const char *z) {
  size_t len = strlen(fmt) + strlen(x) + strlen(y) + strlen(z) + 1;
  char *s = malloc(len);
  if (!s) abort();
  snprintf(s, len, fmt, x, y, z);
  add(a, s);
}

/* key="path" with the path as a double-quoted YAML scalar */
static void add_path(args *a, const char *key, const char *path) {
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&s, &len);
  if (!f) abort();
  fprintf(f, "%s=", key);
  cfg_emit_quoted(f, path);
  fclose(f);
  add(a, s);
}

/* The override that gives parameter p trial k's value. */
static void add_value(args *a, const host_sweep *s, size_t p, size_t k) {
  const host_sweep_param *q = &s->spec.params[p];
  addf(a, "%s%s=%s", q->op == '=' ? "=" : "", q->key, s->trials[k].values[p]);
}

/* Whether option o (with its value after '=' or in the next argument) is
 * one a resumed trial leaves out: it starts from its own last.ckpt. */
static int start_option(const char *o) {
  static const char *names[] = {"--ckpt_path", "--ckpt-path", "--init_weights", "--init-weights"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    size_t n = strlen(names[i]);
    if (!strncmp(o, names[i], n) && (!o[n] || o[n] == '=')) return o[n] ? 1 : 2;
  }
  return 0;
}

char **host_sweep_trial_argv(const host_sweep *s, size_t k) {
  args a = {0};
  add(&a, strdup(host_argv && host_argv[0] ? host_argv[0] : "lighter-host"));
  add(&a, strdup(s->stage));
  for (int i = 0; i < s->nconfigs; i++) add(&a, strdup(s->configs[i]));
  for (size_t p = 0; p < s->spec.n; p++)
    if (s->spec.params[p].origin == HOST_SWEEP_FROM_SECTION) add_value(&a, s, p, k);
  for (int i = 0; i < s->noverrides; i++)
    if (s->arg_param[i] >= 0) add_value(&a, s, (size_t)s->arg_param[i], k);
    else add(&a, strdup(s->overrides[i]));
  if (s->has_section) add(&a, strdup("~sweep"));
  char dir[1300];
  host_sweep_trial_dir(s, k, dir, sizeof dir);
  add_path(&a, "trainer::default_root_dir", dir);
  for (size_t i = 0; i < s->nsave_dirs; i++) add_path(&a, s->save_dirs[i], dir);
  int resume = s->trials[k].start == HOST_TRIAL_RESUME;
  for (int i = 0; i < s->noptions; i++) {
    int skip = resume ? start_option(s->options[i]) : 0;
    if (skip) i += skip - 1;
    else add(&a, strdup(s->options[i]));
  }
  if (resume) add(&a, strdup("--ckpt_path")), add(&a, strdup("last"));
  return a.v;
}

void host_sweep_argv_free(char **argv) {
  for (size_t i = 0; argv && argv[i]; i++) free(argv[i]);
  free(argv);
}

/* ---- one trial ---------------------------------------------------------------- */

/* "key=value key=value": the trial's swept values, for the parent's lines. */
static void describe(const host_sweep *s, size_t k, char *out, size_t len) {
  size_t at = 0;
  out[0] = 0;
  for (size_t p = 0; p < s->spec.n && at < len; p++)
    at += (size_t)snprintf(out + at, len - at, "%s%s=%s", p ? " " : "", s->spec.params[p].key, s->trials[k].values[p]);
}

/* The trial's log, with a line that says how it was started. -1 after saying why. */
static int open_log(const host_sweep *s, size_t k, char **argv) {
  char dir[1300], path[1400];
  host_sweep_trial_dir(s, k, dir, sizeof dir);
  snprintf(path, sizeof path, "%s/trial.log", dir);
  int fd = mkdir(dir, 0755) && errno != EEXIST ? -1 : open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "lighter-host: trial %zu: cannot write '%s': %s\n", k, path, strerror(errno));
    return -1;
  }
  time_t t = time(NULL);
  char when[64];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  dprintf(fd, "# lighter-host sweep: trial %zu %s at %s, LT_NUM_THREADS=%s:", k,
          s->trials[k].start == HOST_TRIAL_RESUME ? "resumed" : "started", when, s->threads);
  for (size_t i = 1; argv[i]; i++) dprintf(fd, " %s", argv[i]);
  dprintf(fd, "\n");
  return fd;
}

/* In the child, between fork and exec: never returns. */
static void child(const host_sweep *s, size_t k, int log, char **argv, const sigset_t *mask, pid_t parent) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(130); /* the parent is gone already */
  signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL);
  sigprocmask(SIG_SETMASK, mask, NULL);
  int in = open("/dev/null", O_RDONLY);
  if (in >= 0) dup2(in, 0);
  dup2(log, 1), dup2(log, 2);
  char trial[32];
  snprintf(trial, sizeof trial, "%zu", k);
  setenv("LIGHTER_SWEEP_DIR", s->dir, 1);
  setenv("LIGHTER_SWEEP_TRIAL", trial, 1);
  setenv("LT_NUM_THREADS", s->threads, 1);
  execv("/proc/self/exe", argv);
  dprintf(2, "lighter-host: cannot run /proc/self/exe for trial %zu: %s\n", k, strerror(errno));
  _exit(127);
}

/* Starts trial k: 0, or -1 with the trial failed (said). */
static int start(host_sweep *s, size_t k, const sigset_t *mask) {
  host_trial *t = &s->trials[k];
  char **argv = host_sweep_trial_argv(s, k), what[1024];
  int log = open_log(s, k, argv);
  pid_t self = getpid(), pid = log < 0 ? -1 : (fflush(NULL), fork());
  if (pid == 0) child(s, k, log, argv, mask, self);
  int err = errno;
  if (pid > 0) setpgid(pid, pid); /* as the child does: a SIGKILL to its group cannot miss it */
  host_sweep_argv_free(argv);
  if (log >= 0) close(log);
  describe(s, k, what, sizeof what);
  if (pid < 0) {
    if (log >= 0) fprintf(stderr, "lighter-host: trial %zu: cannot start it: fork: %s\n", k, strerror(err));
    t->status = HOST_TRIAL_FAILED;
    host_sweep_write_csv(s);
    return -1;
  }
  t->pid = pid, t->started = now_mono(), t->started_unix = now_unix(), t->dir_known = 0;
  t->status = HOST_TRIAL_RUNNING;
  printf("trial %zu %s: %s (pid %d, log %zu/trial.log)\n", k, t->start == HOST_TRIAL_RESUME ? "resumed from last.ckpt" : "started",
         what, (int)pid, k);
  fflush(stdout);
  host_sweep_write_csv(s);
  return 0;
}

/* Trial k's process ended with wait status st. */
static void ended(host_sweep *s, size_t k, int st, int stopping) {
  host_trial *t = &s->trials[k];
  double wall = now_mono() - t->started;
  t->pid = 0;
  t->wall_s = t->wall_before + wall;
  t->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  t->status = t->exit_code == 0 ? HOST_TRIAL_FINISHED
              : t->exit_code == 130 || (stopping && WIFSIGNALED(st)) ? HOST_TRIAL_INTERRUPTED
                                                                      : HOST_TRIAL_FAILED;
  host_sweep_trial_records(s, t, k);
  printf("trial %zu %s in %.1f s", k, host_trial_status_name(t->status), wall);
  if (t->status == HOST_TRIAL_FAILED && WIFSIGNALED(st)) printf(" (killed by signal %d)", WTERMSIG(st));
  else if (t->status == HOST_TRIAL_FAILED) printf(" (exit %d; see %s/%zu/trial.log)", t->exit_code, s->dir, k);
  if (t->has_best) printf(": best %s %.6g", t->monitor, t->best);
  printf("\n");
  fflush(stdout);
  host_sweep_write_csv(s);
}

/* The running trials' run folders, once they made them (sweep.csv names
 * them while they run, so a reader can follow their metrics.csv). */
static void watch(host_sweep *s) {
  int changed = 0;
  for (size_t k = 0; k < s->ntrials; k++) {
    host_trial *t = &s->trials[k];
    if (!t->pid || t->dir_known) continue;
    char before[sizeof t->run_dir];
    memcpy(before, t->run_dir, sizeof before);
    double newest = host_sweep_trial_records(s, t, k);
    t->dir_known = newest >= t->started_unix - 1;
    changed |= strcmp(before, t->run_dir) != 0;
  }
  if (changed) host_sweep_write_csv(s);
}

/* Sends sig to every running trial (SIGKILL: to its whole process group). */
static void signal_all(host_sweep *s, int sig) {
  for (size_t k = 0; k < s->ntrials; k++)
    if (s->trials[k].pid > 0) kill(sig == SIGKILL ? -s->trials[k].pid : s->trials[k].pid, sig);
}

int host_sweep_exec(host_sweep *s) {
  sigset_t wait_for, before;
  sigemptyset(&wait_for);
  sigaddset(&wait_for, SIGINT), sigaddset(&wait_for, SIGTERM), sigaddset(&wait_for, SIGCHLD);
  sigprocmask(SIG_BLOCK, &wait_for, &before);
  signal(SIGCHLD, SIG_DFL); /* an inherited SIG_IGN would reap the trials behind our back */
  size_t next = 0;
  int running = 0, stops = 0;
  for (;;) {
    for (; !stops && running < s->jobs && next < s->ntrials; next++)
      if (s->trials[next].start != HOST_TRIAL_SKIP && start(s, next, &before) == 0) running++;
    if (!running && (stops || next >= s->ntrials)) break;
    struct timespec ts = {0, WATCH_NS};
    int sig = sigtimedwait(&wait_for, NULL, &ts);
    if (sig == SIGINT || sig == SIGTERM) {
      if (!stops++) {
        printf("sweep: %s: stopping the %d running trial%s (each saves last.ckpt); again to kill them\n",
               sig == SIGINT ? "interrupted" : "terminated", running, running == 1 ? "" : "s");
        fflush(stdout);
      }
      signal_all(s, stops == 1 ? sig : SIGKILL);
    }
    for (size_t k = 0; k < s->ntrials; k++) {
      int st;
      if (s->trials[k].pid > 0 && waitpid(s->trials[k].pid, &st, WNOHANG) == s->trials[k].pid)
        ended(s, k, st, stops), running--;
    }
    watch(s);
  }
  /* the signals stay blocked: a late ^C must not cut the table short */
  return stops ? 130 : 0;
}
