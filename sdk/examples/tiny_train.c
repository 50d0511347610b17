/* tiny_train.c: the demo until the full host lands. A plain C program that
 * trains a 784-256-10 MLP on Fashion-MNIST (Debian's dataset-fashion-mnist)
 * for one epoch with the lighter tensor layer: PyTorch's default init, SGD
 * with momentum written with in-place ops, scopes so nothing leaks, and a
 * final checkpoint that Python's torch.load reads.
 *
 *   lighter-tiny-train [DATA_DIR] [EPOCHS] [OUT.pt]
 */
#include <lighter/lighter.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define CHECK(x)                                                                 \
  do {                                                                           \
    if (!(x)) {                                                                  \
      fprintf(stderr, "tiny_train: %s failed: %s\n", #x, lt_last_error());      \
      exit(1);                                                                   \
    }                                                                            \
  } while (0)

/* Read a gzipped IDX file (images: u8 N x 28 x 28; labels: u8 N). */
static unsigned char *read_idx(const char *path, int want_dims, int64_t *dims) {
  gzFile f = gzopen(path, "rb");
  if (!f) {
    fprintf(stderr, "tiny_train: cannot open %s (install dataset-fashion-mnist: "
                    "bash scripts/setup)\n", path);
    exit(1);
  }
  unsigned char hdr[4];
  if (gzread(f, hdr, 4) != 4 || hdr[0] || hdr[1] || hdr[2] != 0x08 || hdr[3] != want_dims) {
    fprintf(stderr, "tiny_train: %s is not a u8 IDX file with %d dims\n", path, want_dims);
    exit(1);
  }
  int64_t n = 1;
  for (int i = 0; i < want_dims; i++) {
    unsigned char b[4];
    if (gzread(f, b, 4) != 4) {
      fprintf(stderr, "tiny_train: %s: truncated header\n", path);
      exit(1);
    }
    dims[i] = ((int64_t)b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    n *= dims[i];
  }
  unsigned char *data = malloc((size_t)n);
  if (!data || gzread(f, data, (unsigned)n) != (int)n) {
    fprintf(stderr, "tiny_train: %s: truncated data\n", path);
    exit(1);
  }
  gzclose(f);
  return data;
}

typedef struct {
  lt_tensor *w1, *b1, *w2, *b2;
} mlp;

static void linear_init(lt_tensor **w, lt_tensor **b, int64_t in, int64_t out) {
  /* torch.nn.Linear.reset_parameters: kaiming_uniform_(a=sqrt(5)), bias
   * uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
  *w = lt_tensor_empty(LT_SHAPE(out, in), LT_FLOAT32, LT_CPU);
  *b = lt_tensor_empty(LT_SHAPE(out), LT_FLOAT32, LT_CPU);
  CHECK(*w && *b);
  CHECK(lt_init_kaiming_uniform_(*w, sqrt(5.0)) == LT_OK);
  double bound = 1.0 / sqrt((double)in);
  CHECK(lt_tensor_uniform_(*b, -bound, bound) == LT_OK);
  CHECK(lt_tensor_set_requires_grad(*w, 1) == LT_OK);
  CHECK(lt_tensor_set_requires_grad(*b, 1) == LT_OK);
}

static lt_tensor *forward(mlp *m, lt_tensor *x) {
  return lt_linear(lt_relu(lt_linear(x, m->w1, m->b1)), m->w2, m->b2);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  int epochs = argc > 2 ? atoi(argv[2]) : 1;
  const char *out = argc > 3 ? argv[3] : "build/demo/tiny_mlp.pt";
  const int64_t batch = 64;
  const double lr = 0.05, momentum = 0.9;
  char path[1024];

  lt_manual_seed(42);
  printf("%s\n", lt_runtime_info());

  int64_t di[3], dl[1], ti[3], tl[1];
  snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
  unsigned char *img = read_idx(path, 3, di);
  snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte.gz", dir);
  unsigned char *lab = read_idx(path, 1, dl);
  snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", dir);
  unsigned char *timg = read_idx(path, 3, ti);
  snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte.gz", dir);
  unsigned char *tlab = read_idx(path, 1, tl);

  /* Whole dataset as tensors: x in [0, 1], normalised like the usual
   * transforms.Normalize((0.2860,), (0.3530,)). The scope frees the
   * intermediate tensors; the four results are kept. */
  lt_scope *prep = lt_scope_begin();
  lt_tensor *X = lt_tensor_from_data(img, LT_SHAPE(di[0], 784), LT_UINT8);
  lt_tensor *Y = lt_tensor_to_dtype(lt_tensor_from_data(lab, LT_SHAPE(dl[0]), LT_UINT8), LT_INT64);
  lt_tensor *TX = lt_tensor_from_data(timg, LT_SHAPE(ti[0], 784), LT_UINT8);
  lt_tensor *TY = lt_tensor_to_dtype(lt_tensor_from_data(tlab, LT_SHAPE(tl[0]), LT_UINT8), LT_INT64);
  CHECK(X && Y && TX && TY);
  X = lt_tensor_div_scalar(lt_tensor_sub_scalar(lt_tensor_div_scalar(lt_tensor_to_dtype(X, LT_FLOAT32), 255.0), 0.2860), 0.3530);
  TX = lt_tensor_div_scalar(lt_tensor_sub_scalar(lt_tensor_div_scalar(lt_tensor_to_dtype(TX, LT_FLOAT32), 255.0), 0.2860), 0.3530);
  CHECK(X && TX);
  lt_tensor_keep(X), lt_tensor_keep(Y), lt_tensor_keep(TX), lt_tensor_keep(TY);
  lt_scope_end(prep);
  free(img), free(lab), free(timg), free(tlab);

  mlp m;
  linear_init(&m.w1, &m.b1, 784, 256);
  linear_init(&m.w2, &m.b2, 256, 10);
  lt_tensor *params[4] = {m.w1, m.b1, m.w2, m.b2};
  lt_tensor *bufs[4] = {0};

  int64_t n = di[0];
  for (int epoch = 0; epoch < epochs; epoch++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    lt_tensor *perm = lt_tensor_randperm(n, LT_INT64, LT_CPU);
    CHECK(perm);
    double loss_sum = 0;
    int64_t steps = 0;
    for (int64_t s = 0; s + batch <= n; s += batch) {
      /* Everything made inside the scope is freed at its end. */
      lt_scope *scope = lt_scope_begin();
      lt_tensor *idx = lt_tensor_narrow(perm, 0, s, batch);
      lt_tensor *xb = lt_tensor_index_select(X, 0, idx);
      lt_tensor *yb = lt_tensor_index_select(Y, 0, idx);
      lt_tensor *loss = lt_cross_entropy(forward(&m, xb), yb, LT_NO_TENSOR, LT_REDUCTION_MEAN, -100, 0.0);
      CHECK(loss);
      for (int i = 0; i < 4; i++) CHECK(lt_tensor_zero_grad(params[i], 1) == LT_OK);
      CHECK(lt_tensor_backward(loss, LT_NO_TENSOR, 0) == LT_OK);
      int prev = lt_grad_set_enabled(0);
      for (int i = 0; i < 4; i++) { /* torch.optim.SGD with momentum */
        lt_tensor *g = lt_tensor_grad(params[i]);
        CHECK(g);
        if (!bufs[i]) {
          bufs[i] = lt_tensor_keep(lt_tensor_clone(g));
        } else {
          CHECK(lt_tensor_mul_scalar_(bufs[i], momentum) == LT_OK);
          CHECK(lt_tensor_add_(bufs[i], g, 1.0) == LT_OK);
        }
        CHECK(lt_tensor_add_(params[i], bufs[i], -lr) == LT_OK);
      }
      lt_grad_set_enabled(prev);
      double l;
      CHECK(lt_tensor_item_double(loss, &l) == LT_OK);
      loss_sum += l;
      steps++;
      lt_scope_end(scope);
    }
    lt_tensor_free(perm);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

    /* Test accuracy without recording gradients. */
    lt_scope *scope = lt_scope_begin();
    int prev = lt_grad_set_enabled(0);
    lt_tensor *pred = lt_tensor_argmax(forward(&m, TX), 1, 0);
    lt_tensor *acc = lt_tensor_mean(lt_tensor_to_dtype(lt_tensor_eq(pred, TY), LT_FLOAT32), NULL, 0, 0);
    double a;
    CHECK(lt_tensor_item_double(acc, &a) == LT_OK);
    lt_grad_set_enabled(prev);
    lt_scope_end(scope);
    printf("epoch %d: train loss %.4f, test accuracy %.4f, %.0f samples/s (%.2f s)\n", epoch,
           loss_sum / steps, a, steps * batch / secs, secs);
  }

  lt_state *st = lt_state_new_dict();
  CHECK(st);
  const char *names[4] = {"0.weight", "0.bias", "2.weight", "2.bias"};
  for (int i = 0; i < 4; i++) CHECK(lt_state_set_tensor(st, names[i], params[i]) == LT_OK);
  char mk[1100];
  snprintf(mk, sizeof mk, "mkdir -p \"$(dirname '%s')\"", out);
  if (system(mk) != 0) fprintf(stderr, "tiny_train: cannot create the folder of %s\n", out);
  CHECK(lt_state_save(st, out) == LT_OK);
  printf("saved %s (torch.load reads it: a state dict for nn.Sequential(Linear(784, 256), "
         "ReLU(), Linear(256, 10)))\n", out);
  lt_state_free(st);

  for (int i = 0; i < 4; i++) lt_tensor_free(params[i]), lt_tensor_free(bufs[i]);
  lt_tensor_free(X), lt_tensor_free(Y), lt_tensor_free(TX), lt_tensor_free(TY);
  if (lt_live_tensors() != 0) {
    fprintf(stderr, "tiny_train: %lld tensor handles leaked\n", (long long)lt_live_tensors());
    return 1;
  }
  return 0;
}
