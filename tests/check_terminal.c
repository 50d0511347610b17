/* check_terminal.c: the texts Lightning prints, as lighter-host prints
 * them (host/term_format.c): counts and floats as Lightning and Python
 * write them, the model summary table and the results table, each
 * compared with what Lightning 2.2's own functions print for the same
 * rows. */
#include "testutil.h"

#include "../host/term_format.h"

static char *printed(void (*fn)(FILE *, const void *), const void *arg) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  fn(f, arg);
  fclose(f);
  return buf;
}

START_TEST(test_counts_and_floats) {
  static const struct {
    int64_t n;
    const char *text;
  } counts[] = {{0, "0  "},          {123, "123  "},     {1234, "1.2 K"},       {50890, "50.9 K"},
                {62006, "62.0 K"},   {999999, "999 K"},  {2000000, "2.0 M"},    {400000000000000LL, "400 T"},
                {5000000000000000LL, "5,000 T"}};
  char buf[64];
  for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
    host_fmt_count(counts[i].n, buf, sizeof buf);
    ck_assert_str_eq(buf, counts[i].text);
  }
  static const struct {
    double v;
    const char *text;
  } floats[] = {{0.3515625, "0.3515625"}, {2.0329697132110596, "2.0329697132110596"}, {1.0, "1.0"},
                {1e-05, "1e-05"},         {123456789.0, "123456789.0"},               {0.1, "0.1"},
                {1e16, "1e+16"},          {1.5e-4, "0.00015"},                         {100.0, "100.0"},
                {-0.25, "-0.25"},         {12345678912345678.0, "1.2345678912345678e+16"}, {0.0, "0.0"}};
  for (size_t i = 0; i < sizeof floats / sizeof *floats; i++) {
    host_fmt_pyfloat(floats[i].v, buf, sizeof buf);
    ck_assert_str_eq(buf, floats[i].text);
  }
}
END_TEST

static void summary(FILE *f, const void *arg) {
  (void)arg;
  host_summary_row rows[] = {{"network", "Net", 62006, 1}, {"criterion", "CrossEntropyLoss", 0, 1},
                             {"val_metrics", "MetricCollection", 0, 1}};
  host_print_summary(f, rows, 3, 62006, 62006, 4);
}

START_TEST(test_summary_as_lightning) {
  char *s = printed(summary, NULL);
  ck_assert_str_eq(s, "\n"
                      "  | Name        | Type             | Params | Mode \n"
                      "---------------------------------------------------------\n"
                      "0 | network     | Net              | 62.0 K | train\n"
                      "1 | criterion   | CrossEntropyLoss | 0      | train\n"
                      "2 | val_metrics | MetricCollection | 0      | train\n"
                      "---------------------------------------------------------\n"
                      "62.0 K    Trainable params\n"
                      "0         Non-trainable params\n"
                      "62.0 K    Total params\n"
                      "0.248     Total estimated model params size (MB)\n");
  free(s);
}
END_TEST

static void results(FILE *f, const void *arg) {
  (void)arg;
  const char *keys[] = {"test/loss/epoch", "test/metrics/MulticlassAccuracy/epoch",
                        "a/very/long/name/of/a/metric/that/goes/past/half/the/width/x"};
  double values[] = {2.0329697132110596, 0.3515625, 1.0};
  host_print_results(f, "Test", keys, values, 3, 80);
}

START_TEST(test_results_as_lightning) {
  char *s = printed(results, NULL), bar[80 * 3 + 2] = "";
  for (int i = 0; i < 80; i++) strcat(bar, "\u2500");
  strcat(bar, "\n");
  char want[2048];
  snprintf(want, sizeof want,
           "%s"
           "              Test metric                             DataLoader 0\n"
           "%s"
           "a/very/long/name/of/a/metric/that/goes/p                  1.0\n"
           "          ast/half/the/width/x\n"
           "            test/loss/epoch                        2.0329697132110596\n"
           " test/metrics/MulticlassAccuracy/epoch                 0.3515625\n"
           "%s",
           bar, bar, bar);
  ck_assert_str_eq(s, want);
  free(s);
}
END_TEST

Suite *terminal_suite(void) {
  Suite *s = suite_create("terminal");
  TCase *tc = tcase_create("terminal");
  tcase_add_test(tc, test_counts_and_floats);
  tcase_add_test(tc, test_summary_as_lightning);
  tcase_add_test(tc, test_results_as_lightning);
  suite_add_tcase(s, tc);
  return s;
}
