/* spirals.c: an example dataset plugin in the SDK's style (1.5):
 * interleaved 2-D spirals, one per class, generated from a seed (so the
 * same config always gives the same data). Each sample is an "input"
 * float32 tensor [2] and a "target" int64 scalar. The data are buffers in
 * the component's books, so the host frees them; LT_DATASET_OPS checks the
 * index. In PyTorch:
 *
 *   class Spirals(Dataset):
 *       def __init__(self, n_samples=1000, n_classes=3, noise=0.1, seed=0):
 *           rng, xy, label = SplitMix64(seed), [], []
 *           for i in range(n_samples):
 *               c = i % n_classes; r = rng.uniform(); t = 4 * r + 2 * math.pi * c / n_classes
 *               xy.append([r * math.cos(t) + noise * (rng.uniform() - 0.5), r * math.sin(t) + noise * (rng.uniform() - 0.5)])
 *               label.append(c)
 *           self.x, self.y = torch.tensor(xy), torch.tensor(label)
 *       def __len__(self): return len(self.y)
 *       def __getitem__(self, i): return {"input": self.x[i], "target": self.y[i]}
 *
 *   cc -shared -fPIC spirals.c $(pkg-config --cflags --libs lighter) -o spirals.so -lm
 */
#include <lighter/lighter.h>

#include <math.h>
#include <stdlib.h>

typedef struct spirals {
  int64_t n;
  lt_tensor *x, *y;
} spirals;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  spirals *d = lt_module_new(sizeof *d);
  int64_t n = d->n = lt_arg_int(args, "n_samples"), classes = lt_arg_int(args, "n_classes");
  double noise = lt_arg_float(args, "noise");
  lt_rng rng = {(uint64_t)lt_arg_int(args, "seed")};
  d->x = lt_register_buffer(d, "x", lt_tensor_empty(LT_SHAPE(n, 2), LT_FLOAT32, LT_CPU));
  d->y = lt_register_buffer(d, "y", lt_tensor_empty(LT_SHAPE(n), LT_INT64, LT_CPU));
  float *xy = d->x ? lt_tensor_data(d->x) : NULL;
  int64_t *label = d->y ? lt_tensor_data(d->y) : NULL;
  for (int64_t i = 0; xy && label && i < n; i++) {
    double r = lt_rng_uniform(&rng), t = 4.0 * r + 2.0 * acos(-1.0) * (double)(i % classes) / (double)classes;
    xy[2 * i] = (float)(r * cos(t) + noise * (lt_rng_uniform(&rng) - 0.5));
    xy[2 * i + 1] = (float)(r * sin(t) + noise * (lt_rng_uniform(&rng) - 0.5));
    label[i] = i % classes;
  }
  return lt_module_done(d, self, err, errlen);
}

static int64_t len(void *self) { return ((spirals *)self)->n; }

static lt_status get(void *self, int64_t i, lt_sample *s) {
  spirals *d = self;
  lt_sample_set(s, "input", lt_tensor_select(d->x, 0, i));
  lt_sample_set(s, "target", lt_tensor_select(d->y, 0, i));
  return LT_OK;
}

LT_DATASET_OPS(ops, len, get);

static const lt_param params[] = {
    LT_PARAM_MIN("n_samples", LT_P_INT, "1000", 1, "number of points"),
    LT_PARAM_RANGE("n_classes", LT_P_INT, "3", 2, 64, "number of spirals"),
    LT_PARAM_MIN("noise", LT_P_FLOAT, "0.1", 0.0, "uniform noise added to each coordinate"),
    LT_PARAM("seed", LT_P_INT, "0", "generator seed"),
};

static const lt_component components[] = {
    {"examples.Spirals", LT_KIND_DATASET, "Interleaved 2-D spirals (example dataset plugin).", params,
     LT_COUNT_OF(params), create, lt_module_free, &ops},
};

LT_PLUGIN_DEFINE("examples-spirals", "1.0.0", "an example dataset plugin", "MIT", components, NULL);
