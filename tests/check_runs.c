/* check_runs.c: the run browser's parts (host/runs*.c, host/report_data.c):
 * run.yaml read back (fields, errors at file:line:col, a "running" record
 * whose process is gone), the search for run folders (depth, links, hidden
 * folders, old folders without run.yaml, sweep folders, order, naming a
 * run), each run's overrides against the first run's, metrics.csv's last
 * values, and the report's key order, colours and escaping. */
#include "testutil.h"

#include "../host/report.h"
#include "../host/runs.h"
#include "../host/runs_metrics.h"
#include "../host/config/error.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[64];

static void mk_tmp(void) {
  strcpy(tmp, "/tmp/lt_runs_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void rm_tmp(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  ck_assert_int_eq(system(cmd), 0);
  cfg_sources_free();
  cfg_intern_free();
}

/* Writes text to tmp/rel, making its folders. */
static void put_file(const char *rel, const char *text) {
  char path[512], cmd[600];
  snprintf(path, sizeof path, "%s/%s", tmp, rel);
  snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
  ck_assert_int_eq(system(cmd), 0);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

static const char *record_text =
    "# run.yaml\nstage: fit\nstatus: failed\nexit_code: 1\nstarted: \"2026-01-02T03:04:05Z\"\n"
    "started_unix: 1767323045.5\nended_unix: 1767323050.25\nduration_s: 4.75\npid: 123\nhost: \"elsewhere\"\n"
    "cwd: \"/w\"\nconfigs: [\"c.yaml\"]\noverrides: [\"model::optimizer::lr=0.1\", \"~trainer::x\"]\n"
    "options: [\"--ckpt_path\", \"last\"]\nsweep: \"/s\"\ntrial: 2\nmonitor: \"val/loss/epoch\"\nmode: min\n"
    "best: 0.25\nbest_step: 14\nbest_epoch: 2\nglobal_step: 15\nepoch: 3\nsome_future_field: {a: 1}\n";

START_TEST(test_record_fields) {
  mk_tmp();
  put_file("run.yaml", record_text);
  char path[128];
  snprintf(path, sizeof path, "%s/run.yaml", tmp);
  host_run_info r = {0};
  ck_assert_int_eq(host_run_read_record(&r, path), 0);
  ck_assert_str_eq(r.stage, "fit");
  ck_assert(r.status_known && r.status == HOST_REC_FAILED && r.exit_code_known && r.exit_code == 1);
  ck_assert(r.started_unix == 1767323045.5 && r.ended_unix == 1767323050.25 && r.duration_s == 4.75);
  ck_assert(r.pid == 123 && r.trial == 2 && r.best == 0.25 && r.best_step == 14 && r.best_epoch == 2);
  ck_assert(r.global_step == 15 && r.epoch == 3);
  ck_assert_str_eq(r.host, "elsewhere");
  ck_assert_str_eq(r.monitor, "val/loss/epoch");
  ck_assert_str_eq(r.mode, "min");
  ck_assert_str_eq(r.sweep, "/s");
  ck_assert(r.nconfigs == 1 && r.noverrides == 2 && r.noptions == 2);
  ck_assert_str_eq(r.overrides[1], "~trainer::x");
  ck_assert_str_eq(r.options[1], "last");
  char s[64];
  host_runs_fmt_status(&r, s, sizeof s);
  ck_assert_str_eq(s, "failed (1)");
  host_run_clear(&r);
  rm_tmp();
}
END_TEST

/* A broken record is named at its line and column, with the key. */
static void expect_bad(const char *text, const char *needle) {
  mk_tmp();
  put_file("run.yaml", text);
  char path[128];
  snprintf(path, sizeof path, "%s/run.yaml", tmp);
  host_run_info r = {0};
  ck_assert_int_eq(host_run_read_record(&r, path), -1);
  ck_assert_int_eq(r.state, HOST_RUN_RECORD_BAD);
  ck_assert_msg(strstr(r.error, path) == r.error, "error '%s' does not start with the file", r.error);
  ck_assert_msg(strstr(r.error, needle), "error '%s' lacks '%s'", r.error, needle);
  host_run_clear(&r);
  rm_tmp();
}

START_TEST(test_record_errors) {
  expect_bad("stage: fit\nstatus: sleeping\n", "run.yaml:2:9: status: not a run status");
  expect_bad("stage: fit\nstarted_unix: [1]\n", "run.yaml:2:15: started_unix: a number or null expected, found a list");
  expect_bad("stage: fit\npid: 1.5\n", ":2:6: pid: a whole number");
  expect_bad("stage: fit\noverrides: [[a]]\n", ":2:13: overrides: item 0: a text value expected");
  expect_bad("stage: fit\nstatus: [unclosed\n", "run.yaml:");
  expect_bad("- a list\n", "run.yaml");
}
END_TEST

/* A "running" record on this host whose process is gone: died. */
START_TEST(test_died) {
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  pid_t child = fork();
  if (!child) _exit(0);
  ck_assert_int_eq(waitpid(child, NULL, 0), child); /* reaped: the pid is free */
  ck_assert_int_eq(host_run_process_alive(host, child, 1e9), 0);
  ck_assert_int_eq(host_run_process_alive(host, getpid(), (double)time(NULL)), 1);
  /* this process started after such a run: a pid that was reused */
  ck_assert_int_eq(host_run_process_alive(host, getpid(), 1e9), 0);
  ck_assert_int_eq(host_run_process_alive("another-host", child, 1e9), -1);
  mk_tmp();
  char text[512], path[128];
  snprintf(text, sizeof text, "stage: fit\nstatus: running\nexit_code: null\nstarted_unix: 1e9\npid: %d\nhost: \"%s\"\n",
           (int)child, host);
  put_file("run.yaml", text);
  snprintf(path, sizeof path, "%s/run.yaml", tmp);
  host_run_info r = {0};
  ck_assert_int_eq(host_run_read_record(&r, path), 0);
  ck_assert_int_eq(r.status, HOST_REC_DIED);
  ck_assert(!r.exit_code_known);
  host_run_clear(&r);
  rm_tmp();
}
END_TEST

static void put_record(const char *rel, double started, const char *overrides) {
  char text[1024];
  snprintf(text, sizeof text, "stage: fit\nstatus: finished\nstarted_unix: %.1f\nconfigs: [c.yaml]\noverrides: %s\n",
           started, overrides);
  put_file(rel, text);
}

START_TEST(test_scan) {
  mk_tmp();
  put_record("a/lightning_logs/version_1/run.yaml", 300, "[]");
  put_record("a/lightning_logs/version_0/run.yaml", 100, "[]");
  put_file("old/metrics.csv", "epoch,step,x\n0,0,1\n");
  put_record("b/lightning_logs/version_1/run.yaml", 200, "[]");
  put_record("a/lightning_logs/version_0/checkpoints/run.yaml", 50, "[]"); /* inside a run: not a run */
  put_record(".hidden/version_9/run.yaml", 1, "[]");
  put_record("d1/d2/d3/d4/d5/version_8/run.yaml", 1, "[]"); /* too deep */
  put_record("d1/d2/d3/d4/version_7/run.yaml", 400, "[]");  /* five folders down: found */
  put_file("sw/sweep.csv", "trial,status\n");
  char cmd[512];
  snprintf(cmd, sizeof cmd, "mkdir -p %s.out/version_5 && echo 'stage: fit' > %s.out/version_5/run.yaml && "
           "ln -s %s.out %s/link", tmp, tmp, tmp, tmp);
  ck_assert_int_eq(system(cmd), 0);
  host_runs runs;
  char err[512];
  ck_assert_int_eq(host_runs_scan(tmp, &runs, err, sizeof err), 0);
  const char *want[] = {"a/lightning_logs/version_0", "b/lightning_logs/version_1", "a/lightning_logs/version_1",
                        "d1/d2/d3/d4/version_7", "old"};
  ck_assert_uint_eq(runs.n, 5);
  for (size_t i = 0; i < 5; i++) ck_assert_str_eq(runs.v[i].name, want[i]);
  ck_assert_int_eq(runs.v[4].state, HOST_RUN_NO_RECORD);
  ck_assert(runs.nsweeps == 1 && !strcmp(runs.sweeps[0], "sw"));
  /* naming a run */
  ck_assert_ptr_eq(host_runs_find(&runs, "0", err, sizeof err), &runs.v[0]);
  ck_assert_ptr_eq(host_runs_find(&runs, "version_7", err, sizeof err), &runs.v[3]);
  ck_assert_ptr_eq(host_runs_find(&runs, "old", err, sizeof err), &runs.v[4]);
  ck_assert_ptr_eq(host_runs_find(&runs, "b/lightning_logs/version_1/", err, sizeof err), &runs.v[1]);
  ck_assert_ptr_null(host_runs_find(&runs, "1", err, sizeof err));
  ck_assert_msg(strstr(err, "'1' names more than one run") && strstr(err, "b/lightning_logs/version_1"), "%s", err);
  ck_assert_ptr_null(host_runs_find(&runs, "version_4", err, sizeof err));
  ck_assert_msg(strstr(err, "no run 'version_4' below") && strstr(err, "the runs there: a/lightning_logs/version_0, "),
                "%s", err);
  host_runs_free(&runs);
  /* a run folder itself: named as given; a run folder outside the searched one */
  char one[128];
  snprintf(one, sizeof one, "%s/b/lightning_logs/version_1", tmp);
  ck_assert_int_eq(host_runs_scan(one, &runs, err, sizeof err), 0);
  ck_assert(runs.n == 1 && !strcmp(runs.v[0].name, one));
  host_runs_free(&runs);
  const host_run_info *r;
  snprintf(one, sizeof one, "%s/a", tmp);
  ck_assert_int_eq(host_runs_lookup(one, "../old", &runs, &r, err, sizeof err), -1); /* relative to the cwd */
  host_runs_free(&runs);
  snprintf(one, sizeof one, "%s/old", tmp);
  ck_assert_int_eq(host_runs_lookup(tmp, one, &runs, &r, err, sizeof err), 0);
  ck_assert_str_eq(r->name, "old");
  host_runs_free(&runs);
  snprintf(cmd, sizeof cmd, "%s/a", tmp);
  ck_assert_int_eq(host_runs_lookup(cmd, one, &runs, &r, err, sizeof err), 0);
  ck_assert_str_eq(r->name, one);
  host_runs_free(&runs);
  ck_assert_int_eq(host_runs_scan("/nonexistent/x", &runs, err, sizeof err), -1);
  ck_assert_msg(strstr(err, "cannot read '/nonexistent/x'"), "%s", err);
  snprintf(cmd, sizeof cmd, "rm -rf %s.out", tmp);
  ck_assert_int_eq(system(cmd), 0);
  rm_tmp();
}
END_TEST

/* A sweep's trials list by trial number where its first start puts them:
 * with -j, trial 1 may reach its first instruction before trial 0. */
START_TEST(test_scan_sweep_order) {
  mk_tmp();
  const struct { const char *rel, *sweep; double started; int trial; } runs_in[] = {
      {"s/1/lightning_logs/version_0/run.yaml", "/s", 100.1, 1},
      {"s/0/lightning_logs/version_0/run.yaml", "/s", 100.2, 0},
      {"s/2/lightning_logs/version_0/run.yaml", "/s", 300.0, 2},
      {"lone/version_0/run.yaml", NULL, 200.0, -1},
      {"early/version_0/run.yaml", NULL, 50.0, -1},
  };
  for (size_t i = 0; i < LT_COUNT_OF(runs_in); i++) {
    char text[512];
    int n = snprintf(text, sizeof text, "stage: fit\nstatus: finished\nstarted_unix: %.1f\n", runs_in[i].started);
    if (runs_in[i].sweep)
      snprintf(text + n, sizeof text - n, "sweep: \"%s\"\ntrial: %d\n", runs_in[i].sweep, runs_in[i].trial);
    put_file(runs_in[i].rel, text);
  }
  host_runs runs;
  char err[512];
  ck_assert_int_eq(host_runs_scan(tmp, &runs, err, sizeof err), 0);
  const char *want[] = {"early/version_0", "s/0/lightning_logs/version_0", "s/1/lightning_logs/version_0",
                        "s/2/lightning_logs/version_0", "lone/version_0"};
  ck_assert_uint_eq(runs.n, LT_COUNT_OF(want));
  for (size_t i = 0; i < LT_COUNT_OF(want); i++) ck_assert_str_eq(runs.v[i].name, want[i]);
  host_runs_free(&runs);
  rm_tmp();
}
END_TEST

static char *one_config[] = {"c.yaml"}, *two_configs[] = {"c.yaml", "d.yaml"};

static void set_overrides(host_run_info *r, const char **ov, size_t n) {
  memset(r, 0, sizeof *r);
  r->state = HOST_RUN_RECORD_OK;
  r->overrides = (char **)ov;
  r->noverrides = n;
  r->configs = one_config;
  r->nconfigs = 1;
}

START_TEST(test_override_diff) {
  char key[64];
  host_override_key("=a::b=1", key, sizeof key);
  ck_assert_str_eq(key, "a::b");
  ck_assert_str_eq(host_override_value("=a::b=1"), "1");
  host_override_key("~a::c", key, sizeof key);
  ck_assert_str_eq(key, "a::c");
  ck_assert_str_eq(host_override_value("~a::c"), "~");
  ck_assert_str_eq(host_override_value("a::d=x=y"), "x=y");
  host_run_info v[4];
  const char *o0[] = {"lr=0.1", "root=a", "epochs=3"}, *o1[] = {"lr=0.2", "root=a", "epochs=3", "trainer::default_root_dir=x"};
  const char *o2[] = {"root=a", "=epochs=3", "seed=1"}, *o3[] = {"lr=0.1", "root=a", "epochs=3"};
  set_overrides(&v[0], o0, 3), set_overrides(&v[1], o1, 4), set_overrides(&v[2], o2, 3), set_overrides(&v[3], o3, 3);
  v[3].configs = two_configs, v[3].nconfigs = 2;
  host_runs runs = {.v = v, .n = 4};
  char out[512];
  host_runs_override_diff(&runs, 0, out, sizeof out);
  ck_assert_str_eq(out, "configs=c.yaml lr=0.1"); /* the baseline of what varies */
  host_runs_override_diff(&runs, 1, out, sizeof out);
  ck_assert_str_eq(out, "lr=0.2");
  host_runs_override_diff(&runs, 2, out, sizeof out);
  ck_assert_str_eq(out, "seed=1 lr=(unset)"); /* "=epochs=3" sets the same value */
  host_runs_override_diff(&runs, 3, out, sizeof out);
  ck_assert_str_eq(out, "configs=c.yaml,d.yaml");
  /* the base is the first run with a record */
  host_run_info w[3] = {{.state = HOST_RUN_NO_RECORD}, v[0], v[1]};
  host_runs runs2 = {.v = w, .n = 3};
  host_runs_override_diff(&runs2, 1, out, sizeof out);
  ck_assert_str_eq(out, "lr=0.1");
  host_runs_override_diff(&runs2, 0, out, sizeof out);
  ck_assert_str_eq(out, "");
  runs.n = 1;
  host_runs_override_diff(&runs, 0, out, sizeof out);
  ck_assert_str_eq(out, ""); /* one run: nothing differs */
}
END_TEST

START_TEST(test_formats) {
  char s[64];
  host_runs_fmt_duration(0.25, s, sizeof s);
  ck_assert_str_eq(s, "0.25s");
  host_runs_fmt_duration(42.34, s, sizeof s);
  ck_assert_str_eq(s, "42.3s");
  host_runs_fmt_duration(245, s, sizeof s);
  ck_assert_str_eq(s, "4m05s");
  host_runs_fmt_duration(7380, s, sizeof s);
  ck_assert_str_eq(s, "2h03m");
  host_runs_fmt_duration(NAN, s, sizeof s);
  ck_assert_str_eq(s, "-");
  host_runs_fmt_number(0.123456789, s, sizeof s);
  ck_assert_str_eq(s, "0.123457");
  host_runs_fmt_time(NAN, s, sizeof s);
  ck_assert_str_eq(s, "-");
  host_run_info r = {.state = HOST_RUN_NO_RECORD};
  host_runs_fmt_status(&r, s, sizeof s);
  ck_assert_str_eq(s, "no record");
  r.state = HOST_RUN_RECORD_OK, r.status_known = 1, r.status = HOST_REC_DIED;
  host_runs_fmt_status(&r, s, sizeof s);
  ck_assert_str_eq(s, "died");
}
END_TEST

/* The last non-empty cell of each column, with its step; quoted fields,
 * rows without a step, CRLF line ends and a blank line. */
START_TEST(test_metrics_last_values) {
  const char *csv = "epoch,lr-SGD,step,\"a,b\",val/loss/step\r\n"
                    "0,0.1,0,,\r\n"
                    ",,3,,0.5\r\n"
                    "\r\n"
                    "1,,9,\"2.5\",\r\n"
                    ",,,,nan\n";
  char *text = strdup(csv), err[256];
  host_metrics_file m;
  ck_assert_int_eq(host_metrics_file_parse("m.csv", text, strlen(text), &m, err, sizeof err), 0);
  ck_assert_uint_eq(m.ncols, 3);
  ck_assert_uint_eq(m.nrows, 4);
  const host_metric_series *lr = host_metrics_file_find(&m, "lr-SGD"), *ab = host_metrics_file_find(&m, "a,b");
  const host_metric_series *vl = host_metrics_file_find(&m, "val/loss/step");
  ck_assert(lr && ab && vl && !host_metrics_file_find(&m, "step") && !host_metrics_file_find(&m, "epoch"));
  ck_assert_str_eq(lr->last, "0.1");
  ck_assert(lr->n == 1 && lr->x[0] == 0 && lr->last_step == 0);
  ck_assert_str_eq(ab->last, "2.5");
  ck_assert(ab->last_step == 9 && ab->y[0] == 2.5);
  ck_assert_str_eq(vl->last, "nan");
  ck_assert(vl->n == 2 && vl->x[0] == 3 && vl->y[0] == 0.5 && isnan(vl->x[1]) && isnan(vl->last_step));
  host_metrics_file_free(&m);
  text = strdup("\n\n");
  ck_assert_int_eq(host_metrics_file_parse("e.csv", text, strlen(text), &m, err, sizeof err), -1);
  ck_assert_str_eq(err, "e.csv: no header row (an empty file)");
  host_metrics_file_free(&m);
}
END_TEST

/* What the report's JSON needs: key order, colours, escaping. */
START_TEST(test_report_parts) {
  char *t1 = strdup("epoch,step,val/loss/epoch,train/loss/step,lr-SGD,train/loss/epoch\n");
  char *t2 = strdup("step,test/acc,train/loss/step,train/acc/step\n"), err[128];
  host_metrics_file m[2];
  ck_assert_int_eq(host_metrics_file_parse("1", t1, strlen(t1), &m[0], err, sizeof err), 0);
  ck_assert_int_eq(host_metrics_file_parse("2", t2, strlen(t2), &m[1], err, sizeof err), 0);
  size_t n;
  const char **keys = host_report_keys(m, 2, &n);
  const char *want[] = {"train/acc/step", "train/loss/step", "train/loss/epoch", "val/loss/epoch", "test/acc",
                        "lr-SGD"};
  ck_assert_uint_eq(n, 6);
  for (size_t i = 0; i < n; i++) ck_assert_str_eq(keys[i], want[i]);
  free(keys);
  host_metrics_file_free(&m[0]), host_metrics_file_free(&m[1]);
  char c[8], d[8];
  host_report_color(0, c);
  ck_assert_str_eq(c, "#1f77b4");
  host_report_color(10, c), host_report_color(11, d);
  ck_assert(c[0] == '#' && strlen(c) == 7 && strcmp(c, d));
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  host_json_string(f, "a\"b\\</script>\n");
  fputc(' ', f);
  host_html_text(f, "<a href='x'>&</a>");
  fclose(f);
  ck_assert_str_eq(buf, "\"a\\\"b\\\\\\u003c/script\\u003e\\u000a\" &lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
  free(buf);
}
END_TEST

Suite *runs_suite(void) {
  Suite *s = suite_create("runs");
  TCase *tc = tcase_create("runs");
  tcase_add_test(tc, test_record_fields);
  tcase_add_test(tc, test_record_errors);
  tcase_add_test(tc, test_died);
  tcase_add_test(tc, test_scan);
  tcase_add_test(tc, test_scan_sweep_order);
  tcase_add_test(tc, test_override_diff);
  tcase_add_test(tc, test_formats);
  tcase_add_test(tc, test_metrics_last_values);
  tcase_add_test(tc, test_report_parts);
  suite_add_tcase(s, tc);
  return s;
}
