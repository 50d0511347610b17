/* micro_compose.c: a micro-benchmark of `make bench`: the forward of
 * modules that keep their books (SDK 1.5: examples.MLP, Linear children
 * made with lt_make and run with lt_forward; torch.nn.Sequential, whose
 * children the config gave) against the same three torch.nn.Linear
 * components called one after another by this program, all built by the
 * host's builder from YAML. Batches of 64 x 784 through 784-256-256-10
 * with ReLU, eval mode, no autograd; the three alternate, each round a
 * median of calls. Prints one JSON object (microseconds per forward,
 * medians over REPEATS rounds).
 *
 *   micro_compose PLUGIN_DIR... (REPEATS in the environment BENCH_REPEATS) */
#include <lighter/lighter.h>

#include "../../host/build.h"
#include "../../host/cmd.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *kConfig =
    "composed: {_target_: examples.MLP, in_features: 784, hidden: [256, 256], out_features: 10}\n"
    "sequential:\n  _target_: torch.nn.Sequential\n  _args_:\n"
    "    - {_target_: torch.nn.Linear, in_features: 784, out_features: 256}\n    - {_target_: torch.nn.ReLU}\n"
    "    - {_target_: torch.nn.Linear, in_features: 256, out_features: 256}\n    - {_target_: torch.nn.ReLU}\n"
    "    - {_target_: torch.nn.Linear, in_features: 256, out_features: 10}\n"
    "l0: {_target_: torch.nn.Linear, in_features: 784, out_features: 256}\n"
    "l1: {_target_: torch.nn.Linear, in_features: 256, out_features: 256}\n"
    "l2: {_target_: torch.nn.Linear, in_features: 256, out_features: 10}\n";

enum { CALLS = 400 };

/* The three layers called directly (o[0..2]), or one module (o[0]). */
static lt_tensor *run(host_object *const *o, int direct, lt_tensor *x) {
  if (!direct) return ((const lt_module_ops *)o[0]->comp->ops)->forward(o[0]->self, x);
  for (int i = 0; i < 3 && x; i++) {
    x = ((const lt_module_ops *)o[i]->comp->ops)->forward(o[i]->self, x);
    if (i < 2) x = lt_relu(x);
  }
  return x;
}

/* Median microseconds of one forward over CALLS calls. */
static double forward_us(host_object *const *o, int direct, lt_tensor *x) {
  double t[CALLS];
  for (int i = 0; i < CALLS; i++) {
    lt_scope *s = lt_scope_begin();
    double t0 = bench_now();
    lt_tensor *y = run(o, direct, x);
    t[i] = (bench_now() - t0) * 1e6;
    if (!y) fprintf(stderr, "micro_compose: %s\n", lt_last_error()), exit(1);
    lt_scope_end(s);
  }
  return bench_median(t, CALLS);
}

int main(int argc, char **argv) {
  if (argc < 2) return fprintf(stderr, "usage: micro_compose PLUGIN_DIR...\n"), 2;
  const char *r = getenv("BENCH_REPEATS");
  int reps = r && atoi(r) > 0 && atoi(r) <= 50 ? atoi(r) : 5;
  host_registry reg = {0};
  host_plugins_load(&reg, argv + 1, stderr);
  if (reg.errors || host_plugins_bind(&reg, lt_api_get(), stderr) != 0) return fprintf(stderr, "plugins failed\n"), 1;
  char path[] = "/tmp/micro_compose_XXXXXX.yaml";
  int fd = mkstemps(path, 5);
  if (fd < 0 || write(fd, kConfig, strlen(kConfig)) != (ssize_t)strlen(kConfig)) return 1;
  close(fd);
  cfg_error err = {0};
  const char *in[] = {path};
  cfg_node *root = host_config_load(in, 1, 1, &err);
  unlink(path);
  if (!root || host_build_check(&reg, root, &err) != 0) return fprintf(stderr, "config: %s\n", err.msg), 1;
  host_build b = {&reg, lt_api_get(), root, NULL, 0, &err};
  host_object *c = host_build_get(&b, "composed"), *s = host_build_get(&b, "sequential");
  host_object *l[3] = {host_build_get(&b, "l0"), host_build_get(&b, "l1"), host_build_get(&b, "l2")};
  if (!c || !s || !l[0] || !l[1] || !l[2]) return fprintf(stderr, "build: %s\n", err.msg), 1;
  ((const lt_module_ops *)c->comp->ops)->train(c->self, 0);
  ((const lt_module_ops *)s->comp->ops)->train(s->self, 0);
  lt_grad_set_enabled(0);
  lt_tensor *x = lt_tensor_keep(lt_tensor_randn(LT_SHAPE(64, 784), LT_FLOAT32, LT_CPU));
  double cu[50], su[50], du[50];
  forward_us(&c, 0, x), forward_us(&s, 0, x), forward_us(l, 1, x); /* warm up */
  for (int i = 0; i < reps; i++) {
    cu[i] = forward_us(&c, 0, x);
    su[i] = forward_us(&s, 0, x);
    du[i] = forward_us(l, 1, x);
  }
  double cm = bench_median(cu, reps), sm = bench_median(su, reps), dm = bench_median(du, reps);
  printf("{\"composed_us\": %.2f, \"sequential_us\": %.2f, \"direct_us\": %.2f, \"ratio\": %.3f, "
         "\"sequential_ratio\": %.3f}\n", cm, sm, dm, cm / dm, sm / dm);
  lt_tensor_free(x);
  host_build_free(&b);
  return 0;
}
