/* check_nn.c: torch.nn.functional ops and losses against values computed
 * with PyTorch 1.13 (the numbers in comments were printed by Python), and
 * the messages a user's shape mistake produces. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#define NT LT_NO_TENSOR
#define TOL 1e-5

START_TEST(test_linear) {
  lt_tensor *x = TEN(LT_FLOAT32, S(2, 3), 1, 2, 3, 4, 5, 6);
  lt_tensor *w = TEN(LT_FLOAT32, S(2, 3), 1, 0, 0, 0, 1, 1);
  lt_tensor *b = TEN(LT_FLOAT32, S(2), 0.5, -0.5);
  EXPECT_VALUES(lt_linear(x, w, b), 0, 1.5, 4.5, 4.5, 10.5);
  EXPECT_VALUES(lt_linear(x, w, NT), 0, 1, 5, 4, 11);
  lt_clear_error();
  ck_assert_ptr_null(lt_linear(x, lt_tensor_transpose(w, 0, 1), b));
  EXPECT_ERROR("lt_linear([2, 3] float32, [3, 2] float32, [2] float32)", "cannot be multiplied");
  lt_clear_error();
  ck_assert_ptr_null(lt_linear(x, w, NULL)); /* NULL is an error, not "no bias" */
  EXPECT_ERROR("lt_linear([2, 3] float32, [2, 3] float32, NULL)", "input is NULL");
}
END_TEST

