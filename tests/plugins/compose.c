/* compose.c: modules in the SDK's module style (1.5) for the builder
 * tests: test.Composed keeps a parameter, a buffer, two made children and
 * an optional config child in its books; test.MakeBad gets each composing
 * call wrong in its own way (its `case`). */
#include <lighter/lighter.h>

#include <string.h>

typedef struct composed {
  lt_tensor *scale;
  lt_child *lin, *drop;
} composed;

static lt_status composed_create(const lt_value *args, void **self, char *err, size_t errlen) {
  composed *m = lt_module_new(sizeof *m);
  m->scale = lt_register_parameter(m, "scale", lt_tensor_full(LT_SHAPE(2), 2.0, LT_FLOAT32, LT_CPU));
  lt_register_buffer(m, "count", lt_tensor_zeros(LT_SHAPE(1), LT_INT64, LT_CPU));
  m->lin = lt_add_module(m, lt_make("torch.nn.Linear", "{in_features: 2, out_features: 2}"), "lin");
  m->drop = lt_add_module(m, lt_make("torch.nn.Dropout", "{p: 0.5}"), "drop");
  lt_child *extra = lt_arg_child(args, "child");
  if (extra) lt_add_module(m, extra, "extra");
  return lt_module_done(m, self, err, errlen);
}

static lt_tensor *composed_forward(void *self, lt_tensor *x) {
  composed *m = self;
  return lt_tensor_mul(lt_forward(m->lin, lt_forward(m->drop, x)), m->scale);
}

static const lt_param composed_params[] = {
    {"child", LT_P_COMPONENT, LT_KIND_MODULE, "null", LT_PF_NULLABLE, 0, 0, NULL, "a module from the config"},
};

static lt_status bad_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const char *c = lt_arg_str(args, "case");
  void *m = lt_module_new(8);
  if (!strcmp(c, "unknown")) lt_add_module(m, lt_make("torch.nn.Linearr", "{in_features: 2, out_features: 2}"), "a");
  if (!strcmp(c, "badarg")) lt_add_module(m, lt_make("torch.nn.Linear", "{in_features: 0, out_features: 2}"), "a");
  if (!strcmp(c, "badyaml")) lt_add_module(m, lt_make("torch.nn.Linear", "[1, 2]"), "a");
  if (!strcmp(c, "dupname")) {
    lt_add_module(m, lt_make("torch.nn.Linear", "{in_features: 2, out_features: 2}"), "a");
    lt_add_module(m, lt_make("torch.nn.Linear", "{in_features: 2, out_features: 2}"), "a");
  }
  if (!strcmp(c, "nullparam")) lt_register_parameter(m, "w", lt_tensor_reshape(lt_tensor_zeros(LT_SHAPE(4), LT_FLOAT32, LT_CPU), LT_SHAPE(3)));
  return lt_module_done(m, self, err, errlen);
}

/* Children of every kind, made and run in create; the results are kept
 * for the test (check_build.c reads this struct). */
typedef struct kinds {
  double loss, accuracy, normalized;
} kinds;

static lt_status kinds_create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args;
  kinds *m = lt_module_new(sizeof *m);
  lt_child *ce = lt_add_module(m, lt_make("torch.nn.CrossEntropyLoss", "{}"), "ce");
  lt_child *acc = lt_add_module(m, lt_make("torchmetrics.Accuracy", "{task: multiclass, num_classes: 3}"), "acc");
  lt_child *norm = lt_add_module(m, lt_make("torchvision.transforms.Normalize", "{mean: [1.0], std: [2.0]}"), "norm");
  const double logits[] = {2, 0, 0, 0, 2, 0}, x[] = {3};
  const int64_t target[] = {0, 2};
  lt_tensor *p = lt_tensor_from_data(logits, LT_SHAPE(2, 3), LT_FLOAT64);
  lt_tensor *t = lt_tensor_from_data(target, LT_SHAPE(2), LT_INT64);
  lt_rng rng = {0};
  if (ce && acc && norm) {
    lt_tensor_item_double(lt_loss(ce, p, t), &m->loss);
    lt_metric_update(acc, p, t);
    lt_tensor_item_double(lt_metric_compute(acc), &m->accuracy);
    lt_tensor_item_double(lt_transform(norm, lt_tensor_from_data(x, LT_SHAPE(1, 1, 1), LT_FLOAT64), &rng), &m->normalized);
  }
  lt_tensor_free(p);
  lt_tensor_free(t);
  return lt_module_done(m, self, err, errlen);
}

static const lt_param bad_params[] = {
    LT_PARAM_CHOICE("case", "unknown", "unknown|badarg|badyaml|dupname|nullparam", "what to get wrong"),
};

static const lt_component components[] = {
    LT_MODULE("test.Composed", "A module that keeps its books.", composed_params, composed_create, composed_forward),
    LT_MODULE("test.MakeBad", "Composes wrongly.", bad_params, bad_create, composed_forward),
    {"test.MakeKinds", LT_KIND_OTHER, "Makes and runs a loss, a metric and a transform.", NULL, 0, kinds_create,
     lt_module_free, NULL},
};

LT_PLUGIN_DEFINE("test-compose", "1.0.0", "module-style test components", "MIT", components, NULL);
