/* check_tensor.c: creation in every dtype, properties, copying out, and
 * the shape / indexing / conversion ops, including their error messages. */
#include "testutil.h"

START_TEST(test_creation_values) {
  EXPECT_VALUES(lt_tensor_zeros(LT_SHAPE(2, 2), LT_FLOAT32, LT_CPU), 0, 0, 0, 0, 0);
  EXPECT_VALUES(lt_tensor_ones(LT_SHAPE(3), LT_INT32, LT_CPU), 0, 1, 1, 1);
  EXPECT_VALUES(lt_tensor_full(LT_SHAPE(2), 2.5, LT_FLOAT64, LT_CPU), 0, 2.5, 2.5);
  EXPECT_VALUES(lt_tensor_arange(0, 1, 0.25, LT_FLOAT32, LT_CPU), 0, 0, 0.25, 0.5, 0.75);
  EXPECT_VALUES(lt_tensor_linspace(-1, 1, 5, LT_FLOAT64, LT_CPU), 0, -1, -0.5, 0, 0.5, 1);
  EXPECT_VALUES(lt_tensor_eye(2, LT_UINT8, LT_CPU), 0, 1, 0, 0, 1);
  lt_tensor *s = lt_tensor_scalar(3.5, LT_FLOAT64);
  ck_assert_int_eq(lt_tensor_dim(s), 0);
  ck_assert(scalar_of(s) == 3.5);
  EXPECT_SHAPE(lt_tensor_empty(LT_SHAPE(4, 0, 2), LT_FLOAT32, LT_CPU), 4, 0, 2);
}
END_TEST

START_TEST(test_all_dtypes) {
  lt_dtype all[] = {LT_FLOAT32, LT_FLOAT64, LT_FLOAT16, LT_BFLOAT16, LT_INT64,
                    LT_INT32,   LT_UINT8,   LT_BOOL,    LT_INT8,     LT_INT16};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    lt_tensor *t = lt_tensor_ones(LT_SHAPE(2, 3), all[i], LT_CPU);
    ck_assert_msg(t != NULL, "%s: %s", lt_dtype_name(all[i]), lt_last_error());
    ck_assert_int_eq(lt_tensor_dtype(t), all[i]);
    ck_assert_int_eq(lt_tensor_numel(t), 6);
    EXPECT_VALUES(lt_tensor_sum(t, NULL, 0, 0), 0, all[i] == LT_BOOL ? 6 : 6);
  }
}
END_TEST

START_TEST(test_random_ranges) {
  lt_manual_seed(7);
  lt_tensor *u = lt_tensor_rand(LT_SHAPE(1000), LT_FLOAT32, LT_CPU);
  ck_assert(scalar_of(lt_tensor_min(u, LT_DIM_NONE, 0, NULL)) >= 0);
  ck_assert(scalar_of(lt_tensor_max(u, LT_DIM_NONE, 0, NULL)) < 1);
  lt_tensor *n = lt_tensor_randn(LT_SHAPE(10000), LT_FLOAT64, LT_CPU);
  ck_assert(fabs(scalar_of(lt_tensor_mean(n, NULL, 0, 0))) < 0.05);
  ck_assert(fabs(scalar_of(lt_tensor_std(n, NULL, 0, 1, 0)) - 1) < 0.05);
  lt_tensor *r = lt_tensor_randint(3, 7, LT_SHAPE(500), LT_INT64, LT_CPU);
  ck_assert(scalar_of(lt_tensor_min(r, LT_DIM_NONE, 0, NULL)) == 3);
  ck_assert(scalar_of(lt_tensor_max(r, LT_DIM_NONE, 0, NULL)) == 6);
  lt_tensor *p = lt_tensor_randperm(50, LT_INT64, LT_CPU);
  EXPECT_VALUES(lt_tensor_sum(p, NULL, 0, 0), 0, 49 * 50 / 2);
  EXPECT_SHAPE(lt_tensor_rand_like(u), 1000);
  EXPECT_SHAPE(lt_tensor_randn_like(u), 1000);
  EXPECT_VALUES(lt_tensor_full_like(lt_tensor_zeros(LT_SHAPE(2), LT_INT64, LT_CPU), 4), 0, 4, 4);
  EXPECT_VALUES(lt_tensor_sum(lt_tensor_ones_like(p), NULL, 0, 0), 0, 50);
  EXPECT_VALUES(lt_tensor_sum(lt_tensor_zeros_like(p), NULL, 0, 0), 0, 0);
}
END_TEST

