/* residual_mlp.c: an example model plugin in the SDK's module style (1.5):
 * the PyTorch module below, line for line. Children are built-in layers
 * made by name (lt_make) and kept in the module's books (lt_add_module),
 * so parameters, state-dict names ("blocks.0.fc.weight"), train/eval and
 * freeing are the host's; this file writes create and forward only.
 *
 *   class Block(nn.Module):
 *       def __init__(s, d): super().__init__(); s.norm = nn.LayerNorm(d); s.fc = nn.Linear(d, d)
 *       def forward(s, h): return h + F.relu(s.fc(s.norm(h)))
 *   class ResidualMLP(nn.Module):
 *       def __init__(s, in_features, hidden=128, num_blocks=2, out_features=10, dropout=0.0, head=None):
 *           super().__init__()
 *           s.input = nn.Linear(in_features, hidden)
 *           s.blocks = nn.ModuleList([Block(hidden) for _ in range(num_blocks)])
 *           s.drop = nn.Dropout(dropout)
 *           s.head = head if head is not None else nn.Linear(hidden, out_features)
 *       def forward(s, x):
 *           h = F.relu(s.input(x.flatten(1)))
 *           for b in s.blocks: h = b(h)
 *           return s.head(s.drop(h))
 *
 *   cc -shared -fPIC residual_mlp.c $(pkg-config --cflags --libs lighter) -o residual_mlp.so
 */
#include <lighter/lighter.h>

#define MAX_BLOCKS 64

typedef struct residual_mlp {
  int num_blocks;
  lt_child *input, *norm[MAX_BLOCKS], *fc[MAX_BLOCKS], *drop, *head;
} residual_mlp;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  residual_mlp *m = lt_module_new(sizeof *m);
  int d = (int)lt_arg_int(args, "hidden");
  m->num_blocks = (int)lt_arg_int(args, "num_blocks");
  m->input = lt_add_module(m, lt_make("torch.nn.Linear", "{in_features: %d, out_features: %d}",
                                      (int)lt_arg_int(args, "in_features"), d), "input");
  for (int i = 0; i < m->num_blocks; i++) {
    m->norm[i] = lt_add_module(m, lt_make("torch.nn.LayerNorm", "{normalized_shape: %d}", d), "blocks.%d.norm", i);
    m->fc[i] = lt_add_module(m, lt_make("torch.nn.Linear", "{in_features: %d, out_features: %d}", d, d),
                             "blocks.%d.fc", i);
  }
  m->drop = lt_add_module(m, lt_make("torch.nn.Dropout", "{p: %.17g}", lt_arg_float(args, "dropout")), "drop");
  lt_child *head = lt_arg_child(args, "head");
  m->head = lt_add_module(m, head ? head : lt_make("torch.nn.Linear", "{in_features: %d, out_features: %d}", d,
                                                   (int)lt_arg_int(args, "out_features")), "head");
  return lt_module_done(m, self, err, errlen);
}

static lt_tensor *forward(void *self, lt_tensor *x) {
  residual_mlp *m = self;
  lt_tensor *h = lt_relu(lt_forward(m->input, lt_tensor_flatten(x, 1, -1)));
  for (int i = 0; i < m->num_blocks; i++) h = lt_tensor_add(h, lt_relu(lt_forward(m->fc[i], lt_forward(m->norm[i], h))));
  return lt_forward(m->head, lt_forward(m->drop, h));
}

static const lt_param params[] = {
    {"in_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "input size (flattened)"},
    LT_PARAM_MIN("hidden", LT_P_INT, "128", 1, "width of the blocks"),
    LT_PARAM_RANGE("num_blocks", LT_P_INT, "2", 0, MAX_BLOCKS, "residual blocks"),
    LT_PARAM_MIN("out_features", LT_P_INT, "10", 1, "output size of the default head"),
    LT_PARAM_RANGE("dropout", LT_P_FLOAT, "0.0", 0.0, 1.0, "dropout before the head"),
    {"head", LT_P_COMPONENT, LT_KIND_MODULE, "null", LT_PF_NULLABLE, 0, 0, NULL, "the head (default: a Linear)"},
};

static const lt_component components[] = {
    LT_MODULE("examples.ResidualMLP", "Pre-norm residual MLP (example plugin).", params, create, forward),
};

LT_PLUGIN_DEFINE("examples-residual-mlp", "1.0.0", "an example module plugin", "MIT", components, NULL);
