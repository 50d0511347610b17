/* testutil.h: what the Check suites share: a fixture that fails a test
 * which leaks a tensor handle, and helpers that compare tensor values. */
#ifndef LT_TESTUTIL_H
#define LT_TESTUTIL_H

#include <lighter/lighter.h>

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int64_t lt_test_live_at_start;

/* Every test runs inside a scope, so handles it does not free are freed at
 * teardown; the fixture then checks that nothing outside scopes leaked. */
extern lt_scope *lt_test_scope;
void lt_test_setup(void);
void lt_test_teardown(void);

/* Make a tensor from literal doubles: TD(LT_FLOAT64, shape..., values...) is
 * spelled out with td(). */
lt_tensor *td(lt_dtype dtype, const int64_t *shape, int ndim, const double *values);
#define TEN(dtype, shape, ...) \
  td(dtype, (const int64_t[])shape, (int)(sizeof((int64_t[])shape) / sizeof(int64_t)), \
     (const double[]){__VA_ARGS__})
#define S(...) {__VA_ARGS__}

/* Values of t (converted to double) equal expected within tol. */
void expect_values_(const char *file, int line, lt_tensor *t, const double *expected, int64_t n,
                    double tol);
#define EXPECT_VALUES(t, tol, ...)                                                   \
  expect_values_(__FILE__, __LINE__, (t), (const double[]){__VA_ARGS__},              \
                 (int64_t)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)), (tol))
void expect_shape_(const char *file, int line, lt_tensor *t, const int64_t *shape, int ndim);
#define EXPECT_SHAPE(t, ...)                                                          \
  expect_shape_(__FILE__, __LINE__, (t), (const int64_t[]){__VA_ARGS__},               \
                (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))
double scalar_of(lt_tensor *t);
/* The last error contains every needle. */
void expect_error_(const char *file, int line, const char *const *needles, int n);
#define EXPECT_ERROR(...)                                                             \
  expect_error_(__FILE__, __LINE__, (const char *const[]){__VA_ARGS__},                \
                (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)))

/* Central finite differences of a scalar function against autograd, in
 * float64. f gets a leaf x that requires grad and returns a scalar tensor. */
typedef lt_tensor *(*lt_test_fn)(lt_tensor *x, void *ctx);
void gradcheck_(const char *file, int line, const char *name, lt_test_fn f, void *ctx,
                lt_tensor *x0);
#define GRADCHECK(name, f, ctx, x0) gradcheck_(__FILE__, __LINE__, name, f, ctx, x0)

#define LT_TCASE(suite, name)                                        \
  do {                                                               \
    TCase *tc_ = tcase_create(#name);                                \
    tcase_add_checked_fixture(tc_, lt_test_setup, lt_test_teardown); \
    tcase_add_test(tc_, name);                                       \
    suite_add_tcase(suite, tc_);                                     \
  } while (0)

Suite *core_suite(void);
Suite *tensor_suite(void);
Suite *math_suite(void);
Suite *nn_suite(void);
Suite *autograd_suite(void);
Suite *state_suite(void);
Suite *api_suite(void);
Suite *config_suite(void);
Suite *build_suite(void);
Suite *data_suite(void);
Suite *dist_suite(void);
Suite *fit_state_suite(void);
Suite *terminal_suite(void);
Suite *metrics_csv_suite(void);
Suite *runs_suite(void);
Suite *tensorboard_suite(void);
Suite *sweep_suite(void);

#endif
