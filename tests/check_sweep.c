/* check_sweep.c: a sweep's spec (host/sweep_spec.c): which overrides are
 * sweeps by Hydra's rules (commas outside quotes and brackets, range,
 * choice, uniform, loguniform), the values they make, the config's
 * sweep: section, the messages for bad specs, the grid in Hydra's order
 * and random search that draws the same trials for the same seed. */
#include "testutil.h"

#include "../host/config/yaml.h"
#include "../host/sweep_spec.h"

static char why[1200];

/* arg parsed into a fresh spec: its result, and the spec in *spec. */
static int parse(host_sweep_spec *spec, const char *arg) {
  memset(spec, 0, sizeof *spec);
  why[0] = 0;
  return host_sweep_parse_arg(spec, arg, why, sizeof why);
}

/* spec's only parameter has exactly these values ("a|b|c"). */
static void expect_values(const host_sweep_spec *spec, const char *want) {
  ck_assert_uint_eq(spec->n, 1);
  char got[2000] = "";
  for (size_t i = 0; i < spec->params[0].nvalues; i++)
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "|" : "", spec->params[0].values[i]);
  ck_assert_str_eq(got, want);
}

START_TEST(test_what_is_a_sweep) {
  host_sweep_spec s;
  /* plain overrides: no comma at the top level */
  ck_assert_int_eq(parse(&s, "model::optimizer::lr=0.1"), 0);
  ck_assert_int_eq(parse(&s, "a::b=[1,2]"), 0);
  ck_assert_int_eq(parse(&s, "a::b={x: 1, y: 2}"), 0);
  ck_assert_int_eq(parse(&s, "a::b='a,b'"), 0);
  ck_assert_int_eq(parse(&s, "a::b=\"a,b\""), 0);
  ck_assert_int_eq(parse(&s, "a::b=$max(1,2)"), 0);
  ck_assert_int_eq(parse(&s, "a::b="), 0);
  ck_assert_int_eq(parse(&s, "~a::b"), 0);
  ck_assert_int_eq(parse(&s, "a::b=range"), 0);
  /* sweeps */
  ck_assert_int_eq(parse(&s, "model::optimizer::lr=0.1,0.01"), 1);
  ck_assert_str_eq(s.params[0].key, "model::optimizer::lr");
  ck_assert_str_eq(s.params[0].source, "0.1,0.01");
  expect_values(&s, "0.1|0.01");
  host_sweep_spec_free(&s);
  ck_assert_int_eq(parse(&s, "a=[1,2],[3,4], {x: 1, y: 2}"), 1);
  expect_values(&s, "[1,2]|[3,4]|{x: 1, y: 2}");
  host_sweep_spec_free(&s);
  ck_assert_int_eq(parse(&s, "a='x,y',\"u,v\",w\\,z"), 1);
  expect_values(&s, "'x,y'|\"u,v\"|w,z");
  host_sweep_spec_free(&s);
  ck_assert_int_eq(parse(&s, "=a::b=1,2"), 1);
  ck_assert_int_eq(s.params[0].op, '=');
  ck_assert_str_eq(s.params[0].key, "a::b");
  host_sweep_spec_free(&s);
  ck_assert_int_eq(parse(&s, "+a::new=1,2"), 1);
  ck_assert_int_eq(s.params[0].op, '+');
  ck_assert_str_eq(s.params[0].key, "a::new");
  host_sweep_spec_free(&s);
  ck_assert_int_eq(parse(&s, "a=choice(adam, sgd)"), 1);
  expect_values(&s, "adam|sgd");
  host_sweep_spec_free(&s);
}
END_TEST

START_TEST(test_range_as_hydra) {
  host_sweep_spec s;
  ck_assert_int_eq(parse(&s, "a=range(1,4)"), 1);
  expect_values(&s, "1|2|3");
  host_sweep_spec_free(&s);
  ck_assert_int_eq(parse(&s, "a=range(3)"), 1);
  expect_values(&s, "0|1|2");
  host_sweep_spec_free(&s);
  ck_assert_int_eq(parse(&s, "a=range(1,10,3)"), 1);
  expect_values(&s, "1|4|7");
  host_sweep_spec_free(&s);
  ck_assert_int_eq(parse(&s, "a=range(5,1,-2)"), 1);
  expect_values(&s, "5|3");
  host_sweep_spec_free(&s);
  ck_assert_int_eq(parse(&s, "a=range(0,1,0.25)"), 1);
  expect_values(&s, "0.0|0.25|0.5|0.75");
  host_sweep_spec_free(&s);
  ck_assert_int_eq(parse(&s, "a=range(0, 0.5, 0.1)"), 1);
  expect_values(&s, "0.0|0.1|0.2|0.3|0.4");
  host_sweep_spec_free(&s);
}
END_TEST

/* A bad spec: -1 and a message with each needle. */
static void expect_bad(const char *arg, const char *n1, const char *n2) {
  host_sweep_spec s;
  ck_assert_msg(parse(&s, arg) == -1, "'%s' was taken", arg);
  ck_assert_msg(strstr(why, n1) && strstr(why, n2), "'%s': message \"%s\" lacks \"%s\" / \"%s\"", arg, why, n1, n2);
  ck_assert_uint_eq(s.n, 0);
}

