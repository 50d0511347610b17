/* check_build.c: the plugin registry and the builder: every spec check
 * before anything is created (unknown component, unknown or missing
 * parameter, type, range, choices, component kinds), then creation in
 * dependency order with @ sharing one instance and % making new ones. */
#include "testutil.h"

#include "../host/build.h"
#include "../host/cmd.h"
#include "../host/metric_forward.h"
#include "../host/tensor_layer.h"

#include <unistd.h>

typedef struct scale {
  double factor;
  int64_t times;
} scale;
typedef struct pair {
  void *first, *second;
} pair;

static host_registry reg;
static cfg_error err;
static char tmp[64];

static void b_setup(void) {
  lt_test_setup(); /* a scope, and the live-handle check at the end */
  memset(&reg, 0, sizeof reg);
  const char *dir = getenv("LT_TEST_PLUGINS");
  char path[512];
  snprintf(path, sizeof path, "%s/good.so", dir ? dir : "build/tests/plugins");
  ck_assert_int_eq(host_plugin_load_file(&reg, path, stderr), 0);
  strcpy(tmp, "/tmp/lt_build_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp));
  ck_assert_int_eq(chdir(tmp), 0);
  memset(&err, 0, sizeof err);
}

static void b_teardown(void) {
  host_registry_free(&reg);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  ck_assert_int_eq(chdir("/"), 0);
  ck_assert_int_eq(system(cmd), 0);
  cfg_sources_free();
  cfg_intern_free();
  lt_test_teardown();
}

static cfg_node *resolved(const char *yaml) {
  FILE *f = fopen("c.yaml", "w");
  fputs(yaml, f);
  fclose(f);
  const char *in[] = {"c.yaml"};
  memset(&err, 0, sizeof err);
  cfg_node *r = host_config_load(in, 1, 1, &err);
  ck_assert_msg(r != NULL, "config: %s", err.msg);
  return r;
}

/* The check fails with needle at line:col. */
static void check_fails(const char *yaml, int line, int col, const char *needle, const char *hint) {
  cfg_node *r = resolved(yaml);
  ck_assert_int_ne(host_build_check(&reg, r, &err), 0);
  ck_assert_msg(strstr(err.msg, needle), "'%s' lacks '%s'", err.msg, needle);
  ck_assert_msg(err.loc.line == line && err.loc.col == col, "at %d:%d, expected %d:%d (%s)", err.loc.line,
                err.loc.col, line, col, err.msg);
  if (hint) ck_assert_msg(strstr(err.hint, hint), "hint '%s' lacks '%s'", err.hint, hint);
  cfg_free(r);
}

START_TEST(test_registry) {
  ck_assert_uint_eq(reg.nplugins, 1);
  ck_assert_ptr_nonnull(host_registry_find(&reg, "test.Scale"));
  ck_assert_ptr_null(host_registry_find(&reg, "test.scale"));
  char sug[256];
  ck_assert_int_eq(host_registry_suggest(&reg, "test.Scal", sug, sizeof sug), 1);
  ck_assert_str_eq(sug, "'test.Scale'");
  ck_assert_int_eq(host_registry_suggest(&reg, "other.Scale", sug, sizeof sug), 1); /* same last part */
  ck_assert_str_eq(host_kind_name(LT_KIND_OPTIMIZER), "optimizer");
}
END_TEST

START_TEST(test_checks_before_creating) {
  check_fails("m: {_target_: test.Scal, name: x}\n", 1, 15, "unknown component 'test.Scal'", "did you mean 'test.Scale'?");
  check_fails("m: {_target_: test.Scale, name: x, factr: 2}\n", 1, 36, "test.Scale has no parameter 'factr'",
              "did you mean 'factor'?");
  check_fails("m:\n  _target_: test.Scale\n  factor: 2\n", 2, 3, "test.Scale needs parameter 'name' (a string)", NULL);
  check_fails("m: {_target_: test.Scale, name: x, factor: abc}\n", 1, 44,
              "parameter 'factor' of test.Scale must be a number, not a string 'abc'", NULL);
  check_fails("m: {_target_: test.Scale, name: x, factor: 101}\n", 1, 44,
              "parameter 'factor' of test.Scale must be between 0 and 100, got 101", NULL);
  check_fails("m: {_target_: test.Scale, name: x, times: 0}\n", 1, 43, "must be at least 1, got 0", NULL);
  check_fails("m: {_target_: test.Scale, name: x, times: 1.5}\n", 1, 43, "must be an integer, not a float", NULL);
  check_fails("m: {_target_: test.Scale, name: x, mode: avg}\n", 1, 42, "must be one of mean|sum|none, got 'avg'", NULL);
  check_fails("p: {_target_: test.Pair, first: 3}\n", 1, 33, "parameter 'first' of test.Pair must be a component", NULL);
  check_fails("p: {_target_: test.Pair, first: {_target_: test.Nothing}}\n", 1, 33,
              "parameter 'first' of test.Pair needs a module, but test.Nothing is a callback", NULL);
  check_fails("p: {_target_: test.Pair, first: {_target_: test.Scale}}\n", 1, 33,
              "test.Scale needs parameter 'name'", NULL);
  check_fails("m: {_target_: test.Scale, _args_: [1, 2, mean, x, 5]}\n", 1, 51, "at most 4 positional arguments", NULL);
}
END_TEST

START_TEST(test_create_and_share) {
  cfg_node *r = resolved("a: {_target_: test.Scale, name: a, factor: 2.5, times: 3}\n"
                         "b: {_target_: test.Scale, _args_: [0.5], name: b}\n"
                         "p: {_target_: test.Pair, first: \"@a\", second: \"@a\"}\n"
                         "q: {_target_: test.Pair, first: \"%a\", second: \"@a\"}\n"
                         "n: {_target_: test.Pair, first: \"@b\", second: null}\n");
  ck_assert_int_eq(host_build_check(&reg, r, &err), 0);
  host_build b = {&reg, NULL, r, NULL, 0, &err};
  host_object *p = host_build_get(&b, "p");
  ck_assert_msg(p != NULL, "%s", err.msg);
  host_object *q = host_build_get(&b, "q");
  host_object *n = host_build_get(&b, "n");
  ck_assert_ptr_nonnull(q);
  ck_assert_ptr_nonnull(n);
  host_object *a = host_build_get(&b, "a");
  pair *pp = p->self, *qq = q->self, *nn = n->self;
  ck_assert_ptr_eq(pp->first, a->self); /* @ shares */
  ck_assert_ptr_eq(pp->second, a->self);
  ck_assert_ptr_ne(qq->first, a->self); /* % is a new instance */
  ck_assert_ptr_eq(qq->second, a->self);
  ck_assert_ptr_null(nn->second);
  scale *sa = a->self, *sb = host_build_get(&b, "b")->self;
  ck_assert(sa->factor == 2.5 && sa->times == 3);
  ck_assert(sb->factor == 0.5 && sb->times == 1); /* positional and default */
  ck_assert_uint_eq(b.nobjects, 6); /* a, p, q's copy of a, q, b, n */
  host_build_free(&b);
  cfg_free(r);
}
END_TEST

START_TEST(test_create_failure) {
  cfg_node *r = resolved("a: {_target_: test.Scale, name: a}\np: {_target_: test.Pair, first: \"@a\", second: \"@a\", "
                         "allow_same: false}\n");
  host_build b = {&reg, NULL, r, NULL, 0, &err};
  ck_assert_ptr_null(host_build_get(&b, "p"));
  ck_assert_str_eq(err.msg, "test.Pair could not be created: first and second are the same object but allow_same "
                            "is false");
  ck_assert_str_eq(err.path, "p");
  ck_assert_int_eq(err.loc.line, 2);
  host_build_free(&b);
  cfg_free(r);
}
END_TEST

/* lt_arg with a name the spec lacks: the create fails, naming the plugin,
 * the component and the name, and the instance is destroyed. */
START_TEST(test_unknown_arg_name) {
  cfg_node *r = resolved("a: {_target_: test.Misspelt, name: a}\n");
  host_build b = {&reg, NULL, r, NULL, 0, &err};
  ck_assert_ptr_null(host_build_get(&b, "a"));
  ck_assert_msg(strstr(err.msg, "plugin bug: test.Misspelt (plugin ") && strstr(err.msg, "good.so) asked for an argument "
                "'factr' that its parameter spec does not have"), "%s", err.msg);
  ck_assert_str_eq(err.path, "a");
  host_build_free(&b);
  cfg_free(r);
}
END_TEST

/* Built-in modules through the builder: PyTorch's initialisation (same seed,
 * same numbers as Python's nn.Linear / nn.Conv2d) and forward. */
static const lt_module_ops *load_core(const char *file) {
  const char *dir = getenv("LT_CORE_PLUGINS");
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir ? dir : "build/lib/lighter/plugins", file);
  ck_assert_int_eq(host_plugin_load_file(&reg, path, stderr), 0);
  ck_assert_int_eq(host_plugins_bind(&reg, lt_api_get(), stderr), 0);
  return NULL;
}

