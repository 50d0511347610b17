/* check_core.c: versions, status text, errors (first error kept, NULL
 * propagation), scopes and the live-handle counter, devices and dtypes,
 * seeding and RNG state, thread settings. */
#include "testutil.h"

#include <pthread.h>

START_TEST(test_versions) {
  ck_assert_str_eq(lt_version(), LT_VERSION_STRING);
  ck_assert_uint_eq(lt_abi_version(), ((uint32_t)LT_ABI_MAJOR << 16) | LT_ABI_MINOR);
  ck_assert_str_eq(lt_status_str(LT_OK), "ok");
  ck_assert_str_eq(lt_status_str(LT_ERR_SHAPE), "shape mismatch");
  ck_assert_str_eq(lt_status_str((lt_status)-999), "unknown status");
  ck_assert_int_eq(LT_ERR_INTERRUPTED, -13); /* codes are never renumbered */
}
END_TEST

START_TEST(test_null_propagates_first_error_kept) {
  lt_tensor *a = lt_tensor_zeros(LT_SHAPE(2, 3), LT_FLOAT32, LT_CPU);
  lt_tensor *b = lt_tensor_zeros(LT_SHAPE(4, 5), LT_FLOAT32, LT_CPU);
  /* The matmul fails; relu and sum get NULL and must not hide why. */
  lt_tensor *y = lt_tensor_sum(lt_relu(lt_tensor_matmul(a, b)), NULL, 0, 0);
  ck_assert_ptr_null(y);
  EXPECT_ERROR("lt_tensor_matmul([2, 3] float32, [4, 5] float32)", "cannot be multiplied");
  lt_clear_error();
  ck_assert_str_eq(lt_last_error(), "");
  ck_assert_ptr_null(lt_relu(NULL));
  EXPECT_ERROR("lt_relu(NULL)", "input is NULL");
}
END_TEST

START_TEST(test_no_tensor_in_required_slot) {
  lt_tensor *a = lt_tensor_ones(LT_SHAPE(2), LT_FLOAT32, LT_CPU);
  ck_assert_ptr_null(lt_tensor_add(a, LT_NO_TENSOR));
  EXPECT_ERROR("lt_tensor_add([2] float32, none)", "LT_NO_TENSOR given for a required tensor");
  lt_clear_error();
  ck_assert_int_eq(lt_tensor_add_(LT_NO_TENSOR, a, 1), LT_ERR_NULL);
  ck_assert_int_eq(lt_tensor_zero_grad(LT_NO_TENSOR, 1), LT_ERR_NULL);
  ck_assert_ptr_null(lt_tensor_index_select(a, 0, LT_NO_TENSOR));
  ck_assert_int_eq(lt_tensor_split(LT_NO_TENSOR, 1, 0, &a, 1), -1);
}
END_TEST

START_TEST(test_double_free_is_reported) {
  lt_tensor *a = lt_tensor_keep(lt_tensor_ones(LT_SHAPE(2), LT_FLOAT32, LT_CPU));
  lt_tensor_free(a);
  lt_clear_error();
  lt_tensor_free(a); /* reported, not a crash */
  EXPECT_ERROR("freed or invalid tensor handle (double free?)");
  lt_clear_error();
  ck_assert_ptr_null(lt_relu(a));
  EXPECT_ERROR("lt_relu(freed handle)", "freed or invalid tensor handle");
}
END_TEST

START_TEST(test_scope_list_shrinks) {
  /* A training loop inside one long scope that frees what it makes must
   * not grow the scope without bound: live count returns each time. */
  lt_scope *s = lt_scope_begin();
  int64_t base = lt_live_tensors();
  for (int i = 0; i < 1000; i++) {
    lt_tensor *x = lt_tensor_ones(LT_SHAPE(2), LT_FLOAT32, LT_CPU);
    lt_tensor *y = lt_tensor_add(x, x);
    lt_tensor_free(y);
    lt_tensor_free(x);
  }
  ck_assert_int_eq(lt_live_tensors(), base);
  lt_scope_end(s);
}
END_TEST

START_TEST(test_set_error) {
  lt_set_error("first", 0);
  lt_set_error("second", 0);
  ck_assert_str_eq(lt_last_error(), "first");
  lt_set_error("third", 1);
  ck_assert_str_eq(lt_last_error(), "third");
}
END_TEST

