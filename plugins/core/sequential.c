/* sequential.c: torch.nn.Sequential: modules given positionally (_args_)
 * run in order; parameters, buffers and state-dict entries are named
 * "<index>.<name>" as PyTorch names them. */
#include "container.h"

typedef struct sequential {
  container c;
} sequential;

static void seq_destroy(void *self) {
  sequential *s = self;
  if (!s) return;
  ct_free(&s->c);
  free(s);
}

static lt_status seq_create(const lt_value *args, void **self, char *err, size_t errlen) {
  sequential *s = calloc(1, sizeof *s);
  const lt_value *mods = lt_arg(args, "modules");
  if (!s) return LT_ERR_NOMEM;
  for (size_t i = 0; i < mods->n; i++) {
    char prefix[32], what[48];
    snprintf(prefix, sizeof prefix, "%zu", i);
    snprintf(what, sizeof what, "item %zu", i);
    lt_status rc = ct_add(&s->c, &mods->items[i], prefix, what, err, errlen);
    if (rc == LT_OK && !s->c.kids[i].ops->forward) {
      snprintf(err, errlen, "item %zu has no forward (a ModuleList or ModuleDict cannot run in a Sequential)", i);
      rc = LT_ERR_INVALID;
    }
    if (rc != LT_OK) {
      seq_destroy(s);
      return rc;
    }
  }
  *self = s;
  return LT_OK;
}

static lt_tensor *seq_forward(void *self, lt_tensor *x) {
  sequential *s = self;
  for (size_t i = 0; i < s->c.n && x; i++) x = s->c.kids[i].ops->forward(s->c.kids[i].self, x);
  return x;
}

CT_VIEWS(sequential)

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = seq_forward, .parameters = parameters_,
                                  .train = train_, .buffers = buffers_, .state = state_};

static const lt_param params[] = {
    {"modules", LT_P_LIST, LT_KIND_MODULE, NULL, LT_PF_REQUIRED | LT_PF_VARARGS, 0, 0, NULL,
     "the modules, in order (*args: write them as _args_: [...])"},
};

static const lt_component components[] = {
    {"torch.nn.Sequential", LT_KIND_MODULE, "Runs modules one after another.", params, LT_COUNT_OF(params),
     seq_create, seq_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.Sequential", LT_VERSION_STRING, "torch.nn.Sequential", "BSD-3-Clause", components, NULL);
