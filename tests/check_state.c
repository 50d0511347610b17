/* check_state.c: lt_state dicts and lists, saving them as torch.save zip
 * archives (atomically) and loading them back, and every load error. */
#define _GNU_SOURCE 1 /* memmem */
#include "testutil.h"

#include <dirent.h>
#include <zlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static void mkdir_tmp(void) {
  strcpy(dir, "/tmp/lt_state_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_tmp(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

static int count_files(void) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, n, f), n);
  fclose(f);
}

START_TEST(test_round_trip) {
  mkdir_tmp();
  lt_state *st = lt_state_new_dict();
  ck_assert_int_eq(lt_state_set_int(st, "epoch", 7), LT_OK);
  ck_assert_int_eq(lt_state_set_double(st, "lr", 0.125), LT_OK);
  ck_assert_int_eq(lt_state_set_bool(st, "done", 1), LT_OK);
  ck_assert_int_eq(lt_state_set_string(st, "name", "mlp"), LT_OK);
  ck_assert_int_eq(lt_state_set_none(st, "nothing"), LT_OK);
  lt_tensor *w = lt_tensor_reshape(lt_tensor_arange(0, 6, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(2, 3));
  ck_assert_int_eq(lt_state_set_tensor(st, "net.0.weight", w), LT_OK);
  ck_assert_int_eq(lt_state_set_tensor(st, "view", lt_tensor_transpose(w, 0, 1)), LT_OK);
  ck_assert_int_eq(lt_state_set_tensor(st, "ids", TEN(LT_INT64, S(2), -5, 1099511627776.0)), LT_OK);
  ck_assert_int_eq(lt_state_set_tensor(st, "mask", lt_tensor_gt_scalar(w, 2)), LT_OK);
  ck_assert_int_eq(lt_state_set_tensor(st, "half", lt_tensor_to_dtype(w, LT_BFLOAT16)), LT_OK);
  lt_state *opt = lt_state_new_dict();
  lt_state *groups = lt_state_new_list();
  lt_state *g0 = lt_state_new_dict();
  lt_state_set_double(g0, "lr", 0.01);
  lt_state_set_state(groups, NULL, g0);
  lt_state_set_int(groups, NULL, 3);
  lt_state_set_state(opt, "param_groups", groups);
  lt_state_set_state(st, "optimizer", opt);
  ck_assert_int_eq(lt_state_set_int(st, "epoch", 8), LT_OK); /* replace keeps the order */
  char path[128];
  snprintf(path, sizeof path, "%s/ckpt.pt", dir);
  ck_assert_int_eq(lt_state_save(st, path), LT_OK);
  ck_assert_int_eq(count_files(), 1); /* no temporary file left behind */

  lt_state *ld = lt_state_load(path);
  ck_assert_msg(ld != NULL, "%s", lt_last_error());
  ck_assert_int_eq(lt_state_len(ld), 11);
  ck_assert_str_eq(lt_state_key(ld, 0), "epoch");
  ck_assert_str_eq(lt_state_key(ld, 5), "net.0.weight");
  ck_assert_ptr_null(lt_state_key(ld, 11));
  int64_t i;
  double d;
  int b;
  ck_assert_int_eq(lt_state_get_int(ld, "epoch", &i), LT_OK);
  ck_assert_int_eq(i, 8);
  ck_assert_int_eq(lt_state_get_double(ld, "lr", &d), LT_OK);
  ck_assert(d == 0.125);
  ck_assert_int_eq(lt_state_get_double(ld, "epoch", &d), LT_OK); /* ints read as doubles */
  ck_assert(d == 8);
  ck_assert_int_eq(lt_state_get_bool(ld, "done", &b), LT_OK);
  ck_assert_int_eq(b, 1);
  ck_assert_str_eq(lt_state_get_string(ld, "name"), "mlp");
  ck_assert_int_eq(lt_state_kind(ld, "nothing"), LT_VALUE_NONE);
  ck_assert_int_eq(lt_state_kind(ld, "absent"), LT_VALUE_MISSING);
  ck_assert_int_eq(lt_state_kind(ld, "optimizer"), LT_VALUE_DICT);
  EXPECT_VALUES(lt_state_get_tensor(ld, "net.0.weight"), 0, 0, 1, 2, 3, 4, 5);
  EXPECT_VALUES(lt_state_get_tensor(ld, "view"), 0, 0, 3, 1, 4, 2, 5);
  EXPECT_SHAPE(lt_state_get_tensor(ld, "view"), 3, 2);
  EXPECT_VALUES(lt_state_get_tensor(ld, "ids"), 0, -5, 1099511627776.0);
  EXPECT_VALUES(lt_state_get_tensor(ld, "mask"), 0, 0, 0, 0, 1, 1, 1);
  ck_assert_int_eq(lt_tensor_dtype(lt_state_get_tensor(ld, "half")), LT_BFLOAT16);
  lt_state *lopt = lt_state_get_state(ld, "optimizer");
  lt_state *lg = lt_state_get_state(lopt, "param_groups");
  ck_assert(lt_state_is_list(lg));
  ck_assert_int_eq(lt_state_len(lg), 2);
  ck_assert_int_eq(lt_state_kind(lg, "0"), LT_VALUE_DICT);
  ck_assert_int_eq(lt_state_get_int(lg, "-1", &i), LT_OK);
  ck_assert_int_eq(i, 3);
  lt_state *lg0 = lt_state_get_state(lg, "0");
  ck_assert_int_eq(lt_state_get_double(lg0, "lr", &d), LT_OK);
  ck_assert(d == 0.01);
  ck_assert_int_eq(lt_state_set_int(lg, "1", 4), LT_OK); /* replace a list item */
  ck_assert_int_eq(lt_state_set_int(lg, "2", 4), LT_ERR_INVALID);
  EXPECT_ERROR("list index '2' is out of range (size 2)");
  lt_clear_error();
  lt_state_free(lg0), lt_state_free(lg), lt_state_free(lopt);

  lt_clear_error();
  ck_assert_int_eq(lt_state_get_int(ld, "epoc", &i), LT_ERR_NOT_FOUND);
  EXPECT_ERROR("lt_state_get_int: key 'epoc' not found; keys: epoch lr done");
  lt_clear_error();
  ck_assert_int_eq(lt_state_get_int(ld, "name", &i), LT_ERR_INVALID);
  EXPECT_ERROR("'name' holds String");
  lt_clear_error();
  ck_assert_ptr_null(lt_state_get_tensor(ld, "lr"));
  EXPECT_ERROR("lt_state_get_tensor: 'lr' holds Double");
  lt_state_free(ld);
  lt_state_free(g0), lt_state_free(groups), lt_state_free(opt), lt_state_free(st);
  rm_tmp();
}
END_TEST

START_TEST(test_save_failures_keep_old_file) {
  mkdir_tmp();
  char path[128], bad[160];
  snprintf(path, sizeof path, "%s/a.pt", dir);
  lt_state *st = lt_state_new_dict();
  lt_state_set_int(st, "v", 1);
  ck_assert_int_eq(lt_state_save(st, path), LT_OK);
  snprintf(bad, sizeof bad, "%s/missing/dir/a.pt", dir);
  ck_assert_int_eq(lt_state_save(st, bad), LT_ERR_IO);
  EXPECT_ERROR("cannot create a temporary file next to", "missing/dir/a.pt", "No such file");
  /* A rename that fails (the target is a directory) leaves no temporary
   * file and does not touch what is there. */
  snprintf(bad, sizeof bad, "%s/isdir", dir);
  ck_assert_int_eq(mkdir(bad, 0755), 0);
  lt_clear_error();
  lt_state_set_int(st, "v", 2);
  ck_assert_int_eq(lt_state_save(st, bad), LT_ERR_IO);
  EXPECT_ERROR("cannot rename the temporary file onto");
  ck_assert_int_eq(count_files(), 2);
  lt_state *ld = lt_state_load(path);
  int64_t v = 0;
  ck_assert_int_eq(lt_state_get_int(ld, "v", &v), LT_OK);
  ck_assert_int_eq(v, 1);
  lt_state_free(ld);
  lt_state_free(st);
  rm_tmp();
}
END_TEST

/* A save killed before its rename leaves PATH.tmp.HOST.PID.XXXXXX; the next
 * save of PATH removes those whose process is gone and keeps a live one's. */
START_TEST(test_stale_temporaries_removed) {
  mkdir_tmp();
  char host[256] = "", dead[512], live[512], other[512], path[128];
  ck_assert_int_eq(gethostname(host, sizeof host - 1), 0);
  for (char *c = host; *c; c++)
    if (*c == '.' || *c == '/') *c = '_';
  pid_t child = fork();
  if (child == 0) _exit(0);
  ck_assert_int_gt(child, 0);
  waitpid(child, NULL, 0); /* a process that is gone */
  snprintf(path, sizeof path, "%s/last.ckpt", dir);
  snprintf(dead, sizeof dead, "%s.tmp.%s.%d.AbC123", path, host, (int)child);
  snprintf(live, sizeof live, "%s.tmp.%s.%d.XyZ789", path, host, (int)getppid());
  snprintf(other, sizeof other, "%s.tmp.otherhost.%d.QqQ000", path, (int)child);
  write_file(dead, "x", 1), write_file(live, "x", 1), write_file(other, "x", 1);
  lt_state *st = lt_state_new_dict();
  lt_state_set_int(st, "v", 1);
  ck_assert_int_eq(lt_state_save(st, path), LT_OK);
  ck_assert_msg(access(dead, F_OK) != 0, "the dead writer's %s is still there", dead);
  ck_assert_msg(access(live, F_OK) == 0, "a live process's temporary file was removed");
  ck_assert_msg(access(other, F_OK) == 0, "another host's temporary file was removed");
  ck_assert_int_eq(count_files(), 3);
  lt_state_free(st);
  rm_tmp();
}
END_TEST

START_TEST(test_load_errors) {
  mkdir_tmp();
  char path[128];
  snprintf(path, sizeof path, "%s/none.pt", dir);
  ck_assert_ptr_null(lt_state_load(path));
  EXPECT_ERROR("lt_state_load: cannot open", "none.pt", "No such file or directory");
  lt_clear_error();
  snprintf(path, sizeof path, "%s/text.pt", dir);
  write_file(path, "hello world\n", 12);
  ck_assert_ptr_null(lt_state_load(path));
  EXPECT_ERROR("text.pt' is not a torch.save zip archive");
  lt_clear_error();
  snprintf(path, sizeof path, "%s/legacy.pt", dir);
  write_file(path, "\x80\x02\x8a\x0a", 4);
  ck_assert_ptr_null(lt_state_load(path));
  EXPECT_ERROR("legacy format", "re-save it from Python");
  /* A truncated archive. */
  lt_clear_error();
  lt_state *st = lt_state_new_dict();
  lt_state_set_tensor(st, "w", lt_tensor_ones(LT_SHAPE(1000), LT_FLOAT32, LT_CPU));
  snprintf(path, sizeof path, "%s/good.pt", dir);
  ck_assert_int_eq(lt_state_save(st, path), LT_OK);
  lt_state_free(st);
  FILE *f = fopen(path, "rb");
  char buf[8192];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/cut.pt", dir);
  write_file(path, buf, n / 2);
  ck_assert_ptr_null(lt_state_load(path));
  EXPECT_ERROR("lt_state_load('", "cut.pt')");
  ck_assert_ptr_null(lt_state_load(NULL));
  rm_tmp();
}
END_TEST

/* Hand-made pickles inside a zip written by lt_state_save: replace the
 * data.pkl record's bytes (same length, stored uncompressed). */
#define PKL(lit) lit, sizeof(lit) - 1
static void poke_pickle(const char *path, const char *pkl, size_t n) {
  FILE *f = fopen(path, "r+b");
  ck_assert_ptr_nonnull(f);
  static char buf[1 << 16];
  size_t len = fread(buf, 1, sizeof buf, f);
  char *p = memmem(buf, len, "data.pkl", 8);
  ck_assert_ptr_nonnull(p);
  char *hdr = p;
  while (hdr > buf && memcmp(hdr, "PK\x03\x04", 4) != 0) hdr--;
  size_t namelen = (unsigned char)hdr[26] | ((unsigned char)hdr[27] << 8);
  size_t extra = (unsigned char)hdr[28] | ((unsigned char)hdr[29] << 8);
  char *data = hdr + 30 + namelen + extra;
  /* Sizes and CRC live in the central directory entry (the writer uses
   * data descriptors, so the local header may hold zeros). */
  char *central = memmem(p + 8, len - (size_t)(p + 8 - buf), "data.pkl", 8);
  ck_assert_ptr_nonnull(central);
  while (central > buf && memcmp(central, "PK\x01\x02", 4) != 0) central--;
  size_t size = (unsigned char)central[20] | ((unsigned char)central[21] << 8);
  ck_assert_uint_ge(size, n);
  memset(data, '.', size); /* pad with STOP */
  memcpy(data, pkl, n);
  uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)data, (uInt)size);
  char *desc = data + size;
  if (!memcmp(desc, "PK\x07\x08", 4)) desc += 4;
  for (int i = 0; i < 4; i++) {
    char c = (char)(crc >> (8 * i));
    central[16 + i] = c;
    if (hdr[6] & 8) desc[i] = c; /* data descriptor */
    else hdr[14 + i] = c;
  }
  fseek(f, 0, SEEK_SET);
  fwrite(buf, 1, len, f);
  fclose(f);
}