START_TEST(test_scopes) {
  int64_t base = lt_live_tensors();
  lt_tensor *kept;
  lt_scope *outer = lt_scope_begin();
  lt_tensor_ones(LT_SHAPE(3), LT_FLOAT32, LT_CPU);
  kept = lt_tensor_keep(lt_tensor_ones(LT_SHAPE(3), LT_FLOAT32, LT_CPU));
  lt_scope *inner = lt_scope_begin();
  lt_tensor *t = lt_tensor_zeros(LT_SHAPE(3), LT_FLOAT32, LT_CPU);
  lt_tensor_free(t); /* freeing inside a scope is fine too */
  lt_tensor_zeros(LT_SHAPE(3), LT_FLOAT32, LT_CPU);
  (void)inner;
  ck_assert_int_eq(lt_live_tensors(), base + 3);
  lt_scope_end(outer); /* also closes the forgotten inner scope */
  ck_assert_int_eq(lt_live_tensors(), base + 1);
  EXPECT_VALUES(kept, 0, 1, 1, 1);
  lt_tensor_free(kept);
  ck_assert_int_eq(lt_live_tensors(), base);
  lt_tensor_free(NULL); /* no-op */
}
END_TEST

START_TEST(test_scope_end_twice_is_an_error) {
  lt_scope *s = lt_scope_begin();
  lt_scope_end(s);
  lt_clear_error();
  lt_scope *s2 = lt_scope_begin();
  lt_scope_end(s2);
  /* s was freed: ending again must be refused, not crash. Use a scope
   * that never existed on this thread's stack instead of a dangling one. */
  lt_scope_end((lt_scope *)&s2);
  EXPECT_ERROR("lt_scope_end", "not open on this thread");
}
END_TEST

START_TEST(test_views_outlive_handles) {
  lt_tensor *a = lt_tensor_keep(lt_tensor_arange(0, 6, 1, LT_FLOAT32, LT_CPU));
  lt_tensor *v = lt_tensor_keep(lt_tensor_view(a, LT_SHAPE(2, 3)));
  lt_tensor_free(a); /* storage lives on in the view */
  EXPECT_VALUES(v, 0, 0, 1, 2, 3, 4, 5);
  lt_tensor_free(v);
}
END_TEST

/* Handles made on threads that end, freed on another: each thread keeps its
 * own free list, handed to the global pool when the thread ends; a handle
 * freed twice across threads is still reported, and nothing is lost. */
enum { kThreadTensors = 3000 };
static void *make_tensors(void *out) {
  lt_tensor **ts = out;
  lt_scope *s = lt_scope_begin();
  for (int i = 0; i < 100; i++) lt_tensor_ones(LT_SHAPE(2), LT_FLOAT32, LT_CPU);
  lt_scope_end(s); /* these go to this thread's list, then the pool */
  for (int i = 0; i < kThreadTensors; i++) ts[i] = lt_tensor_full(LT_SHAPE(1), (double)i, LT_FLOAT32, LT_CPU);
  return NULL;
}

START_TEST(test_handles_across_threads) {
  int64_t base = lt_live_tensors();
  static lt_tensor *ts[2][kThreadTensors];
  pthread_t th[2];
  for (int round = 0; round < 3; round++) {
    for (int k = 0; k < 2; k++) ck_assert_int_eq(pthread_create(&th[k], NULL, make_tensors, ts[k]), 0);
    for (int k = 0; k < 2; k++) pthread_join(th[k], NULL);
    ck_assert_int_eq(lt_live_tensors(), base + 2 * kThreadTensors);
    for (int k = 0; k < 2; k++) {
      double last = -1;
      ck_assert_int_eq(lt_tensor_item_double(ts[k][kThreadTensors - 1], &last), LT_OK);
      ck_assert_double_eq(last, kThreadTensors - 1);
      for (int i = 0; i < kThreadTensors; i++) lt_tensor_free(ts[k][i]);
    }
    ck_assert_int_eq(lt_live_tensors(), base);
  }
  lt_clear_error();
  lt_tensor_free(ts[0][0]); /* pooled, marked dead: reported, not a crash */
  EXPECT_ERROR("lt_tensor_free", "double free");
}
END_TEST

