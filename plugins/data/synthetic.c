/* synthetic.c: lighter.datasets.SyntheticDataset: seeded samples of any
 * input shape for tests and benchmarks, each a function of (seed, index)
 * alone. classification: a label drawn uniformly, the input its class's
 * fixed pattern plus noise (learnable); regression: a normal input and a
 * target of fixed random linear maps of it plus noise. */
#include "data.h"

#include <math.h>

#define SYN_MAXDIM 8

typedef struct syn {
  int64_t n, shape[SYN_MAXDIM], tshape[SYN_MAXDIM], numel, tnumel, classes;
  int dims, tdims, regression;
  double noise;
  uint64_t seed;
  float *centers; /* classes * numel (classification) */
  float *w;       /* tnumel * numel (regression) */
} syn;

static double normal(lt_rng *r) {
  double u = lt_rng_uniform(r), v = lt_rng_uniform(r);
  return sqrt(-2.0 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

static void syn_destroy(void *self) {
  syn *m = self;
  if (!m) return;
  free(m->centers), free(m->w);
  free(m);
}

static int shape_of(const lt_value *v, int64_t *out, int *dims, int64_t *numel, const char *name, char *err,
                    size_t errlen) {
  *numel = 1;
  *dims = 0;
  if (v->n > SYN_MAXDIM) {
    snprintf(err, errlen, "%s has more than %d dims", name, SYN_MAXDIM);
    return -1;
  }
  for (size_t i = 0; i < v->n; i++) {
    if (v->items[i].type != LT_P_INT || v->items[i].i < 1 || v->items[i].i > (int64_t)1 << 24) {
      snprintf(err, errlen, "%s item %zu must be a positive int", name, i);
      return -1;
    }
    out[(*dims)++] = v->items[i].i;
    *numel *= v->items[i].i;
  }
  if (*numel > (int64_t)1 << 26) {
    snprintf(err, errlen, "%s has %lld elements per sample; at most 2^26", name, (long long)*numel);
    return -1;
  }
  return 0;
}

static lt_status syn_create(const lt_value *args, void **self, char *err, size_t errlen) {
  syn *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->n = lt_arg_int(args, "num_samples");
  m->regression = !strcmp(lt_arg_str(args, "task"), "regression");
  m->classes = lt_arg_int(args, "num_classes");
  m->seed = (uint64_t)lt_arg_int(args, "seed");
  m->noise = lt_arg_float(args, "noise");
  if (shape_of(lt_arg(args, "input_shape"), m->shape, &m->dims, &m->numel, "input_shape", err, errlen) ||
      shape_of(lt_arg(args, "target_shape"), m->tshape, &m->tdims, &m->tnumel, "target_shape", err, errlen)) {
    syn_destroy(m);
    return LT_ERR_INVALID;
  }
  size_t k = (size_t)(m->regression ? m->tnumel : m->classes) * (size_t)m->numel;
  float *p = malloc((k ? k : 1) * sizeof *p);
  if (!p) {
    syn_destroy(m);
    return LT_ERR_NOMEM;
  }
  lt_rng r = lt_rng_for(m->seed, 1, 0);
  double scale = m->regression ? 1.0 / sqrt((double)m->numel) : 1.0;
  for (size_t i = 0; i < k; i++) p[i] = (float)(normal(&r) * scale);
  if (m->regression) m->w = p;
  else m->centers = p;
  *self = m;
  return LT_OK;
}

static int64_t syn_len(void *self) { return ((syn *)self)->n; }

static int syn_get(void *self, int64_t i, lt_tensor **out, const char **names, int max, char *err, size_t errlen) {
  syn *m = self;
  if (data_index(&i, m->n, err, errlen) || max < 2) return -1;
  lt_rng r = lt_rng_for(m->seed, 0, (uint64_t)i);
  float *x = malloc((size_t)m->numel * sizeof *x), *y = malloc((size_t)(m->tnumel ? m->tnumel : 1) * sizeof *y);
  if (!x || !y) {
    free(x), free(y);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  int64_t label = m->regression ? 0 : lt_rng_below(&r, m->classes);
  for (int64_t k = 0; k < m->numel; k++)
    x[k] = (float)(m->regression ? normal(&r) : m->centers[label * m->numel + k] + m->noise * normal(&r));
  if (m->regression)
    for (int64_t t = 0; t < m->tnumel; t++) {
      double s = 0;
      for (int64_t k = 0; k < m->numel; k++) s += (double)m->w[t * m->numel + k] * x[k];
      y[t] = (float)(s + m->noise * normal(&r));
    }
  out[0] = lt_tensor_from_data(x, m->shape, m->dims, LT_FLOAT32);
  out[1] = m->regression ? lt_tensor_from_data(y, m->tshape, m->tdims, LT_FLOAT32) : lt_tensor_scalar((double)label, LT_INT64);
  free(x), free(y);
  names[0] = "input", names[1] = "target";
  if (!out[0] || !out[1]) {
    data_tensor_error(err, errlen, "lighter.datasets.SyntheticDataset", "making the tensors of sample", i);
    lt_tensor_free(out[0]), lt_tensor_free(out[1]);
    return -1;
  }
  return 2;
}

static const lt_dataset_ops ops = {.size = sizeof(lt_dataset_ops), .len = syn_len, .get = syn_get,
                                   .thread_safe = data_yes};

static const lt_param params[] = {
    LT_PARAM_MIN("num_samples", LT_P_INT, "1000", 0, "number of samples"),
    LT_PARAM("input_shape", LT_P_LIST, "[16]", "shape of each input"),
    LT_PARAM_CHOICE("task", "classification", "classification|regression", "kind of target"),
    LT_PARAM_MIN("num_classes", LT_P_INT, "10", 1, "classes (classification)"),
    LT_PARAM("target_shape", LT_P_LIST, "[]", "shape of each target (regression; [] for a scalar)"),
    LT_PARAM_MIN("seed", LT_P_INT, "0", 0, "the same seed gives the same samples"),
    LT_PARAM_MIN("noise", LT_P_FLOAT, "0.5", 0.0, "standard deviation of the noise"),
};

static const lt_component components[] = {
    {"lighter.datasets.SyntheticDataset", LT_KIND_DATASET, "Seeded synthetic samples (classification or regression).",
     params, LT_COUNT_OF(params), syn_create, syn_destroy, &ops},
};

LT_PLUGIN_DEFINE("lighter.datasets.SyntheticDataset", LT_VERSION_STRING, "lighter.datasets.SyntheticDataset",
                 "BSD-3-Clause", components, NULL);
