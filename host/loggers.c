/* loggers.c: trainer::logger as Lightning reads it: true (a CSVLogger in
 * default_root_dir), false, one logger, or a list, here CSVLogger (one at
 * most: the run log has one metrics.csv) and TensorBoardLogger. The first
 * logger's version folder is the run folder (checkpoints, configs, the
 * lock); each logger writes in its own log folder, save_dir/name/version
 * (and sub_dir for TensorBoard). Lightning 2.2 numbers each logger's
 * version when it first looks, so that a second logger with the same
 * save_dir and name would get the next version_N after the first one's
 * folder was made; here they share the first one's, so that TensorBoard
 * and metrics.csv sit side by side. */
#include "loggers.h"

#include "dist.h"
#include "metrics_csv.h"
#include "run_path.h"
#include "tb_writer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define fail2(...) (host_failf(__VA_ARGS__), 2)

void host_loggers_default(const host_trainer_cfg *c, host_loggers *ls) {
  memset(ls, 0, sizeof *ls);
  ls->deflt = (host_logger_cfg){.kind = HOST_LOGGER_CSV, .name = "lightning_logs", .version = -1, .flush_every = 100};
  snprintf(ls->deflt.save_dir, sizeof ls->deflt.save_dir, "%s", c->default_root_dir);
  ls->cfg[ls->n++] = &ls->deflt;
}

int host_loggers_add(host_loggers *ls, const char *path, const char *target, const host_logger_cfg *cfg) {
  if (!host_is_csv_logger(target) && !host_is_tensorboard_logger(target))
    return fail2("'%s' is %s; the loggers available here are pytorch_lightning.loggers.CSVLogger and "
                 "TensorBoardLogger (or their lightning.pytorch names)", path, target);
  if (ls->n == HOST_MAX_LOGGERS) return fail2("'%s': at most %d loggers", path, HOST_MAX_LOGGERS);
  for (int i = 0; i < ls->n; i++)
    if (cfg->kind == HOST_LOGGER_CSV && ls->cfg[i]->kind == HOST_LOGGER_CSV)
      return fail2("'%s' is a second CSVLogger; a run writes one metrics.csv here (keep one CSVLogger; "
                   "TensorBoardLoggers may be added beside it)", path);
  ls->cfg[ls->n++] = cfg;
  return 0;
}

/* N of a folder named version_N[_...] (as Lightning: the text between the
 * first and second '_', counted when it is all digits), or -1. An N past the largest 64-bit integer less one has no
 * next version: such a folder is skipped with a warning, once per run,
 * instead of wrapping the next version to a negative number. */
static int64_t folder_version(const char *base, const char *name) {
  if (strncmp(name, "version_", 8) || !name[8] || name[8] == '_') return -1;
  for (const char *c = name + 8; *c && *c != '_'; c++)
    if (*c < '0' || *c > '9') return -1;
  errno = 0;
  long long k = strtoll(name + 8, NULL, 10);
  if (errno == ERANGE || k >= INT64_MAX) {
    static int said;
    if (!said++)
      fprintf(stderr, "lighter-host: warning: '%s/%s' is not counted when numbering the new run: its number is past "
                      "%lld (rename it, or give the logger an explicit version)\n", base, name, (long long)INT64_MAX - 1);
    return -1;
  }
  return k;
}

/* save_dir/name (save_dir alone without a name). */
static void base_dir(const host_logger_cfg *lc, char *out, size_t len) {
  snprintf(out, len, "%s%s%s", lc->save_dir, *lc->name ? "/" : "", lc->name);
}

static int auto_version(const host_logger_cfg *lc) { return lc->version < 0 && !*lc->version_name; }

int host_logger_version_dir(const host_logger_cfg *lc, char *out, size_t len) {
  char base[1400];
  base_dir(lc, base, sizeof base);
  if (*lc->version_name) {
    snprintf(out, len, "%s/%s", base, lc->version_name);
    return host_mkdirs(out);
  }
  int64_t v = lc->version;
  if (v < 0) {
    v = 0;
    DIR *d = opendir(base);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      int64_t k = folder_version(base, e->d_name);
      if (k >= 0 && k + 1 > v) v = k + 1;
    }
    if (d) closedir(d);
  }
  snprintf(out, len, "%s/version_%lld", base, (long long)v);
  if (lc->version >= 0) return host_mkdirs(out);
  /* a new version_N is claimed by creating it: two runs started at once
   * (a sweep) never share one */
  if (host_mkdirs(base)) return -1;
  for (int tries = 0; mkdir(out, 0755) != 0; tries++) {
    if (errno != EEXIST || tries > 10000 || v == INT64_MAX) return -1;
    snprintf(out, len, "%s/version_%lld", base, (long long)++v);
  }
  return 0;
}

