/* run_record.c: run.yaml in a run folder (see run_record.h): the run's
 * command, times, process, status and the best monitored value, written
 * atomically (a temporary file renamed over the old one) so a reader never
 * sees half a record. */
#include "run_record.h"

#include "config/compose.h"
#include "config/emit.h"
#include "run_path.h"
#include "tensor_layer.h"
#include "term_format.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the command line, kept from start to finish (the process's own argv) */
static int rec_argc;
static char **rec_argv;

/* when the command started (its run's start and duration count from there:
 * reading the config, loading libtorch and building are part of a run) */
static struct timespec process_started, process_started_mono;

void host_record_process_start(void) {
  clock_gettime(CLOCK_REALTIME, &process_started);
  clock_gettime(CLOCK_MONOTONIC, &process_started_mono);
}

const char *host_record_status_name(host_record_status s) {
  static const char *names[] = {"running", "finished", "failed", "interrupted", "died"};
  return s >= HOST_REC_RUNNING && s <= HOST_REC_DIED ? names[s] : "unknown";
}

static void add_monitor(host_record *rec, const char *key, int maximize) {
  for (int i = 0; i < rec->nmon; i++)
    if (!strcmp(rec->mon[i].key, key)) return;
  if (rec->nmon == HOST_REC_MONITORS || strlen(key) >= sizeof rec->mon[0].key) return;
  host_record_monitor *m = &rec->mon[rec->nmon++];
  memset(m, 0, sizeof *m);
  snprintf(m->key, sizeof m->key, "%s", key);
  m->maximize = maximize;
}

static const char *str_at(const cfg_node *d, const char *key) {
  const cfg_node *v = cfg_dict_get(d, key);
  return v && v->kind == CFG_STRING && v->s[0] ? v->s : NULL;
}

/* The monitors of the trainer's ModelCheckpoint and EarlyStopping callbacks. */
static void callback_monitors(host_record *rec, const cfg_node *root, const char *cls) {
  const cfg_node *t = cfg_dict_get(root, "trainer");
  const cfg_node *cbs = t && t->kind == CFG_DICT ? cfg_dict_get(t, "callbacks") : NULL;
  if (!cbs || cbs->kind != CFG_LIST) return;
  for (size_t i = 0; i < cbs->n; i++) {
    const cfg_node *c = cbs->items[i];
    const char *target = c && c->kind == CFG_DICT ? str_at(c, "_target_") : NULL;
    const char *dot = target ? strrchr(target, '.') : NULL;
    const char *monitor = target ? str_at(c, "monitor") : NULL;
    if (!monitor || strcmp(dot ? dot + 1 : target, cls)) continue;
    const char *mode = str_at(c, "mode");
    add_monitor(rec, monitor, mode && !strcmp(mode, "max"));
  }
}

static void put_float(FILE *f, double v) {
  char buf[64];
  if (isnan(v)) snprintf(buf, sizeof buf, ".nan");
  else if (isinf(v)) snprintf(buf, sizeof buf, "%s", v > 0 ? ".inf" : "-.inf");
  else host_fmt_pyfloat(v, buf, sizeof buf);
  fputs(buf, f);
}

