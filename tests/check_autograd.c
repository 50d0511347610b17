/* check_autograd.c: gradients of every differentiable op against central
 * finite differences in float64, plus autograd control: requires_grad,
 * backward errors, accumulation, zero_grad, no-grad mode, gradient
 * clipping and the torch.nn.init initialisers. */
#include "testutil.h"

#define NT LT_NO_TENSOR

/* A weighted sum, so that every output element gets a distinct gradient. */
static lt_tensor *W(lt_tensor *y) {
  if (!y) return NULL;
  int64_t shape[8];
  int d = lt_tensor_shape(y, shape, 8);
  lt_tensor *c = lt_tensor_cos(lt_tensor_arange(0, (double)lt_tensor_numel(y), 1, LT_FLOAT64, LT_CPU));
  c = lt_tensor_reshape(c, shape, d);
  return lt_tensor_sum(lt_tensor_mul(lt_tensor_to_dtype(y, LT_FLOAT64), c), NULL, 0, 0);
}

static lt_tensor *K(const double *v, int64_t n) { /* a constant float64 vector */
  return lt_tensor_from_data(v, &n, 1, LT_FLOAT64);
}
#define KV(...) K((const double[]){__VA_ARGS__}, (int64_t)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)))
static lt_tensor *R(int64_t a, int64_t b) { /* a fixed [a, b] float64 matrix */
  return lt_tensor_reshape(lt_tensor_sin(lt_tensor_arange(1, (double)(a * b + 1), 1, LT_FLOAT64, LT_CPU)),
                           LT_SHAPE(a, b));
}

#define GF(name, expr)                                  \
  static lt_tensor *g_##name(lt_tensor *x, void *ctx) { \
    (void)ctx;                                          \
    return W(expr);                                     \
  }

