/* modulelist.c: torch.nn.ModuleList: holds modules (their parameters,
 * buffers and state named "<index>.<name>") for a model that calls them
 * itself; like PyTorch's, it has no forward of its own. Its books (SDK
 * 1.5) keep the children. */
#include <lighter/lighter.h>

static lt_status ml_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *mods = lt_arg(args, "modules");
  void *s = lt_module_new(1);
  for (size_t i = 0; i < mods->n; i++) lt_add_module(s, lt_value_child(&mods->items[i]), "%zu", i);
  return lt_module_done(s, self, err, errlen);
}

static lt_tensor *ml_forward(void *self, lt_tensor *x) {
  (void)self, (void)x;
  lt_set_error("torch.nn.ModuleList has no forward: call its modules from your model, or use torch.nn.Sequential", 0);
  return NULL;
}

static const lt_param params[] = {
    {"modules", LT_P_LIST, LT_KIND_MODULE, "[]", 0, 0, 0, NULL, "the modules (a list)"},
};

static const lt_component components[] = {
    LT_MODULE("torch.nn.ModuleList", "Holds modules in a list (no forward).", params, ml_create, ml_forward),
};

LT_PLUGIN_DEFINE("torch.nn.ModuleList", LT_VERSION_STRING, "torch.nn.ModuleList", "BSD-3-Clause", components, NULL);