START_TEST(test_bad_specs_say_what_to_write) {
  expect_bad("model::optimizer::lr=0.1,,0.01", "'model::optimizer::lr=0.1,,0.01'", "value 2 of the sweep is empty");
  expect_bad("a=1,", "value 2", "key=a,b,c");
  expect_bad("a=range(1,5,0)", "step is 0", "range(1,10,2)");
  expect_bad("a=range(1,2,3,4)", "range takes 1 to 3 numbers", "range(start,stop,step)");
  expect_bad("a=range()", "range takes 1 to 3 numbers", "'a=range()'");
  expect_bad("a=range(x,3)", "arguments are numbers", "'x'");
  expect_bad("a=range(3,1)", "the range is empty", "range(1,4) is 1,2,3");
  expect_bad("a=range(0,1e9)", "more than 100000 values", "larger step");
  expect_bad("a=uniform(0.1,0.01)", "uniform takes two numbers, low below high", "uniform(0.001,0.1)");
  expect_bad("a=loguniform(0,1)", "low must be above 0", "loguniform(0.0001,0.1)");
  expect_bad("a=choice(a,,b)", "choice's value 2 is empty", "choice(adam,sgd)");
  expect_bad("a=1,range(2,4)", "cannot be one value of a comma list", "key=range(2,4)");
  /* a key swept twice */
  host_sweep_spec s = {0};
  ck_assert_int_eq(host_sweep_parse_arg(&s, "a=1,2", why, sizeof why), 1);
  ck_assert_int_eq(host_sweep_parse_arg(&s, "a=3,4", why, sizeof why), -1);
  ck_assert_msg(strstr(why, "'a' is swept twice ('1,2' and '3,4'); give it once"), "%s", why);
  host_sweep_spec_free(&s);
}
END_TEST

/* rows as "v|v;v|v" */
static void rows_text(char ***rows, size_t n, size_t np, char *out, size_t len) {
  out[0] = 0;
  for (size_t t = 0; t < n; t++)
    for (size_t p = 0; p < np; p++)
      snprintf(out + strlen(out), len - strlen(out), "%s%s", p ? "|" : t ? ";" : "", rows[t][p]);
}

START_TEST(test_grid_in_hydras_order) {
  host_sweep_spec s = {0};
  ck_assert_int_eq(host_sweep_parse_arg(&s, "a=1,2", why, sizeof why), 1);
  ck_assert_int_eq(host_sweep_parse_arg(&s, "b=x,y,z", why, sizeof why), 1);
  size_t n = 0;
  char ***rows = host_sweep_trials(&s, 0, 0, &n, why, sizeof why);
  ck_assert_ptr_nonnull(rows);
  char got[400];
  rows_text(rows, n, s.n, got, sizeof got);
  ck_assert_str_eq(got, "1|x;1|y;1|z;2|x;2|y;2|z");
  host_sweep_trials_free(rows, n, s.n);
  /* no parameter at all: one trial */
  host_sweep_spec none = {0};
  rows = host_sweep_trials(&none, 0, 0, &n, why, sizeof why);
  ck_assert_ptr_nonnull(rows);
  ck_assert_uint_eq(n, 1);
  host_sweep_trials_free(rows, n, 0);
  /* --trials: nothing to draw from, or more than the grid */
  ck_assert_ptr_null(host_sweep_trials(&none, 3, 0, &n, why, sizeof why));
  ck_assert_msg(strstr(why, "--trials 3 needs values to draw from"), "%s", why);
  ck_assert_ptr_null(host_sweep_trials(&s, 7, 0, &n, why, sizeof why));
  ck_assert_msg(strstr(why, "give --trials 6 or fewer"), "%s", why);
  host_sweep_spec_free(&s);
  /* uniform without --trials */
  ck_assert_int_eq(host_sweep_parse_arg(&s, "lr=uniform(0.01,0.1)", why, sizeof why), 1);
  ck_assert_ptr_null(host_sweep_trials(&s, 0, 0, &n, why, sizeof why));
  ck_assert_msg(strstr(why, "'lr' is drawn at random") && strstr(why, "add --trials N"), "%s", why);
  host_sweep_spec_free(&s);
}
END_TEST

