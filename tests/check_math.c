/* check_math.c: elementwise arithmetic with broadcasting and scalars,
 * unary functions, comparisons, in-place updates, reductions, sorting and
 * matrix products, with their error messages. */
#include "testutil.h"

START_TEST(test_binary_broadcast) {
  lt_tensor *a = TEN(LT_FLOAT32, S(2, 2), 1, 2, 3, 4);
  lt_tensor *b = TEN(LT_FLOAT32, S(2), 10, 20);
  EXPECT_VALUES(lt_tensor_add(a, b), 0, 11, 22, 13, 24);
  EXPECT_VALUES(lt_tensor_sub(a, b), 0, -9, -18, -7, -16);
  EXPECT_VALUES(lt_tensor_mul(a, b), 0, 10, 40, 30, 80);
  EXPECT_VALUES(lt_tensor_div(b, a), 1e-6, 10, 10, 10.0 / 3, 5);
  EXPECT_VALUES(lt_tensor_pow(a, TEN(LT_FLOAT32, S(1), 2)), 0, 1, 4, 9, 16);
  EXPECT_VALUES(lt_tensor_maximum(a, TEN(LT_FLOAT32, S(1), 2.5)), 0, 2.5, 2.5, 3, 4);
  EXPECT_VALUES(lt_tensor_minimum(a, TEN(LT_FLOAT32, S(1), 2.5)), 0, 1, 2, 2.5, 2.5);
  EXPECT_VALUES(lt_tensor_add_scalar(a, 1), 0, 2, 3, 4, 5);
  EXPECT_VALUES(lt_tensor_sub_scalar(a, 1), 0, 0, 1, 2, 3);
  EXPECT_VALUES(lt_tensor_rsub_scalar(a, 1), 0, 0, -1, -2, -3);
  EXPECT_VALUES(lt_tensor_mul_scalar(a, -2), 0, -2, -4, -6, -8);
  EXPECT_VALUES(lt_tensor_div_scalar(a, 4), 0, 0.25, 0.5, 0.75, 1);
  EXPECT_VALUES(lt_tensor_pow_scalar(a, 0.5), 1e-6, 1, sqrt(2), sqrt(3), 2);
  /* integer + float promotes like PyTorch */
  lt_tensor *i = TEN(LT_INT64, S(2), 1, 2);
  ck_assert_int_eq(lt_tensor_dtype(lt_tensor_add(i, b)), LT_FLOAT32);
  ck_assert_int_eq(lt_tensor_dtype(lt_tensor_mul_scalar(i, 2)), LT_INT64);
  ck_assert_int_eq(lt_tensor_dtype(lt_tensor_mul_scalar(i, 2.5)), LT_FLOAT32);
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_add(a, TEN(LT_FLOAT32, S(3), 1, 2, 3)));
  EXPECT_ERROR("lt_tensor_add([2, 2] float32, [3] float32)",
               "The size of tensor a (2) must match the size of tensor b (3)");
}
END_TEST

START_TEST(test_unary) {
  lt_tensor *x = TEN(LT_FLOAT64, S(4), -1.5, -0.25, 0.5, 2);
  EXPECT_VALUES(lt_tensor_neg(x), 0, 1.5, 0.25, -0.5, -2);
  EXPECT_VALUES(lt_tensor_abs(x), 0, 1.5, 0.25, 0.5, 2);
  EXPECT_VALUES(lt_tensor_sign(x), 0, -1, -1, 1, 1);
  EXPECT_VALUES(lt_tensor_floor(x), 0, -2, -1, 0, 2);
  EXPECT_VALUES(lt_tensor_ceil(x), 0, -1, 0, 1, 2);
  EXPECT_VALUES(lt_tensor_round(x), 0, -2, 0, 0, 2); /* half to even, as torch */
  EXPECT_VALUES(lt_tensor_exp(x), 1e-12, exp(-1.5), exp(-0.25), exp(0.5), exp(2));
  EXPECT_VALUES(lt_tensor_log(lt_tensor_abs(x)), 1e-12, log(1.5), log(0.25), log(0.5), log(2));
  EXPECT_VALUES(lt_tensor_log1p(lt_tensor_abs(x)), 1e-12, log1p(1.5), log1p(0.25), log1p(0.5), log1p(2));
  EXPECT_VALUES(lt_tensor_sqrt(lt_tensor_abs(x)), 1e-12, sqrt(1.5), 0.5, sqrt(0.5), sqrt(2));
  EXPECT_VALUES(lt_tensor_rsqrt(lt_tensor_abs(x)), 1e-12, 1 / sqrt(1.5), 2, 1 / sqrt(0.5), 1 / sqrt(2));
  EXPECT_VALUES(lt_tensor_sin(x), 1e-12, sin(-1.5), sin(-0.25), sin(0.5), sin(2));
  EXPECT_VALUES(lt_tensor_cos(x), 1e-12, cos(-1.5), cos(-0.25), cos(0.5), cos(2));
  EXPECT_VALUES(lt_tensor_reciprocal(x), 1e-12, -1 / 1.5, -4, 2, 0.5);
  EXPECT_VALUES(lt_tensor_clamp(x, -1, INFINITY), 0, -1, -0.25, 0.5, 2);
  EXPECT_VALUES(lt_tensor_clamp(x, -INFINITY, 0), 0, -1.5, -0.25, 0, 0);
  EXPECT_VALUES(lt_tensor_clamp(x, -INFINITY, INFINITY), 0, -1.5, -0.25, 0.5, 2);
  EXPECT_VALUES(lt_tensor_sqrt(x), 0, NAN, NAN, sqrt(0.5), sqrt(2));
  EXPECT_VALUES(lt_tensor_isnan(lt_tensor_sqrt(x)), 0, 1, 1, 0, 0);
  EXPECT_VALUES(lt_tensor_isfinite(lt_tensor_log(lt_tensor_add_scalar(x, 1.5))), 0, 0, 1, 1, 1);
}
END_TEST

