/* sweep_dir.c: a sweep's folder (see sweep.h): where it is (the same
 * folder for the same sweep, so that running it again finds it), its lock,
 * sweep.yaml, sweep.csv, and what the trials' run records (run.yaml) say:
 * which trials finished, which can resume, their best values. */
#include "sweep.h"

#include "config/emit.h"
#include "config/yaml.h"
#include "run_path.h"
#include "term_format.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

const char *host_trial_status_name(host_trial_status s) {
  static const char *names[] = {"pending", "running", "finished", "failed", "interrupted"};
  return s >= HOST_TRIAL_PENDING && s <= HOST_TRIAL_INTERRUPTED ? names[s] : "unknown";
}

void host_sweep_trial_dir(const host_sweep *s, size_t k, char *out, size_t len) {
  snprintf(out, len, "%s/%zu", s->dir, k);
}

/* ---- the folder ----------------------------------------------------------- */

enum { SWEEP_DIR_MAX = 1000 };

/* FNV-1a, 64 bits: a short, stable name for the sweep's content. */
static void fnv(uint64_t *h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) *h = (*h ^ p[i]) * 0x100000001b3ull;
}

static void fnv_str(uint64_t *h, const char *s) { fnv(h, s, strlen(s) + 1); }

/* The id: the stage, the config files' text, the overrides and options as
 * given, and for a random search its size and seed (-j is not part of it). */
static void sweep_id(host_sweep *s) {
  uint64_t h = 0xcbf29ce484222325ull;
  fnv_str(&h, s->stage);
  for (int i = 0; i < s->nconfigs; i++) {
    FILE *f = fopen(s->configs[i], "rb");
    char buf[8192];
    size_t n;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0) fnv(&h, buf, n);
    if (f) fclose(f);
    else fnv_str(&h, s->configs[i]);
    fnv_str(&h, "\n--config--\n");
  }
  for (int i = 0; i < s->noverrides; i++) fnv_str(&h, s->overrides[i]);
  fnv_str(&h, "--options--");
  for (int i = 0; i < s->noptions; i++) fnv_str(&h, s->options[i]);
  if (s->random_trials) {
    char r[64];
    snprintf(r, sizeof r, "random %ld %llu", s->random_trials, s->seed);
    fnv_str(&h, r);
  }
  snprintf(s->id, sizeof s->id, "%08llx", (unsigned long long)((h >> 32) ^ (h & 0xffffffffu)));
}

/* The id recorded in DIR/sweep.yaml ("" when there is none). */
static void recorded_id(const char *dir, char *id, size_t len) {
  char path[1300], line[256];
  snprintf(path, sizeof path, "%s/sweep.yaml", dir);
  id[0] = 0;
  FILE *f = fopen(path, "r");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "id: ", 4)) {
      const char *v = line + 4 + (line[4] == '"');
      size_t n = strcspn(v, "\r\n\"");
      snprintf(id, len, "%.*s", (int)(n < len ? n : len - 1), v);
      break;
    }
  if (f) fclose(f);
}

int host_sweep_dir_path(host_sweep *s, const char *root, const char *dir_opt) {
  sweep_id(s);
  char cwd[1024] = "";
  const char *first = dir_opt ? dir_opt : root;
  if (first[0] != '/' && !getcwd(cwd, sizeof cwd)) {
    fprintf(stderr, "lighter-host: cannot read the working folder: %s\n", strerror(errno));
    return 2;
  }
  const char *sep = *cwd ? "/" : "";
  int len = dir_opt ? snprintf(s->dir, sizeof s->dir, "%s%s%s", cwd, sep, dir_opt)
            : !strcmp(root, ".") || !*root
                ? snprintf(s->dir, sizeof s->dir, "%s%smultirun/%s-%s", cwd, sep, s->name, s->id)
                : snprintf(s->dir, sizeof s->dir, "%s%s%s/multirun/%s-%s", cwd, sep, root, s->name, s->id);
  if (len < 0 || len >= SWEEP_DIR_MAX) { /* room left for <k>/lightning_logs/version_N/... */
    fprintf(stderr, "lighter-host: the sweep folder's path is longer than %d characters; give a shorter one with "
                    "--sweep_dir\n", SWEEP_DIR_MAX - 1);
    return 2;
  }
  size_t n = strlen(s->dir);
  while (n > 1 && s->dir[n - 1] == '/') s->dir[--n] = 0;
  return 0;
}