START_TEST(test_dtypes_devices) {
  ck_assert_str_eq(lt_dtype_name(LT_BFLOAT16), "bfloat16");
  ck_assert_ptr_null(lt_dtype_name((lt_dtype)99));
  ck_assert_uint_eq(lt_dtype_size(LT_FLOAT16), 2);
  ck_assert_uint_eq(lt_dtype_size(LT_INT64), 8);
  lt_device d;
  ck_assert_int_eq(lt_device_parse("cpu", &d), LT_OK);
  ck_assert_int_eq(d, LT_CPU);
  ck_assert_int_eq(lt_device_parse("cuda:2", &d), LT_OK);
  ck_assert_int_eq(d, LT_CUDA(2));
  ck_assert_int_eq(lt_device_parse("tpu", &d), LT_ERR_INVALID);
  EXPECT_ERROR("unknown device 'tpu'", "cpu, cuda or cuda:N");
  lt_clear_error();
  if (lt_cuda_device_count() == 0) {
    ck_assert_ptr_null(lt_tensor_zeros(LT_SHAPE(2), LT_FLOAT32, LT_CUDA(0)));
    EXPECT_ERROR("lt_tensor_zeros", "has no CUDA", "use device cpu");
  }
  lt_clear_error();
  ck_assert_ptr_null(lt_tensor_zeros(LT_SHAPE(2), (lt_dtype)42, LT_CPU));
  EXPECT_ERROR("unknown dtype 42");
}
END_TEST

START_TEST(test_seed_and_rng_state) {
  lt_manual_seed(123);
  lt_tensor *a = lt_tensor_randn(LT_SHAPE(5), LT_FLOAT32, LT_CPU);
  lt_tensor *state = lt_rng_state_get();
  ck_assert_ptr_nonnull(state);
  lt_tensor *b = lt_tensor_rand(LT_SHAPE(5), LT_FLOAT32, LT_CPU);
  lt_manual_seed(123);
  lt_tensor *a2 = lt_tensor_randn(LT_SHAPE(5), LT_FLOAT32, LT_CPU);
  ck_assert(scalar_of(lt_tensor_all(lt_tensor_eq(a, a2))) == 1);
  ck_assert_int_eq(lt_rng_state_set(state), LT_OK);
  lt_tensor *b2 = lt_tensor_rand(LT_SHAPE(5), LT_FLOAT32, LT_CPU);
  ck_assert(scalar_of(lt_tensor_all(lt_tensor_eq(b, b2))) == 1);
  /* torch.manual_seed(0); torch.randn(3) */
  lt_manual_seed(0);
  EXPECT_VALUES(lt_tensor_randn(LT_SHAPE(3), LT_FLOAT32, LT_CPU), 1e-6, 1.5409960747, -0.2934289277,
                -2.1787893772);
}
END_TEST

START_TEST(test_threads_and_info) {
  int before = lt_get_num_threads();
  ck_assert_int_ge(before, 1);
  ck_assert_int_eq(lt_set_num_threads(2, 1), LT_OK);
  ck_assert_int_eq(lt_get_num_threads(), 2);
  ck_assert_int_eq(lt_set_num_threads(before, 0), LT_OK);
  ck_assert_int_eq(lt_get_num_threads(), before);
  const char *info = lt_runtime_info();
  ck_assert_ptr_nonnull(strstr(info, "libtorch"));
  ck_assert_ptr_nonnull(strstr(info, "BLAS"));
}
END_TEST

Suite *core_suite(void) {
  Suite *s = suite_create("core");
  LT_TCASE(s, test_versions);
  LT_TCASE(s, test_null_propagates_first_error_kept);
  LT_TCASE(s, test_set_error);
  LT_TCASE(s, test_no_tensor_in_required_slot);
  LT_TCASE(s, test_double_free_is_reported);
  LT_TCASE(s, test_scope_list_shrinks);
  LT_TCASE(s, test_scopes);
  LT_TCASE(s, test_scope_end_twice_is_an_error);
  LT_TCASE(s, test_views_outlive_handles);
  LT_TCASE(s, test_handles_across_threads);
  LT_TCASE(s, test_dtypes_devices);
  LT_TCASE(s, test_seed_and_rng_state);
  LT_TCASE(s, test_threads_and_info);
  return s;
}
