/* moduledict.c: torch.nn.ModuleDict: holds modules by name (parameters,
 * buffers and state named "<key>.<name>", in the order given); like
 * PyTorch's, it has no forward of its own. */
#include "container.h"

typedef struct moduledict {
  container c;
} moduledict;

static void md_destroy(void *self) {
  moduledict *s = self;
  if (!s) return;
  ct_free(&s->c);
  free(s);
}

static lt_status md_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *mods = lt_arg(args, "modules");
  if (mods->type != LT_P_DICT && !(mods->type == LT_P_LIST && mods->n == 0)) {
    snprintf(err, errlen, "modules must be a mapping of names to modules");
    return LT_ERR_INVALID;
  }
  moduledict *s = calloc(1, sizeof *s);
  if (!s) return LT_ERR_NOMEM;
  for (size_t i = 0; i < mods->n; i++) {
    const char *key = mods->keys[i];
    char what[160];
    snprintf(what, sizeof what, "modules['%.100s']", key);
    lt_status rc = !*key || strchr(key, '.') ? LT_ERR_INVALID : LT_OK;
    if (rc != LT_OK) snprintf(err, errlen, "module name '%.100s' must be non-empty and contain no '.'", key);
    if (rc == LT_OK) rc = ct_add(&s->c, &mods->items[i], key, what, err, errlen);
    if (rc != LT_OK) {
      md_destroy(s);
      return rc;
    }
  }
  *self = s;
  return LT_OK;
}

static lt_tensor *md_forward(void *self, lt_tensor *x) {
  (void)self, (void)x;
  lt_set_error("torch.nn.ModuleDict has no forward: call its modules from your model", 0);
  return NULL;
}

CT_VIEWS(moduledict)

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = md_forward, .parameters = parameters_,
                                  .train = train_, .buffers = buffers_, .state = state_};

static const lt_param params[] = {
    {"modules", LT_P_DICT, LT_KIND_MODULE, "{}", 0, 0, 0, NULL, "the modules by name (a mapping)"},
};

static const lt_component components[] = {
    {"torch.nn.ModuleDict", LT_KIND_MODULE, "Holds modules by name (no forward).", params, LT_COUNT_OF(params),
     md_create, md_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.ModuleDict", LT_VERSION_STRING, "torch.nn.ModuleDict", "BSD-3-Clause", components, NULL);