START_TEST(test_core_modules_match_pytorch) {
  load_core("core_linear.so");
  load_core("core_conv2d.so");
  cfg_node *r = resolved("lin: {_target_: torch.nn.Linear, in_features: 4, out_features: 3}\n"
                         "conv: {_target_: torch.nn.Conv2d, in_channels: 2, out_channels: 3, kernel_size: [3, 2], "
                         "stride: 2, padding: 1}\n"
                         "bad: {_target_: torch.nn.Conv2d, in_channels: 2, out_channels: 3, kernel_size: [3]}\n");
  ck_assert_int_eq(host_build_check(&reg, r, &err), 0);
  host_build b = {&reg, lt_api_get(), r, NULL, 0, &err};
  lt_manual_seed(0);
  host_object *lin = host_build_get(&b, "lin");
  ck_assert_msg(lin != NULL, "%s", err.msg);
  const lt_module_ops *ops = lin->comp->ops;
  lt_tensor *p[2];
  const char *names[2];
  ck_assert_uint_eq(ops->parameters(lin->self, p, names, 2), 2);
  ck_assert_str_eq(names[0], "weight");
  EXPECT_VALUES(lt_tensor_flatten(lt_tensor_narrow(p[0], 0, 0, 1), 0, -1), 1e-7, -0.003743410110473633,
                0.26822179555892944, -0.4115225672721863, -0.3679695129394531);
  EXPECT_VALUES(p[1], 1e-7, -0.4776742458343506, -0.33114105463027954, -0.20611155033111572);
  lt_manual_seed(1);
  host_object *conv = host_build_get(&b, "conv");
  ck_assert_msg(conv != NULL, "%s", err.msg);
  ops = conv->comp->ops;
  ck_assert_uint_eq(ops->parameters(conv->self, p, NULL, 2), 2);
  EXPECT_VALUES(lt_tensor_narrow(lt_tensor_flatten(p[0], 0, -1), 0, 0, 3), 1e-7, 0.14874367415905,
                -0.12741491198539734, -0.05596299096941948);
  EXPECT_VALUES(p[1], 1e-7, 0.25348901748657227, -0.0480843260884285, 0.12354125082492828);
  lt_tensor *x = lt_tensor_div_scalar(
      lt_tensor_reshape(lt_tensor_arange(0, 80, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(2, 2, 5, 4)), 10);
  lt_tensor *y = ops->forward(conv->self, x);
  EXPECT_SHAPE(y, 2, 3, 3, 3);
  EXPECT_VALUES(lt_tensor_sum(y, NULL, 0, 0), 1e-5, 4.158589839935303);
  ck_assert_ptr_null(host_build_get(&b, "bad"));
  ck_assert_str_eq(err.msg, "torch.nn.Conv2d could not be created: kernel_size must be an int or a list of two ints");
  host_build_free(&b);
  cfg_free(r);
}
END_TEST

/* torchmetrics' forward: each batch's own value, while the epoch's value
 * still counts every batch; a metric whose states do not add up (AUROC
 * keeps its predictions) is only updated. */
START_TEST(test_metric_forward) {
  load_core("core_accuracy.so");
  load_core("core_auroc.so");
  host_tensor_api_use(lt_api_get()); /* host code reaches the tensor layer through its table */
  cfg_node *r = resolved("acc: {_target_: torchmetrics.Accuracy, task: multiclass, num_classes: 3}\n"
                         "auroc: {_target_: torchmetrics.AUROC, task: multiclass, num_classes: 3}\n");
  ck_assert_int_eq(host_build_check(&reg, r, &err), 0);
  host_build b = {&reg, lt_api_get(), r, NULL, 0, &err};
  host_object *acc = host_build_get(&b, "acc"), *auroc = host_build_get(&b, "auroc");
  ck_assert_msg(acc && auroc, "%s", err.msg);
  const lt_metric_ops *ops = acc->comp->ops, *aops = auroc->comp->ops;
  /* batch 1: 2 of 4 right; batch 2: 2 of 2 right */
  float p1[] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0}, p2[] = {0, 1, 0, 0, 0, 1};
  int64_t t1[] = {0, 1, 0, 2}, t2[] = {1, 2};
  lt_tensor *pred1 = lt_tensor_from_data(p1, LT_SHAPE(4, 3), LT_FLOAT32), *y1 = lt_tensor_from_data(t1, LT_SHAPE(4), LT_INT64);
  lt_tensor *pred2 = lt_tensor_from_data(p2, LT_SHAPE(2, 3), LT_FLOAT32), *y2 = lt_tensor_from_data(t2, LT_SHAPE(2), LT_INT64);
  lt_tensor *v = NULL;
  ck_assert_int_eq(host_metric_forward(ops, acc->self, pred1, y1, &v), LT_OK);
  EXPECT_VALUES(v, 1e-7, 0.5);
  ck_assert_int_eq(host_metric_forward(ops, acc->self, pred2, y2, &v), LT_OK);
  EXPECT_VALUES(v, 1e-7, 1.0);
  EXPECT_VALUES(ops->compute(acc->self), 1e-7, 4.0 / 6.0);
  ck_assert_int_eq(host_metric_forward(ops, acc->self, pred1, y1, NULL), LT_OK); /* no value asked: update alone */
  EXPECT_VALUES(ops->compute(acc->self), 1e-7, 0.6);
  ck_assert_int_eq(host_metric_forward(aops, auroc->self, pred1, y1, &v), LT_OK);
  ck_assert_ptr_null(v);
  ck_assert_int_eq(host_metric_forward(aops, auroc->self, pred2, y2, &v), LT_OK);
  ck_assert_ptr_nonnull(aops->compute(auroc->self)); /* both batches are in it */
  host_build_free(&b);
  cfg_free(r);
}
END_TEST