START_TEST(test_conv) {
  lt_tensor *x = lt_tensor_reshape(lt_tensor_arange(0, 16, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(1, 1, 4, 4));
  lt_tensor *w = TEN(LT_FLOAT32, S(1, 1, 2, 2), 1, 0, 0, -1);
  EXPECT_VALUES(lt_conv2d(x, w, TEN(LT_FLOAT32, S(1), 0.5), 1, 1, 0, 0, 1, 1, 1), 0, -4.5, -4.5, -4.5,
                -4.5, -4.5, -4.5, -4.5, -4.5, -4.5);
  EXPECT_VALUES(lt_conv2d(x, w, NT, 2, 2, 1, 1, 1, 1, 1), 0, 0, -2, 0, -8, -5, 7, 0, 13, 15);
  lt_tensor *x1 = lt_tensor_reshape(lt_tensor_arange(0, 6, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(1, 1, 6));
  EXPECT_VALUES(lt_conv1d(x1, TEN(LT_FLOAT32, S(1, 1, 3), 1, 2, 1), NT, 1, 1, 1, 1), 0, 1, 4, 8, 12,
                16, 14);
  /* groups and dilation: shapes as PyTorch computes them */
  lt_tensor *x4 = lt_tensor_ones(LT_SHAPE(2, 4, 9, 9), LT_FLOAT32, LT_CPU);
  lt_tensor *w4 = lt_tensor_ones(LT_SHAPE(6, 2, 3, 3), LT_FLOAT32, LT_CPU);
  lt_tensor *y = lt_conv2d(x4, w4, NT, 1, 2, 0, 1, 2, 1, 2);
  EXPECT_SHAPE(y, 2, 6, 5, 5);
  lt_clear_error();
  ck_assert_ptr_null(lt_conv2d(x1, w, NT, 1, 1, 0, 0, 1, 1, 1));
  EXPECT_ERROR("lt_conv2d([1, 1, 6] float32, [1, 1, 2, 2] float32, none)");
}
END_TEST

START_TEST(test_pooling) {
  lt_tensor *x = lt_tensor_reshape(lt_tensor_arange(0, 16, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(1, 1, 4, 4));
  EXPECT_VALUES(lt_max_pool2d(x, 2, 2, 0, 0, 0, 0, 1, 1, 0), 0, 5, 7, 13, 15); /* stride 0 = kernel */
  EXPECT_VALUES(lt_avg_pool2d(x, 2, 2, 2, 2, 0, 0, 0, 1), 0, 2.5, 4.5, 10.5, 12.5);
  EXPECT_VALUES(lt_avg_pool2d(x, 2, 2, 2, 2, 1, 1, 0, 0), 0, 0, 1.5, 3, 6, 7.5, 9, 12, 13.5, 15);
  lt_tensor *x1 = lt_tensor_reshape(lt_tensor_arange(0, 6, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(1, 1, 6));
  EXPECT_VALUES(lt_max_pool1d(x1, 2, 0, 0, 1, 0), 0, 1, 3, 5);
  EXPECT_VALUES(lt_avg_pool1d(x1, 3, 0, 0, 0, 1), 0, 1, 4);
  EXPECT_VALUES(lt_adaptive_avg_pool2d(x, 1, 2), 0, 6.5, 8.5);
  EXPECT_VALUES(lt_adaptive_max_pool2d(x, 2, 1), 0, 7, 15);
  EXPECT_VALUES(lt_adaptive_avg_pool1d(x1, 2), 0, 1, 4);
  EXPECT_SHAPE(lt_max_pool2d(x, 3, 3, 2, 2, 1, 1, 1, 1, 1), 1, 1, 3, 3);
}
END_TEST

/* lt_max_pool2d takes a faster path for large NCHW inputs (a channels-last
 * copy, then a gather for autograd): its values, and the gradient scattered
 * to each window's maximum, must be exactly what PyTorch's own loop gives.
 * The reference is that loop written out: the first maximum of a window in
 * row-major order wins, a NaN wins over any number (the last NaN), windows
 * overlap, pad and dilate, and ceil_mode adds a last partial window. */
typedef struct {
  int k, s, p, d, ceil;
} pool_case;

static int64_t pool_out(int64_t in, pool_case c) {
  int64_t span = in + 2 * c.p - c.d * (c.k - 1) - 1 + (c.ceil ? c.s - 1 : 0);
  int64_t o = span / c.s + 1;
  if (c.ceil && (o - 1) * c.s >= in + c.p) o--;
  return o;
}

static void naive_pool(const float *x, const float *g, int64_t planes, int64_t h, int64_t w,
                       pool_case c, float *y, float *gx) {
  int64_t oh = pool_out(h, c), ow = pool_out(w, c);
  memset(gx, 0, sizeof(float) * (size_t)(planes * h * w));
  for (int64_t pl = 0; pl < planes; pl++)
    for (int64_t i = 0; i < oh; i++)
      for (int64_t j = 0; j < ow; j++) {
        int64_t h0 = i * c.s - c.p, w0 = j * c.s - c.p, best = -1;
        while (h0 < 0) h0 += c.d;
        while (w0 < 0) w0 += c.d;
        float m = -INFINITY;
        for (int64_t a = i * c.s - c.p; a < i * c.s - c.p + c.d * (c.k - 1) + 1 && a < h; a += c.d)
          for (int64_t b = j * c.s - c.p; b < j * c.s - c.p + c.d * (c.k - 1) + 1 && b < w; b += c.d) {
            if (a < 0 || b < 0) continue;
            float v = x[pl * h * w + a * w + b];
            if (best < 0) best = a * w + b;
            if (v > m || isnan(v)) m = v, best = a * w + b;
          }
        if (best < 0) best = h0 * w + w0;
        y[(pl * oh + i) * ow + j] = m;
        gx[pl * h * w + best] += g[(pl * oh + i) * ow + j];
      }
}

START_TEST(test_max_pool2d_fast_path_exact) {
  enum { N = 3, C = 8, H = 15, W = 17 };
  const pool_case cases[] = {{2, 2, 0, 1, 0}, {3, 2, 1, 1, 0}, {3, 2, 1, 2, 1}, {2, 3, 1, 1, 1}, {3, 1, 1, 1, 0}};
  static float x[N * C * H * W], y[N * C * H * W], gx[N * C * H * W], got[N * C * H * W];
  lt_manual_seed(3);
  lt_tensor *xt = lt_tensor_randn(LT_SHAPE(N, C, H, W), LT_FLOAT32, LT_CPU);
  ck_assert_int_eq(lt_tensor_copy_to(xt, x, sizeof x, LT_FLOAT32), LT_OK);
  x[5] = x[6] = NAN;              /* one window with two NaNs */
  x[40] = x[41] = x[40 + W] = 2;  /* ties: the first wins */
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pool_case c = cases[i];
    int64_t oh = pool_out(H, c), ow = pool_out(W, c), n_out = (int64_t)N * C * oh * ow;
    lt_tensor *in = lt_tensor_from_data(x, LT_SHAPE(N, C, H, W), LT_FLOAT32);
    lt_tensor_set_requires_grad(in, 1);
    lt_tensor *gt = lt_tensor_randn(LT_SHAPE(N, C, oh, ow), LT_FLOAT32, LT_CPU);
    static float g[N * C * H * W];
    ck_assert_int_eq(lt_tensor_copy_to(gt, g, sizeof(float) * (size_t)n_out, LT_FLOAT32), LT_OK);
    lt_tensor *out = lt_max_pool2d(in, c.k, c.k, c.s, c.s, c.p, c.p, c.d, c.d, c.ceil);
    ck_assert_msg(out != NULL, "case %zu: %s", i, lt_last_error());
    EXPECT_SHAPE(out, N, C, oh, ow);
    ck_assert(lt_tensor_is_contiguous(out));
    naive_pool(x, g, N * C, H, W, c, y, gx);
    ck_assert_int_eq(lt_tensor_copy_to(out, got, sizeof(float) * (size_t)n_out, LT_FLOAT32), LT_OK);
    for (int64_t k = 0; k < n_out; k++)
      ck_assert_msg(memcmp(&got[k], &y[k], sizeof(float)) == 0 || (isnan(got[k]) && isnan(y[k])),
                    "case %zu, output %lld: %g, expected %g", i, (long long)k, got[k], y[k]);
    ck_assert_int_eq(lt_tensor_backward(lt_tensor_sum(lt_tensor_mul(out, gt), NULL, 0, 0), NT, 0), LT_OK);
    ck_assert_int_eq(lt_tensor_copy_to(lt_tensor_grad(in), got, sizeof(float) * N * C * H * W, LT_FLOAT32), LT_OK);
    for (int64_t k = 0; k < (int64_t)N * C * H * W; k++)
      ck_assert_msg(memcmp(&got[k], &gx[k], sizeof(float)) == 0, "case %zu, gradient %lld: %.9g, expected %.9g", i,
                    (long long)k, got[k], gx[k]);
  }
  /* without autograd (evaluation: running maxima of strided views; 0.0 and
   * -0.0 may swap there, so values compare with ==) */
  int prev = lt_grad_set_enabled(0);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pool_case c = cases[i];
    lt_tensor *out = lt_max_pool2d(lt_tensor_from_data(x, LT_SHAPE(N, C, H, W), LT_FLOAT32), c.k, c.k, c.s, c.s,
                                   c.p, c.p, c.d, c.d, c.ceil);
    ck_assert_msg(out != NULL, "case %zu: %s", i, lt_last_error());
    int64_t oh = pool_out(H, c), ow = pool_out(W, c), n_out = (int64_t)N * C * oh * ow;
    EXPECT_SHAPE(out, N, C, oh, ow);
    ck_assert(lt_tensor_is_contiguous(out));
    naive_pool(x, x, N * C, H, W, c, y, gx);
    ck_assert_int_eq(lt_tensor_copy_to(out, got, sizeof(float) * (size_t)n_out, LT_FLOAT32), LT_OK);
    for (int64_t k = 0; k < n_out; k++)
      ck_assert_msg(got[k] == y[k] || (isnan(got[k]) && isnan(y[k])), "no grad, case %zu, output %lld: %g, expected %g",
                    i, (long long)k, got[k], y[k]);
  }
  /* what PyTorch refuses stays refused */
  lt_clear_error();
  ck_assert_ptr_null(lt_max_pool2d(lt_tensor_from_data(x, LT_SHAPE(N, C, H, W), LT_FLOAT32), 2, 2, 2, 2, 2, 2, 1, 1, 0));
  EXPECT_ERROR("lt_max_pool2d", "pad should be at most half");
  lt_grad_set_enabled(prev);
}
END_TEST

START_TEST(test_activations) {
  lt_tensor *v = TEN(LT_FLOAT32, S(5), -2, -0.5, 0, 1, 3);
  EXPECT_VALUES(lt_relu(v), 0, 0, 0, 0, 1, 3);
  EXPECT_VALUES(lt_leaky_relu(v, 0.1), TOL, -0.2, -0.05, 0, 1, 3);
  EXPECT_VALUES(lt_elu(v, 1.0), TOL, -0.8646647334, -0.3934693336, 0, 1, 3);
  EXPECT_VALUES(lt_gelu(v, 0), TOL, -0.0455000997, -0.1542687863, 0, 0.8413447142, 2.9959502220);
  EXPECT_VALUES(lt_gelu(v, 1), TOL, -0.0454022884, -0.1542859972, 0, 0.8411920071, 2.9963626862);
  EXPECT_VALUES(lt_silu(v), TOL, -0.2384058386, -0.1887703389, 0, 0.7310585976, 2.8577225208);
  EXPECT_VALUES(lt_softplus(v, 1, 20), TOL, 0.1269280016, 0.4740769863, 0.6931471825, 1.3132616282,
                3.0485873222);
  EXPECT_VALUES(lt_sigmoid(v), TOL, 1 / (1 + exp(2)), 1 / (1 + exp(0.5)), 0.5, 1 / (1 + exp(-1)),
                1 / (1 + exp(-3)));
  EXPECT_VALUES(lt_tanh(v), TOL, tanh(-2), tanh(-0.5), 0, tanh(1), tanh(3));
  lt_tensor *l = TEN(LT_FLOAT32, S(2, 2), 0, log(3), 1, 1);
  EXPECT_VALUES(lt_softmax(l, 1), TOL, 0.25, 0.75, 0.5, 0.5);
  EXPECT_VALUES(lt_log_softmax(l, 1), TOL, log(0.25), log(0.75), log(0.5), log(0.5));
  lt_clear_error();
  ck_assert_ptr_null(lt_softmax(l, 2));
  EXPECT_ERROR("lt_softmax([2, 2] float32)", "Dimension out of range");
}
END_TEST

START_TEST(test_dropout) {
  lt_manual_seed(1);
  lt_tensor *x = lt_tensor_ones(LT_SHAPE(10000), LT_FLOAT32, LT_CPU);
  EXPECT_VALUES(lt_tensor_sum(lt_dropout(x, 0.5, 0), NULL, 0, 0), 0, 10000); /* eval: identity */
  lt_tensor *y = lt_dropout(x, 0.25, 1);
  double kept = scalar_of(lt_tensor_sum(lt_tensor_gt_scalar(y, 0), NULL, 0, 0));
  ck_assert(fabs(kept / 10000 - 0.75) < 0.03);
  EXPECT_VALUES(lt_tensor_max(y, LT_DIM_NONE, 0, NULL), TOL, 1 / 0.75); /* survivors scaled */
  lt_clear_error();
  ck_assert_ptr_null(lt_dropout(x, 1.5, 1));
  EXPECT_ERROR("between 0 and 1, but got 1.5");
}
END_TEST

START_TEST(test_normalization) {
  lt_tensor *x = TEN(LT_FLOAT32, S(3, 2), 1, 2, 3, 6, 5, 10);
  lt_tensor *rm = lt_tensor_zeros(LT_SHAPE(2), LT_FLOAT32, LT_CPU);
  lt_tensor *rv = lt_tensor_ones(LT_SHAPE(2), LT_FLOAT32, LT_CPU);
  lt_tensor *w = TEN(LT_FLOAT32, S(2), 1, 2), *b = TEN(LT_FLOAT32, S(2), 0, 1);
  EXPECT_VALUES(lt_batch_norm(x, w, b, rm, rv, 1, 0.1, 1e-5), TOL, -1.2247426510, -1.4494886398, 0, 1,
                1.2247424126, 3.4494886398);
  EXPECT_VALUES(rm, TOL, 0.3, 0.6);
  EXPECT_VALUES(rv, TOL, 1.3, 2.5);
  /* eval mode uses the running statistics */
  EXPECT_VALUES(lt_batch_norm(x, NT, NT, rm, rv, 0, 0.1, 0), TOL, (1 - 0.3) / sqrt(1.3),
                (2 - 0.6) / sqrt(2.5), (3 - 0.3) / sqrt(1.3), (6 - 0.6) / sqrt(2.5), (5 - 0.3) / sqrt(1.3),
                (10 - 0.6) / sqrt(2.5));
  EXPECT_VALUES(lt_layer_norm(x, LT_SHAPE(2), NT, NT, 1e-5), TOL, -0.99998, 0.99998, -0.9999977,
                0.9999979, -0.9999993, 0.9999992);
  lt_tensor *g = lt_tensor_reshape(lt_tensor_arange(0, 8, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(1, 4, 2));
  EXPECT_VALUES(lt_group_norm(g, 2, NT, NT, 1e-5), TOL, -1.3416354656, -0.4472118318, 0.4472118318,
                1.3416354656, -1.3416354656, -0.4472118318, 0.4472118318, 1.3416354656);
  lt_clear_error();
  ck_assert_ptr_null(lt_group_norm(g, 3, NT, NT, 1e-5));
  EXPECT_ERROR("lt_group_norm([1, 4, 2] float32, none, none)", "divisible");
}
END_TEST

START_TEST(test_embedding_onehot_interp) {
  lt_tensor *w = lt_tensor_reshape(lt_tensor_arange(0, 8, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(4, 2));
  lt_tensor *idx = TEN(LT_INT64, S(3), 3, 0, 3);
  EXPECT_VALUES(lt_embedding(w, idx, -1), 0, 6, 7, 0, 1, 6, 7);
  EXPECT_VALUES(lt_one_hot(TEN(LT_INT64, S(2), 2, 0), 3), 0, 0, 0, 1, 1, 0, 0);
  EXPECT_SHAPE(lt_one_hot(TEN(LT_INT64, S(2), 2, 0), -1), 2, 3);
  lt_tensor *sq = lt_tensor_reshape(lt_tensor_arange(0, 4, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(1, 1, 2, 2));
  EXPECT_VALUES(lt_interpolate(sq, LT_SHAPE(4, 4), LT_INTERP_NEAREST, 0), 0, 0, 0, 1, 1, 0, 0, 1, 1, 2,
                2, 3, 3, 2, 2, 3, 3);
  EXPECT_VALUES(lt_interpolate(sq, LT_SHAPE(3, 3), LT_INTERP_BILINEAR, 1), TOL, 0, 0.5, 1, 1, 1.5, 2, 2,
                2.5, 3);
  EXPECT_VALUES(lt_interpolate(sq, LT_SHAPE(3, 3), LT_INTERP_BICUBIC, 1), TOL, 0, 0.5, 1, 1, 1.5, 2, 2,
                2.5, 3);
  lt_tensor *line = lt_tensor_reshape(lt_tensor_arange(0, 3, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(1, 1, 3));
  EXPECT_VALUES(lt_interpolate(line, LT_SHAPE(5), LT_INTERP_LINEAR, 0), TOL, 0, 0.4, 1, 1.6, 2);
  lt_clear_error();
  ck_assert_ptr_null(lt_interpolate(line, LT_SHAPE(5, 5), LT_INTERP_BILINEAR, 0));
  EXPECT_ERROR("bilinear needs a 4-D input");
}
END_TEST

START_TEST(test_losses) {
  lt_tensor *l = TEN(LT_FLOAT32, S(2, 3), 1, 2, 3, 1, 1, 1);
  lt_tensor *y = TEN(LT_INT64, S(2), 2, 0);
  EXPECT_VALUES(lt_cross_entropy(l, y, NT, LT_REDUCTION_MEAN, -100, 0), TOL, 0.7531090975);
  EXPECT_VALUES(lt_cross_entropy(l, y, NT, LT_REDUCTION_NONE, -100, 0), TOL, 0.4076059461, 1.0986123085);
  EXPECT_VALUES(lt_cross_entropy(l, y, NT, LT_REDUCTION_MEAN, -100, 0.1), TOL, 0.8031090498);
  EXPECT_VALUES(lt_cross_entropy(l, TEN(LT_INT64, S(2), 2, -100), NT, LT_REDUCTION_MEAN, -100, 0), TOL,
                0.4076059461);
  EXPECT_VALUES(lt_cross_entropy(l, y, TEN(LT_FLOAT32, S(3), 1, 2, 3), LT_REDUCTION_MEAN, -100, 0), TOL,
                0.5803575516);
  EXPECT_VALUES(lt_cross_entropy(l, TEN(LT_FLOAT32, S(2, 3), 0, 0.5, 0.5, 1, 0, 0), NT,
                                 LT_REDUCTION_MEAN, -100, 0),
                TOL, 1.0031090975);
  EXPECT_VALUES(lt_nll_loss(lt_log_softmax(l, 1), y, NT, LT_REDUCTION_SUM, -100), TOL, 1.5062181950);
  lt_tensor *a = TEN(LT_FLOAT32, S(3), 0.5, 2, -1), *b = TEN(LT_FLOAT32, S(3), 1, 1, 1);
  EXPECT_VALUES(lt_mse_loss(a, b, LT_REDUCTION_MEAN), TOL, 1.75);
  EXPECT_VALUES(lt_l1_loss(a, b, LT_REDUCTION_SUM), TOL, 3.5);
  EXPECT_VALUES(lt_l1_loss(a, b, LT_REDUCTION_NONE), TOL, 0.5, 1, 2);
  EXPECT_VALUES(lt_smooth_l1_loss(a, b, LT_REDUCTION_MEAN, 1.0), TOL, 0.7083333135);
  EXPECT_VALUES(lt_huber_loss(a, b, LT_REDUCTION_MEAN, 0.5), TOL, 0.4583333433);
  lt_tensor *p = TEN(LT_FLOAT32, S(3), 0.2, 0.9, 0.5), *t = TEN(LT_FLOAT32, S(3), 0, 1, 1);
  EXPECT_VALUES(lt_binary_cross_entropy(p, t, NT, LT_REDUCTION_MEAN), TOL, 0.3405504227);
  EXPECT_VALUES(lt_binary_cross_entropy_with_logits(a, t, NT, TEN(LT_FLOAT32, S(3), 2, 2, 2),
                                                    LT_REDUCTION_MEAN),
                TOL, 1.2848187685);
  lt_tensor *lp = lt_log_softmax(l, 1);
  lt_tensor *tp = lt_softmax(TEN(LT_FLOAT32, S(2, 3), 0, 1, 2, 2, 1, 0), 1);
  EXPECT_VALUES(lt_kl_div(lp, tp, LT_REDUCTION_BATCHMEAN, 0), TOL, 0.1331083477);
  EXPECT_VALUES(lt_kl_div(lp, lt_tensor_log(tp), LT_REDUCTION_SUM, 1), TOL, 0.2662166953);
  lt_clear_error();
  ck_assert_ptr_null(lt_mse_loss(a, b, LT_REDUCTION_BATCHMEAN));
  EXPECT_ERROR("lt_mse_loss([3] float32, [3] float32)", "unknown reduction 3");
  lt_clear_error();
  ck_assert_ptr_null(lt_cross_entropy(l, TEN(LT_INT64, S(3), 0, 1, 2), NT, LT_REDUCTION_MEAN, -100, 0));
  EXPECT_ERROR("lt_cross_entropy([2, 3] float32, [3] int64, none)", "batch_size");
  lt_clear_error();
  ck_assert_ptr_null(lt_cross_entropy(l, TEN(LT_INT64, S(2), 0, 7), NT, LT_REDUCTION_MEAN, -100, 0));
  EXPECT_ERROR("lt_cross_entropy", "out of bounds");
}
END_TEST

/* CPU autocast: linear runs in bfloat16 inside, float32 outside; set_data
 * changes a tensor's dtype in place. */
START_TEST(test_autocast_set_data) {
  lt_tensor *x = TEN(LT_FLOAT32, S(2, 3), 1, 2, 3, 4, 5, 6), *w = TEN(LT_FLOAT32, S(2, 3), 0.5, -1, 2, 1, 1, 1);
  ck_assert_int_eq(lt_autocast_set(1, LT_BFLOAT16), 0);
  lt_tensor *y = lt_linear(x, w, LT_NO_TENSOR);
  ck_assert_int_eq(lt_tensor_dtype(y), LT_BFLOAT16);
  EXPECT_VALUES(y, 0, 4.5, 6, 9, 15);
  ck_assert_int_eq(lt_autocast_set(0, LT_BFLOAT16), 1);
  ck_assert_int_eq(lt_tensor_dtype(lt_linear(x, w, LT_NO_TENSOR)), LT_FLOAT32);
  lt_tensor *p = lt_tensor_clone(w);
  ck_assert_int_eq(lt_tensor_set_data(p, lt_tensor_to_dtype(w, LT_FLOAT64)), LT_OK);
  ck_assert_int_eq(lt_tensor_dtype(p), LT_FLOAT64);
  char shape[32];
  lt_shape_text(p, shape, sizeof shape);
  ck_assert_str_eq(shape, "[2, 3]");
  EXPECT_VALUES(p, 0, 0.5, -1, 2, 1, 1, 1);
  lt_clear_error();
  ck_assert_int_ne(lt_tensor_set_data(p, NULL), LT_OK);
}
END_TEST

Suite *nn_suite(void) {
  Suite *s = suite_create("nn");
  LT_TCASE(s, test_linear);
  LT_TCASE(s, test_conv);
  LT_TCASE(s, test_pooling);
  LT_TCASE(s, test_max_pool2d_fast_path_exact);
  LT_TCASE(s, test_activations);
  LT_TCASE(s, test_dropout);
  LT_TCASE(s, test_normalization);
  LT_TCASE(s, test_embedding_onehot_interp);
  LT_TCASE(s, test_losses);
  LT_TCASE(s, test_autocast_set_data);
  return s;
}