START_TEST(test_random_search_is_seeded) {
  host_sweep_spec s = {0};
  ck_assert_int_eq(host_sweep_parse_arg(&s, "a=range(10)", why, sizeof why), 1);
  ck_assert_int_eq(host_sweep_parse_arg(&s, "b=x,y", why, sizeof why), 1);
  char one[400], again[400], other[400];
  size_t n;
  char ***rows = host_sweep_trials(&s, 5, 7, &n, why, sizeof why);
  ck_assert_uint_eq(n, 5);
  rows_text(rows, n, s.n, one, sizeof one);
  /* distinct grid points */
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++)
      ck_assert(strcmp(rows[i][0], rows[j][0]) || strcmp(rows[i][1], rows[j][1]));
  host_sweep_trials_free(rows, n, s.n);
  rows = host_sweep_trials(&s, 5, 7, &n, why, sizeof why);
  rows_text(rows, n, s.n, again, sizeof again);
  host_sweep_trials_free(rows, n, s.n);
  rows = host_sweep_trials(&s, 5, 8, &n, why, sizeof why);
  rows_text(rows, n, s.n, other, sizeof other);
  host_sweep_trials_free(rows, n, s.n);
  ck_assert_str_eq(one, again);
  ck_assert_str_ne(one, other);
  host_sweep_spec_free(&s);
  /* continuous draws: in range, 6 significant digits, reproducible */
  ck_assert_int_eq(host_sweep_parse_arg(&s, "lr=loguniform(0.0001,0.1)", why, sizeof why), 1);
  rows = host_sweep_trials(&s, 20, 3, &n, why, sizeof why);
  ck_assert_ptr_nonnull(rows);
  for (size_t t = 0; t < n; t++) {
    double v = strtod(rows[t][0], NULL);
    ck_assert_msg(v >= 0.0001 && v <= 0.1, "%s out of range", rows[t][0]);
    char back[64];
    snprintf(back, sizeof back, "%.6g", v);
    ck_assert_double_eq(strtod(back, NULL), v);
  }
  rows_text(rows, n, s.n, one, sizeof one);
  host_sweep_trials_free(rows, n, s.n);
  rows = host_sweep_trials(&s, 20, 3, &n, why, sizeof why);
  rows_text(rows, n, s.n, again, sizeof again);
  host_sweep_trials_free(rows, n, s.n);
  ck_assert_str_eq(one, again);
  host_sweep_spec_free(&s);
}
END_TEST

START_TEST(test_config_section) {
  const char *text = "sweep:\n"
                     "  model::optimizer::lr: [0.1, 0.01]\n"
                     "  trainer::max_epochs: \"range(1,3)\"\n"
                     "  model::network: [{_target_: torch.nn.Linear, in_features: 4, out_features: 2}]\n"
                     "  data::name: [plain, 'two words', 'a,b', \"@ref\", '1']\n"
                     "  seed: 3\n";
  cfg_error err = {0};
  cfg_node *root = cfg_yaml_parse("t.yaml", text, strlen(text), 0, &err);
  ck_assert_ptr_nonnull(root);
  host_sweep_spec s = {0};
  /* the command line sweeps max_epochs as well: the command line wins */
  ck_assert_int_eq(host_sweep_parse_arg(&s, "trainer::max_epochs=5,6", why, sizeof why), 1);
  ck_assert_int_eq(host_sweep_parse_section(&s, cfg_dict_get(root, "sweep"), why, sizeof why), 0);
  ck_assert_uint_eq(s.n, 5);
  /* the section's parameters first, in its order; then the command line's */
  const char *keys[] = {"model::optimizer::lr", "model::network", "data::name", "seed", "trainer::max_epochs"};
  const char *vals[] = {"0.1|0.01", "{_target_: torch.nn.Linear, in_features: 4, out_features: 2}",
                        "plain|two words|\"a,b\"|\"@ref\"|\"1\"", "3", "5|6"};
  for (size_t p = 0; p < s.n; p++) {
    ck_assert_str_eq(s.params[p].key, keys[p]);
    char got[600] = "";
    for (size_t i = 0; i < s.params[p].nvalues; i++)
      snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "|" : "", s.params[p].values[i]);
    ck_assert_str_eq(got, vals[p]);
    ck_assert_int_eq(s.params[p].origin, p < 4 ? HOST_SWEEP_FROM_SECTION : HOST_SWEEP_FROM_ARGS);
  }
  host_sweep_spec_free(&s);
  cfg_free(root);
  /* what the section must not be */
  const char *bad[][2] = {{"sweep: [1, 2]\n", "must be a mapping of keys to values"},
                          {"sweep: {a: []}\n", "'sweep::a: []': an empty list"},
                          {"sweep: {a: {b: 1}}\n", "not a mapping"},
                          {"sweep: {a: \"range(1,1)\"}\n", "the range is empty"}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    root = cfg_yaml_parse("t.yaml", bad[i][0], strlen(bad[i][0]), 0, &err);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(host_sweep_parse_section(&s, cfg_dict_get(root, "sweep"), why, sizeof why), -1);
    ck_assert_msg(strstr(why, bad[i][1]), "%s: \"%s\" lacks \"%s\"", bad[i][0], why, bad[i][1]);
    ck_assert_uint_eq(s.n, 0);
    cfg_free(root);
  }
}
END_TEST

Suite *sweep_suite(void) {
  Suite *s = suite_create("sweep");
  TCase *tc = tcase_create("sweep");
  tcase_add_test(tc, test_what_is_a_sweep);
  tcase_add_test(tc, test_range_as_hydra);
  tcase_add_test(tc, test_bad_specs_say_what_to_write);
  tcase_add_test(tc, test_grid_in_hydras_order);
  tcase_add_test(tc, test_random_search_is_seeded);
  tcase_add_test(tc, test_config_section);
  suite_add_tcase(s, tc);
  return s;
}
