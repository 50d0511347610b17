/* build_forward.c: builds "model" and "criterion" of a config with the
 * host's loader and builder (seed 0, as torch.manual_seed(0) before the
 * Python model is made), runs one forward/backward in eval mode on fixed
 * data and saves output, loss, parameters (state-dict names) and grads for
 * parity.py to compare with PyTorch.
 *
 *   build_forward PLUGIN_DIR CONFIG.yaml OUT.pt */
#include <lighter/lighter.h>

#include "../../host/build.h"
#include "../../host/cmd.h"
#include "../../host/config/compose.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int die(const char *what, const char *msg) {
  fprintf(stderr, "build_forward: %s: %s\n", what, msg);
  return 1;
}

/* Every module of "modules" on one input; every loss of "losses" on the
 * input and target kinds loss_inputs names. */
static int layers(host_build *b, cfg_node *root, const char *out) {
  cfg_node *shape = cfg_dict_get(root, "input_shape");
  int64_t sh[8], n = 1;
  for (size_t i = 0; i < shape->n && i < 8; i++) sh[i] = shape->items[i]->i, n *= sh[i];
  int64_t N = sh[0], C = cfg_dict_get(root, "classes")->i;
  lt_scope *scope = lt_scope_begin();
  lt_state *st = lt_state_new_dict();
  lt_tensor *x = lt_tensor_reshape(lt_tensor_sin(lt_tensor_mul_scalar(lt_tensor_arange(0, (double)n, 1, LT_FLOAT32, LT_CPU), 0.37)),
                                   sh, (int)shape->n);
  lt_state_set_tensor(st, "input", x);
  cfg_node *mods = cfg_dict_get(root, "modules");
  for (size_t i = 0; i < mods->n; i++) {
    char path[256], key[256];
    snprintf(path, sizeof path, "modules::%s", mods->keys[i]);
    host_object *o = host_build_get(b, path);
    if (!o) return die(path, b->err->msg);
    lt_tensor *y = ((const lt_module_ops *)o->comp->ops)->forward(o->self, x);
    if (!y) return die(path, lt_last_error());
    snprintf(key, sizeof key, "mod:%s", mods->keys[i]);
    lt_state_set_tensor(st, key, y);
  }
  lt_tensor *logits = lt_tensor_reshape(lt_tensor_sin(lt_tensor_mul_scalar(lt_tensor_arange(0, (double)(N * C), 1, LT_FLOAT32, LT_CPU), 0.7)),
                                        LT_SHAPE(N, C));
  lt_tensor *reg = lt_tensor_reshape(lt_tensor_cos(lt_tensor_mul_scalar(lt_tensor_arange(0, (double)(N * C), 1, LT_FLOAT32, LT_CPU), 1.3)),
                                     LT_SHAPE(N, C));
  int64_t tv[64];
  for (int64_t i = 0; i < N && i < 64; i++) tv[i] = (i * 3) % C;
  lt_tensor *cls = lt_tensor_from_data(tv, &N, 1, LT_INT64);
  lt_state_set_tensor(st, "logits", logits);
  lt_state_set_tensor(st, "regress", reg);
  lt_state_set_tensor(st, "class", cls);
  cfg_node *losses = cfg_dict_get(root, "losses"), *kinds = cfg_dict_get(root, "loss_inputs");
  for (size_t i = 0; i < losses->n; i++) {
    char path[256], key[256];
    snprintf(path, sizeof path, "losses::%s", losses->keys[i]);
    host_object *o = host_build_get(b, path);
    if (!o) return die(path, b->err->msg);
    cfg_node *k = cfg_dict_get(kinds, losses->keys[i]);
    const char *ik = k->items[0]->s, *tk = k->items[1]->s;
    lt_tensor *in = !strcmp(ik, "logits") ? logits : !strcmp(ik, "logprobs") ? lt_log_softmax(logits, 1) : lt_sigmoid(logits);
    lt_tensor *tg = !strcmp(tk, "class") ? cls : !strcmp(tk, "regress") ? reg
                    : !strcmp(tk, "binary") ? lt_tensor_to_dtype(lt_tensor_gt_scalar(reg, 0), LT_FLOAT32)
                                            : lt_softmax(reg, 1);
    lt_tensor *l = ((const lt_loss_ops *)o->comp->ops)->forward(o->self, in, tg);
    if (!l) return die(path, lt_last_error());
    snprintf(key, sizeof key, "loss:%s", losses->keys[i]);
    lt_state_set_tensor(st, key, l);
  }
  /* Modules with state: built after seed 0, two forwards in train mode
   * (running statistics move), one in eval mode; outputs, parameters and
   * buffers saved under their state-dict names. */
  cfg_node *trained = cfg_dict_get(root, "trained");
  for (size_t i = 0; trained && i < trained->n; i++) {
    char path[256], key[512];
    snprintf(path, sizeof path, "trained::%s", trained->keys[i]);
    lt_manual_seed(0);
    host_object *o = host_build_get(b, path);
    if (!o) return die(path, b->err->msg);
    const lt_module_ops *ops = o->comp->ops;
    const char *tk = trained->keys[i];
    lt_tensor *in = !strcmp(tk, "bn1d") || !strcmp(tk, "conv1d") ? lt_tensor_flatten(lt_tensor_select(x, 1, 0), 2, -1) : x;
    if (!strcmp(tk, "emb")) {
      int64_t ix[10];
      for (int k = 0; k < 10; k++) ix[k] = (k * 3) % 7;
      in = lt_tensor_from_data(ix, LT_SHAPE(2, 5), LT_INT64);
    }
    /* Bilinear takes (x[:, 0, 0, :], x[:, 0, :, 0]); holders (ModuleList,
     * ModuleDict) have no forward: only their state is compared. */
    int two = !strcmp(tk, "bilinear"), holder = !strncmp(tk, "holder", 6);
    lt_tensor *pair[2] = {lt_tensor_select(lt_tensor_select(x, 1, 0), 1, 0),
                          lt_tensor_select(lt_tensor_select(x, 1, 0), 2, 0)};
#define RUN(inp) (two ? ops->forward_n(o->self, (lt_tensor *[]){lt_tensor_mul_scalar(pair[0], (inp) == in ? 1 : 0.5), pair[1]}, 2) \
                      : ops->forward(o->self, inp))
    if (!holder) {
      if (ops->train) ops->train(o->self, 1);
      lt_tensor *y1 = RUN(in);
      lt_tensor *y2 = y1 ? RUN(strcmp(tk, "emb") ? lt_tensor_mul_scalar(in, 0.5) : in) : NULL;
      if (ops->train) ops->train(o->self, 0);
      lt_tensor *y3 = y2 ? RUN(in) : NULL;
      if (!y3) return die(path, lt_last_error());
      snprintf(key, sizeof key, "trained:%s:train", trained->keys[i]);
      lt_state_set_tensor(st, key, y2);
      snprintf(key, sizeof key, "trained:%s:eval", trained->keys[i]);
      lt_state_set_tensor(st, key, y3);
      /* gradients of sum(y3^2) (eval mode) for every parameter */
      if (lt_tensor_requires_grad(y3) &&
          lt_tensor_backward(lt_tensor_sum(lt_tensor_mul(y3, y3), NULL, 0, 0), LT_NO_TENSOR, 0) != LT_OK)
        return die(path, lt_last_error());
    }
#undef RUN
    lt_state *sd = lt_state_new_dict(), *gr = lt_state_new_dict();
    lt_tensor *t[64];
    const char *nm[64];
    size_t ns = ops->state ? ops->state(o->self, t, nm, 64) : 0;
    if (!ops->state) {
      ns = ops->parameters(o->self, t, nm, 64);
      if (ops->buffers) ns += ops->buffers(o->self, t + ns, nm + ns, 64 - ns);
    }
    for (size_t k = 0; k < ns && k < 64; k++) lt_state_set_tensor(sd, nm[k], lt_tensor_detach(t[k]));
    size_t np = ops->parameters(o->self, t, nm, 64);
    for (size_t k = 0; k < np && k < 64; k++) {
      lt_tensor *g = lt_tensor_grad(t[k]);
      if (g) lt_state_set_tensor(gr, nm[k], g);
    }
    snprintf(key, sizeof key, "trained:%s:state", trained->keys[i]);
    lt_state_set_state(st, key, sd);
    snprintf(key, sizeof key, "trained:%s:grads", trained->keys[i]);
    lt_state_set_state(st, key, gr);
    lt_state_free(sd), lt_state_free(gr);
  }
  int rc = lt_state_save(st, out) == LT_OK ? 0 : die("save", lt_last_error());
  lt_state_free(st);
  lt_scope_end(scope);
  host_build_free(b);
  return rc;
}