static int deleter_calls;
static void count_delete(void *data, void *ctx) {
  (void)data;
  deleter_calls += *(int *)ctx;
}

START_TEST(test_from_data_and_blob) {
  float data[6] = {1, 2, 3, 4, 5, 6};
  lt_tensor *t = lt_tensor_from_data(data, LT_SHAPE(2, 3), LT_FLOAT32);
  data[0] = 100; /* copied: the tensor keeps 1 */
  EXPECT_VALUES(t, 0, 1, 2, 3, 4, 5, 6);
  int one = 1;
  deleter_calls = 0;
  lt_tensor *b = lt_tensor_keep(lt_tensor_from_blob(data, LT_SHAPE(6), LT_FLOAT32, count_delete, &one));
  data[1] = 200; /* borrowed: the tensor sees it */
  EXPECT_VALUES(b, 0, 100, 200, 3, 4, 5, 6);
  lt_tensor *v = lt_tensor_keep(lt_tensor_narrow(b, 0, 1, 2));
  lt_tensor_free(b);
  ck_assert_int_eq(deleter_calls, 0); /* the view still uses it */
  lt_tensor_free(v);
  ck_assert_int_eq(deleter_calls, 1);
  ck_assert_ptr_null(lt_tensor_from_blob(NULL, LT_SHAPE(1), LT_FLOAT32, NULL, NULL));
  EXPECT_ERROR("lt_tensor_from_blob", "data is NULL");
}
END_TEST

START_TEST(test_properties_and_copy_out) {
  lt_tensor *t = lt_tensor_arange(0, 24, 1, LT_INT64, LT_CPU);
  t = lt_tensor_reshape(t, LT_SHAPE(2, 3, 4));
  ck_assert_int_eq(lt_tensor_dim(t), 3);
  ck_assert_int_eq(lt_tensor_size(t, -1), 4);
  ck_assert_int_eq(lt_tensor_stride(t, 0), 12);
  ck_assert_int_eq(lt_tensor_size(t, 5), -1);
  EXPECT_ERROR("lt_tensor_size([2, 3, 4] int64)", "out of range");
  lt_clear_error();
  int64_t sh[2];
  ck_assert_int_eq(lt_tensor_shape(t, sh, 2), -1);
  EXPECT_ERROR("holds 2 sizes, tensor has 3 dims");
  ck_assert_int_eq(lt_tensor_device(t), LT_CPU);
  ck_assert(lt_tensor_is_contiguous(t));
  ck_assert(!lt_tensor_is_contiguous(lt_tensor_transpose(t, 0, 2)));
  char buf[64];
  ck_assert_str_eq(lt_tensor_describe(t, buf, sizeof buf), "[2, 3, 4] int64");
  float out[24];
  ck_assert_int_eq(lt_tensor_copy_to(lt_tensor_transpose(t, 1, 2), out, sizeof out, LT_FLOAT32), LT_OK);
  ck_assert(out[1] == 4 && out[3] == 1); /* row-major of the transposed view */
  lt_clear_error();
  ck_assert_int_eq(lt_tensor_copy_to(t, out, 8, LT_FLOAT32), LT_ERR_SHAPE);
  EXPECT_ERROR("destination holds 8 bytes but the tensor needs 96");
  int64_t *p = lt_tensor_data(t);
  ck_assert(p && p[23] == 23);
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_data(lt_tensor_transpose(t, 0, 1)));
  EXPECT_ERROR("needs a contiguous CPU tensor");
  int64_t iv;
  ck_assert_int_eq(lt_tensor_item_int64(lt_tensor_select(lt_tensor_flatten(t, 0, -1), 0, 5), &iv), LT_OK);
  ck_assert_int_eq(iv, 5);
  lt_clear_error();
  double dv;
  ck_assert_int_ne(lt_tensor_item_double(t, &dv), LT_OK);
  EXPECT_ERROR("one-element tensor, got 24 elements");
  lt_tensor_print(lt_tensor_ones(LT_SHAPE(2), LT_FLOAT32, LT_CPU), "print test");
}
END_TEST

