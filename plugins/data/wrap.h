/* wrap.h: datasets made of other datasets (Subset, ConcatDataset,
 * random_split): an index map onto one or more inner datasets, and the
 * dataset ops over it. A wrapper is thread-safe when its inner ones are. */
#ifndef LT_DATA_WRAP_H
#define LT_DATA_WRAP_H

#include "data.h"

#define WRAP_MAX 64

typedef struct wrap {
  int n;                          /* inner datasets */
  void *self[WRAP_MAX];
  const lt_dataset_ops *ops[WRAP_MAX];
  int64_t start[WRAP_MAX + 1];    /* concatenation: cumulative lengths */
  int64_t *index;                 /* subset: inner index of each sample (NULL: all) */
  int64_t len;
} wrap;

static inline void wrap_destroy(void *self) {
  wrap *w = (wrap *)self;
  if (!w) return;
  free(w->index);
  free(w);
}

static inline int64_t wrap_len(void *self) { return ((wrap *)self)->len; }

static inline int wrap_sample(void *self, int64_t i, lt_rng *rng, lt_tensor **out, const char **names, int max, char *err,
                              size_t errlen) {
  wrap *w = (wrap *)self;
  if (data_index(&i, w->len, err, errlen)) return -1;
  int64_t j = w->index ? w->index[i] : i;
  int k = 0;
  while (k + 1 < w->n && j >= w->start[k + 1]) k++;
  return data_get(w->self[k], w->ops[k], j - w->start[k], rng, out, names, max, err, errlen);
}

static inline int wrap_get(void *self, int64_t i, lt_tensor **out, const char **names, int max, char *err,
                           size_t errlen) {
  lt_rng rng = lt_rng_for(0, 0, (uint64_t)i);
  return wrap_sample(self, i, &rng, out, names, max, err, errlen);
}

static inline int wrap_thread_safe(void *self) {
  wrap *w = (wrap *)self;
  for (int k = 0; k < w->n; k++)
    if (!data_thread_safe(w->self[k], w->ops[k])) return 0;
  return 1;
}

/* A batch at once (1.4) over one inner dataset (Subset, random_split): the
 * indices mapped, then the inner get_batch; 0 (sample by sample) for a
 * concatenation or an inner dataset that cannot. */
static inline int wrap_get_batch(void *self, const int64_t *indices, int64_t n, lt_tensor **out, const char **names,
                                 int max, char *err, size_t errlen) {
  wrap *w = (wrap *)self;
  if (w->n != 1 || !LT_HAS(w->ops[0], lt_dataset_ops, get_batch) || !w->ops[0]->get_batch || n < 1) return 0;
  int64_t *inner = (int64_t *)malloc((size_t)n * sizeof *inner);
  if (!inner) {
    snprintf(err, errlen, "out of memory for the indices of a batch of %lld samples", (long long)n);
    return -1;
  }
  for (int64_t k = 0; k < n; k++) {
    int64_t i = indices[k];
    if (data_index(&i, w->len, err, errlen)) {
      free(inner);
      return -1;
    }
    inner[k] = w->index ? w->index[i] : i;
  }
  int got = w->ops[0]->get_batch(w->self[0], inner, n, out, names, max, err, errlen);
  free(inner);
  return got;
}

/* Adds an inner dataset (args value v). */
static inline int wrap_add(wrap *w, const lt_value *v, const char *name, char *err, size_t errlen) {
  if (w->n == WRAP_MAX) {
    snprintf(err, errlen, "at most %d datasets", WRAP_MAX);
    return -1;
  }
  if (data_dataset_arg(v, name, &w->self[w->n], &w->ops[w->n], err, errlen)) return -1;
  w->start[w->n] = w->len;
  w->len += w->ops[w->n]->len(w->self[w->n]);
  w->start[++w->n] = w->len;
  return 0;
}

#define WRAP_COMPONENT(TARGET, SUMMARY, PARAMS, CREATE)                                                 \
  static const lt_dataset_ops ops_ = {.size = sizeof(lt_dataset_ops), .len = wrap_len, .get = wrap_get, \
                                      .sample = wrap_sample, .thread_safe = wrap_thread_safe,           \
                                      .get_batch = wrap_get_batch};                                     \
  static const lt_component components_[] = {                                                          \
      {TARGET, LT_KIND_DATASET, SUMMARY, PARAMS, LT_COUNT_OF(PARAMS), CREATE, wrap_destroy, &ops_}};  \
  LT_PLUGIN_DEFINE(TARGET, LT_VERSION_STRING, TARGET, "BSD-3-Clause", components_, NULL)

#endif