/* A copy of st that shares nothing with it (written to a file and read
 * back, as a checkpoint would be). */
static lt_state *through_file(const lt_state *st, const char *out) {
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s.snapshot", out);
  lt_state *copy = lt_state_save(st, tmp) == LT_OK ? lt_state_load(tmp) : NULL;
  remove(tmp);
  return copy;
}

static lt_state *snapshot_optimizer(const lt_optimizer_ops *ops, void *self, const char *out) {
  lt_state *st = lt_state_new_dict();
  lt_state *copy = ops->state_save(self, st) == LT_OK ? through_file(st, out) : NULL;
  lt_state_free(st);
  return copy;
}

/* Every optimizer of "optimizers": 50 steps of an MSE regression on "net",
 * each from the same initial weights. */
static int optimizers(host_build *b, cfg_node *root, const char *out) {
  lt_scope *scope = lt_scope_begin();
  host_object *net = host_build_get(b, "net");
  if (!net) return die("net", b->err->msg);
  const lt_module_ops *mops = net->comp->ops;
  lt_tensor *p[2];
  const char *names[2];
  size_t np = mops->parameters(net->self, p, names, 2);
  lt_tensor *init[2];
  lt_state *st = lt_state_new_dict();
  for (size_t i = 0; i < np; i++) {
    init[i] = lt_tensor_clone(lt_tensor_detach(p[i]));
    char key[64];
    snprintf(key, sizeof key, "init:%s", names[i]);
    lt_state_set_tensor(st, key, init[i]);
  }
  lt_tensor *x = lt_tensor_reshape(lt_tensor_sin(lt_tensor_arange(1, 41, 1, LT_FLOAT64, LT_CPU)), LT_SHAPE(8, 5));
  lt_tensor *y = lt_tensor_reshape(lt_tensor_cos(lt_tensor_arange(1, 25, 1, LT_FLOAT64, LT_CPU)), LT_SHAPE(8, 3));
  lt_state_set_tensor(st, "x", x);
  lt_state_set_tensor(st, "y", y);
  cfg_node *opts = cfg_dict_get(root, "optimizers");
  for (size_t k = 0; k < opts->n; k++) {
    int prev = lt_grad_set_enabled(0);
    for (size_t i = 0; i < np; i++) lt_tensor_copy_(p[i], init[i]);
    lt_grad_set_enabled(prev);
    char path[256];
    snprintf(path, sizeof path, "optimizers::%s", opts->keys[k]);
    host_object *o = host_build_get(b, path);
    if (!o) return die(path, b->err->msg);
    const lt_optimizer_ops *ops = o->comp->ops;
    lt_state *mid = NULL;
    lt_tensor *midw[2];
    char key[300];
    /* 50 steps; the state after 25 is kept (through a file, so that later
     * steps do not change it), then 25 steps again from there must end
     * where the 50 did. */
    for (int round = 0; round < 2; round++) {
      if (round) {
        int prev = lt_grad_set_enabled(0);
        for (size_t i = 0; i < np; i++) lt_tensor_copy_(p[i], midw[i]);
        lt_grad_set_enabled(prev);
        char err[256] = "";
        if (ops->state_load(o->self, mid, err, sizeof err) != LT_OK) return die(path, err);
      }
      for (int s = round ? 25 : 0; s < 50; s++) {
        if (s == 25 && !round) {
          for (size_t i = 0; i < np; i++) {
            midw[i] = lt_tensor_clone(lt_tensor_detach(p[i]));
            snprintf(key, sizeof key, "mid:%s:%s", opts->keys[k], names[i]);
            lt_state_set_tensor(st, key, midw[i]);
          }
          if (!(mid = snapshot_optimizer(ops, o->self, out))) return die(path, lt_last_error());
          snprintf(key, sizeof key, "optstate:%s", opts->keys[k]);
          lt_state_set_state(st, key, mid);
        }
        lt_scope *step = lt_scope_begin();
        if (ops->zero_grad(o->self, 1) != LT_OK) return die(path, lt_last_error());
        lt_tensor *loss = lt_mse_loss(mops->forward(net->self, x), y, LT_REDUCTION_MEAN);
        if (!loss || lt_tensor_backward(loss, LT_NO_TENSOR, 0) != LT_OK || ops->step(o->self) != LT_OK)
          return die(path, lt_last_error());
        lt_scope_end(step);
      }
      for (size_t i = 0; i < np; i++) {
        snprintf(key, sizeof key, "%s%s:%s", round ? "resume:" : "", opts->keys[k], names[i]);
        lt_state_set_tensor(st, key, lt_tensor_clone(lt_tensor_detach(p[i])));
      }
    }
    lt_state_free(mid);
  }
  /* Schedulers: the lr of every group after construction and after each
   * of 100 steps. */
  cfg_node *scheds = cfg_dict_get(root, "schedulers");
  char key[300];
  for (size_t k = 0; scheds && k < scheds->n; k++) {
    char path[256];
    snprintf(path, sizeof path, "schedulers::%s", scheds->keys[k]);
    host_object *o = host_build_get(b, path);
    if (!o) return die(path, b->err->msg);
    const lt_scheduler_ops *ops = o->comp->ops;
    char opath[300];
    snprintf(opath, sizeof opath, "%s::optimizer", path);
    host_object *opt = host_build_get(b, opath);
    if (!opt) return die(opath, b->err->msg);
    const lt_optimizer_ops *oops = opt->comp->ops;
    const char *name = scheds->keys[k];
    /* row 0: group 0's lr; row 1: group 1's (cosine), the momentum or
     * beta1 (one-cycle), else group 0's again */
    double lrs[2][101], again[2][50];
    lt_state *mid_s = NULL, *mid_o = NULL;
    for (int round = 0; round < 2; round++) {
      char err[256] = "";
      if (round && (oops->state_load(opt->self, mid_o, err, sizeof err) != LT_OK ||
                    ops->state_load(o->self, mid_s, err, sizeof err) != LT_OK))
        return die(path, err);
      for (int s = round ? 51 : 0; s <= 100; s++) {
        /* a monitored value that improves, stalls and jumps (for plateaus) */
        double metric = !strcmp(name, "plateau") ? 1.0 / (1 + (s % 17)) + 0.001 * (s / 17) : NAN;
        if (s && ops->step(o->self, metric) != LT_OK) return die(path, lt_last_error());
        double second = ops->get_last_lr(o->self, !strcmp(name, "cosine") ? 1 : 0);
        if (!strncmp(name, "onecycle", 8) && !oops->get_option(opt->self, 0, "momentum", &second))
          oops->get_option(opt->self, 0, "betas.0", &second);
        double *row0 = round ? &again[0][s - 51] : &lrs[0][s], *row1 = round ? &again[1][s - 51] : &lrs[1][s];
        *row0 = ops->get_last_lr(o->self, 0);
        *row1 = second;
        if (s == 50 && !round) {
          lt_state *ss = lt_state_new_dict();
          if (ops->state_save(o->self, ss) != LT_OK) return die(path, lt_last_error());
          mid_s = through_file(ss, out);
          lt_state_free(ss);
          if (!mid_s || !(mid_o = snapshot_optimizer(oops, opt->self, out))) return die(path, lt_last_error());
          snprintf(key, sizeof key, "schedstate:%s", name);
          lt_state_set_state(st, key, mid_s);
        }
      }
    }
    lt_state_free(mid_s), lt_state_free(mid_o);
    snprintf(key, sizeof key, "sched:%s", name);
    lt_state_set_tensor(st, key, lt_tensor_from_data(lrs, LT_SHAPE(2, 101), LT_FLOAT64));
    snprintf(key, sizeof key, "sched_resume:%s", name);
    lt_state_set_tensor(st, key, lt_tensor_from_data(again, LT_SHAPE(2, 50), LT_FLOAT64));
  }
  int rc = lt_state_save(st, out) == LT_OK ? 0 : die("save", lt_last_error());
  lt_state_free(st);
  lt_scope_end(scope);
  host_build_free(b);
  return rc;
}