#define TUPLE1 "\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85"
#define DEEP_TUPLE TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 \
  TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1 TUPLE1
START_TEST(test_hostile_pickles) {
  mkdir_tmp();
  char path[128];
  snprintf(path, sizeof path, "%s/h.pt", dir);
  static const struct {
    const char *pkl;
    size_t n;
    const char *needle;
  } cases[] = {
      {PKL("\x80\x02q\x00."), "pickle stack underflow"},
      {PKL("\x80\x02]q\x00h\x00" "a."), "nested more than 200 deep"},
      {PKL("\x80\x02" "cos\nsystem\nX\x02\x00\x00\x00lsq\x00\x85R."), "Python object os.system"},
      {PKL("\x80\x02\xff"), "unsupported pickle opcode 0xff"},
      {PKL("\x80\x02X\xff\xff\x00\x00"), "ends early"},
      /* found by tests/fuzz/fuzz_state.cpp: freeing a deep tuple chain
       * recursed until the stack overflowed */
      {PKL("\x80\x02N" DEEP_TUPLE "."), "tuples nested more than 200 deep"},
      /* an OrderedDict item that is not a pair (item[1] was read past it) */
      {PKL("\x80\x02" "ccollections\nOrderedDict\n](K\x01ta\x85R."), "not (key, value) pairs"},
      /* a tensor view before its storage (libtorch's set_ allows it) */
      {PKL("\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
           "X\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu" "K\x03tQK\x00K\x03\x85J\xff\xff\xff\xff\x85\x89tR."),
       "record (size 3, stride -1)"},
      /* and one past its end */
      {PKL("\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
           "X\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu" "K\x03tQK\x01K\x03\x85K\x01\x85\x89tR."),
       "the view reaches element 3 of a storage of 3"},
  };
  char padding[400];
  memset(padding, '.', sizeof padding - 1);
  padding[sizeof padding - 1] = 0;
  float three[3] = {1, 2, 3};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    lt_state *st = lt_state_new_dict();
    lt_tensor *t = lt_tensor_from_data(three, LT_SHAPE(3), LT_FLOAT32);
    lt_state_set_tensor(st, "t", t); /* the storage record data/0 */
    lt_tensor_free(t);
    lt_state_set_string(st, "padding", padding);
    ck_assert_int_eq(lt_state_save(st, path), LT_OK);
    lt_state_free(st);
    poke_pickle(path, cases[i].pkl, cases[i].n);
    lt_clear_error();
    ck_assert_msg(lt_state_load(path) == NULL, "case %zu loaded", i);
    ck_assert_msg(strstr(lt_last_error(), cases[i].needle), "case %zu: %s", i, lt_last_error());
  }
  rm_tmp();
}
END_TEST