GF(add, lt_tensor_add(x, R(3, 4)))
GF(sub, lt_tensor_sub(R(3, 4), x))
GF(mul, lt_tensor_mul(x, x))
GF(div, lt_tensor_div(R(3, 4), x))
GF(pow, lt_tensor_pow(x, lt_tensor_abs(R(3, 4))))
GF(pow_scalar, lt_tensor_pow_scalar(x, 2.5))
GF(exp, lt_tensor_exp(x))
GF(log, lt_tensor_log(x))
GF(log1p, lt_tensor_log1p(x))
GF(sqrt, lt_tensor_sqrt(x))
GF(rsqrt, lt_tensor_rsqrt(x))
GF(abs, lt_tensor_abs(lt_tensor_sub_scalar(x, 1.5)))
GF(sin, lt_tensor_sin(x))
GF(reciprocal, lt_tensor_reciprocal(x))
GF(clamp, lt_tensor_clamp(x, 0.6, 1.7))
GF(maximum, lt_tensor_maximum(x, R(3, 4)))
GF(matmul, lt_tensor_matmul(x, R(4, 2)))
GF(bmm, lt_tensor_bmm(lt_tensor_reshape(x, LT_SHAPE(3, 1, 4)), lt_tensor_reshape(R(12, 2), LT_SHAPE(3, 4, 2))))
GF(addmm, lt_tensor_addmm(R(3, 2), x, R(4, 2), 0.5, 2))
GF(sum_dim, lt_tensor_sum(x, (int64_t[]){1}, 1, 1))
GF(mean, lt_tensor_mean(x, (int64_t[]){0}, 1, 0))
GF(prod, lt_tensor_prod(x, 1, 0))
GF(std, lt_tensor_std(x, (int64_t[]){1}, 1, 1, 0))
GF(var, lt_tensor_var(x, NULL, 0, 0, 0))
GF(norm, lt_tensor_norm(x, 2, (int64_t[]){1}, 1, 0))
GF(logsumexp, lt_tensor_logsumexp(x, 1, 0))
GF(cumsum, lt_tensor_cumsum(x, 0))
GF(max_dim, lt_tensor_max(x, 1, 0, NULL))
GF(topk, lt_tensor_topk(x, 2, 1, 1, 1, NULL))
GF(shape_ops, lt_tensor_flip(lt_tensor_permute(lt_tensor_reshape(x, LT_SHAPE(2, 6)), LT_SHAPE(1, 0)), LT_SHAPE(0)))
GF(cat, lt_tensor_cat((lt_tensor *[]){x, lt_tensor_mul(x, x)}, 2, 1))
GF(index_select, lt_tensor_index_select(x, 1, lt_tensor_from_data((int64_t[]){3, 0, 3}, LT_SHAPE(3), LT_INT64)))
GF(gather, lt_tensor_gather(x, 1, lt_tensor_from_data((int64_t[]){2, 1, 0}, LT_SHAPE(3, 1), LT_INT64)))
GF(where, lt_tensor_where(lt_tensor_gt_scalar(R(3, 4), 0), x, lt_tensor_mul_scalar(x, 3)))
GF(masked_fill, lt_tensor_masked_fill(x, lt_tensor_gt_scalar(R(3, 4), 0), 2))
GF(expand, lt_tensor_expand(lt_tensor_unsqueeze(x, 0), LT_SHAPE(2, 3, 4)))
GF(linear, lt_linear(x, R(5, 4), KV(1, 2, 3, 4, 5)))
GF(linear_w, lt_linear(R(2, 3), lt_tensor_reshape(x, LT_SHAPE(4, 3)), NT))
GF(conv2d, lt_conv2d(lt_tensor_reshape(x, LT_SHAPE(1, 2, 3, 2)), lt_tensor_reshape(R(3, 8), LT_SHAPE(3, 2, 2, 2)), KV(0.1, 0.2, 0.3), 1, 1, 1, 0, 1, 1, 1))
GF(conv2d_w, lt_conv2d(lt_tensor_reshape(R(1, 16), LT_SHAPE(1, 1, 4, 4)), lt_tensor_reshape(x, LT_SHAPE(3, 1, 2, 2)), NT, 2, 1, 0, 1, 1, 2, 1))
GF(conv_t2d, lt_conv_transpose2d(lt_tensor_reshape(x, LT_SHAPE(1, 2, 3, 2)), lt_tensor_reshape(R(2, 12), LT_SHAPE(2, 3, 2, 2)), KV(0.1, 0.2, 0.3), 2, 1, 1, 0, 1, 0, 1, 1, 1))
GF(conv_t2d_w, lt_conv_transpose2d(lt_tensor_reshape(R(1, 8), LT_SHAPE(1, 2, 2, 2)), lt_tensor_reshape(x, LT_SHAPE(2, 1, 2, 3)), NT, 1, 2, 0, 1, 0, 1, 1, 1, 1))
GF(bilin, lt_bilinear(x, R(3, 2), lt_tensor_reshape(R(1, 16), LT_SHAPE(2, 4, 2)), KV(0.5, -0.5)))
GF(bilin_w, lt_bilinear(R(3, 4), R(3, 3), lt_tensor_reshape(x, LT_SHAPE(1, 4, 3)), NT))
GF(conv1d, lt_conv1d(lt_tensor_reshape(x, LT_SHAPE(1, 2, 6)), lt_tensor_reshape(R(2, 3), LT_SHAPE(2, 1, 3)), NT, 1, 1, 1, 2))
GF(max_pool2d, lt_max_pool2d(lt_tensor_reshape(x, LT_SHAPE(1, 1, 3, 4)), 2, 2, 1, 1, 0, 0, 1, 1, 0))
GF(avg_pool2d, lt_avg_pool2d(lt_tensor_reshape(x, LT_SHAPE(1, 1, 3, 4)), 2, 2, 1, 2, 1, 0, 1, 0))
GF(max_pool1d, lt_max_pool1d(lt_tensor_reshape(x, LT_SHAPE(1, 2, 6)), 3, 2, 1, 1, 0))
GF(avg_pool1d, lt_avg_pool1d(lt_tensor_reshape(x, LT_SHAPE(1, 2, 6)), 3, 2, 1, 0, 1))
GF(adaptive_avg2d, lt_adaptive_avg_pool2d(lt_tensor_reshape(x, LT_SHAPE(1, 1, 3, 4)), 2, 3))
GF(adaptive_max2d, lt_adaptive_max_pool2d(lt_tensor_reshape(x, LT_SHAPE(1, 1, 3, 4)), 2, 2))
GF(adaptive_avg1d, lt_adaptive_avg_pool1d(lt_tensor_reshape(x, LT_SHAPE(1, 2, 6)), 4))
GF(relu, lt_relu(lt_tensor_sub_scalar(x, 1.05)))
GF(leaky_relu, lt_leaky_relu(lt_tensor_sub_scalar(x, 1.05), 0.2))
GF(elu, lt_elu(lt_tensor_sub_scalar(x, 1.05), 0.7))
GF(gelu, lt_gelu(lt_tensor_sub_scalar(x, 1), 0))
GF(gelu_tanh, lt_gelu(lt_tensor_sub_scalar(x, 1), 1))
GF(silu, lt_silu(x))
GF(softplus, lt_softplus(x, 2, 20))
GF(sigmoid, lt_sigmoid(x))
GF(tanh, lt_tanh(x))
GF(softmax, lt_softmax(x, 1))
GF(log_softmax, lt_log_softmax(x, 0))
GF(batch_norm, lt_batch_norm(x, KV(1, 2, 3, 4), KV(0, 1, 0, 1), NT, NT, 1, 0.1, 1e-5))
GF(layer_norm, lt_layer_norm(x, LT_SHAPE(4), KV(1, 2, 3, 4), KV(0, 1, 0, 1), 1e-5))
GF(group_norm, lt_group_norm(lt_tensor_reshape(x, LT_SHAPE(1, 4, 3)), 2, KV(1, 2, 3, 4), NT, 1e-5))
GF(embedding, lt_embedding(x, lt_tensor_from_data((int64_t[]){2, 0, 2, 1}, LT_SHAPE(4), LT_INT64), -1))
GF(bilinear, lt_interpolate(lt_tensor_reshape(x, LT_SHAPE(1, 1, 3, 4)), LT_SHAPE(5, 3), LT_INTERP_BILINEAR, 0))
GF(bicubic, lt_interpolate(lt_tensor_reshape(x, LT_SHAPE(1, 1, 3, 4)), LT_SHAPE(4, 5), LT_INTERP_BICUBIC, 1))
GF(linear1d, lt_interpolate(lt_tensor_reshape(x, LT_SHAPE(1, 2, 6)), LT_SHAPE(9), LT_INTERP_LINEAR, 0))
GF(cross_entropy, lt_cross_entropy(x, lt_tensor_from_data((int64_t[]){3, 0, 1}, LT_SHAPE(3), LT_INT64), KV(1, 2, 3, 4), LT_REDUCTION_MEAN, -100, 0.1))
GF(cross_entropy_prob, lt_cross_entropy(x, lt_softmax(R(3, 4), 1), NT, LT_REDUCTION_SUM, -100, 0))
GF(nll, lt_nll_loss(lt_log_softmax(x, 1), lt_tensor_from_data((int64_t[]){3, 0, 1}, LT_SHAPE(3), LT_INT64), NT, LT_REDUCTION_MEAN, 0))
GF(mse, lt_mse_loss(x, R(3, 4), LT_REDUCTION_MEAN))
GF(l1, lt_l1_loss(x, R(3, 4), LT_REDUCTION_SUM))
GF(smooth_l1, lt_smooth_l1_loss(x, lt_tensor_mul_scalar(R(3, 4), 2), LT_REDUCTION_MEAN, 0.5))
GF(huber, lt_huber_loss(x, lt_tensor_mul_scalar(R(3, 4), 2), LT_REDUCTION_NONE, 0.7))
GF(bce, lt_binary_cross_entropy(lt_tensor_div_scalar(x, 2.5), lt_tensor_abs(R(3, 4)), NT, LT_REDUCTION_MEAN))
GF(bce_logits, lt_binary_cross_entropy_with_logits(x, lt_tensor_abs(R(3, 4)), NT, KV(1, 2, 3, 4), LT_REDUCTION_MEAN))
GF(kl_div, lt_kl_div(lt_log_softmax(x, 1), lt_softmax(R(3, 4), 1), LT_REDUCTION_BATCHMEAN, 0))

