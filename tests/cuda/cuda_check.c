/* cuda_check.c: the CUDA path of the tensor layer, for a machine whose
 * libtorch has CUDA (scripts/device-cuda-check.sh builds it there). Every
 * op runs on the GPU and on the CPU and the two must agree; autograd,
 * clipping, device moves and saving GPU tensors are covered too. Exits 77
 * (skipped) where there is no CUDA device.
 *
 *   cuda_check OUT.pt   (OUT.pt then goes to cuda_compare.py)
 */
#include <lighter/lighter.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

static int passed, failed;

static void expect(const char *name, int ok, const char *detail) {
  if (ok) {
    passed++;
  } else {
    failed++;
    printf("FAIL %s %s\n", name, detail ? detail : "");
  }
}

/* Same values on GPU (moved back) and CPU. */
static void agree(const char *name, lt_tensor *gpu, lt_tensor *cpu, double tol) {
  if (!gpu || !cpu) {
    expect(name, 0, lt_last_error());
    lt_clear_error();
    return;
  }
  expect(name, lt_tensor_device(gpu) == LT_CUDA(0), "result not on cuda:0");
  lt_tensor *d = lt_tensor_max(lt_tensor_abs(lt_tensor_sub(lt_tensor_to_device(gpu, LT_CPU), cpu)),
                               LT_DIM_NONE, 0, NULL);
  double m = NAN;
  if (d) lt_tensor_item_double(lt_tensor_to_dtype(d, LT_FLOAT64), &m);
  char buf[128];
  snprintf(buf, sizeof buf, "max abs diff %g", m);
  expect(name, m <= tol, buf);
}

