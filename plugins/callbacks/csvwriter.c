/* csvwriter.c: lighter.callbacks.CsvWriter: during predict, one row per
 * sample with the step output's `keys` (a scalar as a number, a vector as
 * space-separated numbers), written to `path` (relative paths go in the run
 * folder) through a temporary file renamed at the end of predict. */
#include "writer.h"

#include <unistd.h>

typedef struct cw {
  char given[1024], path[1600], tmp[1700];
  char *keys[32];
  int nkeys;
  FILE *f;
  int64_t rows;
} cw;

static void destroy(void *self) {
  cw *m = self;
  if (!m) return;
  if (m->f) fclose(m->f), remove(m->tmp);
  for (int i = 0; i < m->nkeys; i++) free(m->keys[i]);
  free(m);
}

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  cw *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const char *path = lt_arg_str(args, "path");
  const lt_value *keys = lt_arg(args, "keys");
  snprintf(m->given, sizeof m->given, "%s", path ? path : ""); /* required: never null */
  if (wr_check_path("path", path, err, errlen)) {
    destroy(m);
    return LT_ERR_INVALID;
  }
  for (size_t i = 0; i < keys->n && m->nkeys < 32; i++) {
    if (keys->items[i].type != LT_P_STRING) {
      snprintf(err, errlen, "keys must be a list of output names (strings)");
      destroy(m);
      return LT_ERR_INVALID;
    }
    m->keys[m->nkeys] = malloc(strlen(keys->items[i].s) + 1);
    strcpy(m->keys[m->nkeys++], keys->items[i].s);
  }
  if (!m->nkeys) {
    snprintf(err, errlen, "keys must name at least one output (e.g. [id, pred])");
    destroy(m);
    return LT_ERR_INVALID;
  }
  *self = m;
  return LT_OK;
}

static void cell(FILE *f, lt_tensor *t) {
  int64_t n = lt_tensor_numel(t);
  double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  if (v && lt_tensor_copy_to(t, v, (size_t)n * sizeof *v, LT_FLOAT64) == LT_OK)
    for (int64_t i = 0; i < n; i++) fprintf(f, i ? " %.9g" : "%.9g", v[i]);
  free(v);
}

static lt_status hook(void *self, lt_hook h, const lt_run_view *run) {
  cw *m = self;
  if (h == LT_HOOK_ON_PREDICT_START) {
    wr_place(m->given, run, m->path, sizeof m->path);
    if (run->size >= offsetof(lt_run_view, rank) + sizeof run->rank && run->rank > 0) {
      /* under ddp each rank predicts its shard: rank N writes NAME.rankN.csv */
      char *dot = strrchr(m->path, '.'), *sl = strrchr(m->path, '/');
      char ext[64] = "";
      if (dot && (!sl || dot > sl)) snprintf(ext, sizeof ext, "%s", dot), *dot = 0;
      size_t len = strlen(m->path);
      snprintf(m->path + len, sizeof m->path - len, ".rank%d%s", run->rank, ext);
    }
    if (wr_require_inside("CsvWriter", "path", m->given, run) != LT_OK) return LT_ERR_INVALID;
    char dir[1600];
    snprintf(dir, sizeof dir, "%s", m->path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0, wr_mkdirs(dir);
    snprintf(m->tmp, sizeof m->tmp, "%s.tmp", m->path);
    if (!(m->f = wr_create(m->tmp, "w"))) {
      char msg[1800];
      snprintf(msg, sizeof msg, "CsvWriter: cannot write '%s': %s", m->tmp, strerror(errno));
      lt_set_error(msg, 1);
      return LT_ERR_IO;
    }
    for (int k = 0; k < m->nkeys; k++) fprintf(m->f, k ? ",%s" : "%s", m->keys[k]);
    fputc('\n', m->f);
    m->rows = 0;
  } else if (h == LT_HOOK_ON_PREDICT_BATCH_END && m->f && run->outputs) {
    int64_t n = wr_batch(run->outputs);
    for (int64_t i = 0; i < n; i++) {
      for (int k = 0; k < m->nkeys; k++) {
        lt_tensor *t = wr_sample(run->outputs, m->keys[k], i, "CsvWriter");
        if (!t) return LT_ERR_NOT_FOUND;
        if (k) fputc(',', m->f);
        cell(m->f, t);
        lt_tensor_free(t);
      }
      fputc('\n', m->f);
      m->rows++;
    }
  } else if ((h == LT_HOOK_ON_EXCEPTION || h == LT_HOOK_TEARDOWN) && m->f) { /* the run failed mid-predict */
    fclose(m->f);
    m->f = NULL;
    unlink(m->tmp);
  } else if (h == LT_HOOK_ON_PREDICT_END && m->f) {
    int bad = ferror(m->f) | (fclose(m->f) != 0);
    m->f = NULL;
    if (bad || rename(m->tmp, m->path)) {
      char msg[1800];
      snprintf(msg, sizeof msg, "CsvWriter: cannot write '%s': %s", m->path, strerror(errno));
      unlink(m->tmp); /* a full disk leaves no stray temporary */
      lt_set_error(msg, 1);
      return LT_ERR_IO;
    }
    fprintf(stderr, "CsvWriter: %lld rows in %s\n", (long long)m->rows, m->path);
  }
  return LT_OK;
}

static const lt_callback_ops ops = {.size = sizeof(lt_callback_ops), .hook = hook};

static const lt_param params[] = {
    LT_PARAM_REQ("path", LT_P_STRING, "the CSV file (relative: in the run folder)"),
    LT_PARAM_REQ("keys", LT_P_LIST, "the predict step's outputs to write, e.g. [id, pred]"),
};

static const lt_component components[] = {
    {"lighter.callbacks.CsvWriter", LT_KIND_CALLBACK, "Writes predictions to a CSV file, a row per sample.", params,
     LT_COUNT_OF(params), create, destroy, &ops},
};

LT_PLUGIN_DEFINE("lighter.callbacks.CsvWriter", LT_VERSION_STRING, "CsvWriter", "BSD-3-Clause", components, NULL);
