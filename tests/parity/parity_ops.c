/* parity_ops.c: computes a fixed list of ops, gradients, RNG draws and a
 * few SGD steps with the tensor layer and saves inputs and results with
 * lt_state_save; parity.py loads the file with Python's torch.load and
 * recomputes every entry with PyTorch. With --reload it instead loads a
 * file Python wrote with torch.save and saves it back for comparison.
 *
 *   parity_ops OUT.pt
 *   parity_ops --reload IN.pt OUT.pt
 */
#include <lighter/lighter.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lt_state *res;

static void put(const char *name, lt_tensor *t) {
  if (!t) {
    fprintf(stderr, "parity_ops: %s failed: %s\n", name, lt_last_error());
    exit(1);
  }
  if (lt_state_set_tensor(res, name, t) != LT_OK) {
    fprintf(stderr, "parity_ops: %s: %s\n", name, lt_last_error());
    exit(1);
  }
}

/* d(sum(f(x) * cos(arange)))/dx, in float64 */
static lt_tensor *weighted(lt_tensor *y) {
  int64_t sh[8];
  int d = lt_tensor_shape(y, sh, 8);
  lt_tensor *c = lt_tensor_reshape(lt_tensor_cos(lt_tensor_arange(0, (double)lt_tensor_numel(y), 1, LT_FLOAT64, LT_CPU)), sh, d);
  return lt_tensor_sum(lt_tensor_mul(y, c), NULL, 0, 0);
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "--reload")) {
    lt_state *st = lt_state_load(argv[2]);
    if (!st || lt_state_save(st, argv[3]) != LT_OK) {
      fprintf(stderr, "parity_ops: %s\n", lt_last_error());
      return 1;
    }
    lt_state_free(st);
    return 0;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: parity_ops OUT.pt | --reload IN.pt OUT.pt\n");
    return 2;
  }
  lt_scope *scope = lt_scope_begin();
  res = lt_state_new_dict();
  /* Deterministic inputs (no RNG), float32 and float64. */
  lt_tensor *a = lt_tensor_reshape(lt_tensor_sin(lt_tensor_arange(1, 25, 1, LT_FLOAT32, LT_CPU)), LT_SHAPE(4, 6));
  lt_tensor *b = lt_tensor_reshape(lt_tensor_cos(lt_tensor_arange(1, 25, 1, LT_FLOAT32, LT_CPU)), LT_SHAPE(4, 6));
  lt_tensor *img = lt_tensor_reshape(lt_tensor_sin(lt_tensor_mul_scalar(lt_tensor_arange(0, 2 * 3 * 8 * 8, 1, LT_FLOAT32, LT_CPU), 0.37)), LT_SHAPE(2, 3, 8, 8));
  lt_tensor *cw = lt_tensor_reshape(lt_tensor_cos(lt_tensor_mul_scalar(lt_tensor_arange(0, 4 * 3 * 3 * 3, 1, LT_FLOAT32, LT_CPU), 0.21)), LT_SHAPE(4, 3, 3, 3));
  lt_tensor *cb = lt_tensor_arange(-0.2, 0.2, 0.1, LT_FLOAT32, LT_CPU);
  lt_tensor *labels = lt_tensor_from_data((int64_t[]){1, 5, 0, 3}, LT_SHAPE(4), LT_INT64);
  put("in:a", a), put("in:b", b), put("in:img", img), put("in:cw", cw), put("in:cb", cb), put("in:labels", labels);

  put("add", lt_tensor_add(a, b));
  put("div", lt_tensor_div(a, lt_tensor_add_scalar(lt_tensor_abs(b), 0.5)));
  put("pow", lt_tensor_pow(lt_tensor_abs(a), b));
  put("exp_log", lt_tensor_log(lt_tensor_add_scalar(lt_tensor_exp(a), 1)));
  put("sqrt", lt_tensor_sqrt(lt_tensor_abs(a)));
  put("clamp", lt_tensor_clamp(a, -0.5, 0.25));
  put("matmul", lt_tensor_matmul(a, lt_tensor_transpose(b, 0, 1)));
  put("sum1", lt_tensor_sum(a, (int64_t[]){1}, 1, 0));
  put("mean0k", lt_tensor_mean(a, (int64_t[]){0}, 1, 1));
  put("std1", lt_tensor_std(a, (int64_t[]){1}, 1, 1, 0));
  put("var_all", lt_tensor_var(a, NULL, 0, 0, 0));
  put("norm", lt_tensor_norm(a, 3, (int64_t[]){0}, 1, 0));
  put("logsumexp", lt_tensor_logsumexp(a, 1, 0));
  put("max1", lt_tensor_max(a, 1, 0, NULL));
  put("argmax1", lt_tensor_argmax(a, 1, 0));
  lt_tensor *ti = NULL;
  put("topk", lt_tensor_topk(a, 3, 1, 1, 1, &ti));
  put("topk_idx", ti);
  put("sort", lt_tensor_sort(b, 0, 1, NULL));
  put("cumsum", lt_tensor_cumsum(b, 1));
  put("conv2d", lt_conv2d(img, cw, cb, 2, 1, 1, 2, 1, 1, 1));
  put("maxpool", lt_max_pool2d(img, 3, 3, 2, 2, 1, 1, 1, 1, 0));
  put("avgpool", lt_avg_pool2d(img, 2, 2, 2, 2, 0, 0, 0, 1));
  put("adaptive", lt_adaptive_avg_pool2d(img, 3, 5));
  put("bn_train", lt_batch_norm(img, LT_NO_TENSOR, LT_NO_TENSOR, LT_NO_TENSOR, LT_NO_TENSOR, 1, 0.1, 1e-5));
  put("layer_norm", lt_layer_norm(img, LT_SHAPE(8, 8), LT_NO_TENSOR, LT_NO_TENSOR, 1e-5));
  put("group_norm", lt_group_norm(img, 3, LT_NO_TENSOR, LT_NO_TENSOR, 1e-5));
  put("bilinear", lt_interpolate(img, LT_SHAPE(5, 11), LT_INTERP_BILINEAR, 0));
  put("gelu", lt_gelu(a, 0));
  put("silu", lt_silu(a));
  put("softmax", lt_softmax(a, 1));
  put("log_softmax", lt_log_softmax(a, 0));
  put("ce", lt_cross_entropy(a, labels, LT_NO_TENSOR, LT_REDUCTION_MEAN, -100, 0.1));
  put("ce_none", lt_cross_entropy(a, labels, LT_NO_TENSOR, LT_REDUCTION_NONE, -100, 0));
  put("mse", lt_mse_loss(a, b, LT_REDUCTION_MEAN));
  put("smooth_l1", lt_smooth_l1_loss(a, b, LT_REDUCTION_SUM, 0.3));
  put("bce_logits", lt_binary_cross_entropy_with_logits(a, lt_tensor_abs(b), LT_NO_TENSOR, LT_NO_TENSOR, LT_REDUCTION_MEAN));
  put("kl", lt_kl_div(lt_log_softmax(a, 1), lt_softmax(b, 1), LT_REDUCTION_BATCHMEAN, 0));

  /* Gradients in float64: a conv layer, a linear layer, a loss. */
  lt_tensor *x = lt_tensor_to_dtype(img, LT_FLOAT64);
  lt_tensor *w = lt_tensor_to_dtype(cw, LT_FLOAT64);
  lt_tensor_set_requires_grad(x, 1);
  lt_tensor_set_requires_grad(w, 1);
  lt_tensor *y = lt_tensor_flatten(lt_max_pool2d(lt_relu(lt_conv2d(x, w, LT_NO_TENSOR, 1, 1, 1, 1, 1, 1, 1)), 2, 2, 0, 0, 0, 0, 1, 1, 0), 1, -1);
  lt_tensor *lw = lt_tensor_reshape(lt_tensor_sin(lt_tensor_arange(0, 10 * 64, 1, LT_FLOAT64, LT_CPU)), LT_SHAPE(10, 64));
  lt_tensor_set_requires_grad(lw, 1);
  lt_tensor *logits = lt_linear(y, lw, LT_NO_TENSOR);
  lt_tensor *loss = lt_tensor_add(lt_cross_entropy(logits, lt_tensor_narrow(labels, 0, 0, 2), LT_NO_TENSOR, LT_REDUCTION_MEAN, -100, 0), lt_tensor_mul_scalar(weighted(logits), 1e-3));
  if (!loss || lt_tensor_backward(loss, LT_NO_TENSOR, 0) != LT_OK) {
    fprintf(stderr, "parity_ops: backward: %s\n", lt_last_error());
    return 1;
  }
  put("grad:loss", loss);
  put("grad:x", lt_tensor_grad(x));
  put("grad:w", lt_tensor_grad(w));
  put("grad:lw", lt_tensor_grad(lw));

  /* The same seed gives the same numbers as torch.manual_seed. */
  lt_manual_seed(42);
  put("rng:randn", lt_tensor_randn(LT_SHAPE(5), LT_FLOAT32, LT_CPU));
  put("rng:rand", lt_tensor_rand(LT_SHAPE(2, 3), LT_FLOAT64, LT_CPU));
  put("rng:randint", lt_tensor_randint(0, 10, LT_SHAPE(7), LT_INT64, LT_CPU));
  put("rng:randperm", lt_tensor_randperm(9, LT_INT64, LT_CPU));
  lt_tensor *drop = lt_tensor_ones(LT_SHAPE(12), LT_FLOAT32, LT_CPU);
  put("rng:dropout", lt_dropout(drop, 0.5, 1));

  /* Five SGD steps (lr 0.1, momentum 0.9) of Linear(6, 3) from fixed
   * weights: the losses must match PyTorch's torch.optim.SGD. */
  lt_tensor *W1 = lt_tensor_contiguous(lt_tensor_mul_scalar(lt_tensor_narrow(b, 0, 0, 3), 0.5));
  lt_tensor *B1 = lt_tensor_zeros(LT_SHAPE(3), LT_FLOAT32, LT_CPU);
  lt_tensor_set_requires_grad(W1, 1), lt_tensor_set_requires_grad(B1, 1);
  lt_tensor *params[2] = {W1, B1}, *mom[2] = {NULL, NULL};
  lt_tensor *tgt = lt_tensor_from_data((int64_t[]){0, 2, 1, 2}, LT_SHAPE(4), LT_INT64);
  double losses[5];
  for (int s = 0; s < 5; s++) {
    lt_tensor *l = lt_cross_entropy(lt_linear(a, W1, B1), tgt, LT_NO_TENSOR, LT_REDUCTION_MEAN, -100, 0);
    for (int i = 0; i < 2; i++) lt_tensor_zero_grad(params[i], 1);
    if (!l || lt_tensor_backward(l, LT_NO_TENSOR, 0) != LT_OK || lt_tensor_item_double(l, &losses[s]) != LT_OK) {
      fprintf(stderr, "parity_ops: sgd: %s\n", lt_last_error());
      return 1;
    }
    int prev = lt_grad_set_enabled(0);
    for (int i = 0; i < 2; i++) {
      lt_tensor *g = lt_tensor_grad(params[i]);
      if (!mom[i]) mom[i] = lt_tensor_clone(g);
      else lt_tensor_mul_scalar_(mom[i], 0.9), lt_tensor_add_(mom[i], g, 1);
      lt_tensor_add_(params[i], mom[i], -0.1);
    }
    lt_grad_set_enabled(prev);
  }
  put("sgd:losses", lt_tensor_from_data(losses, LT_SHAPE(5), LT_FLOAT64));
  put("sgd:weight", W1);

  int rc = lt_state_save(res, argv[1]) == LT_OK ? 0 : 1;
  if (rc) fprintf(stderr, "parity_ops: save: %s\n", lt_last_error());
  lt_state_free(res);
  lt_scope_end(scope);
  return rc;
}
