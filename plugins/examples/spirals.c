/* spirals.c: an example dataset plugin, written the way a user writes one:
 * interleaved 2-D spirals, one per class, generated from a seed (so the
 * same config always gives the same data). Each sample is an "input"
 * float32 tensor [2] and a "target" int64 scalar.
 *
 *   cc -shared -fPIC spirals.c $(pkg-config --cflags --libs lighter) -o spirals.so -lm
 */
#include <lighter/lighter.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PI 3.14159265358979323846

typedef struct spirals {
  int64_t n;
  float *xy;      /* n x 2 */
  int64_t *label; /* n */
} spirals;

/* A small deterministic generator (splitmix64), independent of libtorch. */
static double uniform(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static void spirals_destroy(void *self) {
  spirals *d = self;
  if (!d) return;
  free(d->xy);
  free(d->label);
  free(d);
}

static lt_status spirals_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int64_t n = lt_arg_int(args, "n_samples"), classes = lt_arg_int(args, "n_classes");
  double noise = lt_arg_float(args, "noise");
  uint64_t seed = (uint64_t)lt_arg_int(args, "seed");
  spirals *d = calloc(1, sizeof *d);
  if (!d || !(d->xy = malloc((size_t)n * 2 * sizeof *d->xy)) || !(d->label = malloc((size_t)n * sizeof *d->label))) {
    snprintf(err, errlen, "out of memory for %lld samples", (long long)n);
    spirals_destroy(d);
    return LT_ERR_NOMEM;
  }
  d->n = n;
  for (int64_t i = 0; i < n; i++) {
    int64_t c = i % classes;
    double r = uniform(&seed), t = 4.0 * r + 2.0 * PI * (double)c / (double)classes;
    d->xy[2 * i] = (float)(r * cos(t) + noise * (uniform(&seed) - 0.5));
    d->xy[2 * i + 1] = (float)(r * sin(t) + noise * (uniform(&seed) - 0.5));
    d->label[i] = c;
  }
  *self = d;
  return LT_OK;
}

static int64_t spirals_len(void *self) { return ((spirals *)self)->n; }

static int spirals_get(void *self, int64_t i, lt_tensor **out, const char **names, int max, char *err,
                       size_t errlen) {
  spirals *d = self;
  if (i < 0 || i >= d->n || max < 2) {
    snprintf(err, errlen, "index %lld out of range (%lld samples)", (long long)i, (long long)d->n);
    return -1;
  }
  out[0] = lt_tensor_from_data(d->xy + 2 * i, LT_SHAPE(2), LT_FLOAT32);
  out[1] = lt_tensor_from_data(d->label + i, NULL, 0, LT_INT64);
  names[0] = "input";
  names[1] = "target";
  if (!out[0] || !out[1]) {
    snprintf(err, errlen, "%s", lt_last_error());
    return -1;
  }
  return 2;
}

static const lt_dataset_ops ops = {.size = sizeof(lt_dataset_ops), .len = spirals_len, .get = spirals_get};

static const lt_param params[] = {
    LT_PARAM_MIN("n_samples", LT_P_INT, "1000", 1, "number of points"),
    LT_PARAM_RANGE("n_classes", LT_P_INT, "3", 2, 64, "number of spirals"),
    LT_PARAM_MIN("noise", LT_P_FLOAT, "0.1", 0.0, "uniform noise added to each coordinate"),
    LT_PARAM("seed", LT_P_INT, "0", "generator seed"),
};

static const lt_component components[] = {
    {"examples.Spirals", LT_KIND_DATASET, "Interleaved 2-D spirals (example dataset plugin).", params,
     LT_COUNT_OF(params), spirals_create, spirals_destroy, &ops},
};

LT_PLUGIN_DEFINE("examples-spirals", "1.0.0", "an example dataset plugin", "MIT", components, NULL);
