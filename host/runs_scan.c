/* runs_scan.c: finding run folders below a folder (see runs.h) and naming
 * one of them (`runs show 3`). Only directory entries are read here: a
 * run's own files are run.yaml (runs_record.c) and, for a folder without
 * one, metrics.csv's modification time. */
#define _GNU_SOURCE /* DT_* of struct dirent */
#include "runs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *host_runs_dup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (!d) abort(); /* as the config reader: out of memory ends the command */
  return memcpy(d, s, n);
}

static void add_run(host_runs *runs, const char *dir, const char *name) {
  if (runs->n == runs->cap) {
    runs->cap = runs->cap ? 2 * runs->cap : 16;
    runs->v = realloc(runs->v, runs->cap * sizeof *runs->v);
    if (!runs->v) abort();
  }
  host_run_info *r = &runs->v[runs->n++];
  memset(r, 0, sizeof *r);
  r->name = host_runs_dup(name);
  r->dir = host_runs_dup(dir);
  r->started_unix = r->ended_unix = r->duration_s = r->best = r->sort_time = NAN;
  r->pid = r->trial = r->best_step = r->best_epoch = r->global_step = r->epoch = -1;
}

static void add_sweep(host_runs *runs, const char *name) {
  char **v = realloc(runs->sweeps, (runs->nsweeps + 1) * sizeof *v);
  if (!v) abort();
  runs->sweeps = v;
  v[runs->nsweeps++] = host_runs_dup(name);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether entry e of the folder at path is a folder (a link is not). */
static int is_dir(const char *path, const struct dirent *e) {
  if (e->d_type == DT_DIR) return 1;
  if (e->d_type != DT_UNKNOWN) return 0;
  char p[PATH_MAX];
  struct stat st;
  if (snprintf(p, sizeof p, "%s/%s", path, e->d_name) >= (int)sizeof p) return 0;
  return !lstat(p, &st) && S_ISDIR(st.st_mode);
}

/* a/b, or b when a is "." (names read better without "./") */
static void join(char *out, size_t len, const char *a, const char *b) {
  size_t n = strlen(a);
  if (!strcmp(a, ".")) snprintf(out, len, "%s", b);
  else snprintf(out, len, "%s%s%s", a, n && a[n - 1] == '/' ? "" : "/", b);
}

/* One folder: a run folder is taken whole; any other is searched below. */
static void walk(host_runs *runs, const char *path, const char *name, int depth) {
  DIR *d = opendir(path);
  if (!d) return; /* unreadable folders below the root are passed over */
  int has_record = 0, has_metrics = 0, has_sweep = 0;
  char **subs = NULL;
  size_t nsubs = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, "run.yaml")) has_record = 1;
    else if (!strcmp(e->d_name, "metrics.csv")) has_metrics = 1;
    else if (!strcmp(e->d_name, "sweep.csv")) has_sweep = 1;
    else if (e->d_name[0] != '.' && depth < HOST_RUNS_DEPTH && is_dir(path, e)) {
      char **v = realloc(subs, (nsubs + 1) * sizeof *v);
      if (!v) abort();
      subs = v;
      subs[nsubs++] = host_runs_dup(e->d_name);
    }
  }
  closedir(d);
  if (has_sweep) add_sweep(runs, name);
  if (has_record || has_metrics) {
    add_run(runs, path, strcmp(name, ".") ? name : path); /* the folder itself: named as given */
    runs->v[runs->n - 1].state = has_record ? HOST_RUN_RECORD_OK : HOST_RUN_NO_RECORD;
  } else {
    if (nsubs) qsort(subs, nsubs, sizeof *subs, by_name);
    for (size_t i = 0; i < nsubs; i++) {
      char sub_path[PATH_MAX], sub_name[PATH_MAX];
      join(sub_path, sizeof sub_path, path, subs[i]);
      join(sub_name, sizeof sub_name, name, subs[i]);
      walk(runs, sub_path, sub_name, depth + 1);
    }
  }
  for (size_t i = 0; i < nsubs; i++) free(subs[i]);
  free(subs);
}

/* Runs by start; a sweep's trials together, by trial number, where the
 * sweep's first start puts them: trials started at once by -j race to their
 * first instruction, so their own start times would order them by chance. */
static int by_start(const void *pa, const void *pb) {
  const host_run_info *a = pa, *b = pb;
  int ka = isnan(a->group_time), kb = isnan(b->group_time);
  if (ka != kb) return ka - kb; /* unknown times last */
  if (!ka && a->group_time != b->group_time) return a->group_time < b->group_time ? -1 : 1;
  if (a->sweep && b->sweep) {
    int c = strcmp(a->sweep, b->sweep);
    if (c) return c;
    if (a->trial != b->trial) return a->trial < b->trial ? -1 : 1;
  } else if (a->sweep || b->sweep) {
    return a->sweep ? 1 : -1; /* a lone run started at the sweep's first instant goes first */
  }
  return strcmp(a->name, b->name);
}

static int is_trial(const host_run_info *r) { return r->sweep && r->trial >= 0; }