static void put_time(FILE *f, const char *key, const struct timespec *t) {
  struct tm tm;
  char buf[64];
  gmtime_r(&t->tv_sec, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  fprintf(f, "%s: \"%s\"\n%s_unix: %.3f\n", key, buf, key, (double)t->tv_sec + t->tv_nsec / 1e9);
}

/* Whether argv[i] is an option that takes the next argument as its value. */
static int option_with_value(const char *a) {
  static const char *takes[] = {"--ckpt_path", "--ckpt-path", "--init_weights", "--init-weights", "--plugins"};
  for (size_t k = 0; k < sizeof takes / sizeof *takes; k++)
    if (!strcmp(a, takes[k])) return 1;
  return 0;
}

typedef enum arg_class { ARG_CONFIG, ARG_OVERRIDE, ARG_OPTION } arg_class;

/* The command's arguments of one class as a YAML flow list. */
static void put_args(FILE *f, const char *key, arg_class want) {
  fprintf(f, "%s: [", key);
  int first = 1;
  for (int i = 0; i < rec_argc; i++) {
    const char *a = rec_argv[i];
    arg_class c = !strncmp(a, "--", 2) || !strcmp(a, "-h") ? ARG_OPTION
                  : strchr(a, '=') || a[0] == '~'         ? ARG_OVERRIDE
                                                          : ARG_CONFIG;
    int with_value = c == ARG_OPTION && option_with_value(a) && i + 1 < rec_argc;
    if (c == want) {
      fputs(first ? "" : ", ", f), first = 0;
      cfg_emit_quoted(f, a);
      if (with_value) fputs(", ", f), cfg_emit_quoted(f, rec_argv[i + 1]);
    }
    i += with_value;
  }
  fputs("]\n", f);
}

/* The best monitored value: the first candidate that was logged. */
static void put_best(FILE *f, const host_record *rec) {
  for (int i = 0; i < rec->nmon; i++) {
    const host_record_monitor *m = &rec->mon[i];
    if (!m->seen) continue;
    fputs("monitor: ", f), cfg_emit_quoted(f, m->key);
    fprintf(f, "\nmode: %s\nbest: ", m->maximize ? "max" : "min");
    put_float(f, m->best);
    fprintf(f, "\nbest_step: %lld\nbest_epoch: %lld\n", (long long)m->best_step, (long long)m->best_epoch);
    return;
  }
  fputs("monitor: null\nmode: null\nbest: null\n", f);
}

static void put_record(FILE *f, const host_record *rec, host_record_status st, int exit_code) {
  char host[256] = "", cwd[1200] = "";
  gethostname(host, sizeof host - 1);
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
  fprintf(f, "# run.yaml: lighter-host's record of this run (rewritten as the run ends)\nstage: %s\nstatus: %s\n",
          rec->stage, host_record_status_name(st));
  if (st == HOST_REC_RUNNING) fputs("exit_code: null\n", f);
  else fprintf(f, "exit_code: %d\n", exit_code);
  put_time(f, "started", &rec->started);
  if (st != HOST_REC_RUNNING) {
    struct timespec now, mono;
    clock_gettime(CLOCK_REALTIME, &now);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    put_time(f, "ended", &now);
    fprintf(f, "duration_s: %.3f\n",
            (double)(mono.tv_sec - rec->started_mono.tv_sec) + (mono.tv_nsec - rec->started_mono.tv_nsec) / 1e9);
  }
  fprintf(f, "pid: %d\nhost: ", (int)getpid());
  cfg_emit_quoted(f, host);
  fputs("\ncwd: ", f), cfg_emit_quoted(f, cwd), fputc('\n', f);
  put_args(f, "configs", ARG_CONFIG);
  put_args(f, "overrides", ARG_OVERRIDE);
  put_args(f, "options", ARG_OPTION);
  const char *sweep = getenv("LIGHTER_SWEEP_DIR"), *trial = getenv("LIGHTER_SWEEP_TRIAL");
  if (sweep && *sweep) {
    fputs("sweep: ", f), cfg_emit_quoted(f, sweep);
    fprintf(f, "\ntrial: %lld\n", trial ? atoll(trial) : -1LL);
  }
  /* the libtorch and BLAS threads in force (a sweep sets them per trial) */
  const lt_api *api = host_tensor_layer_loaded();
  if (api) fputs("runtime: ", f), cfg_emit_quoted(f, api->lt_runtime_info()), fputc('\n', f);
  put_best(f, rec);
  fprintf(f, "global_step: %lld\nepoch: %lld\n", (long long)rec->last_step, (long long)rec->last_epoch);
}

typedef struct record_end {
  const host_record *rec;
  host_record_status st;
  int exit_code;
} record_end;

static void put_end(FILE *f, const void *ctx) {
  const record_end *e = ctx;
  put_record(f, e->rec, e->st, e->exit_code);
}

static int write_record(const host_record *rec, host_record_status st, int exit_code) {
  record_end e = {rec, st, exit_code};
  int err = host_write_atomic(rec->path, put_end, &e);
  if (err) fprintf(stderr, "lighter-host: cannot write the run record '%s': %s\n", rec->path, strerror(err));
  return err ? 1 : 0;
}

int host_record_start(host_record *rec, const char *run_dir, const char *stage, const cfg_node *root, int argc,
                      char **argv) {
  memset(rec, 0, sizeof *rec);
  rec_argc = argc, rec_argv = argv;
  rec->stage = stage;
  if (!process_started.tv_sec) host_record_process_start();
  rec->started = process_started, rec->started_mono = process_started_mono;
  snprintf(rec->path, sizeof rec->path, "%s/run.yaml", run_dir);
  char why[2000];
  if (host_run_path_check(run_dir, rec->path, why, sizeof why)) {
    fprintf(stderr, "lighter-host: %s\n", why);
    return 1;
  }
  callback_monitors(rec, root, "ModelCheckpoint");
  callback_monitors(rec, root, "EarlyStopping");
  add_monitor(rec, "val/loss/epoch", 0);
  add_monitor(rec, "train/loss/epoch", 0);
  rec->active = 1;
  return write_record(rec, HOST_REC_RUNNING, 0);
}

void host_record_value(host_record *rec, const char *key, double v, int64_t epoch, int64_t step) {
  if (!rec->active) return;
  for (int i = 0; i < rec->nmon; i++) {
    host_record_monitor *m = &rec->mon[i];
    if (strcmp(m->key, key) || isnan(v)) continue;
    if (!m->seen || (m->maximize ? v > m->best : v < m->best)) {
      m->best = v, m->best_step = step, m->best_epoch = epoch;
      m->seen = 1;
    }
  }
}

int host_record_finish(host_record *rec, host_record_status st, int exit_code) {
  if (!rec->active) return 0;
  rec->active = 0;
  return write_record(rec, st, exit_code);
}