typedef struct {
  const char *name;
  lt_test_fn f;
  int64_t rows, cols;
} gcase;

static const gcase cases[] = {
#define GC(n) {#n, g_##n, 3, 4}
    GC(add), GC(sub), GC(mul), GC(div), GC(pow), GC(pow_scalar), GC(exp), GC(log), GC(log1p),
    GC(sqrt), GC(rsqrt), GC(abs), GC(sin), GC(reciprocal), GC(clamp), GC(maximum), GC(matmul),
    GC(bmm), GC(addmm), GC(sum_dim), GC(mean), GC(prod), GC(std), GC(var), GC(norm), GC(logsumexp),
    GC(cumsum), GC(max_dim), GC(topk), GC(shape_ops), GC(cat), GC(index_select), GC(gather),
    GC(where), GC(masked_fill), GC(expand), GC(linear), GC(linear_w), GC(conv2d), GC(conv2d_w), GC(conv_t2d), GC(conv_t2d_w), GC(bilin), GC(bilin_w),
    GC(conv1d), GC(max_pool2d), GC(avg_pool2d), GC(max_pool1d), GC(avg_pool1d), GC(adaptive_avg2d),
    GC(adaptive_max2d), GC(adaptive_avg1d), GC(relu), GC(leaky_relu), GC(elu), GC(gelu),
    GC(gelu_tanh), GC(silu), GC(softplus), GC(sigmoid), GC(tanh), GC(softmax), GC(log_softmax),
    GC(batch_norm), GC(layer_norm), GC(group_norm), GC(embedding), GC(bilinear), GC(bicubic),
    GC(linear1d), GC(cross_entropy), GC(cross_entropy_prob), GC(nll), GC(mse), GC(l1),
    GC(smooth_l1), GC(huber), GC(bce), GC(bce_logits), GC(kl_div),
#undef GC
};

