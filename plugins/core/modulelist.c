/* modulelist.c: torch.nn.ModuleList: holds modules (their parameters,
 * buffers and state named "<index>.<name>") for a model that calls them
 * itself; like PyTorch's, it has no forward of its own. */
#include "container.h"

typedef struct modulelist {
  container c;
} modulelist;

static void ml_destroy(void *self) {
  modulelist *s = self;
  if (!s) return;
  ct_free(&s->c);
  free(s);
}

static lt_status ml_create(const lt_value *args, void **self, char *err, size_t errlen) {
  modulelist *s = calloc(1, sizeof *s);
  const lt_value *mods = lt_arg(args, "modules");
  if (!s) return LT_ERR_NOMEM;
  for (size_t i = 0; i < mods->n; i++) {
    char prefix[32], what[48];
    snprintf(prefix, sizeof prefix, "%zu", i);
    snprintf(what, sizeof what, "modules item %zu", i);
    lt_status rc = ct_add(&s->c, &mods->items[i], prefix, what, err, errlen);
    if (rc != LT_OK) {
      ml_destroy(s);
      return rc;
    }
  }
  *self = s;
  return LT_OK;
}

static lt_tensor *ml_forward(void *self, lt_tensor *x) {
  (void)self, (void)x;
  lt_set_error("torch.nn.ModuleList has no forward: call its modules from your model, or use torch.nn.Sequential", 0);
  return NULL;
}

CT_VIEWS(modulelist)

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = ml_forward, .parameters = parameters_,
                                  .train = train_, .buffers = buffers_, .state = state_};

static const lt_param params[] = {
    {"modules", LT_P_LIST, LT_KIND_MODULE, "[]", 0, 0, 0, NULL, "the modules (a list)"},
};

static const lt_component components[] = {
    {"torch.nn.ModuleList", LT_KIND_MODULE, "Holds modules in a list (no forward).", params, LT_COUNT_OF(params),
     ml_create, ml_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.ModuleList", LT_VERSION_STRING, "torch.nn.ModuleList", "BSD-3-Clause", components, NULL);
