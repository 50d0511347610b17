/* mlp.c: an example module plugin in the SDK's style (1.5): a multi-layer
 * perceptron of built-in torch.nn.Linear children (PyTorch's
 * initialisation, state-dict names as nn.Sequential's: "0.weight", and
 * "3.weight" after an activation and a Dropout). In PyTorch:
 *
 *   class MLP(nn.Sequential):
 *       def __init__(self, in_features, out_features, hidden=[64], activation="relu", dropout=0.0):
 *           layers, d = [], in_features
 *           for h in hidden:
 *               layers += [nn.Linear(d, h), nn.ReLU() if activation == "relu" else nn.Tanh()]
 *               layers += [nn.Dropout(dropout)] if dropout > 0 else []
 *               d = h
 *           super().__init__(*layers, nn.Linear(d, out_features))
 *       def forward(self, x): return super().forward(x.flatten(1))
 *
 *   cc -shared -fPIC mlp.c $(pkg-config --cflags --libs lighter) -o mlp.so
 */
#include <lighter/lighter.h>

#include <stdio.h>
#include <string.h>

#define MAX_LAYERS 16

typedef struct mlp {
  int nlayers, tanh_act;
  lt_child *linear[MAX_LAYERS], *drop; /* drop: NULL without dropout */
} mlp;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *hidden = lt_arg(args, "hidden");
  if (hidden->n + 1 > MAX_LAYERS) return snprintf(err, errlen, "at most %d hidden layers", MAX_LAYERS - 1), LT_ERR_INVALID;
  mlp *m = lt_module_new(sizeof *m);
  m->tanh_act = !strcmp(lt_arg_str(args, "activation"), "tanh");
  double p = lt_arg_float(args, "dropout");
  int64_t in = lt_arg_int(args, "in_features"), stride = p > 0 ? 3 : 2;
  for (size_t i = 0; i <= hidden->n; i++) {
    /* a size that is not a positive integer: lt_make says so, naming this line */
    const lt_value *h = i < hidden->n ? &hidden->items[i] : lt_arg(args, "out_features");
    m->linear[m->nlayers++] = lt_add_module(m, lt_make("torch.nn.Linear", "{in_features: %lld, out_features: %lld}",
                                                       (long long)in, (long long)h->i), "%d", (int)(i * stride));
    in = h->i;
  }
  if (p > 0) m->drop = lt_add_module(m, lt_make("torch.nn.Dropout", "{p: %.17g}", p), "2");
  return lt_module_done(m, self, err, errlen);
}

static lt_tensor *forward(void *self, lt_tensor *x) {
  mlp *m = self;
  x = lt_tensor_flatten(x, 1, -1);
  for (int i = 0; i < m->nlayers; i++) {
    x = lt_forward(m->linear[i], x);
    if (i + 1 < m->nlayers) x = m->tanh_act ? lt_tanh(x) : lt_relu(x);
    if (i + 1 < m->nlayers && m->drop) x = lt_forward(m->drop, x);
  }
  return x; /* NULL if any step failed: lt_last_error() says which */
}

static const lt_param params[] = {
    {"in_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "input size"},
    LT_PARAM("hidden", LT_P_LIST, "[64]", "sizes of the hidden layers"),
    {"out_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "output size"},
    LT_PARAM_CHOICE("activation", "relu", "relu|tanh", "activation between layers"),
    LT_PARAM_RANGE("dropout", LT_P_FLOAT, "0.0", 0.0, 0.99, "dropout after each activation"),
};

static const lt_component components[] = {
    LT_MODULE("examples.MLP", "A multi-layer perceptron (example plugin).", params, create, forward),
};

LT_PLUGIN_DEFINE("examples-mlp", "1.0.0", "an example model plugin", "MIT", components, NULL);