START_TEST(test_comparisons_logic) {
  lt_tensor *a = TEN(LT_FLOAT32, S(3), 1, 2, 3);
  lt_tensor *b = TEN(LT_FLOAT32, S(3), 3, 2, 1);
  EXPECT_VALUES(lt_tensor_eq(a, b), 0, 0, 1, 0);
  EXPECT_VALUES(lt_tensor_ne(a, b), 0, 1, 0, 1);
  EXPECT_VALUES(lt_tensor_lt(a, b), 0, 1, 0, 0);
  EXPECT_VALUES(lt_tensor_le(a, b), 0, 1, 1, 0);
  EXPECT_VALUES(lt_tensor_gt(a, b), 0, 0, 0, 1);
  EXPECT_VALUES(lt_tensor_ge(a, b), 0, 0, 1, 1);
  EXPECT_VALUES(lt_tensor_eq_scalar(a, 2), 0, 0, 1, 0);
  EXPECT_VALUES(lt_tensor_ne_scalar(a, 2), 0, 1, 0, 1);
  EXPECT_VALUES(lt_tensor_lt_scalar(a, 2), 0, 1, 0, 0);
  EXPECT_VALUES(lt_tensor_le_scalar(a, 2), 0, 1, 1, 0);
  EXPECT_VALUES(lt_tensor_gt_scalar(a, 2), 0, 0, 0, 1);
  EXPECT_VALUES(lt_tensor_ge_scalar(a, 2), 0, 0, 1, 1);
  ck_assert_int_eq(lt_tensor_dtype(lt_tensor_eq(a, b)), LT_BOOL);
  lt_tensor *p = lt_tensor_gt_scalar(a, 1), *q = lt_tensor_lt_scalar(a, 3);
  EXPECT_VALUES(lt_tensor_logical_and(p, q), 0, 0, 1, 0);
  EXPECT_VALUES(lt_tensor_logical_or(p, q), 0, 1, 1, 1);
  EXPECT_VALUES(lt_tensor_logical_not(p), 0, 1, 0, 0);
  EXPECT_VALUES(lt_tensor_any(p), 0, 1);
  EXPECT_VALUES(lt_tensor_all(p), 0, 0);
}
END_TEST

