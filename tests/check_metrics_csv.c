/* check_metrics_csv.c: metrics.csv as Lightning's CSVLogger writes it
 * (host/metrics_csv.c, host/run_log.c): columns sorted by name with epoch
 * and step among them, a row per group of values logged together, rows
 * without an epoch, and a file rewritten for new keys with its earlier
 * rows moved to their columns by name. */
#include "testutil.h"

#include "../host/metrics_csv.h"
#include "../host/trainer_impl.h"

#include <unistd.h>

static char dir[64];

static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  static char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

START_TEST(test_rows_and_columns_as_lightning) {
  strcpy(dir, "/tmp/lt_csv_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  host_log l = {0};
  snprintf(l.path, sizeof l.path, "%s/metrics.csv", dir);
  host_log_put(&l, 0, 9, "train/loss/step", 1.5);
  host_log_new_row(&l);
  host_log_put(&l, -1, 0, "val/loss/step", 2); /* a validation batch: no epoch */
  host_log_put(&l, -1, 0, "val/metrics/Acc/step", 0.25);
  host_log_new_row(&l);
  host_log_put(&l, 0, 9, "val/loss/epoch", 3); /* the same step as the first row, a row of its own */
  ck_assert_int_eq(host_log_flush(&l, 0), 0); /* all but the last row */
  ck_assert_str_eq(slurp(l.path), "epoch,step,train/loss/step,val/loss/epoch,val/loss/step,val/metrics/Acc/step\n"
                                  "0,9,1.5,,,\n"
                                  ",0,,,2,0.25\n");
  /* a key that sorts first: the file is rewritten, its rows moved by name */
  host_log_put(&l, 0, 9, "a/first", 4);
  ck_assert_int_eq(host_log_flush(&l, 1), 0);
  ck_assert_str_eq(slurp(l.path), "a/first,epoch,step,train/loss/step,val/loss/epoch,val/loss/step,val/metrics/Acc/step\n"
                                  ",0,9,1.5,,,\n"
                                  ",,0,,,2,0.25\n"
                                  "4,0,9,,3,,\n");
  host_log_free(&l);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *metrics_csv_suite(void) {
  Suite *s = suite_create("metrics_csv");
  TCase *tc = tcase_create("metrics_csv");
  tcase_add_test(tc, test_rows_and_columns_as_lightning);
  suite_add_tcase(s, tc);
  return s;
}
