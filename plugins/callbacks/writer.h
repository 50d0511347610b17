/* writer.h: what the callbacks that write files share (CsvWriter,
 * FileWriter, ModelCheckpoint): where a relative path goes (inside the run
 * folder: they never write outside it unless given an absolute path, and a
 * relative path that climbs out with '..' is refused at config time), and,
 * for the predict writers, one sample's values out of a step's output. */
#ifndef LT_CB_WRITER_H
#define LT_CB_WRITER_H

#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* realpath, lstat, readlink under -std=c99 */
#endif

#include <lighter/lighter.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* path as written by the user: absolute stays, relative is in run_dir. */
static inline void wr_place(const char *given, const lt_run_view *run, char *out, size_t len) {
  if (given[0] == '/') snprintf(out, len, "%s", given);
  else snprintf(out, len, "%s/%s", run->run_dir && *run->run_dir ? run->run_dir : ".", given);
}

/* 1 when a relative path climbs out of the folder it starts in ("..",
 * "a/../.."); judged on the text alone, before anything exists. */
static inline int wr_escapes(const char *rel) {
  int depth = 0;
  for (const char *p = rel; *p;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      if (--depth < 0) return 1;
    } else if (n && !(n == 1 && p[0] == '.')) {
      depth++;
    }
    p += n;
    if (*p) p++;
  }
  return 0;
}

/* A path parameter as create() gets it: absolute (the user's explicit
 * choice), or relative and staying inside the run folder; else -1 with err
 * naming the parameter and what to do. */
static inline int wr_check_path(const char *param, const char *given, char *err, size_t errlen) {
  if (!*given) {
    snprintf(err, errlen, "%s is empty: name a path inside the run folder, or an absolute one", param);
    return -1;
  }
  if (given[0] == '/' || !wr_escapes(given)) return 0;
  snprintf(err, errlen,
           "%s '%s' leaves the run folder: relative paths are placed inside it (<root>/<name>/version_N); to write "
           "elsewhere on purpose, give an absolute path",
           param, given);
  return -1;
}

/* 0 when a relative path given (placed in the run folder by wr_place)
 * stays inside the run folder on disk too; -1 with err when a symlink on
 * the way (planted in a reused run folder: version_0/checkpoints ->
 * /elsewhere) leads out of it or nowhere. Each existing part below the run
 * folder is looked at before anything is made or written there (the host's
 * run_path.c does the same for its own files). */
static inline int wr_inside(const char *param, const char *given, const lt_run_view *run, char *err, size_t errlen) {
  const char *run_dir = run->run_dir && *run->run_dir ? run->run_dir : ".";
  char root[PATH_MAX], at[PATH_MAX], real[PATH_MAX], target[PATH_MAX];
  if (given[0] == '/' || !realpath(run_dir, root)) return 0;
  size_t rl = strlen(root);
  snprintf(at, sizeof at, "%s", run_dir);
  for (const char *p = given; *p;) {
    size_t n = strcspn(p, "/"), used = strlen(at);
    struct stat st;
    if (n && used + 1 + n < sizeof at) snprintf(at + used, sizeof at - used, "/%.*s", (int)n, p);
    p += n;
    while (*p == '/') p++;
    if (!n) continue;
    if (lstat(at, &st) != 0) return 0; /* the rest is made by the run */
    if (!S_ISLNK(st.st_mode)) continue;
    int found = realpath(at, real) != NULL;
    if (found && !strncmp(real, root, rl) && (real[rl] == 0 || real[rl] == '/')) continue;
    ssize_t t = readlink(at, target, sizeof target - 1);
    target[t > 0 ? t : 0] = 0;
    /* each part bounded: a message cut short still says it */
    snprintf(err, errlen, "%.64s '%.900s' would leave the run folder '%.900s': '%.900s' is a symlink to '%.900s', %s; "
             "a run folder is only written inside (remove the symlink, or give an absolute %.64s to write there on "
             "purpose)", param, given, run_dir, at, target, found ? "outside it" : "which does not exist", param);
    return -1;
  }
  return 0;
}

/* wr_inside for component `who` (its messages start "who: "): LT_OK, or
 * LT_ERR_INVALID with the reason set as the tensor layer's error. */
static inline lt_status wr_require_inside(const char *who, const char *param, const char *given,
                                          const lt_run_view *run) {
  char why[PATH_MAX * 3 + 64];
  if (!wr_inside(param, given, run, why, sizeof why)) return LT_OK;
  char msg[sizeof why + 64];
  snprintf(msg, sizeof msg, "%s: %s", who, why);
  lt_set_error(msg, 1);
  return LT_ERR_INVALID;
}

/* A new file at path for writing ("w" or "wb"), never through a symlink
 * planted where the file goes (O_NOFOLLOW: ELOOP instead). */
static inline FILE *wr_create(const char *path, const char *mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
  FILE *f = fd >= 0 ? fdopen(fd, mode) : NULL;
  if (fd >= 0 && !f) close(fd);
  return f;
}

static inline int wr_mkdirs(const char *path) {
  char buf[1600];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      if (mkdir(buf, 0755) && errno != EEXIST) return -1;
      *p = '/';
    }
  return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

/* The batch size of a step output: the first dim of its first tensor. */
static inline int64_t wr_batch(const lt_state *out) {
  for (int64_t i = 0; i < lt_state_len(out); i++) {
    const char *k = lt_state_key(out, i);
    if (lt_state_kind(out, k) != LT_VALUE_TENSOR) continue;
    lt_tensor *t = lt_state_get_tensor(out, k);
    int64_t n = t && lt_tensor_dim(t) > 0 ? lt_tensor_size(t, 0) : 1;
    lt_tensor_free(t);
    return n;
  }
  return 0;
}

/* Sample i of out[key] (new ref), or NULL with an error naming the key. */
static inline lt_tensor *wr_sample(const lt_state *out, const char *key, int64_t i, const char *who) {
  if (lt_state_kind(out, key) != LT_VALUE_TENSOR) {
    char msg[512];
    size_t at = (size_t)snprintf(msg, sizeof msg, "%s: the predict step gives no '%s'; it gives:", who, key);
    for (int64_t k = 0; k < lt_state_len(out) && at < sizeof msg; k++)
      at += (size_t)snprintf(msg + at, sizeof msg - at, " %s", lt_state_key(out, k));
    lt_set_error(msg, 1);
    return NULL;
  }
  lt_tensor *t = lt_state_get_tensor(out, key);
  lt_tensor *s = t && lt_tensor_dim(t) > 0 ? lt_tensor_select(t, 0, i) : lt_tensor_ref(t);
  lt_tensor_free(t);
  return s;
}

#endif