START_TEST(test_inplace) {
  lt_tensor *t = TEN(LT_FLOAT32, S(3), 1, 2, 3);
  lt_tensor *o = TEN(LT_FLOAT32, S(3), 1, 1, 2);
  ck_assert_int_eq(lt_tensor_add_(t, o, 2), LT_OK);
  EXPECT_VALUES(t, 0, 3, 4, 7);
  ck_assert_int_eq(lt_tensor_sub_(t, o), LT_OK);
  EXPECT_VALUES(t, 0, 2, 3, 5);
  ck_assert_int_eq(lt_tensor_mul_(t, o), LT_OK);
  EXPECT_VALUES(t, 0, 2, 3, 10);
  ck_assert_int_eq(lt_tensor_div_(t, o), LT_OK);
  EXPECT_VALUES(t, 0, 2, 3, 5);
  ck_assert_int_eq(lt_tensor_add_scalar_(t, 1), LT_OK);
  ck_assert_int_eq(lt_tensor_mul_scalar_(t, 2), LT_OK);
  ck_assert_int_eq(lt_tensor_div_scalar_(t, 4), LT_OK);
  EXPECT_VALUES(t, 0, 1.5, 2, 3);
  ck_assert_int_eq(lt_tensor_addcmul_(t, o, o, 0.5), LT_OK);
  EXPECT_VALUES(t, 0, 2, 2.5, 5);
  ck_assert_int_eq(lt_tensor_addcdiv_(t, o, o, 2), LT_OK);
  EXPECT_VALUES(t, 0, 4, 4.5, 7);
  ck_assert_int_eq(lt_tensor_lerp_(t, o, 0.5), LT_OK);
  EXPECT_VALUES(t, 0, 2.5, 2.75, 4.5);
  ck_assert_int_eq(lt_tensor_clamp_(t, 2.6, 4), LT_OK);
  EXPECT_VALUES(t, 1e-6, 2.6, 2.75, 4);
  lt_tensor *counts = lt_tensor_zeros(LT_SHAPE(2), LT_INT64, LT_CPU); /* integer alpha on integers */
  ck_assert_int_eq(lt_tensor_add_(counts, TEN(LT_INT64, S(2), 3, 4), 2), LT_OK);
  EXPECT_VALUES(counts, 0, 6, 8);
  ck_assert_int_eq(lt_tensor_copy_(t, TEN(LT_INT64, S(1), 4)), LT_OK);
  ck_assert_int_eq(lt_tensor_sqrt_(t), LT_OK);
  EXPECT_VALUES(t, 0, 2, 2, 2);
  ck_assert_int_eq(lt_tensor_zero_(t), LT_OK);
  EXPECT_VALUES(t, 0, 0, 0, 0);
  lt_manual_seed(3);
  lt_tensor *u = lt_tensor_empty(LT_SHAPE(1000), LT_FLOAT64, LT_CPU);
  ck_assert_int_eq(lt_tensor_uniform_(u, -2, -1), LT_OK);
  ck_assert(scalar_of(lt_tensor_min(u, LT_DIM_NONE, 0, NULL)) >= -2);
  ck_assert(scalar_of(lt_tensor_max(u, LT_DIM_NONE, 0, NULL)) < -1);
  ck_assert_int_eq(lt_tensor_normal_(u, 5, 0.1), LT_OK);
  ck_assert(fabs(scalar_of(lt_tensor_mean(u, NULL, 0, 0)) - 5) < 0.02);
  ck_assert_int_eq(lt_tensor_bernoulli_(u, 0.25), LT_OK);
  ck_assert(fabs(scalar_of(lt_tensor_mean(u, NULL, 0, 0)) - 0.25) < 0.05);
  /* In-place on a broadcast target that cannot hold the result. */
  lt_clear_error();
  ck_assert_int_eq(lt_tensor_add_(o, TEN(LT_FLOAT32, S(2, 3), 1, 2, 3, 4, 5, 6), 1), LT_ERR_SHAPE);
  EXPECT_ERROR("lt_tensor_add_([3] float32, [2, 3] float32)", "doesn't match the broadcast shape");
  ck_assert_int_eq(lt_tensor_fill_(NULL, 1), LT_ERR_NULL);
}
END_TEST

START_TEST(test_reductions) {
  lt_tensor *t = TEN(LT_FLOAT32, S(2, 3), 1, 2, 4, 3, 5, 9);
  EXPECT_VALUES(lt_tensor_sum(t, NULL, 0, 0), 0, 24);
  EXPECT_VALUES(lt_tensor_sum(t, (int64_t[]){1}, 1, 0), 0, 7, 17);
  EXPECT_SHAPE(lt_tensor_sum(t, (int64_t[]){1}, 1, 1), 2, 1);
  EXPECT_VALUES(lt_tensor_sum(t, (int64_t[]){0, 1}, 2, 0), 0, 24);
  EXPECT_VALUES(lt_tensor_mean(t, (int64_t[]){0}, 1, 0), 0, 2, 3.5, 6.5);
  EXPECT_VALUES(lt_tensor_mean(t, NULL, 0, 0), 0, 4);
  EXPECT_VALUES(lt_tensor_prod(t, 1, 0), 0, 8, 135);
  EXPECT_VALUES(lt_tensor_prod(t, LT_DIM_NONE, 0), 0, 1080);
  EXPECT_VALUES(lt_tensor_std(t, (int64_t[]){1}, 1, 1, 0), 1e-6, 1.5275251865, 3.0550503731);
  EXPECT_VALUES(lt_tensor_std(t, NULL, 0, 1, 0), 1e-6, 2.8284270763);
  EXPECT_VALUES(lt_tensor_var(t, (int64_t[]){0}, 1, 0, 0), 1e-6, 1, 2.25, 6.25);
  EXPECT_VALUES(lt_tensor_var(t, (int64_t[]){1}, 1, 0, 1), 1e-6, 1.5555555820, 6.2222223282);
  EXPECT_VALUES(lt_tensor_norm(t, 2, (int64_t[]){1}, 1, 0), 1e-6, 4.5825757980, 10.7238054276);
  EXPECT_VALUES(lt_tensor_norm(t, 1, NULL, 0, 0), 0, 24);
  EXPECT_VALUES(lt_tensor_logsumexp(t, 1, 0), 1e-6, 4.1698460579, 9.0205812454);
  EXPECT_VALUES(lt_tensor_cumsum(t, 1), 0, 1, 3, 7, 3, 8, 17);
  lt_tensor *idx = NULL;
  EXPECT_VALUES(lt_tensor_max(t, 1, 0, &idx), 0, 4, 9);
  EXPECT_VALUES(idx, 0, 2, 2);
  EXPECT_VALUES(lt_tensor_min(t, 0, 1, &idx), 0, 1, 2, 4);
  EXPECT_SHAPE(idx, 1, 3);
  EXPECT_VALUES(lt_tensor_max(t, LT_DIM_NONE, 0, NULL), 0, 9);
  EXPECT_VALUES(lt_tensor_argmax(t, 0, 0), 0, 1, 1, 1);
  EXPECT_VALUES(lt_tensor_argmax(t, LT_DIM_NONE, 0), 0, 5);
  EXPECT_VALUES(lt_tensor_argmin(t, 1, 0), 0, 0, 0);
  EXPECT_VALUES(lt_tensor_argmin(t, LT_DIM_NONE, 0), 0, 0);
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_max(t, LT_DIM_NONE, 0, &idx));
  ck_assert_ptr_null(idx);
  EXPECT_ERROR("indices need a dimension");
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_sum(t, (int64_t[]){2}, 1, 0));
  EXPECT_ERROR("lt_tensor_sum([2, 3] float32)", "Dimension out of range");
}
END_TEST

