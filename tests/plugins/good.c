/* good.c: a well-formed test plugin with components of several parameter
 * types, used by the loader, inspect and builder tests. */
#include <lighter/lighter.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct scale {
  double factor;
  int64_t times;
} scale;

static lt_status scale_create(const lt_value *args, void **self, char *err, size_t errlen) {
  scale *s = malloc(sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return LT_ERR_NOMEM;
  }
  s->factor = lt_arg_float(args, "factor"); /* by name (ABI 1.5) */
  s->times = lt_arg_int(args, "times");
  *self = s;
  return LT_OK;
}

/* A plugin bug: asks for an argument its spec does not have. */
static lt_status misspelt_create(const lt_value *args, void **self, char *err, size_t errlen) {
  char name[8];
  snprintf(name, sizeof name, "fact%s", "r"); /* the host copies it */
  (void)err, (void)errlen;
  *self = malloc(sizeof(scale));
  return lt_arg(args, name)->is_null && lt_arg_float(args, "factor") == 1.0 ? LT_OK : LT_FAIL;
}

static lt_status nothing_create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args, (void)err, (void)errlen;
  *self = malloc(sizeof(scale));
  return *self ? LT_OK : LT_ERR_NOMEM;
}

static void scale_destroy(void *self) { free(self); }

static const lt_param scale_params[] = {
    LT_PARAM_RANGE("factor", LT_P_FLOAT, "1.0", 0.0, 100.0, "multiplier applied to the input"),
    LT_PARAM_MIN("times", LT_P_INT, "1", 1, "how many times to apply it"),
    LT_PARAM_CHOICE("mode", "mean", "mean|sum|none", "how to reduce"),
    LT_PARAM_REQ("name", LT_P_STRING, "a name (required)"),
};

/* A pair of modules, to test component parameters and sharing. */
typedef struct pair {
  void *first, *second;
} pair;

static lt_status pair_create(const lt_value *args, void **self, char *err, size_t errlen) {
  if (args[0].component == args[1].component && args[2].i == 0) {
    snprintf(err, errlen, "first and second are the same object but allow_same is false");
    return LT_ERR_INVALID;
  }
  pair *p = malloc(sizeof *p);
  p->first = args[0].component;
  p->second = args[1].is_null ? NULL : args[1].component;
  *self = p;
  return LT_OK;
}

static const lt_param pair_params[] = {
    LT_PARAM_COMPONENT("first", LT_KIND_MODULE, LT_PF_REQUIRED, "a module"),
    LT_PARAM_COMPONENT("second", LT_KIND_MODULE, LT_PF_NULLABLE, "another module, or null"),
    LT_PARAM("allow_same", LT_P_BOOL, "true", "whether first and second may be one object"),
};

/* Takes tensors from an expression ("$@net.parameters()") and a factory
 * (_mode_: callable) from which it makes two instances. */
typedef struct collect {
  size_t tensors;
  int64_t n;
  int made_two_distinct;
} collect;

static lt_status collect_create(const lt_value *args, void **self, char *err, size_t errlen) {
  collect *c = calloc(1, sizeof *c);
  for (size_t i = 0; i < args[0].n; i++) c->tensors += args[0].items[i].type == LT_P_TENSOR && args[0].items[i].tensor;
  c->n = args[1].i;
  const lt_factory *f = args[2].factory;
  if (f) {
    void *a = f->create(f, err, errlen), *b = f->create(f, err, errlen);
    if (!a || !b) {
      free(c);
      return LT_FAIL;
    }
    c->made_two_distinct = a != b && ((scale *)a)->factor == 3.0;
    f->destroy(f, a);
    f->destroy(f, b);
  }
  *self = c;
  return LT_OK;
}

static const lt_param collect_params[] = {
    LT_PARAM_REQ("params", LT_P_LIST, "tensors"),
    LT_PARAM("n", LT_P_INT, "0", "a count"),
    LT_PARAM_COMPONENT("maker", LT_KIND_MODULE, LT_PF_NULLABLE, "a factory of modules"),
};

/* kind tables with no operations: the loader tests never run these */
static const lt_module_ops module_ops = {.size = sizeof(lt_module_ops)};
static const lt_optimizer_ops optimizer_ops = {.size = sizeof(lt_optimizer_ops)};
static const lt_callback_ops callback_ops = {.size = sizeof(lt_callback_ops)};

static const lt_component components[] = {
    {"test.Collect", LT_KIND_OPTIMIZER, "Collects tensors; uses a factory.", collect_params,
     LT__COUNT_OF(collect_params), collect_create, scale_destroy, &optimizer_ops},
    {"test.Pair", LT_KIND_CALLBACK, "Holds two modules.", pair_params, LT__COUNT_OF(pair_params), pair_create,
     scale_destroy, &callback_ops},
    {"test.Scale", LT_KIND_MODULE, "Multiplies its input by a factor.", scale_params, LT__COUNT_OF(scale_params),
     scale_create, scale_destroy, &module_ops},
    {"test.Nothing", LT_KIND_CALLBACK, "Does nothing.", NULL, 0, nothing_create, scale_destroy, &callback_ops},
    {"test.Misspelt", LT_KIND_MODULE, "Asks for an argument it does not have.", scale_params,
     LT_COUNT_OF(scale_params), misspelt_create, scale_destroy, &module_ops},
};

LT_PLUGIN_DEFINE("test-good", "1.2.3", "components for the loader tests", "MIT", components, NULL);
