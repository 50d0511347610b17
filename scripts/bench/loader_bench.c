/* loader_bench.c: the data benchmark of `make bench`: Fashion-MNIST decode
 * time, DataLoader batches/s (0 and 2 worker threads, a cheap and a costly
 * transform) against the rate at which the small CNN of loader.yaml
 * trains on batches of 64, all measured in one run. Writes
 * OUT_DIR/loader.json and prints a Markdown table.
 *
 *   loader_bench PLUGIN_DIR loader.yaml OUT_DIR [REPEATS] */
#include <lighter/lighter.h>

#include "../../host/build.h"
#include "../../host/cmd.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void stats(double *v, int n, double *mn, double *med) {
  *med = bench_median(v, n); /* sorts v */
  *mn = v[0];
}

static int die(const char *what, const char *msg) {
  fprintf(stderr, "loader_bench: %s: %s\n", what, msg);
  return 1;
}

/* Batches per second of loader `path` over `count` batches of epoch e. */
static double loader_rate(host_build *b, const char *path, int64_t e, int count) {
  host_object *o = host_build_get(b, path);
  if (!o) return -1;
  const lt_loader_ops *ops = o->comp->ops;
  char err[512];
  if (ops->start(o->self, e, 0, err, sizeof err) != LT_OK) return die(path, err), -1;
  double t0 = bench_now();
  for (int k = 0; k < count; k++) {
    lt_scope *s = lt_scope_begin();
    lt_tensor *t[8];
    const char *names[8];
    if (ops->next(o->self, t, names, 8, err, sizeof err) <= 0) return die(path, err), -1;
    lt_scope_end(s);
  }
  double dt = bench_now() - t0;
  ops->stop(o->self);
  return count / dt;
}

int main(int argc, char **argv) {
  if (argc < 4) return die("usage", "loader_bench PLUGIN_DIR loader.yaml OUT_DIR [REPEATS]");
  int reps = argc > 4 ? atoi(argv[4]) : 3;
  if (reps < 1 || reps > 50) reps = 3;
  host_registry reg = {0};
  char *dirs[] = {argv[1], NULL};
  host_plugins_load(&reg, dirs, stderr);
  if (reg.errors || host_plugins_bind(&reg, lt_api_get(), stderr) != 0) return die("plugins", "load failed");
  cfg_error err = {0};
  const char *in[] = {argv[2]};
  cfg_node *root = host_config_load(in, 1, 1, &err);
  if (!root || host_build_check(&reg, root, &err) != 0) return die("config", err.msg);
  lt_manual_seed(0);
  double decode[50], plain0[50], plain2[50], costly0[50], costly2[50], cnn[50];
  for (int r = 0; r < reps; r++) {
    /* a fresh build each round: decoding is measured every time */
    host_build b = {&reg, lt_api_get(), root, NULL, 0, &err};
    double t0 = bench_now();
    if (!host_build_get(&b, "train")) return die("train", err.msg);
    decode[r] = bench_now() - t0;
    plain0[r] = loader_rate(&b, "loaders::plain_w0", r, 300);
    plain2[r] = loader_rate(&b, "loaders::plain_w2", r, 300);
    costly0[r] = loader_rate(&b, "loaders::costly_w0", r, 60);
    costly2[r] = loader_rate(&b, "loaders::costly_w2", r, 60);
    if (plain0[r] < 0 || plain2[r] < 0 || costly0[r] < 0 || costly2[r] < 0) return 1;
    /* the CNN: forward, loss, backward, SGD step on loader batches */
    host_object *net = host_build_get(&b, "cnn"), *opt = host_build_get(&b, "optimizer"),
                *crit = host_build_get(&b, "criterion"), *ld = host_build_get(&b, "loaders::plain_w2");
    if (!net || !opt || !crit || !ld) return die("cnn", err.msg);
    const lt_module_ops *mo = net->comp->ops;
    const lt_optimizer_ops *oo = opt->comp->ops;
    const lt_loss_ops *lo = crit->comp->ops;
    const lt_loader_ops *lds = ld->comp->ops;
    char e[512];
    lds->start(ld->self, 100 + r, 0, e, sizeof e);
    int steps = 40;
    double busy = 0;
    for (int k = 0; k < steps + 5; k++) {
      lt_scope *s = lt_scope_begin();
      lt_tensor *t[8];
      const char *names[8];
      if (lds->next(ld->self, t, names, 8, e, sizeof e) <= 0) return die("cnn data", e);
      double t1 = bench_now();
      oo->zero_grad(opt->self, 1);
      lt_tensor *loss = lo->forward(crit->self, mo->forward(net->self, t[0]), t[1]);
      if (!loss || lt_tensor_backward(loss, LT_NO_TENSOR, 0) != LT_OK || oo->step(opt->self) != LT_OK)
        return die("cnn step", lt_last_error());
      if (k >= 5) busy += bench_now() - t1; /* 5 warm-up steps */
      lt_scope_end(s);
    }
    lds->stop(ld->self);
    cnn[r] = steps / busy;
    host_build_free(&b);
  }
  double v[6][2];
  double *all[6] = {decode, plain0, plain2, costly0, costly2, cnn};
  for (int i = 0; i < 6; i++) stats(all[i], reps, &v[i][0], &v[i][1]);
  /* rates: the best (max) and median; decode: min and median */
  double best[6];
  for (int i = 0; i < 6; i++) best[i] = i == 0 ? v[i][0] : all[i][reps - 1];
  char path[1024];
  snprintf(path, sizeof path, "%s/loader.json", argv[3]);
  FILE *f = fopen(path, "w");
  if (!f) return die(path, "cannot write");
  const char *keys[6] = {"fashion_mnist_decode_s", "plain_w0_batches_per_s", "plain_w2_batches_per_s",
                         "costly_w0_batches_per_s", "costly_w2_batches_per_s", "cnn_train_batches_per_s"};
  fprintf(f, "{\n  \"repeats\": %d,\n", reps);
  for (int i = 0; i < 6; i++) fprintf(f, "  \"%s\": {\"best\": %.4f, \"median\": %.4f},\n", keys[i], best[i], v[i][1]);
  fprintf(f, "  \"ratio_loader_over_cnn\": %.2f,\n  \"ratio_costly_w2_over_w0\": %.2f\n}\n", v[1][1] / v[5][1],
          v[4][1] / v[3][1]);
  fclose(f);
  printf("| data (batch 64, Fashion-MNIST) | best | median |\n|---|---|---|\n");
  printf("| decode 60k train images (s) | %.3f | %.3f |\n", best[0], v[0][1]);
  const char *label[5] = {"loader, ToTensor+Normalize, 0 workers (batches/s)",
                          "loader, ToTensor+Normalize, 2 workers (batches/s)",
                          "loader, rotation+2 resizes, 0 workers (batches/s)",
                          "loader, rotation+2 resizes, 2 workers (batches/s)", "CNN train step (batches/s)"};
  for (int i = 1; i < 6; i++) printf("| %s | %.1f | %.1f |\n", label[i - 1], best[i], v[i][1]);
  printf("\nloader / CNN (0 workers, medians): %.1fx (target >= 10x); costly transform, 2 workers / 0: %.2fx "
         "(target > 1)\nwritten: %s\n",
         v[1][1] / v[5][1], v[4][1] / v[3][1], path);
  cfg_free(root);
  host_registry_free(&reg);
  cfg_sources_free();
  cfg_intern_free();
  return 0;
}