START_TEST(test_int_keys) {
  /* Python's optimizer state uses int keys; text keys name them. */
  mkdir_tmp();
  char path[128];
  snprintf(path, sizeof path, "%s/k.pt", dir);
  lt_state *st = lt_state_new_dict();
  lt_state_set_string(st, "a", "................................................");
  ck_assert_int_eq(lt_state_save(st, path), LT_OK);
  lt_state_free(st);
  poke_pickle(path, PKL("\x80\x02}q\x00(K\x00K\x05K\x07X\x01\x00\x00\x00xu."));
  st = lt_state_load(path);
  ck_assert_msg(st != NULL, "%s", lt_last_error());
  ck_assert_str_eq(lt_state_key(st, 0), "0");
  ck_assert_str_eq(lt_state_key(st, 1), "7");
  int64_t v = 0;
  ck_assert_int_eq(lt_state_get_int(st, "0", &v), LT_OK);
  ck_assert_int_eq(v, 5);
  ck_assert_int_eq(lt_state_set_int(st, "0", 6), LT_OK); /* replaces key 0 */
  ck_assert_int_eq(lt_state_len(st), 2);
  ck_assert_int_eq(lt_state_get_int(st, "0", &v), LT_OK);
  ck_assert_int_eq(v, 6);
  lt_clear_error();
  ck_assert_int_eq(lt_state_get_int(st, "9", &v), LT_ERR_NOT_FOUND);
  EXPECT_ERROR("key '9' not found; keys: 0 7");
  ck_assert_int_eq(lt_state_get_int(st, "0", NULL), LT_ERR_NULL);
  lt_state_free(st);
  /* a dict made with int keys writes Python ints and takes only numbers */
  st = lt_state_new_int_dict();
  ck_assert_int_eq(lt_state_set_int(st, "3", 30), LT_OK);
  ck_assert_int_eq(lt_state_set_int(st, "-1", 10), LT_OK);
  lt_clear_error();
  ck_assert_int_eq(lt_state_set_int(st, "x", 1), LT_ERR_INVALID);
  EXPECT_ERROR("key 'x' is not an integer (this dict has int keys)");
  ck_assert_int_eq(lt_state_save(st, path), LT_OK);
  lt_state_free(st);
  st = lt_state_load(path);
  ck_assert_int_eq(lt_state_len(st), 2);
  ck_assert_str_eq(lt_state_key(st, 0), "3");
  ck_assert_int_eq(lt_state_get_int(st, "-1", &v), LT_OK);
  ck_assert_int_eq(v, 10);
  lt_state_free(st);
  rm_tmp();
}
END_TEST

