/* mlp_abi14.c: examples/mlp.c as it was under SDK 1.4 (arguments by
 * position, hand-kept parameter arrays), built against the frozen 1.4
 * headers in tests/abi/1.4: a plugin of an older minor must keep loading
 * and training the same (tests/e2e/plugins.sh). It was: a
 * multi-layer perceptron over the tensor layer, with PyTorch's default
 * initialisation and state-dict names like nn.Sequential's ("0.weight").
 *
 *   cc -shared -fPIC mlp.c $(pkg-config --cflags --libs lighter) -o mlp.so
 */
#include <lighter/lighter.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS 16

typedef struct mlp {
  int nlayers;
  lt_tensor *w[MAX_LAYERS], *b[MAX_LAYERS]; /* owned */
  char names[2 * MAX_LAYERS][24];
  int tanh_act;
  double dropout;
  int training;
} mlp;

static void mlp_destroy(void *self) {
  mlp *m = self;
  if (!m) return;
  for (int i = 0; i < m->nlayers; i++) lt_tensor_free(m->w[i]), lt_tensor_free(m->b[i]);
  free(m);
}

static lt_status mlp_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *hidden = &args[1];
  if (hidden->n + 1 > MAX_LAYERS) {
    snprintf(err, errlen, "at most %d hidden layers", MAX_LAYERS - 1);
    return LT_ERR_INVALID;
  }
  mlp *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->tanh_act = !strcmp(args[3].s, "tanh");
  m->dropout = args[4].f;
  m->training = 1;
  int64_t in = args[0].i;
  for (size_t i = 0; i <= hidden->n; i++) {
    const lt_value *h = i < hidden->n ? &hidden->items[i] : &args[2];
    if (h->type != LT_P_INT || h->i < 1) {
      snprintf(err, errlen, "hidden sizes must be positive integers (item %zu is not)", i);
      mlp_destroy(m);
      return LT_ERR_INVALID;
    }
    int64_t out = h->i;
    /* As nn.Linear: kaiming_uniform_(a=sqrt(5)) and U(+-1/sqrt(in)) bias */
    m->w[i] = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out, in), LT_FLOAT32, LT_CPU));
    m->b[i] = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(out), LT_FLOAT32, LT_CPU));
    m->nlayers = (int)i + 1;
    if (!m->w[i] || !m->b[i] || lt_init_kaiming_uniform_(m->w[i], sqrt(5.0)) != LT_OK ||
        lt_tensor_uniform_(m->b[i], -1.0 / sqrt((double)in), 1.0 / sqrt((double)in)) != LT_OK) {
      snprintf(err, errlen, "%s", lt_last_error());
      mlp_destroy(m);
      return LT_FAIL;
    }
    lt_tensor_set_requires_grad(m->w[i], 1);
    lt_tensor_set_requires_grad(m->b[i], 1);
    /* nn.Sequential(Linear, act, [Dropout,] Linear, ...) numbering */
    int stride = m->dropout > 0 ? 3 : 2;
    snprintf(m->names[2 * i], sizeof m->names[0], "%d.weight", (int)i * stride);
    snprintf(m->names[2 * i + 1], sizeof m->names[0], "%d.bias", (int)i * stride);
    in = out;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *mlp_forward(void *self, lt_tensor *x) {
  mlp *m = self;
  x = lt_tensor_flatten(x, 1, -1);
  for (int i = 0; i < m->nlayers; i++) {
    x = lt_linear(x, m->w[i], m->b[i]);
    if (i + 1 < m->nlayers) {
      x = m->tanh_act ? lt_tanh(x) : lt_relu(x);
      if (m->dropout > 0) x = lt_dropout(x, m->dropout, m->training);
    }
  }
  return x; /* NULL if any step failed: lt_last_error() says which */
}

static size_t mlp_parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  mlp *m = self;
  size_t n = 0;
  for (int i = 0; i < m->nlayers; i++) {
    lt_tensor *p[2] = {m->w[i], m->b[i]};
    for (int k = 0; k < 2; k++, n++)
      if (n < max) {
        if (out) out[n] = p[k];
        if (names) names[n] = m->names[2 * i + k];
      }
  }
  return n;
}

static void mlp_train(void *self, int mode) { ((mlp *)self)->training = mode; }

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = mlp_forward, .parameters = mlp_parameters, .train = mlp_train};

static const lt_param params[] = {
    {"in_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "input size"},
    LT_PARAM("hidden", LT_P_LIST, "[64]", "sizes of the hidden layers"),
    {"out_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "output size"},
    LT_PARAM_CHOICE("activation", "relu", "relu|tanh", "activation between layers"),
    LT_PARAM_RANGE("dropout", LT_P_FLOAT, "0.0", 0.0, 0.99, "dropout after each activation"),
};

static const lt_component components[] = {
    {"abi14.MLP", LT_KIND_MODULE, "A multi-layer perceptron (example plugin).", params, LT__COUNT_OF(params),
     mlp_create, mlp_destroy, &ops},
};

LT_PLUGIN_DEFINE("abi14-mlp", "1.0.0", "an example model plugin", "MIT", components, NULL);
