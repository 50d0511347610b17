/* check_tensorboard.c: the pieces of the TensorBoardLogger's event files
 * (host/crc32c.c, host/tb_proto.c, host/tb_hparams.c, host/tb_writer.c):
 * CRC-32C against RFC 3720's vectors, TFRecord framing and the encoded
 * messages against the bytes Python's protobuf writes for the same
 * messages (tests/tensorboard/events.proto, hparams.proto), the config flattened into
 * hyperparameters as Lightning flattens it, and an event file written from
 * a log whose records all read back. */
#include "testutil.h"

#include "../host/config/yaml.h"
#include "../host/crc32c.h"
#include "../host/tb_proto.h"
#include "../host/tb_writer.h"
#include "../host/trainer_impl.h"

#include <unistd.h>

/* The hex text of n bytes (a static buffer). */
static const char *hex(const unsigned char *b, size_t n) {
  static char out[1024];
  size_t at = 0;
  for (size_t i = 0; i < n && at + 3 < sizeof out; i++) at += (size_t)snprintf(out + at, sizeof out - at, "%02x", b[i]);
  out[at] = 0;
  return out;
}

START_TEST(test_crc32c_vectors) {
  unsigned char buf[32];
  ck_assert_uint_eq(host_crc32c(0, "123456789", 9), 0xE3069283u); /* the check value */
  memset(buf, 0, 32); /* RFC 3720 B.4 */
  ck_assert_uint_eq(host_crc32c(0, buf, 32), 0x8A9136AAu);
  memset(buf, 0xff, 32);
  ck_assert_uint_eq(host_crc32c(0, buf, 32), 0x62A8AB43u);
  for (int i = 0; i < 32; i++) buf[i] = (unsigned char)i;
  ck_assert_uint_eq(host_crc32c(0, buf, 32), 0x46DD794Eu);
  for (int i = 0; i < 32; i++) buf[i] = (unsigned char)(31 - i);
  ck_assert_uint_eq(host_crc32c(0, buf, 32), 0x113FDB5Cu);
  /* continued over two pieces: the same as at once */
  ck_assert_uint_eq(host_crc32c(host_crc32c(0, buf, 13), buf + 13, 19), 0x113FDB5Cu);
  ck_assert_uint_eq(host_crc32c(0, "", 0), 0u);
  /* TFRecord's mask: ((crc >> 15) | (crc << 17)) + 0xa282ead8 */
  ck_assert_uint_eq(host_crc32c_mask(0), 0xa282ead8u);
  ck_assert_uint_eq(host_crc32c_mask(0xE3069283u), ((0xE3069283u >> 15) | (0xE3069283u << 17)) + 0xa282ead8u);
}
END_TEST

START_TEST(test_record_framing) {
  host_pb p = {0};
  host_tb_record(&p, (const unsigned char *)"", 0);
  ck_assert_str_eq(hex(p.b, p.len), "000000000000000029039807d8ea82a2");
  p.len = 0;
  host_tb_record(&p, (const unsigned char *)"abc", 3);
  ck_assert_str_eq(hex(p.b, p.len), "0300000000000000b099490e6162636e57f121");
  host_pb_free(&p);
}
END_TEST

/* Each expected text is what Python's protobuf serializes for the same
 * message on tests/tensorboard/events.proto and hparams.proto. */
START_TEST(test_messages_as_python_writes_them) {
  host_pb p = {0}, c = {0};
  host_tb_event_scalar(&p, 1700000000.5, 7, "train/loss/step", 0.25f);
  ck_assert_str_eq(hex(p.b, p.len),
                   "0900002040fc54d94110072a180a160a0f747261696e2f6c6f73732f73746570150000803e");
  p.len = 0;
  host_tb_event_file_version(&p, 1700000000.5, "lighter-host");
  ck_assert_str_eq(hex(p.b, p.len),
                   "0900002040fc54d9411a0d627261696e2e4576656e743a32520e0a0c6c6967687465722d686f7374");
  host_hparam hv[2] = {{"a", HOST_HPARAM_NUMBER, 1.5, NULL}, {"b", HOST_HPARAM_STRING, 0, "x"}};
  host_hparams hp = {hv, 2, 2};
  const char *metric = "hp_metric";
  host_tb_hparams_experiment(&c, &hp, &metric, 1);
  ck_assert_str_eq(hex(c.b, c.len), "121d22050a0161200322050a016220012a0d0a0b120968705f6d6574726963");
  c.len = 0, hp.n = 1;
  host_tb_hparams_session_start(&c, &hp);
  ck_assert_str_eq(hex(c.b, c.len), "1a100a0e0a0161120911000000000000f83f");
  c.len = 0, hp.v = &hv[1];
  host_tb_hparams_session_start(&c, &hp);
  ck_assert_str_eq(hex(c.b, c.len), "1a0a0a080a016212031a0178");
  c.len = 0;
  host_tb_hparams_session_end(&c, HOST_TB_STATUS_SUCCESS);
  ck_assert_str_eq(hex(c.b, c.len), "22020801");
  p.len = 0;
  host_tb_event_plugin(&p, 2.0, "_hparams_/session_end_info", "hparams", &c);
  ck_assert_str_eq(hex(p.b, p.len), "0900000000000000402a310a2f0a1a5f68706172616d735f2f73657373696f6e5f656e645f696e666f"
                                    "4a110a0f0a0768706172616d73120422020801");
  host_pb_free(&p), host_pb_free(&c);
}
END_TEST