int host_sweep_dir_open(host_sweep *s) {
  if (host_mkdirs(s->dir)) {
    fprintf(stderr, "lighter-host: cannot create the sweep folder '%s': %s\n", s->dir, strerror(errno));
    return 2;
  }
  char path[1300], who[32] = "", id[64];
  snprintf(path, sizeof path, "%s/.lighter-sweep.lock", s->dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
    ssize_t r = fd >= 0 ? read(fd, who, sizeof who - 1) : -1;
    who[r > 0 ? r : 0] = 0;
    fprintf(stderr, "lighter-host: the sweep folder '%s' is in use by another lighter-host sweep (pid %s); wait for "
                    "it to end, or give another --sweep_dir\n", s->dir, *who ? who : "unknown");
    if (fd >= 0) close(fd);
    return 2;
  }
  char pid[32];
  int plen = snprintf(pid, sizeof pid, "%ld", (long)getpid());
  if (ftruncate(fd, 0) || write(fd, pid, (size_t)plen) != plen) { /* only the message above reads it */
  }
  s->lock_fd = fd;
  recorded_id(s->dir, id, sizeof id);
  if (*id && strcmp(id, s->id)) {
    fprintf(stderr, "lighter-host: the sweep folder '%s' holds another sweep (id %s; this one is %s: its configs, "
                    "overrides or options differ); give another --sweep_dir, or remove that folder\n",
            s->dir, id, s->id);
    return 2;
  }
  return 0;
}

/* ---- files written atomically --------------------------------------------- */

static int write_atomic(const host_sweep *s, const char *name, void (*put)(FILE *f, const void *s)) {
  char path[1300];
  snprintf(path, sizeof path, "%s/%s", s->dir, name);
  int err = host_write_atomic(path, put, s);
  static int said;
  if (err && !said++) fprintf(stderr, "lighter-host: cannot write '%s': %s\n", path, strerror(err));
  return err ? 1 : 0;
}

static void yaml_list(FILE *f, const char *key, const char *const *v, int n) {
  fprintf(f, "%s: [", key);
  for (int i = 0; i < n; i++) fputs(i ? ", " : "", f), cfg_emit_quoted(f, v[i]);
  fputs("]\n", f);
}

static void put_spec(FILE *f, const void *ctx) {
  const host_sweep *s = ctx;
  fprintf(f, "# sweep.yaml: lighter-host's record of this sweep (sweep.csv has a row per trial)\nid: \"%s\"\n"
             "name: ", s->id);
  cfg_emit_quoted(f, s->name);
  fprintf(f, "\nstage: %s\n", s->stage);
  yaml_list(f, "command", (const char *const *)s->cmd, s->ncmd);
  yaml_list(f, "configs", s->configs, s->nconfigs);
  yaml_list(f, "overrides", s->overrides, s->noverrides);
  yaml_list(f, "options", s->options, s->noptions);
  fprintf(f, "method: %s\ntrials: %zu\n", s->random_trials ? "random" : "grid", s->ntrials);
  if (s->random_trials) fprintf(f, "seed: %llu\n", s->seed);
  else fputs("seed: null\n", f);
  fputs("params:\n", f);
  for (size_t i = 0; i < s->spec.n; i++) {
    const host_sweep_param *p = &s->spec.params[i];
    fputs("  - key: ", f), cfg_emit_quoted(f, p->key);
    fputs("\n    source: ", f), cfg_emit_quoted(f, p->source);
    fprintf(f, "\n    from: %s\n", p->origin == HOST_SWEEP_FROM_SECTION ? "config" : "command");
    if (p->kind == HOST_SWEEP_LIST) {
      yaml_list(f, "    values", (const char *const *)p->values, (int)p->nvalues);
    } else {
      char lo[64], hi[64];
      host_fmt_pyfloat(p->lo, lo, sizeof lo), host_fmt_pyfloat(p->hi, hi, sizeof hi);
      fprintf(f, "    distribution: %s\n    low: %s\n    high: %s\n",
              p->kind == HOST_SWEEP_UNIFORM ? "uniform" : "loguniform", lo, hi);
    }
  }
}