int main(int argc, char **argv) {
  if (lt_cuda_device_count() < 1) {
    printf("cuda: no CUDA device (%s): skipped\n", lt_runtime_info());
    return 77;
  }
  printf("%s, %d CUDA device(s)\n", lt_runtime_info(), lt_cuda_device_count());
  lt_scope *scope = lt_scope_begin();
  lt_device cuda;
  expect("device_parse", lt_device_parse("cuda:0", &cuda) == LT_OK && cuda == LT_CUDA(0), NULL);
  lt_tensor *a = lt_tensor_reshape(lt_tensor_sin(lt_tensor_arange(1, 65, 1, LT_FLOAT32, LT_CPU)), LT_SHAPE(8, 8));
  lt_tensor *b = lt_tensor_reshape(lt_tensor_cos(lt_tensor_arange(1, 65, 1, LT_FLOAT32, LT_CPU)), LT_SHAPE(8, 8));
  lt_tensor *img = lt_tensor_reshape(lt_tensor_sin(lt_tensor_mul_scalar(lt_tensor_arange(0, 2 * 3 * 16 * 16, 1, LT_FLOAT32, LT_CPU), 0.1)), LT_SHAPE(2, 3, 16, 16));
  lt_tensor *cw = lt_tensor_reshape(lt_tensor_cos(lt_tensor_arange(0, 4 * 3 * 9, 1, LT_FLOAT32, LT_CPU)), LT_SHAPE(4, 3, 3, 3));
  lt_tensor *y = lt_tensor_from_data((int64_t[]){1, 0, 7, 3, 3, 2, 5, 6}, LT_SHAPE(8), LT_INT64);
  lt_tensor *ga = lt_tensor_to_device(a, cuda), *gb = lt_tensor_to_device(b, cuda);
  lt_tensor *gi = lt_tensor_to_device(img, cuda), *gw = lt_tensor_to_device(cw, cuda);
  lt_tensor *gy = lt_tensor_to_device(y, cuda);

  agree("add", lt_tensor_add(ga, gb), lt_tensor_add(a, b), 1e-6);
  agree("matmul", lt_tensor_matmul(ga, gb), lt_tensor_matmul(a, b), 1e-4);
  agree("conv2d", lt_conv2d(gi, gw, LT_NO_TENSOR, 1, 1, 1, 1, 1, 1, 1), lt_conv2d(img, cw, LT_NO_TENSOR, 1, 1, 1, 1, 1, 1, 1), 1e-3);
  agree("max_pool2d", lt_max_pool2d(gi, 2, 2, 0, 0, 0, 0, 1, 1, 0), lt_max_pool2d(img, 2, 2, 0, 0, 0, 0, 1, 1, 0), 0);
  agree("softmax", lt_softmax(ga, 1), lt_softmax(a, 1), 1e-6);
  agree("cross_entropy", lt_cross_entropy(ga, gy, LT_NO_TENSOR, LT_REDUCTION_MEAN, -100, 0.1), lt_cross_entropy(a, y, LT_NO_TENSOR, LT_REDUCTION_MEAN, -100, 0.1), 1e-5);
  agree("batch_norm", lt_batch_norm(gi, LT_NO_TENSOR, LT_NO_TENSOR, LT_NO_TENSOR, LT_NO_TENSOR, 1, 0.1, 1e-5), lt_batch_norm(img, LT_NO_TENSOR, LT_NO_TENSOR, LT_NO_TENSOR, LT_NO_TENSOR, 1, 0.1, 1e-5), 1e-4);
  agree("sum", lt_tensor_sum(ga, (int64_t[]){1}, 1, 0), lt_tensor_sum(a, (int64_t[]){1}, 1, 0), 1e-5);
  agree("bilinear", lt_interpolate(gi, LT_SHAPE(7, 9), LT_INTERP_BILINEAR, 0), lt_interpolate(img, LT_SHAPE(7, 9), LT_INTERP_BILINEAR, 0), 1e-5);
  lt_tensor *zz = lt_tensor_zeros(LT_SHAPE(3), LT_FLOAT32, cuda);
  expect("zeros on cuda", zz && lt_tensor_device(zz) == cuda, lt_last_error());
  /* Mixing devices is an error with both devices named. */
  lt_clear_error();
  lt_tensor *mix = lt_tensor_add(ga, b);
  expect("mixed devices refused", mix == NULL && strstr(lt_last_error(), "cuda:0") != NULL, lt_last_error());
  lt_clear_error();
  /* Data pointer is CPU only. */
  expect("data ptr refused", lt_tensor_data(ga) == NULL, NULL);
  lt_clear_error();

  /* Autograd on the GPU: gradients equal the CPU's. */
  lt_tensor *wg = lt_tensor_clone(gb), *wc = lt_tensor_clone(b);
  lt_tensor_set_requires_grad(wg, 1), lt_tensor_set_requires_grad(wc, 1);
  lt_tensor *lg = lt_cross_entropy(lt_linear(ga, wg, LT_NO_TENSOR), gy, LT_NO_TENSOR, LT_REDUCTION_MEAN, -100, 0);
  lt_tensor *lc = lt_cross_entropy(lt_linear(a, wc, LT_NO_TENSOR), y, LT_NO_TENSOR, LT_REDUCTION_MEAN, -100, 0);
  expect("backward cuda", lg && lt_tensor_backward(lg, LT_NO_TENSOR, 0) == LT_OK, lt_last_error());
  expect("backward cpu", lc && lt_tensor_backward(lc, LT_NO_TENSOR, 0) == LT_OK, lt_last_error());
  agree("grad", lt_tensor_grad(wg), lt_tensor_grad(wc), 1e-5);
  double ng = 0, nc = 0;
  lt_tensor *pg[] = {wg}, *pc[] = {wc};
  expect("clip cuda", lt_clip_grad_norm(pg, 1, 0.01, 2, &ng) == LT_OK, lt_last_error());
  expect("clip cpu", lt_clip_grad_norm(pc, 1, 0.01, 2, &nc) == LT_OK, lt_last_error());
  expect("clip norm equal", fabs(ng - nc) < 1e-5, NULL);
  agree("clipped grad", lt_tensor_grad(wg), lt_tensor_grad(wc), 1e-6);

  /* The same seed on the GPU is reproducible. */
  lt_manual_seed(3);
  lt_tensor *r1 = lt_tensor_randn(LT_SHAPE(100), LT_FLOAT32, cuda);
  lt_manual_seed(3);
  lt_tensor *r2 = lt_tensor_randn(LT_SHAPE(100), LT_FLOAT32, cuda);
  agree("cuda rng reproducible", r1, lt_tensor_to_device(r2, LT_CPU), 0);

  /* GPU tensors saved as they are (torch.load maps them), loaded to CPU. */
  lt_state *st = lt_state_new_dict();
  lt_state_set_tensor(st, "a", ga);
  lt_state_set_tensor(st, "conv", lt_conv2d(gi, gw, LT_NO_TENSOR, 1, 1, 1, 1, 1, 1, 1));
  lt_state_set_tensor(st, "img", gi);
  lt_state_set_tensor(st, "cw", gw);
  const char *out = argc > 1 ? argv[1] : "cuda_check.pt";
  expect("save cuda tensors", lt_state_save(st, out) == LT_OK, lt_last_error());
  lt_state *ld = lt_state_load(out);
  expect("load", ld != NULL, lt_last_error());
  if (ld) {
    lt_tensor *la = lt_state_get_tensor(ld, "a");
    expect("loaded on cpu", la && lt_tensor_device(la) == LT_CPU, NULL);
    agree("loaded values", ga, la, 0);
    lt_state_free(ld);
  }
  lt_state_free(st);
  lt_scope_end(scope);
  expect("no handle leaked", lt_live_tensors() == 0, NULL);
  printf("cuda: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