static void group_sweeps(host_runs *runs) {
  for (size_t i = 0; i < runs->n; i++) runs->v[i].group_time = runs->v[i].sort_time;
  for (size_t i = 0; i < runs->n; i++) {
    host_run_info *a = &runs->v[i];
    if (!is_trial(a)) continue;
    for (size_t j = i + 1; j < runs->n; j++) {
      host_run_info *b = &runs->v[j];
      if (!is_trial(b) || strcmp(a->sweep, b->sweep)) continue;
      double t = isnan(a->group_time) ? b->group_time
                 : isnan(b->group_time) ? a->group_time
                 : fmin(a->group_time, b->group_time);
      a->group_time = b->group_time = t;
    }
  }
}

/* The record, or for a folder without one the time metrics.csv was written. */
static void read_run(host_run_info *r) {
  char p[PATH_MAX];
  if (r->state == HOST_RUN_RECORD_OK) {
    join(p, sizeof p, r->dir, "run.yaml");
    if (!host_run_read_record(r, p)) r->sort_time = r->started_unix;
    return;
  }
  struct stat st;
  join(p, sizeof p, r->dir, "metrics.csv");
  if (!stat(p, &st)) r->sort_time = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
}

int host_runs_scan(const char *dir, host_runs *runs, char *err, size_t len) {
  memset(runs, 0, sizeof *runs);
  struct stat st;
  if (stat(dir, &st)) {
    snprintf(err, len, "cannot read '%s': %s", dir, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(err, len, "'%s' is not a folder (give the folder that holds the runs)", dir);
    return -1;
  }
  runs->root = host_runs_dup(dir);
  walk(runs, dir, ".", 0);
  for (size_t i = 0; i < runs->n; i++) read_run(&runs->v[i]);
  group_sweeps(runs);
  if (runs->n) qsort(runs->v, runs->n, sizeof *runs->v, by_start);
  return 0;
}

void host_runs_free(host_runs *runs) {
  for (size_t i = 0; i < runs->n; i++) host_run_clear(&runs->v[i]);
  for (size_t i = 0; i < runs->nsweeps; i++) free(runs->sweeps[i]);
  free(runs->v);
  free(runs->sweeps);
  free(runs->root);
  memset(runs, 0, sizeof *runs);
}

/* "3" or "version_3": the number; -1 for anything else. */
static long version_of(const char *s) {
  if (!strncmp(s, "version_", 8)) s += 8;
  if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9) return -1;
  return atol(s);
}

static const char *base_name(const char *p) {
  const char *slash = strrchr(p, '/');
  return slash ? slash + 1 : p;
}

/* The names of the runs, comma-separated (at most 20 of them). */
static void list_names(const host_runs *runs, char *out, size_t len) {
  size_t used = 0;
  out[0] = 0;
  for (size_t i = 0; i < runs->n && used < len; i++) {
    if (i == 20) {
      snprintf(out + used, len - used, ", ... (%zu in all)", runs->n);
      return;
    }
    used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", runs->v[i].name);
  }
}

static const host_run_info *find_by_path(const host_runs *runs, const char *spec) {
  char want[PATH_MAX], got[PATH_MAX];
  char joined[PATH_MAX];
  join(joined, sizeof joined, runs->root, spec);
  const char *tries[] = {joined, spec};
  for (size_t t = 0; t < 2; t++) {
    if (!realpath(tries[t], want)) continue;
    for (size_t i = 0; i < runs->n; i++)
      if (realpath(runs->v[i].dir, got) && !strcmp(got, want)) return &runs->v[i];
  }
  return NULL;
}

const host_run_info *host_runs_find(const host_runs *runs, const char *spec, char *err, size_t len) {
  char names[2048];
  long version = version_of(spec);
  if (version >= 0) {
    const host_run_info *hit = NULL;
    char want[32];
    snprintf(want, sizeof want, "version_%ld", version);
    for (size_t i = 0; i < runs->n; i++) {
      if (strcmp(base_name(runs->v[i].name), want)) continue;
      if (hit) {
        snprintf(err, len, "'%s' names more than one run below '%s' (%s, %s, ...): give its path as listed",
                 spec, runs->root, hit->name, runs->v[i].name);
        return NULL;
      }
      hit = &runs->v[i];
    }
    if (hit) return hit;
  }
  const host_run_info *hit = find_by_path(runs, spec);
  if (hit) return hit;
  list_names(runs, names, sizeof names);
  if (!runs->n)
    snprintf(err, len, "no run '%s': no run folders below '%s' (folders holding run.yaml or metrics.csv)", spec,
             runs->root);
  else snprintf(err, len, "no run '%s' below '%s'; the runs there: %s", spec, runs->root, names);
  return NULL;
}

/* Whether path is a run folder (holds run.yaml or metrics.csv). */
static int is_run_folder(const char *path) {
  char p[PATH_MAX];
  struct stat st;
  snprintf(p, sizeof p, "%s/run.yaml", path);
  if (!stat(p, &st)) return 1;
  snprintf(p, sizeof p, "%s/metrics.csv", path);
  return !stat(p, &st);
}

int host_runs_lookup(const char *dir, const char *spec, host_runs *runs, const host_run_info **r, char *err,
                     size_t len) {
  *r = NULL;
  if (host_runs_scan(dir, runs, err, len)) return -1;
  *r = host_runs_find(runs, spec, err, len);
  if (*r) return 0;
  if (!is_run_folder(spec)) return -1;
  host_runs_free(runs); /* a run folder outside dir: that one alone */
  if (host_runs_scan(spec, runs, err, len) || runs->n != 1) return -1;
  *r = &runs->v[0];
  return 0;
}