START_TEST(test_gradcheck) {
  const gcase *c = &cases[_i];
  lt_manual_seed(1000 + (uint64_t)_i);
  /* Inputs in [0.5, 2): positive for log/sqrt, and distinct values so max
   * and sorting have unique winners. */
  lt_tensor *x = lt_tensor_add_scalar(lt_tensor_mul_scalar(
                     lt_tensor_rand(LT_SHAPE(c->rows, c->cols), LT_FLOAT64, LT_CPU), 1.5), 0.5);
  GRADCHECK(c->name, c->f, NULL, x);
}
END_TEST

START_TEST(test_backward_errors) {
  lt_tensor *x = lt_tensor_ones(LT_SHAPE(2), LT_FLOAT32, LT_CPU);
  lt_tensor *y = lt_tensor_sum(x, NULL, 0, 0);
  ck_assert_int_eq(lt_tensor_backward(y, NT, 0), LT_FAIL);
  EXPECT_ERROR("lt_tensor_backward([] float32, none)", "does not require grad");
  lt_clear_error();
  ck_assert_int_eq(lt_tensor_set_requires_grad(x, 1), LT_OK);
  ck_assert_int_eq(lt_tensor_backward(lt_tensor_mul_scalar(x, 2), NT, 0), LT_FAIL);
  EXPECT_ERROR("grad can be implicitly created only for scalar outputs");
  lt_clear_error();
  lt_tensor *i = lt_tensor_ones(LT_SHAPE(2), LT_INT64, LT_CPU);
  ck_assert_int_ne(lt_tensor_set_requires_grad(i, 1), LT_OK);
  EXPECT_ERROR("lt_tensor_set_requires_grad([2] int64)", "floating point");
}
END_TEST