int host_sweep_write_spec(const host_sweep *s) { return write_atomic(s, "sweep.yaml", put_spec); }

/* A CSV field: quoted when it holds a comma, a quote, a line break or
 * blanks at its ends. */
static void csv_field(FILE *f, const char *v, int first) {
  if (!first) fputc(',', f);
  size_t n = strlen(v);
  if (!strpbrk(v, ",\"\r\n") && !(n && (v[0] == ' ' || v[n - 1] == ' '))) {
    fputs(v, f);
    return;
  }
  fputc('"', f);
  for (; *v; v++) {
    if (*v == '"') fputc('"', f);
    fputc(*v, f);
  }
  fputc('"', f);
}

static void put_csv(FILE *f, const void *ctx) {
  const host_sweep *s = ctx;
  static const char *cols[] = {"trial", "status", "best", "monitor", "mode", "wall_s", "run_dir"};
  for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) csv_field(f, cols[c], !c);
  for (size_t p = 0; p < s->spec.n; p++) csv_field(f, s->spec.params[p].key, 0);
  fputc('\n', f);
  for (size_t k = 0; k < s->ntrials; k++) {
    const host_trial *t = &s->trials[k];
    char idx[32], best[64] = "", wall[32] = "";
    snprintf(idx, sizeof idx, "%zu", k);
    if (t->has_best) host_fmt_pyfloat(t->best, best, sizeof best);
    if (t->wall_s > 0) snprintf(wall, sizeof wall, "%.3f", t->wall_s);
    csv_field(f, idx, 1);
    csv_field(f, host_trial_status_name(t->status), 0);
    csv_field(f, best, 0);
    csv_field(f, t->has_best ? t->monitor : "", 0);
    csv_field(f, t->has_best ? (t->maximize ? "max" : "min") : "", 0);
    csv_field(f, wall, 0);
    csv_field(f, t->run_dir, 0);
    for (size_t p = 0; p < s->spec.n; p++) csv_field(f, t->values[p], 0);
    fputc('\n', f);
  }
}

int host_sweep_write_csv(const host_sweep *s) { return write_atomic(s, "sweep.csv", put_csv); }

/* ---- what earlier sessions left ------------------------------------------- */

/* The next CSV field of *p into out (quotes undone); 0 past the line's
 * last field (*p is NULL then). */
static int csv_next(const char **p, char *out, size_t len) {
  const char *c = *p;
  if (!c) return 0;
  size_t n = 0;
  int quoted = *c == '"';
  c += quoted;
  for (;; c++) {
    if (quoted && *c == '"' && c[1] == '"') c++;
    else if (quoted && *c == '"') quoted = 0, c++;
    if (!*c || (!quoted && (*c == ',' || *c == '\n' || *c == '\r'))) break;
    if (n + 1 < len) out[n++] = *c;
  }
  out[n] = 0;
  *p = *c == ',' ? c + 1 : NULL;
  return 1;
}

/* From the old sweep.csv: each trial's wall time, and which trials it says
 * finished (a trial without a run folder, logger=false, has only this). */
static void read_old_csv(host_sweep *s, int *finished) {
  char path[1300], line[8192], field[1200];
  snprintf(path, sizeof path, "%s/sweep.csv", s->dir);
  FILE *f = fopen(path, "r");
  if (!f) return;
  int ci = -1, cs = -1, cw = -1;
  if (fgets(line, sizeof line, f)) {
    const char *p = line;
    for (int c = 0; csv_next(&p, field, sizeof field); c++) {
      if (!strcmp(field, "trial")) ci = c;
      if (!strcmp(field, "status")) cs = c;
      if (!strcmp(field, "wall_s")) cw = c;
    }
  }
  while (ci >= 0 && fgets(line, sizeof line, f)) {
    const char *p = line;
    long k = -1;
    int done = 0;
    double wall = 0;
    for (int c = 0; csv_next(&p, field, sizeof field); c++) {
      if (c == ci) k = *field ? strtol(field, NULL, 10) : -1;
      if (c == cs) done = !strcmp(field, "finished");
      if (c == cw) wall = strtod(field, NULL);
    }
    if (k >= 0 && (size_t)k < s->ntrials) s->trials[k].wall_before = wall > 0 ? wall : 0, finished[k] = done;
  }
  fclose(f);
}