/* Arguments the spec cannot rule out, refused by the components' create
 * with a message naming what is wrong; steps that cannot go on say why. */
START_TEST(test_core_refusals) {
  const char *dir = getenv("LT_CORE_PLUGINS");
  char *dirs[] = {(char *)(dir ? dir : "build/lib/lighter/plugins"), NULL};
  host_plugins_load(&reg, dirs, stderr);
  ck_assert_int_eq(host_plugins_bind(&reg, lt_api_get(), stderr), 0);
  static const struct {
    const char *yaml, *path, *msg;
  } cases[] = {
      {"x: {_target_: torchvision.models.resnet.BasicBlock, inplanes: 4, planes: 4, groups: 2}\n", "x",
       "BasicBlock only supports groups=1 and base_width=64"},
      {"x: {_target_: torch.nn.ModuleDict, modules: {a.b: {_target_: torch.nn.ReLU}}}\n", "x",
       "module name 'a.b' must be non-empty and contain no '.'"},
      {"x: {_target_: torch.nn.ConvTranspose2d, in_channels: 2, out_channels: 2, kernel_size: 3, output_padding: 2, "
       "stride: 2}\n",
       "x", "output_padding (2) must be smaller than either stride (2) or dilation (1)"},
      {"n: {_target_: torch.nn.Linear, in_features: 2, out_features: 1}\no: {_target_: torch.optim.SGD, params: "
       "\"$@n.parameters()\"}\nx: {_target_: torch.optim.lr_scheduler.SequentialLR, optimizer: \"@o\", schedulers: "
       "[{_target_: torch.optim.lr_scheduler.StepLR, optimizer: \"@o\", step_size: 2}], milestones: [3]}\n",
       "x", "number of schedulers provided to be one more than the number of milestone points"},
      {"n: {_target_: torch.nn.Linear, in_features: 2, out_features: 1}\no: {_target_: torch.optim.Adagrad, params: "
       "\"$@n.parameters()\"}\nx: {_target_: torch.optim.lr_scheduler.OneCycleLR, optimizer: \"@o\", max_lr: 0.1, "
       "total_steps: 10}\n",
       "x", "optimizer must support momentum with `cycle_momentum` option enabled"},
      {"n: {_target_: torch.nn.Linear, in_features: 2, out_features: 1}\no: {_target_: torch.optim.SGD, params: "
       "\"$@n.parameters()\"}\nx: {_target_: torch.optim.lr_scheduler.OneCycleLR, optimizer: \"@o\", max_lr: 0.1}\n",
       "x", "You must define either total_steps OR (epochs AND steps_per_epoch)"},
      {"x: {_target_: torchmetrics.MetricCollection, metrics: [{_target_: torchmetrics.Accuracy, task: multiclass, "
       "num_classes: 3}, {_target_: torchmetrics.Accuracy, task: multiclass, num_classes: 4}]}\n",
       "x", "encountered two metrics both named MulticlassAccuracy"},
      {"x: {_target_: torchmetrics.Accuracy, task: multilabel}\n", "x", "task multilabel needs num_labels"},
      {"x: {_target_: torchmetrics.Precision, task: binary, top_k: 2}\n", "x", "top_k (2) is for task multiclass"},
      {"x: {_target_: torchmetrics.AUROC, task: multiclass}\n", "x", "task multiclass needs num_classes"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cfg_node *r = resolved(cases[i].yaml);
    ck_assert_msg(host_build_check(&reg, r, &err) == 0, "case %zu: %s", i, err.msg);
    host_build b = {&reg, lt_api_get(), r, NULL, 0, &err};
    ck_assert_msg(host_build_get(&b, cases[i].path) == NULL, "case %zu built", i);
    ck_assert_msg(strstr(err.msg, cases[i].msg), "case %zu: '%s' lacks '%s'", i, err.msg, cases[i].msg);
    host_build_free(&b);
    cfg_free(r);
  }
  /* a one-cycle schedule refuses to step past its end */
  cfg_node *r = resolved("n: {_target_: torch.nn.Linear, in_features: 2, out_features: 1}\n"
                         "o: {_target_: torch.optim.SGD, params: \"$@n.parameters()\", momentum: 0.9}\n"
                         "x: {_target_: torch.optim.lr_scheduler.OneCycleLR, optimizer: \"@o\", max_lr: 0.1, "
                         "total_steps: 3}\n"
                         "m: {_target_: torch.nn.ModuleList, modules: [{_target_: torch.nn.ReLU}]}\n"
                         "bl: {_target_: torch.nn.Bilinear, in1_features: 2, in2_features: 3, out_features: 1}\n");
  host_build b = {&reg, lt_api_get(), r, NULL, 0, &err};
  host_object *x = host_build_get(&b, "x");
  ck_assert_msg(x != NULL, "%s", err.msg);
  const lt_scheduler_ops *sops = x->comp->ops;
  for (int i = 0; i < 3; i++) ck_assert_int_eq(sops->step(x->self, NAN), LT_OK);
  ck_assert_int_ne(sops->step(x->self, NAN), LT_OK);
  ck_assert_str_eq(lt_last_error(), "OneCycleLR: tried to step 5 times; the specified number of total steps is 3");
  /* holders have no forward; Bilinear wants two inputs */
  host_object *m = host_build_get(&b, "m"), *bl = host_build_get(&b, "bl");
  lt_clear_error();
  ck_assert_ptr_null(((const lt_module_ops *)m->comp->ops)->forward(m->self, lt_tensor_zeros(LT_SHAPE(1), LT_FLOAT32, LT_CPU)));
  ck_assert_ptr_nonnull(strstr(lt_last_error(), "ModuleList has no forward"));
  const lt_module_ops *bops = bl->comp->ops;
  lt_clear_error();
  ck_assert_ptr_null(bops->forward(bl->self, lt_tensor_zeros(LT_SHAPE(1, 2), LT_FLOAT32, LT_CPU)));
  ck_assert_ptr_nonnull(strstr(lt_last_error(), "takes two inputs"));
  lt_tensor *in[2] = {lt_tensor_zeros(LT_SHAPE(4, 2), LT_FLOAT32, LT_CPU), lt_tensor_zeros(LT_SHAPE(4, 3), LT_FLOAT32, LT_CPU)};
  EXPECT_SHAPE(bops->forward_n(bl->self, in, 2), 4, 1);
  host_build_free(&b);
  cfg_free(r);
}
END_TEST

/* Expressions over built objects, and _mode_: callable factories. */
START_TEST(test_expressions_and_factories) {
  load_core("core_linear.so");
  cfg_node *r = resolved("net: {_target_: torch.nn.Linear, in_features: 4, out_features: 3}\n"
                         "opt:\n  _target_: test.Collect\n  params: \"$@net.parameters()\"\n"
                         "  n: \"$len(@net.named_parameters()) * 10\"\n"
                         "  maker: {_target_: test.Scale, name: s, factor: 3, _mode_: callable}\n"
                         "bad: {_target_: test.Collect, params: \"$@opt.parameters()\"}\n");
  ck_assert_int_eq(host_build_check(&reg, r, &err), 0);
  host_build b = {&reg, lt_api_get(), r, NULL, 0, &err};
  host_object *o = host_build_get(&b, "opt");
  ck_assert_msg(o != NULL, "%s", err.msg);
  struct {
    size_t tensors;
    int64_t n;
    int made_two_distinct;
  } *c = o->self;
  ck_assert_uint_eq(c->tensors, 2);
  ck_assert_int_eq(c->n, 20);
  ck_assert_int_eq(c->made_two_distinct, 1);
  ck_assert_ptr_null(host_build_get(&b, "bad"));
  ck_assert_ptr_nonnull(strstr(err.msg, "'opt' (test.Collect, kind optimizer) has no parameters(): only modules have parameters"));
  host_build_free(&b);
  cfg_free(r);
  /* buffers(): a batch norm's running statistics */
  load_core("core_batchnorm1d.so");
  r = resolved("bn: {_target_: torch.nn.BatchNorm1d, num_features: 3}\n"
               "c: {_target_: test.Collect, params: \"$@bn.buffers()\", n: \"$len(@bn.buffers())\"}\n");
  ck_assert_int_eq(host_build_check(&reg, r, &err), 0);
  host_build b2 = {&reg, lt_api_get(), r, NULL, 0, &err};
  o = host_build_get(&b2, "c");
  ck_assert_msg(o != NULL, "%s", err.msg);
  c = o->self;
  ck_assert_uint_eq(c->tensors, 3);
  ck_assert_int_eq(c->n, 3);
  host_build_free(&b2);
  cfg_free(r);
}
END_TEST

/* A module that keeps its books (SDK 1.5): PyTorch's parameters(),
 * buffers() and state_dict() order and names from what create registered,
 * train/eval passed down to its children, everything freed with it (the
 * live-handle check of the fixture), the config's child only borrowed. */
static void load_plugin(const char *env, const char *fallback, const char *file) {
  const char *dir = getenv(env);
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir ? dir : fallback, file);
  ck_assert_int_eq(host_plugin_load_file(&reg, path, stderr), 0);
}