START_TEST(test_grad_accumulation_and_zero) {
  lt_tensor *x = TEN(LT_FLOAT32, S(2), 1, 2);
  ck_assert(!lt_tensor_requires_grad(x));
  ck_assert_int_eq(lt_tensor_set_requires_grad(x, 1), LT_OK);
  ck_assert(lt_tensor_requires_grad(x));
  ck_assert(!lt_tensor_has_grad(x));
  ck_assert_ptr_null(lt_tensor_grad(x));
  ck_assert_str_eq(lt_last_error(), ""); /* no grad is not an error */
  lt_tensor *y = lt_tensor_sum(lt_tensor_mul(x, x), NULL, 0, 0);
  ck_assert_int_eq(lt_tensor_backward(y, NT, 1), LT_OK);
  ck_assert_int_eq(lt_tensor_backward(y, NT, 0), LT_OK); /* graph retained once */
  EXPECT_VALUES(lt_tensor_grad(x), 0, 4, 8);           /* accumulated: 2 * 2x */
  lt_clear_error();
  ck_assert_int_ne(lt_tensor_backward(y, NT, 0), LT_OK);
  EXPECT_ERROR("second time");
  ck_assert_int_eq(lt_tensor_zero_grad(x, 0), LT_OK);
  EXPECT_VALUES(lt_tensor_grad(x), 0, 0, 0);
  ck_assert_int_eq(lt_tensor_zero_grad(x, 1), LT_OK);
  ck_assert(!lt_tensor_has_grad(x));
  /* A non-scalar output with an explicit gradient. */
  lt_tensor *z = lt_tensor_mul_scalar(x, 3);
  ck_assert_int_eq(lt_tensor_backward(z, TEN(LT_FLOAT32, S(2), 1, -1), 0), LT_OK);
  EXPECT_VALUES(lt_tensor_grad(x), 0, 3, -3);
  lt_tensor *d = lt_tensor_detach(x);
  ck_assert(!lt_tensor_requires_grad(d));
}
END_TEST

START_TEST(test_embedding_padding_gets_no_grad) {
  lt_tensor *w = lt_tensor_ones(LT_SHAPE(3, 2), LT_FLOAT32, LT_CPU);
  lt_tensor_set_requires_grad(w, 1);
  lt_tensor *idx = TEN(LT_INT64, S(3), 0, 1, 0);
  ck_assert_int_eq(lt_tensor_backward(lt_tensor_sum(lt_embedding(w, idx, 0), NULL, 0, 0), NT, 0), LT_OK);
  EXPECT_VALUES(lt_tensor_grad(w), 0, 0, 0, 1, 1, 0, 0);
}
END_TEST

START_TEST(test_no_grad_mode) {
  lt_tensor *x = TEN(LT_FLOAT32, S(2), 1, 2);
  lt_tensor_set_requires_grad(x, 1);
  ck_assert(lt_grad_is_enabled());
  int prev = lt_grad_set_enabled(0);
  ck_assert_int_eq(prev, 1);
  lt_tensor *y = lt_tensor_mul(x, x);
  ck_assert(!lt_tensor_requires_grad(y));
  /* In-place updates of leaves are allowed here, as in an optimizer step. */
  ck_assert_int_eq(lt_tensor_add_scalar_(x, 1), LT_OK);
  lt_grad_set_enabled(prev);
  ck_assert(lt_tensor_requires_grad(lt_tensor_mul(x, x)));
  lt_clear_error();
  ck_assert_int_ne(lt_tensor_add_scalar_(x, 1), LT_OK);
  EXPECT_ERROR("leaf Variable that requires grad");
}
END_TEST

