/* check_build.c: the plugin registry and the builder: every spec check
 * before anything is created (unknown component, unknown or missing
 * parameter, type, range, choices, component kinds), then creation in
 * dependency order with @ sharing one instance and % making new ones. */
#include "testutil.h"

#include "../host/build.h"
#include "../host/cmd.h"

#include <unistd.h>

typedef struct scale {
  double factor;
  int64_t times;
} scale;
typedef struct pair {
  void *first, *second;
} pair;

static host_registry reg;
static cfg_error err;
static char tmp[64];

static void b_setup(void) {
  memset(&reg, 0, sizeof reg);
  const char *dir = getenv("LT_TEST_PLUGINS");
  char path[512];
  snprintf(path, sizeof path, "%s/good.so", dir ? dir : "build/tests/plugins");
  ck_assert_int_eq(host_plugin_load_file(&reg, path, stderr), 0);
  strcpy(tmp, "/tmp/lt_build_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp));
  ck_assert_int_eq(chdir(tmp), 0);
  memset(&err, 0, sizeof err);
}

static void b_teardown(void) {
  host_registry_free(&reg);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  ck_assert_int_eq(chdir("/"), 0);
  ck_assert_int_eq(system(cmd), 0);
  cfg_sources_free();
  cfg_intern_free();
}

static cfg_node *resolved(const char *yaml) {
  FILE *f = fopen("c.yaml", "w");
  fputs(yaml, f);
  fclose(f);
  const char *in[] = {"c.yaml"};
  memset(&err, 0, sizeof err);
  cfg_node *r = host_config_load(in, 1, 1, &err);
  ck_assert_msg(r != NULL, "config: %s", err.msg);
  return r;
}

/* The check fails with needle at line:col. */
static void check_fails(const char *yaml, int line, int col, const char *needle, const char *hint) {
  cfg_node *r = resolved(yaml);
  ck_assert_int_ne(host_build_check(&reg, r, &err), 0);
  ck_assert_msg(strstr(err.msg, needle), "'%s' lacks '%s'", err.msg, needle);
  ck_assert_msg(err.loc.line == line && err.loc.col == col, "at %d:%d, expected %d:%d (%s)", err.loc.line,
                err.loc.col, line, col, err.msg);
  if (hint) ck_assert_msg(strstr(err.hint, hint), "hint '%s' lacks '%s'", err.hint, hint);
  cfg_free(r);
}

START_TEST(test_registry) {
  ck_assert_uint_eq(reg.nplugins, 1);
  ck_assert_ptr_nonnull(host_registry_find(&reg, "test.Scale"));
  ck_assert_ptr_null(host_registry_find(&reg, "test.scale"));
  char sug[256];
  ck_assert_int_eq(host_registry_suggest(&reg, "test.Scal", sug, sizeof sug), 1);
  ck_assert_str_eq(sug, "'test.Scale'");
  ck_assert_int_eq(host_registry_suggest(&reg, "other.Scale", sug, sizeof sug), 1); /* same last part */
  ck_assert_str_eq(host_kind_name(LT_KIND_OPTIMIZER), "optimizer");
}
END_TEST

START_TEST(test_checks_before_creating) {
  check_fails("m: {_target_: test.Scal, name: x}\n", 1, 15, "unknown component 'test.Scal'", "did you mean 'test.Scale'?");
  check_fails("m: {_target_: test.Scale, name: x, factr: 2}\n", 1, 36, "test.Scale has no parameter 'factr'",
              "did you mean 'factor'?");
  check_fails("m:\n  _target_: test.Scale\n  factor: 2\n", 2, 3, "test.Scale needs parameter 'name' (a string)", NULL);
  check_fails("m: {_target_: test.Scale, name: x, factor: abc}\n", 1, 44,
              "parameter 'factor' of test.Scale must be a number, not a string 'abc'", NULL);
  check_fails("m: {_target_: test.Scale, name: x, factor: 101}\n", 1, 44,
              "parameter 'factor' of test.Scale must be between 0 and 100, got 101", NULL);
  check_fails("m: {_target_: test.Scale, name: x, times: 0}\n", 1, 43, "must be at least 1, got 0", NULL);
  check_fails("m: {_target_: test.Scale, name: x, times: 1.5}\n", 1, 43, "must be an integer, not a float", NULL);
  check_fails("m: {_target_: test.Scale, name: x, mode: avg}\n", 1, 42, "must be one of mean|sum|none, got 'avg'", NULL);
  check_fails("p: {_target_: test.Pair, first: 3}\n", 1, 33, "parameter 'first' of test.Pair must be a component", NULL);
  check_fails("p: {_target_: test.Pair, first: {_target_: test.Nothing}}\n", 1, 33,
              "parameter 'first' of test.Pair needs a module, but test.Nothing is a callback", NULL);
  check_fails("p: {_target_: test.Pair, first: {_target_: test.Scale}}\n", 1, 33,
              "test.Scale needs parameter 'name'", NULL);
  check_fails("m: {_target_: test.Scale, _args_: [1, 2, mean, x, 5]}\n", 1, 51, "at most 4 positional arguments", NULL);
}
END_TEST

START_TEST(test_create_and_share) {
  cfg_node *r = resolved("a: {_target_: test.Scale, name: a, factor: 2.5, times: 3}\n"
                         "b: {_target_: test.Scale, _args_: [0.5], name: b}\n"
                         "p: {_target_: test.Pair, first: \"@a\", second: \"@a\"}\n"
                         "q: {_target_: test.Pair, first: \"%a\", second: \"@a\"}\n"
                         "n: {_target_: test.Pair, first: \"@b\", second: null}\n");
  ck_assert_int_eq(host_build_check(&reg, r, &err), 0);
  host_build b = {&reg, NULL, r, NULL, 0, &err};
  host_object *p = host_build_get(&b, "p");
  ck_assert_msg(p != NULL, "%s", err.msg);
  host_object *q = host_build_get(&b, "q");
  host_object *n = host_build_get(&b, "n");
  ck_assert_ptr_nonnull(q);
  ck_assert_ptr_nonnull(n);
  p = host_build_get(&b, "p"); /* the array may have moved */
  host_object *a = host_build_get(&b, "a");
  pair *pp = p->self, *qq = q->self, *nn = n->self;
  ck_assert_ptr_eq(pp->first, a->self); /* @ shares */
  ck_assert_ptr_eq(pp->second, a->self);
  ck_assert_ptr_ne(qq->first, a->self); /* % is a new instance */
  ck_assert_ptr_eq(qq->second, a->self);
  ck_assert_ptr_null(nn->second);
  scale *sa = a->self, *sb = host_build_get(&b, "b")->self;
  ck_assert(sa->factor == 2.5 && sa->times == 3);
  ck_assert(sb->factor == 0.5 && sb->times == 1); /* positional and default */
  ck_assert_uint_eq(b.nobjects, 6); /* a, p, q's copy of a, q, b, n */
  host_build_free(&b);
  cfg_free(r);
}
END_TEST

START_TEST(test_create_failure) {
  cfg_node *r = resolved("a: {_target_: test.Scale, name: a}\np: {_target_: test.Pair, first: \"@a\", second: \"@a\", "
                         "allow_same: false}\n");
  host_build b = {&reg, NULL, r, NULL, 0, &err};
  ck_assert_ptr_null(host_build_get(&b, "p"));
  ck_assert_str_eq(err.msg, "test.Pair could not be created: first and second are the same object but allow_same "
                            "is false");
  ck_assert_str_eq(err.path, "p");
  ck_assert_int_eq(err.loc.line, 2);
  host_build_free(&b);
  cfg_free(r);
}
END_TEST

Suite *build_suite(void) {
  Suite *s = suite_create("build");
  TCase *tc = tcase_create("build");
  tcase_add_checked_fixture(tc, b_setup, b_teardown);
  tcase_add_test(tc, test_registry);
  tcase_add_test(tc, test_checks_before_creating);
  tcase_add_test(tc, test_create_and_share);
  tcase_add_test(tc, test_create_failure);
  suite_add_tcase(s, tc);
  return s;
}