static void expect_names(const lt_module_ops *ops, size_t (*list)(void *, lt_tensor **, const char **, size_t),
                         void *self, const char *want) {
  const char *names[16];
  size_t n = list(self, NULL, names, 16);
  char got[512] = "";
  for (size_t i = 0; i < n && i < 16; i++) snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", names[i]);
  ck_assert_str_eq(got, want);
  (void)ops;
}

static double maxdiff(lt_tensor *a, lt_tensor *b) {
  return scalar_of(lt_tensor_max(lt_tensor_abs(lt_tensor_sub(a, b)), LT_DIM_NONE, 0, NULL));
}

START_TEST(test_module_books) {
  load_plugin("LT_CORE_PLUGINS", "build/lib/lighter/plugins", "core_linear.so");
  load_plugin("LT_CORE_PLUGINS", "build/lib/lighter/plugins", "core_dropout.so");
  load_plugin("LT_TEST_PLUGINS", "build/tests/plugins", "compose.so");
  load_plugin("LT_CORE_PLUGINS", "build/lib/lighter/plugins", "core_crossentropyloss.so");
  load_plugin("LT_CORE_PLUGINS", "build/lib/lighter/plugins", "core_accuracy.so");
  load_plugin("LT_CORE_PLUGINS", "build/lib/lighter/plugins", "data_normalize.so");
  ck_assert_int_eq(host_plugins_bind(&reg, lt_api_get(), stderr), 0);
  cfg_node *r = resolved("k: {_target_: test.MakeKinds}\nc: {_target_: test.Composed, child: {_target_: torch.nn.Linear, in_features: 2, out_features: 1}}\n"
                         "u: {_target_: test.MakeBad, case: unknown}\nb: {_target_: test.MakeBad, case: badarg}\n"
                         "y: {_target_: test.MakeBad, case: badyaml}\nd: {_target_: test.MakeBad, case: dupname}\n"
                         "n: {_target_: test.MakeBad, case: nullparam}\n");
  host_build b = {&reg, lt_api_get(), r, NULL, 0, &err};
  /* a loss, a metric and a transform made and run by plugin code */
  host_object *k = host_build_get(&b, "k");
  ck_assert_msg(k != NULL, "%s", err.msg);
  const double *got = k->self; /* loss, accuracy, normalized */
  ck_assert_msg(fabs(got[0] - 1.2395447662218846) < 1e-12 && got[1] == 0.5 && got[2] == 1.0, "%g %g %g", got[0], got[1], got[2]);
  host_object *c = host_build_get(&b, "c");
  ck_assert_msg(c != NULL, "%s", err.msg);
  const lt_module_ops *ops = c->comp->ops;
  expect_names(ops, ops->parameters, c->self, "scale lin.weight lin.bias extra.weight extra.bias");
  expect_names(ops, ops->buffers, c->self, "count");
  expect_names(ops, ops->state, c->self, "scale count lin.weight lin.bias extra.weight extra.bias");
  lt_tensor *p[8];
  ck_assert_uint_eq(ops->parameters(c->self, p, NULL, 8), 5);
  ck_assert_int_eq(lt_tensor_requires_grad(p[0]), 1);
  /* eval: dropout off, so forward is lin(x) * scale exactly */
  ops->train(c->self, 0);
  lt_tensor *x = lt_tensor_ones(LT_SHAPE(3, 2), LT_FLOAT32, LT_CPU);
  lt_tensor *want = lt_tensor_mul_scalar(lt_linear(x, p[1], p[2]), 2.0);
  ck_assert(maxdiff(ops->forward(c->self, x), want) == 0);
  ops->train(c->self, 1);
  lt_tensor *big = lt_tensor_ones(LT_SHAPE(64, 2), LT_FLOAT32, LT_CPU);
  ck_assert(maxdiff(ops->forward(c->self, big), lt_tensor_mul_scalar(lt_linear(big, p[1], p[2]), 2.0)) > 0);
  struct {
    const char *path, *needle;
  } bad[] = {
      {"u", "compose.c:37: lt_make(\"torch.nn.Linearr\"): unknown component (did you mean 'torch.nn.Linear'?)"},
      {"b", "compose.c:38: lt_make(\"torch.nn.Linear\"), argument in_features: "},
      {"y", "compose.c:39: lt_make(\"torch.nn.Linear\"): the arguments must be a YAML mapping"},
      {"d", "module 'a': a name the module already has"},
      {"n", "parameter 'w': lt_tensor_reshape"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset(&err, 0, sizeof err);
    ck_assert_ptr_null(host_build_get(&b, bad[i].path));
    ck_assert_msg(strstr(err.msg, "test.MakeBad could not be created: ") && strstr(err.msg, bad[i].needle),
                  "%s: '%s' lacks '%s'", bad[i].path, err.msg, bad[i].needle);
    lt_clear_error();
  }
  host_build_free(&b);
  cfg_free(r);
}
END_TEST

/* The example plugins, built from configs/examples/spirals.yaml. */
START_TEST(test_example_plugins) {
  const char *ex = getenv("LT_EXAMPLE_PLUGINS");
  const char *src = getenv("LT_SOURCE_DIR");
  char path[512], cfg[512];
  snprintf(path, sizeof path, "%s/mlp.so", ex ? ex : "build/examples");
  ck_assert_int_eq(host_plugin_load_file(&reg, path, stderr), 0);
  snprintf(path, sizeof path, "%s/spirals.so", ex ? ex : "build/examples");
  ck_assert_int_eq(host_plugin_load_file(&reg, path, stderr), 0);
  load_plugin("LT_CORE_PLUGINS", "build/lib/lighter/plugins", "core_linear.so"); /* mlp.c makes Linears */
  ck_assert_int_eq(host_plugins_bind(&reg, lt_api_get(), stderr), 0);
  snprintf(cfg, sizeof cfg, "%s/configs/examples/spirals.yaml", src ? src : "/work/main");
  const char *in[] = {cfg};
  cfg_node *r = host_config_load(in, 1, 1, &err);
  ck_assert_msg(r != NULL, "%s", err.msg);
  host_build b = {&reg, lt_api_get(), r, NULL, 0, &err};
  host_object *net = host_build_get(&b, "model::network");
  ck_assert_msg(net != NULL, "%s", err.msg);
  host_object *ds = host_build_get(&b, "data::train_dataloader::dataset");
  ck_assert_msg(ds != NULL, "%s", err.msg);
  const lt_dataset_ops *dops = ds->comp->ops;
  ck_assert_int_eq(dops->len(ds->self), 3000);
  lt_tensor *sample[4];
  const char *names[4];
  char msg[128];
  ck_assert_int_eq(dops->get(ds->self, 5, sample, names, 4, msg, sizeof msg), 2);
  ck_assert_str_eq(names[1], "target");
  EXPECT_VALUES(sample[1], 0, 2); /* 5 % 3 */
  ck_assert_int_eq(dops->get(ds->self, 3000, sample, names, 4, msg, sizeof msg), -1);
  ck_assert_str_eq(msg, "index 3000 out of range (3000 samples)");
  const lt_module_ops *mops = net->comp->ops;
  lt_tensor *x = lt_tensor_stack((lt_tensor *[]){sample[0], sample[0]}, 2, 0);
  lt_tensor *y = mops->forward(net->self, x);
  EXPECT_SHAPE(y, 2, 3);
  lt_tensor *p[8];
  const char *pn[8];
  ck_assert_uint_eq(mops->parameters(net->self, p, pn, 8), 6);
  ck_assert_str_eq(pn[2], "2.weight");
  EXPECT_SHAPE(p[2], 64, 64);
  host_build_free(&b);
  cfg_free(r);
}
END_TEST

Suite *build_suite(void) {
  Suite *s = suite_create("build");
  TCase *tc = tcase_create("build");
  tcase_add_checked_fixture(tc, b_setup, b_teardown);
  tcase_add_test(tc, test_registry);
  tcase_add_test(tc, test_checks_before_creating);
  tcase_add_test(tc, test_create_and_share);
  tcase_add_test(tc, test_create_failure);
  tcase_add_test(tc, test_unknown_arg_name);
  tcase_add_test(tc, test_module_books);
  tcase_add_test(tc, test_core_modules_match_pytorch);
  tcase_add_test(tc, test_core_refusals);
  tcase_add_test(tc, test_metric_forward);
  tcase_add_test(tc, test_example_plugins);
  tcase_add_test(tc, test_expressions_and_factories);
  suite_add_tcase(s, tc);
  return s;
}
