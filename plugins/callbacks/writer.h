/* writer.h: what the callbacks that write files share (CsvWriter,
 * FileWriter, ModelCheckpoint): where a relative path goes (inside the run
 * folder: they never write outside it unless given an absolute path, and a
 * relative path that climbs out with '..' is refused at config time), and,
 * for the predict writers, one sample's values out of a step's output. */
#ifndef LT_CB_WRITER_H
#define LT_CB_WRITER_H

#include <lighter/lighter.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