/* One run folder's record. */
typedef struct run_rec {
  char dir[1024]; /* relative to the sweep folder */
  int finished, has_last, has_best, maximize;
  long alive; /* the pid of a run that says running and still runs on this host, else 0 */
  double started, best, duration;
  char monitor[256];
} run_rec;

static const char *str_field(const cfg_node *d, const char *key) {
  const cfg_node *v = cfg_dict_get(d, key);
  return v && v->kind == CFG_STRING ? v->s : NULL;
}

static double num_field(const cfg_node *d, const char *key, int *ok) {
  const cfg_node *v = cfg_dict_get(d, key);
  *ok = v && (v->kind == CFG_INT || v->kind == CFG_FLOAT);
  return !*ok ? 0 : v->kind == CFG_INT ? (double)v->i : v->f;
}

/* Whether process pid runs this very program (a pid that was reused by
 * another program is not the run that wrote the record). */
static int same_program(long pid) {
  char path[64], exe[1024], self[1024];
  snprintf(path, sizeof path, "/proc/%ld/exe", pid);
  ssize_t a = readlink(path, exe, sizeof exe - 1), b = readlink("/proc/self/exe", self, sizeof self - 1);
  if (a <= 0 || b <= 0) return 0;
  exe[a] = self[b] = 0;
  return !strcmp(exe, self);
}

/* DIR/run.yaml into r (0), or -1 when there is none or it does not read. */
static int read_record(const char *sweep_dir, const char *rel, run_rec *r) {
  char path[2400];
  snprintf(path, sizeof path, "%s/%s/run.yaml", sweep_dir, rel);
  cfg_error err = {0};
  cfg_node *d = access(path, R_OK) ? NULL : cfg_yaml_load_file(path, &err);
  if (!d || d->kind != CFG_DICT) {
    cfg_free(d);
    return -1;
  }
  memset(r, 0, sizeof *r);
  snprintf(r->dir, sizeof r->dir, "%s", rel);
  const char *status = str_field(d, "status"), *monitor = str_field(d, "monitor"), *mode = str_field(d, "mode");
  int ok;
  r->finished = status && !strcmp(status, "finished");
  const char *host = str_field(d, "host");
  char me[256] = "";
  gethostname(me, sizeof me - 1);
  long pid = (long)num_field(d, "pid", &ok);
  if (status && !strcmp(status, "running") && ok && pid > 0 && host && !strcmp(host, me) && same_program(pid))
    r->alive = pid;
  r->started = num_field(d, "started_unix", &ok);
  r->duration = num_field(d, "duration_s", &ok);
  r->best = num_field(d, "best", &r->has_best);
  r->has_best = r->has_best && monitor && !isnan(r->best);
  if (monitor) snprintf(r->monitor, sizeof r->monitor, "%s", monitor);
  r->maximize = mode && !strcmp(mode, "max");
  snprintf(path, sizeof path, "%s/%s/checkpoints/last.ckpt", sweep_dir, rel);
  r->has_last = access(path, R_OK) == 0;
  cfg_free(d);
  return 0;
}

/* The run records below rel (version_N folders, at most 3 levels down:
 * <k>/<name>/version_N) appended to *recs. */