START_TEST(test_clip_grad) {
  lt_tensor *a = TEN(LT_FLOAT32, S(2), 0, 0), *b = TEN(LT_FLOAT32, S(1), 0);
  lt_tensor_set_requires_grad(a, 1);
  lt_tensor_set_requires_grad(b, 1);
  lt_tensor *none = TEN(LT_FLOAT32, S(1), 0); /* no grad: skipped */
  lt_tensor_set_requires_grad(none, 1);
  lt_tensor *loss = lt_tensor_add(lt_tensor_sum(lt_tensor_mul(a, TEN(LT_FLOAT32, S(2), 3, 4)), NULL, 0, 0),
                                  lt_tensor_mul_scalar(lt_tensor_sum(b, NULL, 0, 0), 12));
  ck_assert_int_eq(lt_tensor_backward(loss, NT, 1), LT_OK);
  lt_tensor *ps[] = {a, b, none};
  double total = 0;
  ck_assert_int_eq(lt_clip_grad_norm(ps, 3, 6.5, 2, &total), LT_OK);
  ck_assert(fabs(total - 13) < 1e-5); /* sqrt(9 + 16 + 144) */
  double k = 6.5 / (13 + 1e-6);
  EXPECT_VALUES(lt_tensor_grad(a), 1e-5, 3 * k, 4 * k);
  EXPECT_VALUES(lt_tensor_grad(b), 1e-5, 12 * k);
  ck_assert_int_eq(lt_clip_grad_norm(ps, 3, 100, INFINITY, &total), LT_OK);
  ck_assert(fabs(total - 12 * k) < 1e-4); /* max norm, below the limit: unchanged */
  EXPECT_VALUES(lt_tensor_grad(b), 1e-5, 12 * k);
  ck_assert_int_eq(lt_clip_grad_value(ps, 3, 2.0), LT_OK);
  EXPECT_VALUES(lt_tensor_grad(a), 1e-5, 1.5, 2);
  EXPECT_VALUES(lt_tensor_grad(b), 1e-5, 2);
  lt_tensor *bad[] = {a, NULL};
  ck_assert_int_ne(lt_clip_grad_norm(bad, 2, 1, 2, NULL), LT_OK);
  EXPECT_ERROR("parameter 1 of 2 is NULL");
}
END_TEST

START_TEST(test_init) {
  lt_tensor *w = lt_tensor_empty(LT_SHAPE(64, 16, 3, 3), LT_FLOAT32, LT_CPU);
  int64_t fi, fo;
  ck_assert_int_eq(lt_init_fans(w, &fi, &fo), LT_OK);
  ck_assert_int_eq(fi, 144);
  ck_assert_int_eq(fo, 576);
  ck_assert_int_eq(lt_init_kaiming_uniform_(w, sqrt(5.0)), LT_OK);
  double bound = 1 / sqrt(144.0); /* nn.Conv2d's default: 1/sqrt(fan_in) */
  double mx = scalar_of(lt_tensor_max(lt_tensor_abs(w), LT_DIM_NONE, 0, NULL));
  ck_assert(mx <= bound && mx > 0.95 * bound);
  ck_assert_int_eq(lt_init_xavier_uniform_(w, 1.0), LT_OK);
  mx = scalar_of(lt_tensor_max(lt_tensor_abs(w), LT_DIM_NONE, 0, NULL));
  double xb = sqrt(6.0 / (144 + 576));
  ck_assert(mx <= xb && mx > 0.95 * xb);
  /* Same seed, same numbers as torch.nn.init.kaiming_uniform_(w, a=sqrt(5)) on
   * torch.manual_seed(0); w = torch.empty(2, 3). */
  lt_manual_seed(0);
  lt_tensor *s = lt_tensor_empty(LT_SHAPE(2, 3), LT_FLOAT32, LT_CPU);
  ck_assert_int_eq(lt_init_kaiming_uniform_(s, sqrt(5.0)), LT_OK);
  EXPECT_VALUES(s, 1e-6, -0.0043225177, 0.3097158372, -0.4751853347, -0.4248946011, -0.2223689705,
                0.1548207253);
  lt_clear_error();
  ck_assert_int_ne(lt_init_fans(lt_tensor_empty(LT_SHAPE(3), LT_FLOAT32, LT_CPU), &fi, &fo), LT_OK);
  EXPECT_ERROR("fewer than 2 dimensions");
}
END_TEST

Suite *autograd_suite(void) {
  Suite *s = suite_create("autograd");
  TCase *tc = tcase_create("gradcheck");
  tcase_add_checked_fixture(tc, lt_test_setup, lt_test_teardown);
  tcase_add_loop_test(tc, test_gradcheck, 0, (int)(sizeof cases / sizeof cases[0]));
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  LT_TCASE(s, test_backward_errors);
  LT_TCASE(s, test_grad_accumulation_and_zero);
  LT_TCASE(s, test_embedding_padding_gets_no_grad);
  LT_TCASE(s, test_no_grad_mode);
  LT_TCASE(s, test_clip_grad);
  LT_TCASE(s, test_init);
  return s;
}