START_TEST(test_shape_ops) {
  lt_tensor *t = lt_tensor_reshape(lt_tensor_arange(0, 6, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(2, 3));
  EXPECT_VALUES(lt_tensor_transpose(t, 0, 1), 0, 0, 3, 1, 4, 2, 5);
  EXPECT_VALUES(lt_tensor_permute(t, LT_SHAPE(1, 0)), 0, 0, 3, 1, 4, 2, 5);
  EXPECT_SHAPE(lt_tensor_unsqueeze(t, 1), 2, 1, 3);
  EXPECT_SHAPE(lt_tensor_squeeze(lt_tensor_unsqueeze(t, 0), LT_DIM_NONE), 2, 3);
  EXPECT_SHAPE(lt_tensor_squeeze(lt_tensor_unsqueeze(t, 0), 0), 2, 3);
  EXPECT_SHAPE(lt_tensor_flatten(lt_tensor_unsqueeze(t, 0), 1, 2), 1, 6);
  EXPECT_SHAPE(lt_tensor_view(t, LT_SHAPE(3, -1)), 3, 2);
  EXPECT_VALUES(lt_tensor_contiguous(lt_tensor_transpose(t, 0, 1)), 0, 0, 3, 1, 4, 2, 5);
  EXPECT_VALUES(lt_tensor_expand(lt_tensor_select(t, 0, 1), LT_SHAPE(2, 3)), 0, 3, 4, 5, 3, 4, 5);
  EXPECT_VALUES(lt_tensor_repeat(lt_tensor_select(t, 1, 0), LT_SHAPE(2)), 0, 0, 3, 0, 3);
  EXPECT_VALUES(lt_tensor_flip(t, LT_SHAPE(1)), 0, 2, 1, 0, 5, 4, 3);
  EXPECT_VALUES(lt_tensor_slice(t, 1, 1, INT64_MAX, 1), 0, 1, 2, 4, 5);
  EXPECT_VALUES(lt_tensor_slice(t, 1, 0, 3, 2), 0, 0, 2, 3, 5);
  EXPECT_VALUES(lt_tensor_narrow(t, 1, 1, 1), 0, 1, 4);
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_view(t, LT_SHAPE(4, 2)));
  EXPECT_ERROR("lt_tensor_view([2, 3] float32)", "shape '[4, 2]' is invalid for input of size 6");
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_view(lt_tensor_transpose(t, 0, 1), LT_SHAPE(6)));
  EXPECT_ERROR("lt_tensor_view([3, 2] float32)", "reshape");
}
END_TEST

START_TEST(test_cat_stack_split) {
  lt_tensor *a = TEN(LT_FLOAT32, S(2, 2), 1, 2, 3, 4);
  lt_tensor *b = TEN(LT_FLOAT32, S(1, 2), 5, 6);
  lt_tensor *ab[] = {a, b};
  EXPECT_VALUES(lt_tensor_cat(ab, 2, 0), 0, 1, 2, 3, 4, 5, 6);
  lt_tensor *aa[] = {a, a};
  EXPECT_SHAPE(lt_tensor_stack(aa, 2, 1), 2, 2, 2);
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_stack(ab, 2, 0));
  EXPECT_ERROR("lt_tensor_stack", "stack expects each tensor to be equal size");
  lt_clear_error();
  lt_tensor *bad[] = {a, NULL};
  ck_assert_ptr_null(lt_tensor_cat(bad, 2, 0));
  EXPECT_ERROR("tensor 1 of 2 is NULL");
  lt_tensor *parts[4];
  lt_tensor *c = lt_tensor_arange(0, 5, 1, LT_INT64, LT_CPU);
  ck_assert_int_eq(lt_tensor_split(c, 2, 0, parts, 4), 3);
  EXPECT_VALUES(parts[2], 0, 4);
  ck_assert_int_eq(lt_tensor_chunk(c, 2, 0, parts, 4), 2);
  EXPECT_VALUES(parts[0], 0, 0, 1, 2);
  lt_clear_error();
  ck_assert_int_eq(lt_tensor_split(c, 1, 0, parts, 4), -1);
  EXPECT_ERROR("gives 5 pieces but the output array holds 4");
}
END_TEST

