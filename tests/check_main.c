/* check_main.c: runs every Check suite of the tensor layer and the shared
 * test helpers (fixture, value comparison, finite-difference gradcheck). */
#include "testutil.h"

int64_t lt_test_live_at_start;
lt_scope *lt_test_scope;

void lt_test_setup(void) {
  lt_clear_error();
  lt_test_live_at_start = lt_live_tensors();
  lt_test_scope = lt_scope_begin();
}

void lt_test_teardown(void) {
  lt_scope_end(lt_test_scope);
  lt_grad_set_enabled(1);
  ck_assert_msg(lt_live_tensors() == lt_test_live_at_start,
                "%lld tensor handle(s) leaked by this test",
                (long long)(lt_live_tensors() - lt_test_live_at_start));
}

lt_tensor *td(lt_dtype dtype, const int64_t *shape, int ndim, const double *values) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= shape[i];
  lt_tensor *t = lt_tensor_from_data(values, shape, ndim, LT_FLOAT64);
  ck_assert_msg(t != NULL, "td: %s", lt_last_error());
  (void)n;
  if (dtype == LT_FLOAT64) return t;
  lt_tensor *c = lt_tensor_to_dtype(t, dtype);
  ck_assert_msg(c != NULL, "td: %s", lt_last_error());
  return c;
}

void expect_values_(const char *file, int line, lt_tensor *t, const double *expected, int64_t n,
                    double tol) {
  ck_assert_msg(t != NULL, "%s:%d: tensor is NULL: %s", file, line, lt_last_error());
  int64_t got = lt_tensor_numel(t);
  ck_assert_msg(got == n, "%s:%d: %lld values, expected %lld", file, line, (long long)got,
                (long long)n);
  double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
  ck_assert(lt_tensor_copy_to(t, v, sizeof(double) * (size_t)n, LT_FLOAT64) == LT_OK);
  for (int64_t i = 0; i < n; i++) {
    double e = expected[i];
    int ok = (isnan(e) && isnan(v[i])) || (isinf(e) && e == v[i]) ||
             fabs(v[i] - e) <= tol * (1 + fabs(e));
    if (!ok) {
      double gv = v[i];
      free(v);
      ck_abort_msg("%s:%d: value %lld is %.10g, expected %.10g", file, line, (long long)i, gv, e);
    }
  }
  free(v);
}

void expect_shape_(const char *file, int line, lt_tensor *t, const int64_t *shape, int ndim) {
  ck_assert_msg(t != NULL, "%s:%d: tensor is NULL: %s", file, line, lt_last_error());
  int64_t s[16];
  int d = lt_tensor_shape(t, s, 16);
  ck_assert_msg(d == ndim, "%s:%d: %d dims, expected %d", file, line, d, ndim);
  for (int i = 0; i < d; i++)
    ck_assert_msg(s[i] == shape[i], "%s:%d: dim %d is %lld, expected %lld", file, line, i,
                  (long long)s[i], (long long)shape[i]);
}

double scalar_of(lt_tensor *t) {
  double v = NAN;
  ck_assert_msg(t && lt_tensor_item_double(t, &v) == LT_OK, "scalar_of: %s", lt_last_error());
  return v;
}

void expect_error_(const char *file, int line, const char *const *needles, int n) {
  const char *e = lt_last_error();
  for (int i = 0; i < n; i++)
    ck_assert_msg(strstr(e, needles[i]) != NULL, "%s:%d: error \"%s\" lacks \"%s\"", file, line, e,
                  needles[i]);
}

void gradcheck_(const char *file, int line, const char *name, lt_test_fn f, void *ctx,
                lt_tensor *x0) {
  lt_scope *s = lt_scope_begin();
  lt_tensor *x = lt_tensor_to_dtype(lt_tensor_detach(x0), LT_FLOAT64);
  x = lt_tensor_contiguous(lt_tensor_clone(x));
  ck_assert(x != NULL);
  ck_assert(lt_tensor_set_requires_grad(x, 1) == LT_OK);
  lt_tensor *y = f(x, ctx);
  ck_assert_msg(y != NULL, "%s:%d: %s: forward failed: %s", file, line, name, lt_last_error());
  ck_assert_msg(lt_tensor_backward(y, LT_NO_TENSOR, 0) == LT_OK, "%s:%d: %s: backward: %s", file,
                line, name, lt_last_error());
  lt_tensor *g = lt_tensor_grad(x);
  ck_assert_msg(g != NULL, "%s:%d: %s: no gradient", file, line, name);
  int64_t n = lt_tensor_numel(x);
  double *ga = malloc(sizeof(double) * (size_t)n);
  ck_assert(lt_tensor_copy_to(g, ga, sizeof(double) * (size_t)n, LT_FLOAT64) == LT_OK);
  int prev = lt_grad_set_enabled(0);
  double *xd = lt_tensor_data(x);
  const double h = 1e-6;
  for (int64_t i = 0; i < n; i++) {
    double orig = xd[i];
    xd[i] = orig + h;
    double fp = scalar_of(f(x, ctx));
    xd[i] = orig - h;
    double fm = scalar_of(f(x, ctx));
    xd[i] = orig;
    double num = (fp - fm) / (2 * h);
    if (fabs(num - ga[i]) > 1e-5 * (1 + fabs(num))) {
      double a = ga[i];
      free(ga);
      lt_grad_set_enabled(prev);
      ck_abort_msg("%s:%d: %s: d/dx[%lld] autograd %.10g, finite differences %.10g", file, line,
                   name, (long long)i, a, num);
    }
  }
  lt_grad_set_enabled(prev);
  free(ga);
  lt_scope_end(s);
}

int main(void) {
  /* Check's per-test timeout (4 s unless set) only has to catch a hang: on a
   * loaded machine a test that takes a second idle can take ten. Check reads
   * the variable as each test case is created; a value given outside wins. */
  setenv("CK_DEFAULT_TIMEOUT", "300", 0);
  SRunner *sr = srunner_create(core_suite());
  srunner_add_suite(sr, tensor_suite());
  srunner_add_suite(sr, math_suite());
  srunner_add_suite(sr, nn_suite());
  srunner_add_suite(sr, autograd_suite());
  srunner_add_suite(sr, state_suite());
  srunner_add_suite(sr, api_suite());
  srunner_add_suite(sr, config_suite());
  srunner_add_suite(sr, build_suite());
  srunner_add_suite(sr, data_suite());
  srunner_add_suite(sr, dist_suite());
  srunner_add_suite(sr, fit_state_suite());
  srunner_add_suite(sr, terminal_suite());
  srunner_add_suite(sr, metrics_csv_suite());
  srunner_add_suite(sr, runs_suite());
  srunner_add_suite(sr, tensorboard_suite());
  srunner_add_suite(sr, sweep_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