const char *host_logger_describe(const host_logger_cfg *lc, char *buf, size_t len) {
  const char *kind = lc->kind == HOST_LOGGER_CSV ? "CSVLogger" : "TensorBoardLogger";
  if (*lc->version_name) snprintf(buf, len, "%s version '%s'", kind, lc->version_name);
  else snprintf(buf, len, "%s version %lld", kind, (long long)lc->version);
  return buf;
}

/* The log folder in the version folder vdir: vdir, or vdir/sub_dir (an
 * absolute sub_dir stands alone, as Python's os.path.join makes it). */
static void log_dir(const host_logger_cfg *lc, const char *vdir, char *out, size_t len) {
  if (!*lc->sub_dir) snprintf(out, len, "%s", vdir);
  else if (lc->sub_dir[0] == '/') snprintf(out, len, "%s", lc->sub_dir);
  else snprintf(out, len, "%s/%s", vdir, lc->sub_dir);
}

int host_logger_has_run(const host_logger_cfg *lc, const char *vdir, const char **what) {
  char dir[2048], path[2100];
  struct stat st;
  log_dir(lc, vdir, dir, sizeof dir);
  if (lc->kind == HOST_LOGGER_CSV) {
    *what = "metrics.csv";
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    return stat(path, &st) == 0;
  }
  *what = "event files";
  int found = 0;
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && !found && (e = readdir(d))) found = !strncmp(e->d_name, "events.out.tfevents.", 20);
  if (d) closedir(d);
  return found;
}

/* text as dir/name, never through a symlink planted there. */
static int write_file(const char *dir, const char *name, const char *text) {
  char path[2100];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  int bad = fd < 0 || host_write_all(fd, text, strlen(text)) != 0;
  int err = errno;
  if (fd >= 0 && close(fd) != 0 && !bad) bad = 1, err = errno;
  if (bad) return host_failf("cannot write '%s': %s; %s", path, strerror(err), host_write_advice(err));
  return 0;
}

/* Logger i's log folder, made (with hparams.yaml when it is not the run folder). */
static int make_log_dir(host_run *r, const host_loggers *ls, int i, char (*vdir)[1500], char *out, size_t len) {
  const host_logger_cfg *lc = ls->cfg[i];
  char what[4400];
  int same = i == 0 ? 0 : -1;
  for (int j = 0; j < i && same < 0; j++) {
    char a[1400], b[1400];
    base_dir(lc, a, sizeof a), base_dir(ls->cfg[j], b, sizeof b);
    if (auto_version(lc) && auto_version(ls->cfg[j]) && !strcmp(a, b)) same = j;
  }
  if (same >= 0) snprintf(vdir[i], sizeof vdir[i], "%s", i ? vdir[same] : r->run_dir);
  else if (host_logger_version_dir(lc, vdir[i], sizeof vdir[i]))
    return fail2("cannot create the folder '%s' of trainer::logger (%s): %s", vdir[i],
                 host_logger_describe(lc, what, sizeof what), strerror(errno));
  log_dir(lc, vdir[i], out, len);
  if (!strcmp(out, r->run_dir)) return 0;
  if (host_run_path_check(r->run_dir, out, what, sizeof what) != 0) return fail2("trainer::logger: %s", what);
  if (host_mkdirs(out)) return fail2("cannot create the log folder '%s': %s", out, strerror(errno));
  return r->opts.resolved_yaml ? write_file(out, "hparams.yaml", r->opts.resolved_yaml) : 0;
}

int host_loggers_open(host_run *r, const host_loggers *ls, const cfg_node *config) {
  char vdir[HOST_MAX_LOGGERS][1500], dir[2048];
  int rc;
  r->log.flush_every = 0, r->log.flush_secs = 0;
  for (int i = 0; i < ls->n; i++) {
    const host_logger_cfg *lc = ls->cfg[i];
    if ((rc = make_log_dir(r, ls, i, vdir, dir, sizeof dir))) return rc;
    if (!r->log.flush_every || lc->flush_every < r->log.flush_every) r->log.flush_every = lc->flush_every;
    if (lc->kind == HOST_LOGGER_CSV) {
      if (snprintf(r->log.path, sizeof r->log.path, "%s/metrics.csv", dir) >= (int)sizeof r->log.path)
        return fail2("the log folder '%s' has too long a path for metrics.csv", dir);
      continue;
    }
    if (lc->flush_secs > 0 && (!r->log.flush_secs || lc->flush_secs < r->log.flush_secs)) r->log.flush_secs = lc->flush_secs;
    host_tb *t = host_tb_open(r->run_dir, dir, lc);
    if (!t) return 1;
    r->log.tb[r->log.ntb++] = t;
    if (lc->log_graph)
      fprintf(stderr, "lighter-host: TensorBoardLogger(log_graph=True): no graph is written (the host traces no "
                      "graph of the model); %s holds the scalars and hyperparameters\n", host_tb_path(t));
    if (host_tb_log_hyperparams(t, config)) return 1;
  }
  return 0;
}