START_TEST(test_indexing) {
  lt_tensor *t = TEN(LT_FLOAT32, S(3, 2), 1, 2, 3, 4, 5, 6);
  lt_tensor *idx = TEN(LT_INT64, S(2), 2, 0);
  EXPECT_VALUES(lt_tensor_index_select(t, 0, idx), 0, 5, 6, 1, 2);
  lt_tensor *gi = TEN(LT_INT64, S(3, 1), 1, 0, 1);
  EXPECT_VALUES(lt_tensor_gather(t, 1, gi), 0, 2, 3, 6);
  lt_tensor *z = lt_tensor_zeros(LT_SHAPE(3, 2), LT_FLOAT32, LT_CPU);
  EXPECT_VALUES(lt_tensor_scatter(z, 1, gi, lt_tensor_ones(LT_SHAPE(3, 1), LT_FLOAT32, LT_CPU)), 0, 0, 1,
                1, 0, 0, 1);
  lt_tensor *mask = lt_tensor_gt_scalar(t, 3.5);
  EXPECT_VALUES(lt_tensor_masked_fill(t, mask, -1), 0, 1, 2, 3, -1, -1, -1);
  EXPECT_VALUES(lt_tensor_where(mask, t, lt_tensor_neg(t)), 0, -1, -2, -3, 4, 5, 6);
  lt_clear_error();
  lt_tensor *bad = TEN(LT_INT64, S(1), 7);
  ck_assert_ptr_null(lt_tensor_index_select(t, 0, bad));
  EXPECT_ERROR("lt_tensor_index_select([3, 2] float32, [1] int64)", "out of range");
}
END_TEST

START_TEST(test_conversions) {
  lt_tensor *t = TEN(LT_FLOAT32, S(3), 1.7, -2.2, 0);
  EXPECT_VALUES(lt_tensor_to_dtype(t, LT_INT64), 0, 1, -2, 0);
  EXPECT_VALUES(lt_tensor_to_dtype(t, LT_BOOL), 0, 1, 1, 0);
  ck_assert_int_eq(lt_tensor_dtype(lt_tensor_to_dtype(t, LT_BFLOAT16)), LT_BFLOAT16);
  lt_tensor *c = lt_tensor_clone(t);
  lt_tensor *r = lt_tensor_ref(t);
  ck_assert_int_eq(lt_tensor_fill_(t, 9), LT_OK);
  EXPECT_VALUES(c, 1e-6, 1.7, -2.2, 0);
  EXPECT_VALUES(r, 0, 9, 9, 9);
  EXPECT_VALUES(lt_tensor_to_device(t, LT_CPU), 0, 9, 9, 9);
}
END_TEST

Suite *tensor_suite(void) {
  Suite *s = suite_create("tensor");
  LT_TCASE(s, test_creation_values);
  LT_TCASE(s, test_all_dtypes);
  LT_TCASE(s, test_random_ranges);
  LT_TCASE(s, test_from_data_and_blob);
  LT_TCASE(s, test_properties_and_copy_out);
  LT_TCASE(s, test_shape_ops);
  LT_TCASE(s, test_cat_stack_split);
  LT_TCASE(s, test_indexing);
  LT_TCASE(s, test_conversions);
  return s;
}
