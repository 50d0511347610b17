/* runs_record.c: reading run.yaml back (runs.h) with the config reader's
 * YAML loader, so that a broken record is reported at its file:line:col,
 * and telling a run that died from one still running. Keys this reader
 * does not know are passed over: a newer host may add fields. */
#include "runs.h"

#include "config/yaml.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void free_list(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

void host_run_clear(host_run_info *r) {
  free(r->name), free(r->dir), free(r->error);
  free(r->stage), free(r->host), free(r->cwd), free(r->monitor), free(r->mode), free(r->sweep);
  free_list(r->configs, r->nconfigs);
  free_list(r->overrides, r->noverrides);
  free_list(r->options, r->noptions);
  memset(r, 0, sizeof *r);
}

int host_runs_scalar_text(const cfg_node *v, char *buf, size_t len) {
  switch (v->kind) {
  case CFG_STRING: snprintf(buf, len, "%s", v->s); return 0;
  case CFG_INT: snprintf(buf, len, "%lld", (long long)v->i); return 0;
  case CFG_FLOAT: cfg_float_text(v->f, 0, buf, len); return 0;
  case CFG_BOOL: snprintf(buf, len, "%s", v->i ? "true" : "false"); return 0;
  default: return -1;
  }
}

/* The fields of one kind; each fails with the key's location. */
static int get_str(const cfg_node *d, const char *key, char **out, cfg_error *err) {
  const cfg_node *v = cfg_dict_get(d, key);
  char buf[4096];
  if (!v || v->kind == CFG_NULL) return 0;
  if (host_runs_scalar_text(v, buf, sizeof buf)) {
    cfg_fail(err, v->loc, key, "a text value expected, found a %s", cfg_kind_name(v->kind));
    return -1;
  }
  *out = host_runs_dup(buf);
  return 0;
}

static int get_num(const cfg_node *d, const char *key, double *out, cfg_error *err) {
  const cfg_node *v = cfg_dict_get(d, key);
  if (!v || v->kind == CFG_NULL) return 0;
  if (v->kind != CFG_INT && v->kind != CFG_FLOAT) {
    cfg_fail(err, v->loc, key, "a number or null expected, found a %s", cfg_kind_name(v->kind));
    return -1;
  }
  *out = v->kind == CFG_INT ? (double)v->i : v->f;
  return 0;
}

static int get_int(const cfg_node *d, const char *key, long long *out, cfg_error *err) {
  const cfg_node *v = cfg_dict_get(d, key);
  if (!v || v->kind == CFG_NULL) return 0;
  if (v->kind != CFG_INT) {
    cfg_fail(err, v->loc, key, "a whole number or null expected, found a %s", cfg_kind_name(v->kind));
    return -1;
  }
  *out = (long long)v->i;
  return 0;
}

static int get_list(const cfg_node *d, const char *key, char ***out, size_t *n, cfg_error *err) {
  const cfg_node *v = cfg_dict_get(d, key);
  if (!v || v->kind == CFG_NULL) return 0;
  if (v->kind != CFG_LIST) {
    cfg_fail(err, v->loc, key, "a list expected, found a %s", cfg_kind_name(v->kind));
    return -1;
  }
  *out = calloc(v->n ? v->n : 1, sizeof **out);
  if (!*out) abort();
  for (size_t i = 0; i < v->n; i++) {
    char buf[4096];
    if (host_runs_scalar_text(v->items[i], buf, sizeof buf)) {
      cfg_fail(err, v->items[i]->loc, key, "item %zu: a text value expected, found a %s", i,
               cfg_kind_name(v->items[i]->kind));
      return -1;
    }
    (*out)[(*n)++] = host_runs_dup(buf);
  }
  return 0;
}

static int get_status(const cfg_node *d, host_run_info *r, cfg_error *err) {
  const cfg_node *v = cfg_dict_get(d, "status");
  if (!v || v->kind == CFG_NULL) return 0;
  for (int s = HOST_REC_RUNNING; s <= HOST_REC_DIED; s++) {
    if (v->kind == CFG_STRING && !strcmp(v->s, host_record_status_name((host_record_status)s))) {
      r->status = (host_record_status)s;
      r->status_known = 1;
      return 0;
    }
  }
  cfg_fail(err, v->loc, "status", "not a run status (running, finished, failed, interrupted, died)");
  return -1;
}

