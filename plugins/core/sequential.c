/* sequential.c: torch.nn.Sequential: modules given positionally (_args_)
 * run in order. A module that keeps its books (SDK 1.5): each is a child
 * named by its index, so parameters, buffers and state-dict entries are
 * "<index>.<name>" as PyTorch names them, train/eval reaches each, and the
 * host frees them. */
#include <lighter/lighter.h>

#include <stdio.h>

typedef struct sequential {
  size_t n;
  lt_child *kids[]; /* n */
} sequential;

static lt_status seq_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *mods = lt_arg(args, "modules");
  sequential *s = lt_module_new(sizeof *s + mods->n * sizeof s->kids[0]);
  for (size_t i = 0; i < mods->n; i++) {
    lt_child *c = s->kids[s->n++] = lt_add_module(s, lt_value_child(&mods->items[i]), "%zu", i);
    if (c && !((const lt_module_ops *)c->component->ops)->forward) {
      snprintf(err, errlen, "item %zu has no forward (a ModuleList or ModuleDict cannot run in a Sequential)", i);
      lt_module_free(s);
      return LT_ERR_INVALID;
    }
  }
  return lt_module_done(s, self, err, errlen);
}

static lt_tensor *seq_forward(void *self, lt_tensor *x) {
  sequential *s = self;
  for (size_t i = 0; i < s->n && x; i++) x = lt_forward(s->kids[i], x);
  return x;
}

static const lt_param params[] = {
    {"modules", LT_P_LIST, LT_KIND_MODULE, NULL, LT_PF_REQUIRED | LT_PF_VARARGS, 0, 0, NULL,
     "the modules, in order (*args: write them as _args_: [...])"},
};

static const lt_component components[] = {
    LT_MODULE("torch.nn.Sequential", "Runs modules one after another.", params, seq_create, seq_forward),
};

LT_PLUGIN_DEFINE("torch.nn.Sequential", LT_VERSION_STRING, "torch.nn.Sequential", "BSD-3-Clause", components, NULL);