static void find_records(const char *sweep_dir, const char *rel, int depth, run_rec **recs, size_t *n) {
  char path[2400];
  snprintf(path, sizeof path, "%s/%s", sweep_dir, rel);
  DIR *d = opendir(path);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.' || !strcmp(e->d_name, "checkpoints")) continue;
    char sub[1024];
    if (snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name) >= (int)sizeof sub) continue;
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", sweep_dir, sub);
    if (lstat(path, &st) || !S_ISDIR(st.st_mode)) continue;
    run_rec r;
    if (!strncmp(e->d_name, "version_", 8) && read_record(sweep_dir, sub, &r) == 0) {
      *recs = realloc(*recs, (*n + 1) * sizeof **recs);
      if (!*recs) abort();
      (*recs)[(*n)++] = r;
    } else if (depth < 3) {
      find_records(sweep_dir, sub, depth + 1, recs, n);
    }
  }
  if (d) closedir(d);
}

/* The trial's run records; *newest the index of the newest, -1 for none. */
static run_rec *trial_records(const host_sweep *s, size_t k, size_t *n, long *newest) {
  char rel[32];
  snprintf(rel, sizeof rel, "%zu", k);
  run_rec *recs = NULL;
  *n = 0, *newest = -1;
  find_records(s->dir, rel, 1, &recs, n);
  for (size_t i = 0; i < *n; i++)
    if (*newest < 0 || recs[i].started > recs[*newest].started) *newest = (long)i;
  return recs;
}

double host_sweep_trial_records(const host_sweep *s, host_trial *t, size_t k) {
  size_t n;
  long newest;
  run_rec *recs = trial_records(s, k, &n, &newest);
  double started = newest >= 0 ? recs[newest].started : 0;
  if (newest >= 0) {
    snprintf(t->run_dir, sizeof t->run_dir, "%s", recs[newest].dir);
    /* the best over every attempt of the trial (a resumed run's folder
     * holds only what it logged after resuming), by the newest monitor */
    const char *monitor = recs[newest].has_best ? recs[newest].monitor : NULL;
    for (size_t i = 0; i < n && !monitor; i++)
      if (recs[i].has_best) monitor = recs[i].monitor;
    t->has_best = 0;
    for (size_t i = 0; monitor && i < n; i++) {
      const run_rec *r = &recs[i];
      if (!r->has_best || strcmp(r->monitor, monitor)) continue;
      if (!t->has_best || (r->maximize ? r->best > t->best : r->best < t->best)) {
        t->best = r->best, t->maximize = r->maximize, t->has_best = 1;
        snprintf(t->monitor, sizeof t->monitor, "%s", r->monitor);
      }
    }
  }
  free(recs);
  return started;
}

int host_sweep_read_state(host_sweep *s) {
  int rc = 0;
  int *csv_finished = calloc(s->ntrials + 1, sizeof *csv_finished);
  if (!csv_finished) abort();
  read_old_csv(s, csv_finished);
  for (size_t k = 0; k < s->ntrials; k++) {
    host_trial *t = &s->trials[k];
    size_t n;
    long newest;
    run_rec *recs = trial_records(s, k, &n, &newest);
    /* without a logger (logger: false) the checkpoints are <k>/checkpoints */
    char own[1400];
    snprintf(own, sizeof own, "%s/%zu/checkpoints/last.ckpt", s->dir, k);
    int has_last = access(own, R_OK) == 0;
    double durations = 0;
    for (size_t i = 0; i < n; i++) has_last |= recs[i].has_last, durations += recs[i].duration;
    if (newest >= 0 && recs[newest].alive && !rc) {
      fprintf(stderr, "lighter-host: trial %zu of this sweep is still running (pid %ld, '%s/%s'), left by an earlier "
                      "sweep process; wait for it to end (it got SIGTERM when that process died), then run the sweep "
                      "again\n", k, recs[newest].alive, s->dir, recs[newest].dir);
      rc = 2;
    }
    if (!t->wall_before) t->wall_before = durations;
    t->wall_s = t->wall_before;
    if (newest >= 0 ? recs[newest].finished : csv_finished[k]) t->start = HOST_TRIAL_SKIP, t->status = HOST_TRIAL_FINISHED;
    else if (has_last && !strcmp(s->stage, "fit")) t->start = HOST_TRIAL_RESUME;
    else t->start = HOST_TRIAL_FRESH;
    free(recs);
    host_sweep_trial_records(s, t, k);
  }
  free(csv_finished);
  return rc;
}