static int read_fields(const cfg_node *d, host_run_info *r, cfg_error *err) {
  long long exit_code = -1;
  const cfg_node *ec = cfg_dict_get(d, "exit_code");
  int rc = get_str(d, "stage", &r->stage, err) || get_status(d, r, err) || get_int(d, "exit_code", &exit_code, err) ||
           get_num(d, "started_unix", &r->started_unix, err) || get_num(d, "ended_unix", &r->ended_unix, err) ||
           get_num(d, "duration_s", &r->duration_s, err) || get_int(d, "pid", &r->pid, err) ||
           get_str(d, "host", &r->host, err) || get_str(d, "cwd", &r->cwd, err) ||
           get_list(d, "configs", &r->configs, &r->nconfigs, err) ||
           get_list(d, "overrides", &r->overrides, &r->noverrides, err) ||
           get_list(d, "options", &r->options, &r->noptions, err) || get_str(d, "sweep", &r->sweep, err) ||
           get_int(d, "trial", &r->trial, err) || get_str(d, "monitor", &r->monitor, err) ||
           get_str(d, "mode", &r->mode, err) || get_num(d, "best", &r->best, err) ||
           get_int(d, "best_step", &r->best_step, err) || get_int(d, "best_epoch", &r->best_epoch, err) ||
           get_int(d, "global_step", &r->global_step, err) || get_int(d, "epoch", &r->epoch, err);
  r->exit_code_known = ec && ec->kind == CFG_INT;
  r->exit_code = (int)exit_code;
  return rc ? -1 : 0;
}

int host_run_read_record(host_run_info *r, const char *path) {
  cfg_error err = {0};
  cfg_node *root = cfg_yaml_load_file(path, &err);
  if (root && !read_fields(root, r, &err) && r->status_known && r->status == HOST_REC_RUNNING &&
      host_run_process_alive(r->host, r->pid, r->started_unix) == 0)
    r->status = HOST_REC_DIED;
  cfg_free(root);
  if (!err.set) {
    r->state = HOST_RUN_RECORD_OK;
    return 0;
  }
  char msg[2600];
  if (err.loc.line > 0)
    snprintf(msg, sizeof msg, "%s:%d:%d: %s%s%s", err.loc.file ? err.loc.file : path, err.loc.line, err.loc.col,
             err.path[0] ? err.path : "", err.path[0] ? ": " : "", err.msg);
  else snprintf(msg, sizeof msg, "%s: %s", path, err.msg);
  free(r->error);
  r->error = host_runs_dup(msg);
  r->state = HOST_RUN_RECORD_BAD;
  return -1;
}

/* When process pid started (seconds since the epoch), from /proc; NAN
 * when it cannot be known. */
static double process_start(long long pid) {
  static double boot = -1;
  if (boot < 0) {
    FILE *f = fopen("/proc/stat", "r");
    char line[256];
    boot = NAN;
    while (f && fgets(line, sizeof line, f))
      if (!strncmp(line, "btime ", 6)) boot = atof(line + 6);
    if (f) fclose(f);
  }
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%lld/stat", pid);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  /* the fields after the command's name, which may hold spaces: the 22nd
   * field of the line (starttime, clock ticks after boot) is the 20th here */
  char *p = strrchr(buf, ')');
  for (int field = 0; p && field < 20; field++) p = strchr(p + 1, ' ');
  long ticks = sysconf(_SC_CLK_TCK);
  return p && ticks > 0 ? boot + strtod(p + 1, NULL) / (double)ticks : NAN;
}

int host_run_process_alive(const char *host, long long pid, double started_unix) {
  char here[256] = "";
  gethostname(here, sizeof here - 1);
  if (!host || strcmp(host, here) || pid <= 0) return -1;
  if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) return 0;
  /* the pid is taken: by the run, or by a process started after it died */
  double began = process_start(pid);
  return isnan(began) || isnan(started_unix) || began <= started_unix + 2 ? 1 : 0;
}