/* Every metric of "metrics", updated with two batches (rows 0-6, 7-11). */
static int metrics(host_build *b, cfg_node *root, const char *out) {
  lt_scope *scope = lt_scope_begin();
  lt_state *st = lt_state_new_dict();
  lt_tensor *scores = lt_tensor_reshape(lt_tensor_sin(lt_tensor_mul_scalar(lt_tensor_arange(0, 60, 1, LT_FLOAT32, LT_CPU), 0.9)),
                                        LT_SHAPE(12, 5));
  int64_t labels[12] = {0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 2, 1}; /* class 3 and 4 never targets */
  int64_t twelve = 12;
  lt_tensor *target = lt_tensor_from_data(labels, &twelve, 1, LT_INT64);
  lt_tensor *logit = lt_tensor_mul_scalar(lt_tensor_cos(lt_tensor_arange(0, 12, 1, LT_FLOAT32, LT_CPU)), 3);
  int64_t bl[12];
  for (int i = 0; i < 12; i++) bl[i] = labels[i] % 2;
  lt_tensor *bin = lt_tensor_from_data(bl, &twelve, 1, LT_INT64);
  lt_tensor *reg = lt_tensor_sin(lt_tensor_arange(0, 12, 1, LT_FLOAT32, LT_CPU));
  /* multilabel targets [12, 5] */
  lt_tensor *mlabels = lt_tensor_to_dtype(
      lt_tensor_gt_scalar(lt_tensor_reshape(lt_tensor_cos(lt_tensor_mul_scalar(lt_tensor_arange(0, 60, 1, LT_FLOAT32, LT_CPU), 1.7)),
                                            LT_SHAPE(12, 5)), 0.2), LT_INT64);
  lt_state_set_tensor(st, "mlabels", mlabels);
  lt_state_set_tensor(st, "scores", scores), lt_state_set_tensor(st, "target", target);
  lt_state_set_tensor(st, "logit", logit), lt_state_set_tensor(st, "bin", bin), lt_state_set_tensor(st, "reg", reg);
  cfg_node *ms = cfg_dict_get(root, "metrics");
  for (size_t k = 0; k < ms->n; k++) {
    char path[256], key[300];
    snprintf(path, sizeof path, "metrics::%s", ms->keys[k]);
    host_object *o = host_build_get(b, path);
    if (!o) return die(path, b->err->msg);
    const lt_metric_ops *ops = o->comp->ops;
    const char *name = ms->keys[k];
    int is_bin = strstr(name, "_bin") != NULL, is_reg = !strncmp(name, "m", 1), is_ml = strstr(name, "_ml") != NULL;
    lt_tensor *p = is_bin ? logit : is_reg ? reg : scores;
    lt_tensor *t = is_bin ? bin : is_reg ? lt_tensor_cos(reg) : is_ml ? mlabels : target;
    for (int half = 0; half < 2; half++) {
      int64_t start = half ? 7 : 0, len = half ? 5 : 7;
      if (ops->update(o->self, lt_tensor_narrow(p, 0, start, len), lt_tensor_narrow(t, 0, start, len)) != LT_OK)
        return die(path, lt_last_error());
    }
    /* a collection: each member's value under "metric:<name>/<member>" */
    void *mself[16];
    const lt_metric_ops *mops[16];
    const char *mnames[16];
    size_t nm = ops->members ? ops->members(o->self, mself, mops, mnames, 16) : 0;
    for (size_t j = 0; j < nm && j < 16; j++) {
      lt_tensor *v = mops[j]->compute(mself[j]);
      if (!v) return die(path, lt_last_error());
      snprintf(key, sizeof key, "metric:%s/%s", name, mnames[j]);
      lt_state_set_tensor(st, key, v);
      lt_tensor_free(v);
    }
    if (nm) {
      ops->reset(o->self);
      continue;
    }
    lt_tensor *v = ops->compute(o->self);
    if (!v) return die(path, lt_last_error());
    snprintf(key, sizeof key, "metric:%s", name);
    lt_state_set_tensor(st, key, v);
    lt_tensor_free(v); /* a new ref: ours, scoped or not */
    ops->reset(o->self);
    lt_tensor *z = ops->compute(o->self);
    snprintf(key, sizeof key, "reset:%s", name);
    if (z) lt_state_set_tensor(st, key, z);
    lt_tensor_free(z);
  }
  int rc = lt_state_save(st, out) == LT_OK ? 0 : die("save", lt_last_error());
  lt_state_free(st);
  lt_scope_end(scope);
  host_build_free(b);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 4) return die("usage", "build_forward PLUGIN_DIR CONFIG.yaml OUT.pt");
  host_registry reg = {0};
  char *dirs[] = {argv[1], NULL};
  host_plugins_load(&reg, dirs, stderr);
  if (reg.errors || host_plugins_bind(&reg, lt_api_get(), stderr) != 0) return die("plugins", "load failed");
  cfg_error err = {0};
  const char *in[] = {argv[2]};
  cfg_node *root = host_config_load(in, 1, 1, &err);
  if (!root || host_build_check(&reg, root, &err) != 0) return die("config", err.msg);
  lt_manual_seed(0);
  host_build b = {&reg, lt_api_get(), root, NULL, 0, &err};
  int mode = cfg_dict_get(root, "modules") ? layers(&b, root, argv[3])
             : cfg_dict_get(root, "optimizers") ? optimizers(&b, root, argv[3])
             : cfg_dict_get(root, "metrics") ? metrics(&b, root, argv[3])
                                             : -1;
  if (mode != -1) {
    cfg_free(root);
    host_registry_free(&reg);
    cfg_sources_free();
    cfg_intern_free();
    return mode;
  }
  host_object *model = host_build_get(&b, "model"), *crit = model ? host_build_get(&b, "criterion") : NULL;
  if (!model || !crit) return die("build", err.msg);
  const lt_module_ops *mops = model->comp->ops;
  const lt_loss_ops *lops = crit->comp->ops;
  cfg_node *shape = cfg_dict_get(root, "input_shape");
  int64_t sh[8], n = 1;
  for (size_t i = 0; i < shape->n && i < 8; i++) sh[i] = shape->items[i]->i, n *= sh[i];
  int64_t classes = cfg_dict_get(root, "classes")->i;
  lt_scope *scope = lt_scope_begin();
  lt_tensor *x = lt_tensor_reshape(lt_tensor_sin(lt_tensor_mul_scalar(lt_tensor_arange(0, (double)n, 1, LT_FLOAT32, LT_CPU), 0.37)),
                                   sh, (int)shape->n);
  int64_t tv[64];
  for (int64_t i = 0; i < sh[0] && i < 64; i++) tv[i] = (i * 3) % classes;
  lt_tensor *y = lt_tensor_from_data(tv, sh, 1, LT_INT64);
  if (mops->train) mops->train(model->self, 0);
  lt_tensor *out = mops->forward(model->self, x);
  lt_tensor *loss = out ? lops->forward(crit->self, out, y) : NULL;
  if (!loss || lt_tensor_backward(loss, LT_NO_TENSOR, 0) != LT_OK) return die("forward", lt_last_error());
  lt_state *st = lt_state_new_dict(), *sd = lt_state_new_dict(), *gr = lt_state_new_dict();
  lt_state_set_tensor(st, "input", x);
  lt_state_set_tensor(st, "target", y);
  lt_state_set_tensor(st, "output", out);
  lt_state_set_tensor(st, "loss", loss);
  lt_tensor *p[128];
  const char *names[128];
  size_t ns = mops->state(model->self, p, names, 128);
  for (size_t i = 0; i < ns && i < 128; i++) lt_state_set_tensor(sd, names[i], lt_tensor_detach(p[i]));
  size_t np = mops->parameters(model->self, p, names, 128);
  for (size_t i = 0; i < np && i < 128; i++) lt_state_set_tensor(gr, names[i], lt_tensor_grad(p[i]));
  lt_state_set_state(st, "state_dict", sd);
  lt_state_set_state(st, "grads", gr);
  if (lt_state_save(st, argv[3]) != LT_OK) return die("save", lt_last_error());
  lt_state_free(st), lt_state_free(sd), lt_state_free(gr);
  lt_scope_end(scope);
  host_build_free(&b);
  cfg_free(root);
  host_registry_free(&reg);
  cfg_sources_free();
  cfg_intern_free();
  return 0;
}