/* tests/data/torch211_dict.pt was written by PyTorch 2.11 (on a GPU test
 * machine): torch.save({'w': torch.arange(6.).reshape(2, 3), 'lr': 0.5,
 * 'n': 3, 'l': [1, (2, 3)], 'state': {0: {'step': torch.tensor(1.)}}}).
 * Its archive has the newer records (.format_version, .storage_alignment,
 * serialization_id). */
START_TEST(test_load_pytorch2_file) {
  const char *d = getenv("LT_TEST_DATA");
  char path[512];
  snprintf(path, sizeof path, "%s/torch211_dict.pt", d ? d : "tests/data");
  lt_state *st = lt_state_load(path);
  ck_assert_msg(st != NULL, "%s", lt_last_error());
  EXPECT_VALUES(lt_state_get_tensor(st, "w"), 0, 0, 1, 2, 3, 4, 5);
  EXPECT_SHAPE(lt_state_get_tensor(st, "w"), 2, 3);
  double lr = 0;
  ck_assert_int_eq(lt_state_get_double(st, "lr", &lr), LT_OK);
  ck_assert(lr == 0.5);
  lt_state *l = lt_state_get_state(st, "l");
  ck_assert_int_eq(lt_state_kind(l, "1"), LT_VALUE_LIST); /* the tuple */
  lt_state *inner = lt_state_get_state(st, "state");
  lt_state *zero = lt_state_get_state(inner, "0");
  EXPECT_VALUES(lt_state_get_tensor(zero, "step"), 0, 1);
  lt_state_free(zero), lt_state_free(inner), lt_state_free(l), lt_state_free(st);
}
END_TEST

START_TEST(test_null_and_misuse) {
  ck_assert_int_eq(lt_state_set_int(NULL, "a", 1), LT_ERR_NULL);
  lt_state *d = lt_state_new_dict();
  lt_clear_error();
  ck_assert_int_ne(lt_state_set_int(d, NULL, 1), LT_OK);
  EXPECT_ERROR("a dict needs a key");
  ck_assert_int_eq(lt_state_set_tensor(d, "t", NULL), LT_ERR_NULL);
  ck_assert_int_eq(lt_state_set_string(d, "s", NULL), LT_ERR_NULL);
  ck_assert_int_eq(lt_state_len(NULL), -1);
  lt_state_free(d);
  lt_state_free(NULL);
}
END_TEST

Suite *state_suite(void) {
  Suite *s = suite_create("state");
  LT_TCASE(s, test_round_trip);
  LT_TCASE(s, test_save_failures_keep_old_file);
  LT_TCASE(s, test_stale_temporaries_removed);
  LT_TCASE(s, test_load_errors);
  LT_TCASE(s, test_null_and_misuse);
  LT_TCASE(s, test_hostile_pickles);
  LT_TCASE(s, test_int_keys);
  LT_TCASE(s, test_load_pytorch2_file);
  return s;
}