START_TEST(test_topk_sort) {
  lt_tensor *t = TEN(LT_FLOAT32, S(5), 3, 1, 4, 1.5, 9);
  lt_tensor *idx = NULL;
  EXPECT_VALUES(lt_tensor_topk(t, 2, 0, 1, 1, &idx), 0, 9, 4);
  EXPECT_VALUES(idx, 0, 4, 2);
  EXPECT_VALUES(lt_tensor_topk(t, 2, 0, 0, 1, NULL), 0, 1, 1.5);
  EXPECT_VALUES(lt_tensor_sort(t, 0, 0, &idx), 0, 1, 1.5, 3, 4, 9);
  EXPECT_VALUES(idx, 0, 1, 3, 0, 2, 4);
  EXPECT_VALUES(lt_tensor_sort(t, 0, 1, NULL), 0, 9, 4, 3, 1.5, 1);
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_topk(t, 6, 0, 1, 1, &idx));
  ck_assert_ptr_null(idx);
  EXPECT_ERROR("lt_tensor_topk([5] float32)", "out of range");
}
END_TEST

START_TEST(test_matmul) {
  lt_tensor *a = TEN(LT_FLOAT32, S(2, 3), 1, 2, 3, 4, 5, 6);
  lt_tensor *b = TEN(LT_FLOAT32, S(3, 2), 1, 0, 0, 1, 1, 1);
  EXPECT_VALUES(lt_tensor_matmul(a, b), 0, 4, 5, 10, 11);
  EXPECT_VALUES(lt_tensor_matmul(a, TEN(LT_FLOAT32, S(3), 1, 1, 1)), 0, 6, 15);
  lt_tensor *ab[] = {a, a};
  lt_tensor *bb[] = {b, b};
  lt_tensor *r = lt_tensor_bmm(lt_tensor_stack(ab, 2, 0), lt_tensor_stack(bb, 2, 0));
  EXPECT_SHAPE(r, 2, 2, 2);
  EXPECT_VALUES(lt_tensor_select(r, 0, 1), 0, 4, 5, 10, 11);
  lt_tensor *bias = TEN(LT_FLOAT32, S(2), 100, 200);
  EXPECT_VALUES(lt_tensor_addmm(bias, a, b, 0.5, 2), 0, 58, 110, 70, 122);
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_bmm(a, b));
  EXPECT_ERROR("lt_tensor_bmm([2, 3] float32, [3, 2] float32)", "3D");
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_matmul(a, TEN(LT_FLOAT64, S(3), 1, 1, 1)));
  EXPECT_ERROR("lt_tensor_matmul([2, 3] float32, [3] float64)", "expected scalar type Float");
}
END_TEST

Suite *math_suite(void) {
  Suite *s = suite_create("math");
  LT_TCASE(s, test_binary_broadcast);
  LT_TCASE(s, test_unary);
  LT_TCASE(s, test_comparisons_logic);
  LT_TCASE(s, test_inplace);
  LT_TCASE(s, test_reductions);
  LT_TCASE(s, test_topk_sort);
  LT_TCASE(s, test_matmul);
  return s;
}