/* The config as Lightning's TensorBoardLogger hands it to TensorBoard:
 * "a/b" keys, numbers (bools too), strings, and str() of the rest. */
START_TEST(test_hparams_flattened_as_lightning) {
  static const char yaml[] = "seed: 3\n"
                             "trainer: {max_epochs: 2, fast: true, root: null, empty: {}}\n"
                             "model:\n"
                             "  lr: 1.0e-05\n"
                             "  net: [{_target_: torch.nn.Flatten}, 0.5, null, false, \"it's\", 'say \"x\"', [1e+16]]\n"
                             "  name: \"tab\\there\"\n";
  cfg_error err = {0};
  cfg_node *root = cfg_yaml_parse("t.yaml", yaml, sizeof yaml - 1, 0, &err);
  ck_assert_ptr_nonnull(root);
  host_hparams h;
  host_hparams_flatten(root, &h);
  struct {
    const char *name;
    host_hparam_kind kind;
    double number;
    const char *text;
  } want[] = {{"seed", HOST_HPARAM_NUMBER, 3, NULL},
              {"trainer/max_epochs", HOST_HPARAM_NUMBER, 2, NULL},
              {"trainer/fast", HOST_HPARAM_NUMBER, 1, NULL},
              {"trainer/root", HOST_HPARAM_STRING, 0, "None"},
              {"model/lr", HOST_HPARAM_NUMBER, 1e-5, NULL},
              {"model/net", HOST_HPARAM_STRING, 0,
               "[{'_target_': 'torch.nn.Flatten'}, 0.5, None, False, \"it's\", 'say \"x\"', [1e+16]]"},
              {"model/name", HOST_HPARAM_STRING, 0, "tab\there"}};
  ck_assert_uint_eq(h.n, sizeof want / sizeof want[0]); /* the empty dict gives no key, as _flatten_dict */
  for (size_t i = 0; i < h.n; i++) {
    ck_assert_str_eq(h.v[i].name, want[i].name);
    ck_assert_int_eq(h.v[i].kind, want[i].kind);
    if (want[i].text) ck_assert_str_eq(h.v[i].text, want[i].text);
    else ck_assert(h.v[i].number == want[i].number);
  }
  host_hparams_free(&h);
  cfg_free(root);
}
END_TEST

/* An event file from a log's rows: the first event, then one record per
 * value and one per row's epoch, every length and CRC right. */
START_TEST(test_event_file_from_rows) {
  char dir[] = "/tmp/lt_tb_XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  host_logger_cfg cfg = {.kind = HOST_LOGGER_TENSORBOARD, .default_hp_metric = 1};
  host_tb *t = host_tb_open(dir, dir, &cfg);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(host_tb_log_hyperparams(t, NULL), 0); /* hp_metric and three summaries, no hyperparameters */
  host_log l = {0};
  host_log_put(&l, 0, 9, "train/loss/step", 1.5);
  host_log_new_row(&l);
  host_log_put(&l, -1, 0, "val/loss/step", 2); /* no epoch: no epoch event */
  host_log_put(&l, -1, 0, "val/acc/step", 0.25);
  ck_assert_int_eq(host_tb_write_rows(t, &l, l.nrows), 0);
  const char *name = strrchr(host_tb_path(t), '/') + 1;
  ck_assert_msg(!strncmp(name, "events.out.tfevents.", 20), "%s", name);
  FILE *f = fopen(host_tb_path(t), "rb");
  ck_assert_ptr_nonnull(f);
  unsigned char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f), at = 0;
  fclose(f);
  int records = 0;
  while (at + 12 <= n) {
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--) len = len << 8 | buf[at + (size_t)i];
    uint32_t hc = buf[at + 8] | buf[at + 9] << 8 | buf[at + 10] << 16 | (uint32_t)buf[at + 11] << 24;
    ck_assert_uint_eq(hc, host_crc32c_mask(host_crc32c(0, buf + at, 8)));
    ck_assert(at + 16 + len <= n);
    const unsigned char *d = buf + at + 12 + len;
    uint32_t dc = d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24;
    ck_assert_uint_eq(dc, host_crc32c_mask(host_crc32c(0, buf + at + 12, len)));
    at += 16 + len, records++;
  }
  ck_assert_uint_eq(at, n);
  ck_assert_int_eq(records, 1 + 4 + 2 + 2); /* file_version, hp_metric + 3 hparams, loss + epoch, 2 val values */
  ck_assert_int_eq(unlink(host_tb_path(t)), 0);
  ck_assert_int_eq(rmdir(dir), 0); /* the event file was all it wrote */
  host_tb_close(t);
  host_log_free(&l);
}
END_TEST

Suite *tensorboard_suite(void) {
  Suite *s = suite_create("tensorboard");
  TCase *tc = tcase_create("tensorboard");
  tcase_add_test(tc, test_crc32c_vectors);
  tcase_add_test(tc, test_record_framing);
  tcase_add_test(tc, test_messages_as_python_writes_them);
  tcase_add_test(tc, test_hparams_flattened_as_lightning);
  tcase_add_test(tc, test_event_file_from_rows);
  suite_add_tcase(s, tc);
  return s;
}
