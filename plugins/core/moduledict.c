/* moduledict.c: torch.nn.ModuleDict: holds modules by name (parameters,
 * buffers and state named "<key>.<name>", in the order given); like
 * PyTorch's, it has no forward of its own. Its books (SDK 1.5) keep the
 * children. */
#include <lighter/lighter.h>

#include <stdio.h>
#include <string.h>

static lt_status md_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *mods = lt_arg(args, "modules");
  if (mods->type != LT_P_DICT && !(mods->type == LT_P_LIST && mods->n == 0)) {
    snprintf(err, errlen, "modules must be a mapping of names to modules");
    return LT_ERR_INVALID;
  }
  for (size_t i = 0; i < mods->n; i++)
    if (!*mods->keys[i] || strchr(mods->keys[i], '.')) {
      snprintf(err, errlen, "module name '%.100s' must be non-empty and contain no '.'", mods->keys[i]);
      return LT_ERR_INVALID;
    }
  void *s = lt_module_new(1);
  for (size_t i = 0; i < mods->n; i++) lt_add_module(s, lt_value_child(&mods->items[i]), "%s", mods->keys[i]);
  return lt_module_done(s, self, err, errlen);
}

static lt_tensor *md_forward(void *self, lt_tensor *x) {
  (void)self, (void)x;
  lt_set_error("torch.nn.ModuleDict has no forward: call its modules from your model", 0);
  return NULL;
}

static const lt_param params[] = {
    {"modules", LT_P_DICT, LT_KIND_MODULE, "{}", 0, 0, 0, NULL, "the modules by name (a mapping)"},
};

static const lt_component components[] = {
    LT_MODULE("torch.nn.ModuleDict", "Holds modules by name (no forward).", params, md_create, md_forward),
};

LT_PLUGIN_DEFINE("torch.nn.ModuleDict", LT_VERSION_STRING, "torch.nn.ModuleDict", "BSD-3-Clause", components, NULL);
