/* check_data.c: the data plugins through the host's builder: the IDX and
 * CIFAR-10 readers and the CSV and synthetic datasets on files the tests
 * write (and every broken-file error), Subset / ConcatDataset /
 * random_split (PyTorch's permutation), the transforms against
 * hand-computed values, and the DataLoader: the same order for the same
 * seed, every sample once per epoch, resuming at a batch, workers giving
 * the same batches as none, and DistributedSampler's shards. */
#include "testutil.h"

#include "../host/build.h"
#include "../host/cmd.h"
#include "../plugins/data/data.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static host_registry reg;
static cfg_error err;
static char tmp[64];
static host_build bld;
static cfg_node *root;

static void d_setup(void) {
  lt_test_setup();
  memset(&reg, 0, sizeof reg);
  const char *dir = getenv("LT_CORE_PLUGINS");
  char *dirs[] = {(char *)(dir ? dir : "build/lib/lighter/plugins"), NULL};
  host_plugins_load(&reg, dirs, stderr);
  ck_assert_int_eq(host_plugins_bind(&reg, lt_api_get(), stderr), 0);
  strcpy(tmp, "/tmp/lt_data_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp));
  ck_assert_int_eq(chdir(tmp), 0);
  memset(&err, 0, sizeof err);
  root = NULL;
}

static void d_teardown(void) {
  if (root) {
    host_build_free(&bld);
    cfg_free(root);
  }
  host_registry_free(&reg);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  ck_assert_int_eq(chdir("/"), 0);
  ck_assert_int_eq(system(cmd), 0);
  cfg_sources_free();
  cfg_intern_free();
  lt_test_teardown();
}

/* Builds the config (replacing the previous one). */
static void config(const char *yaml) {
  if (root) {
    host_build_free(&bld);
    cfg_free(root);
  }
  FILE *f = fopen("c.yaml", "w");
  fputs(yaml, f);
  fclose(f);
  const char *in[] = {"c.yaml"};
  memset(&err, 0, sizeof err);
  root = host_config_load(in, 1, 1, &err);
  ck_assert_msg(root != NULL, "config: %s", err.msg);
  ck_assert_msg(host_build_check(&reg, root, &err) == 0, "check: %s", err.msg);
  host_build b = {&reg, lt_api_get(), root, NULL, 0, &err};
  bld = b;
}

static host_object *get(const char *path) {
  host_object *o = host_build_get(&bld, path);
  ck_assert_msg(o != NULL, "%s: %s", path, err.msg);
  return o;
}

/* The component at path fails to build with needle in its message. */
static void fails(const char *yaml, const char *needle) {
  config(yaml);
  ck_assert_msg(host_build_get(&bld, "x") == NULL, "built: %s", yaml);
  ck_assert_msg(strstr(err.msg, needle), "'%s' lacks '%s'", err.msg, needle);
}

static void write_file(const char *path, const void *data, size_t len, int gz) {
  if (gz) {
    gzFile f = gzopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gzwrite(f, data, (unsigned)len), (int)len);
    gzclose(f);
  } else {
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
  }
}

static void be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* n images of r x c (pixel k of image i = i * 7 + k) and labels i % 10. */
static void write_idx(const char *dir, const char *split, int n, int r, int c, int gz, int nlabels) {
  size_t il = 16 + (size_t)(n * r * c), ll = 8 + (size_t)nlabels;
  unsigned char *img = malloc(il), *lab = malloc(ll);
  be32(img, 0x803), be32(img + 4, (uint32_t)n), be32(img + 8, (uint32_t)r), be32(img + 12, (uint32_t)c);
  for (int i = 0; i < n * r * c; i++) img[16 + i] = (unsigned char)((i / (r * c)) * 7 + i % (r * c));
  be32(lab, 0x801), be32(lab + 4, (uint32_t)nlabels);
  for (int i = 0; i < nlabels; i++) lab[8 + i] = (unsigned char)(i % 10);
  char p[256];
  snprintf(p, sizeof p, "%s/%s-images-idx3-ubyte%s", dir, split, gz ? ".gz" : "");
  write_file(p, img, il, gz);
  snprintf(p, sizeof p, "%s/%s-labels-idx1-ubyte%s", dir, split, gz ? ".gz" : "");
  write_file(p, lab, ll, gz);
  free(img), free(lab);
}

/* Same shape, dtype and values. */
static int teq(lt_tensor *a, lt_tensor *b) {
  int64_t sa[8], sb[8];
  int da = lt_tensor_shape(a, sa, 8), db = lt_tensor_shape(b, sb, 8);
  if (da != db || memcmp(sa, sb, (size_t)da * sizeof *sa) || lt_tensor_dtype(a) != lt_tensor_dtype(b)) return 0;
  if (lt_tensor_numel(a) == 0) return 1;
  double d = 1;
  lt_tensor_item_double(lt_tensor_max(lt_tensor_abs(lt_tensor_sub(lt_tensor_to_dtype(a, LT_FLOAT64),
                                                                  lt_tensor_to_dtype(b, LT_FLOAT64))),
                                      LT_DIM_NONE, 0, NULL),
                        &d);
  return d == 0;
}

static int sample(host_object *o, int64_t i, lt_tensor **t, const char **names) {
  char e[512] = "";
  int n = ((const lt_dataset_ops *)o->comp->ops)->get(o->self, i, t, names, 8, e, sizeof e);
  ck_assert_msg(n >= 0, "get %lld: %s", (long long)i, e);
  return n;
}

START_TEST(test_idx) {
  mkdir("fm", 0755), mkdir("fm/FashionMNIST", 0755), mkdir("fm/FashionMNIST/raw", 0755);
  write_idx("fm/FashionMNIST/raw", "train", 5, 3, 2, 1, 5);
  write_idx("fm", "t10k", 3, 3, 2, 0, 3);
  config("tr: {_target_: torchvision.datasets.FashionMNIST, root: fm}\n"
         "te: {_target_: torchvision.datasets.FashionMNIST, root: fm, train: false,\n"
         "     transform: {_target_: torchvision.transforms.ToTensor},\n"
         "     target_transform: {_target_: lighter.transforms.LabelMap, mapping: [5, 6, 7]}}\n");
  host_object *tr = get("tr"), *te = get("te");
  const lt_dataset_ops *ops = tr->comp->ops;
  ck_assert_int_eq(ops->len(tr->self), 5);
  ck_assert_int_eq(((const lt_dataset_ops *)te->comp->ops)->len(te->self), 3);
  lt_tensor *t[8];
  const char *names[8];
  ck_assert_int_eq(sample(tr, 4, t, names), 2);
  ck_assert_str_eq(names[0], "input");
  ck_assert_str_eq(names[1], "target");
  ck_assert_int_eq(lt_tensor_dtype(t[0]), LT_UINT8);
  EXPECT_SHAPE(t[0], 3, 2);
  EXPECT_VALUES(t[0], 0, 28, 29, 30, 31, 32, 33);
  EXPECT_VALUES(t[1], 0, 4);
  ck_assert_int_eq(sample(tr, -1, t, names), 2); /* Python's negative index */
  EXPECT_VALUES(t[1], 0, 4);
  ck_assert_int_eq(sample(te, 2, t, names), 2);
  EXPECT_SHAPE(t[0], 1, 3, 2);
  EXPECT_VALUES(t[0], 1e-7, 14 / 255.0, 15 / 255.0, 16 / 255.0, 17 / 255.0, 18 / 255.0, 19 / 255.0);
  EXPECT_VALUES(t[1], 0, 7);
  char e[256];
  ck_assert_int_eq(ops->get(tr->self, 5, t, names, 8, e, sizeof e), -1);
  ck_assert_str_eq(e, "index 5 is out of range for a dataset of 5 samples");
}
END_TEST

START_TEST(test_idx_errors) {
  mkdir("d", 0755);
  write_idx("d", "train", 4, 2, 2, 0, 3);
  fails("x: {_target_: torchvision.datasets.MNIST, root: d}\n",
        "'d/train-labels-idx1-ubyte' has 3 labels for the 4 images of 'd/train-images-idx3-ubyte'");
  write_idx("d", "train", 4, 2, 2, 0, 4);
  truncate("d/train-images-idx3-ubyte", 16 + 10);
  fails("x: {_target_: torchvision.datasets.MNIST, root: d}\n",
        "'d/train-images-idx3-ubyte' is truncated: its header says 4 images (16 bytes) but 10 bytes follow");
  write_idx("d", "train", 4, 2, 2, 0, 4);
  unsigned char bad[20] = {0, 0, 8, 1};
  write_file("d/train-images-idx3-ubyte", bad, sizeof bad, 0);
  fails("x: {_target_: torchvision.datasets.MNIST, root: d}\n",
        "'d/train-images-idx3-ubyte' is not an IDX image file (magic 0x00000801, expected 0x00000803)");
  /* sizes whose product wraps around 64 bits (found by tests/fuzz/fuzz_idx.c) */
  unsigned char wrap[16];
  be32(wrap, 0x803), be32(wrap + 4, 1u << 16), be32(wrap + 8, 1u << 24), be32(wrap + 12, 1u << 24);
  write_file("d/train-images-idx3-ubyte", wrap, sizeof wrap, 0);
  fails("x: {_target_: torchvision.datasets.MNIST, root: d}\n",
        "'d/train-images-idx3-ubyte' is not an IDX image file: its header says 65536 x 16777216 x 16777216, which no "
        "file holds");
  /* a gzip file cut short */
  mkdir("g", 0755);
  write_idx("g", "train", 50, 8, 8, 1, 50);
  struct stat sb;
  stat("g/train-images-idx3-ubyte.gz", &sb);
  truncate("g/train-images-idx3-ubyte.gz", sb.st_size / 2);
  fails("x: {_target_: torchvision.datasets.MNIST, root: g}\n", "g/train-images-idx3-ubyte.gz");
  ck_assert_msg(strstr(err.msg, "is truncated or damaged"), "%s", err.msg);
  /* a gzip file of two members (gzip -c a >f; gzip -c b >>f) reads as gunzip reads it */
  mkdir("m", 0755);
  write_idx("m", "train", 7, 4, 3, 0, 7);
  unsigned char *whole = malloc(16 + 7 * 12);
  FILE *rf = fopen("m/train-images-idx3-ubyte", "rb");
  ck_assert_uint_eq(fread(whole, 1, 16 + 7 * 12, rf), 16 + 7 * 12);
  fclose(rf);
  unlink("m/train-images-idx3-ubyte");
  gzFile g1 = gzopen("m/train-images-idx3-ubyte.gz", "wb");
  gzwrite(g1, whole, 50), gzclose(g1);
  g1 = gzopen("m/train-images-idx3-ubyte.gz", "ab");
  gzwrite(g1, whole + 50, 16 + 7 * 12 - 50), gzclose(g1);
  free(whole);
  config("x: {_target_: torchvision.datasets.MNIST, root: m}\n");
  host_object *mm = get("x");
  lt_tensor *mt[8];
  const char *mn[8];
  sample(mm, 6, mt, mn);
  EXPECT_VALUES(lt_tensor_flatten(lt_tensor_narrow(mt[0], 0, 0, 1), 0, -1), 0, 42, 43, 44);
  /* unreadable: a folder where the file should be */
  mkdir("u", 0755);
  write_idx("u", "train", 1, 1, 1, 0, 1);
  unlink("u/train-images-idx3-ubyte");
  mkdir("u/train-images-idx3-ubyte", 0755);
  fails("x: {_target_: torchvision.datasets.MNIST, root: u}\n", "cannot read 'u/train-images-idx3-ubyte'");
  fails("x: {_target_: torchvision.datasets.FashionMNIST, root: nowhere, download: true}\n",
        "no train-images-idx3-ubyte in 'nowhere'");
  ck_assert_ptr_nonnull(strstr(err.msg, "downloads nothing"));
  fails("x: {_target_: torchvision.datasets.MNIST}\n", "root is required");
}
END_TEST

/* Debian's Fashion-MNIST, when installed: 60000 + 10000, the first
 * training label is 9 (ankle boot). */
START_TEST(test_fashion_mnist_debian) {
  if (access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK)) return;
  config("x: {_target_: torchvision.datasets.FashionMNIST}\n"
         "y: {_target_: torchvision.datasets.FashionMNIST, train: false}\n");
  host_object *x = get("x"), *y = get("y");
  ck_assert_int_eq(((const lt_dataset_ops *)x->comp->ops)->len(x->self), 60000);
  ck_assert_int_eq(((const lt_dataset_ops *)y->comp->ops)->len(y->self), 10000);
  lt_tensor *t[8];
  const char *names[8];
  sample(x, 0, t, names);
  EXPECT_SHAPE(t[0], 28, 28);
  EXPECT_VALUES(t[1], 0, 9);
}
END_TEST

START_TEST(test_cifar10) {
  mkdir("c", 0755), mkdir("c/cifar-10-batches-bin", 0755);
  unsigned char rec[2 * 3073];
  for (int r = 0; r < 2; r++) {
    rec[r * 3073] = (unsigned char)(r + 3);
    for (int k = 0; k < 3072; k++) rec[r * 3073 + 1 + k] = (unsigned char)((k / 1024) * 10 + k % 7 + r);
  }
  write_file("c/cifar-10-batches-bin/test_batch.bin", rec, sizeof rec, 0);
  config("x: {_target_: torchvision.datasets.CIFAR10, root: c, train: false}\n");
  host_object *x = get("x");
  ck_assert_int_eq(((const lt_dataset_ops *)x->comp->ops)->len(x->self), 2);
  lt_tensor *t[8];
  const char *names[8];
  sample(x, 1, t, names);
  EXPECT_SHAPE(t[0], 32, 32, 3);
  /* pixel (0, 1) of record 1, channel c: 10 c + (1024 c + 1) % 7 + 1 */
  EXPECT_VALUES(lt_tensor_flatten(lt_tensor_narrow(lt_tensor_select(t[0], 0, 0), 0, 1, 1), 0, -1), 0, 2, 14, 26);
  EXPECT_VALUES(t[1], 0, 4);
  write_file("c/cifar-10-batches-bin/test_batch.bin", rec, 3073 + 100, 0);
  fails("x: {_target_: torchvision.datasets.CIFAR10, root: c, train: false}\n",
        "c/cifar-10-batches-bin/test_batch.bin' is not a CIFAR-10 binary batch: 3173 bytes is not a whole number of "
        "3073-byte records");
  fails("x: {_target_: torchvision.datasets.CIFAR10, root: c}\n", "no data_batch_1.bin in 'c/cifar-10-batches-bin'");
}
END_TEST

START_TEST(test_csv) {
  const char *text = "id,a,\"b, quoted\",label\n7,1.5,2,0\n8,-1,\"3\",1\r\n\n9,0.25,4e1,2\n";
  write_file("t.csv", text, strlen(text), 0);
  const char *tsv = "x\ty\n1\t2\n3\t4\n";
  write_file("t.tsv", tsv, strlen(tsv), 0);
  config("x: {_target_: lighter.datasets.CSVDataset, path: t.csv, target_column: label, id_column: id,\n"
         "    target_dtype: int64}\n"
         "y: {_target_: lighter.datasets.CSVDataset, path: t.tsv, feature_columns: [0], target_column: 1}\n");
  host_object *x = get("x"), *y = get("y");
  ck_assert_int_eq(((const lt_dataset_ops *)x->comp->ops)->len(x->self), 3);
  lt_tensor *t[8];
  const char *names[8];
  ck_assert_int_eq(sample(x, 2, t, names), 3);
  ck_assert_str_eq(names[2], "id");
  EXPECT_VALUES(t[0], 1e-7, 0.25, 40);
  EXPECT_VALUES(t[1], 0, 2);
  ck_assert_int_eq(lt_tensor_dtype(t[1]), LT_INT64);
  EXPECT_VALUES(t[2], 0, 9);
  ck_assert_int_eq(sample(y, 1, t, names), 2);
  EXPECT_VALUES(t[0], 0, 3);
  EXPECT_VALUES(t[1], 0, 4);
  const char *ragged = "a,b\n1,2\n3\n";
  write_file("r.csv", ragged, strlen(ragged), 0);
  fails("x: {_target_: lighter.datasets.CSVDataset, path: r.csv}\n",
        "r.csv:3: 1 fields, but the header has 2 (delimiter ',')");
  const char *word = "a,b\n1,2\n3,x\n";
  write_file("w.csv", word, strlen(word), 0);
  fails("x: {_target_: lighter.datasets.CSVDataset, path: w.csv}\n", "w.csv:3: column 1 ('b') is 'x', not a number");
  fails("x: {_target_: lighter.datasets.CSVDataset, path: w.csv, target_column: lable}\n",
        "target_column 'lable' is not a column; the header has: 'a', 'b'");
  /* a TSV whose last field is empty (it was trimmed away with the line's
   * trailing whitespace) */
  write_file("n.tsv", "x\ty\tnote\n1\t2\t\n", 14, 0);
  config("x: {_target_: lighter.datasets.CSVDataset, path: n.tsv, feature_columns: [0], target_column: 1}\n");
  ck_assert_int_eq(sample(get("x"), 0, t, names), 2);
  EXPECT_VALUES(t[0], 0, 1);
  EXPECT_VALUES(t[1], 0, 2);
  /* an id past int64 (found by tests/fuzz/fuzz_csv.c: the cast was undefined) */
  write_file("i.csv", "id,x\n1e300,1\n", 13, 0);
  fails("x: {_target_: lighter.datasets.CSVDataset, path: i.csv, id_column: id}\n", "i.csv:2: id '1e300' is not an integer");
  /* a cell its dtype cannot hold: refused, not truncated or made inf */
  write_file("f.csv", "x,y\n1,0\n2,1.5\n", 14, 0);
  fails("x: {_target_: lighter.datasets.CSVDataset, path: f.csv, target_column: y, target_dtype: int64}\n",
        "f.csv:3: target column 1 ('y') is '1.5', not an integer (target_dtype is int64)");
  config("x: {_target_: lighter.datasets.CSVDataset, path: f.csv, target_column: y}\n");
  ck_assert_int_eq(sample(get("x"), 1, t, names), 2);
  EXPECT_VALUES(t[1], 0, 1.5);
  write_file("h.csv", "x,y\n1e999,0\n", 12, 0);
  fails("x: {_target_: lighter.datasets.CSVDataset, path: h.csv, target_column: y, dtype: float64}\n",
        "h.csv:2: column 0 ('x') is '1e999', out of range (it would become inf)");
  write_file("g.csv", "x,y\n1,-1e999\n", 13, 0);
  fails("x: {_target_: lighter.datasets.CSVDataset, path: g.csv, target_column: y}\n",
        "g.csv:2: target column 1 ('y') is '-1e999', out of range (it would become inf)");
  write_file("k.csv", "1e39,0\n", 7, 0);
  fails("x: {_target_: lighter.datasets.CSVDataset, path: k.csv, header: false, target_column: 1}\n",
        "k.csv:1: column 0 is '1e39', out of range for float32");
  config("x: {_target_: lighter.datasets.CSVDataset, path: k.csv, header: false, target_column: 1, dtype: float64}\n");
  ck_assert_int_eq(sample(get("x"), 0, t, names), 2);
  EXPECT_VALUES(t[0], 1e-9, 1e39);
  write_file("e.csv", "a,b\n", 4, 0);
  fails("x: {_target_: lighter.datasets.CSVDataset, path: e.csv}\n", "e.csv has no data rows");
  fails("x: {_target_: lighter.datasets.CSVDataset, path: missing.csv}\n", "cannot open 'missing.csv'");
}
END_TEST

START_TEST(test_synthetic_and_wrappers) {
  config("s: {_target_: lighter.datasets.SyntheticDataset, num_samples: 10, input_shape: [2, 3], num_classes: 4}\n"
         "r: {_target_: lighter.datasets.SyntheticDataset, num_samples: 6, task: regression, target_shape: [2]}\n"
         "sub: {_target_: torch.utils.data.Subset, dataset: '@s', indices: [9, 0, -1]}\n"
         "cat: {_target_: torch.utils.data.ConcatDataset, datasets: ['@s', '@sub']}\n"
         "p0: {_target_: torch.utils.data.random_split, dataset: '@s', lengths: [0.7, 0.3], seed: 42}\n"
         "p1: {_target_: torch.utils.data.random_split, dataset: '@s', lengths: [0.7, 0.3], seed: 42, part: 1}\n");
  host_object *s = get("s"), *r = get("r"), *sub = get("sub"), *cat = get("cat"), *p0 = get("p0"), *p1 = get("p1");
  lt_tensor *a[8], *b[8];
  const char *names[8];
  sample(s, 3, a, names);
  sample(s, 3, b, names);
  EXPECT_SHAPE(a[0], 2, 3);
  ck_assert(teq(a[0], b[0]) && teq(a[1], b[1])); /* a function of the index */
  double label = scalar_of(a[1]);
  ck_assert(label >= 0 && label < 4);
  sample(r, 0, a, names);
  EXPECT_SHAPE(a[1], 2);
  ck_assert_int_eq(((const lt_dataset_ops *)sub->comp->ops)->len(sub->self), 3);
  ck_assert_int_eq(((const lt_dataset_ops *)cat->comp->ops)->len(cat->self), 13);
  sample(sub, 2, a, names);
  sample(s, 9, b, names);
  ck_assert(teq(a[0], b[0]));
  sample(cat, 11, a, names); /* sub[1] = s[0] */
  sample(s, 0, b, names);
  ck_assert(teq(a[0], b[0]));
  /* torch: random_split(range(10), [0.7, 0.3], generator=Generator().manual_seed(42)) */
  const int64_t want0[7] = {2, 6, 1, 8, 4, 5, 0}, want1[3] = {9, 3, 7};
  ck_assert_int_eq(((const lt_dataset_ops *)p0->comp->ops)->len(p0->self), 7);
  ck_assert_int_eq(((const lt_dataset_ops *)p1->comp->ops)->len(p1->self), 3);
  for (int i = 0; i < 10; i++) {
    sample(i < 7 ? p0 : p1, i < 7 ? i : i - 7, a, names);
    sample(s, i < 7 ? want0[i] : want1[i - 7], b, names);
    ck_assert_msg(teq(a[0], b[0]), "split item %d", i);
  }
  fails("x: {_target_: torch.utils.data.random_split, dataset: {_target_: lighter.datasets.SyntheticDataset,\n"
        "    num_samples: 10}, lengths: [3, 3]}\n",
        "sum of input lengths (6) does not equal the length of the input dataset (10)");
  fails("x: {_target_: torch.utils.data.Subset, dataset: {_target_: lighter.datasets.SyntheticDataset,\n"
        "    num_samples: 10}, indices: [3, 10]}\n",
        "indices item 1 (10) is not an index of the dataset (10 samples)");
}
END_TEST

/* Applies the transform at path to x with a stream of seed. */
static lt_tensor *apply(const char *path, lt_tensor *x, uint64_t seed) {
  host_object *o = get(path);
  lt_rng rng = lt_rng_for(seed, 0, 0);
  lt_clear_error();
  return ((const lt_transform_ops *)o->comp->ops)->apply(o->self, x, &rng);
}

START_TEST(test_transforms) {
  config("tt: {_target_: torchvision.transforms.ToTensor}\n"
         "norm: {_target_: torchvision.transforms.Normalize, mean: [0.5, 1], std: [0.5, 2]}\n"
         "hflip: {_target_: torchvision.transforms.RandomHorizontalFlip, p: 1.0}\n"
         "vflip: {_target_: torchvision.transforms.RandomVerticalFlip, p: 0.0}\n"
         "cc: {_target_: torchvision.transforms.CenterCrop, size: [2, 3]}\n"
         "cc_pad: {_target_: torchvision.transforms.CenterCrop, size: 4}\n"
         "crop: {_target_: torchvision.transforms.RandomCrop, size: 3, padding: 1}\n"
         "rot: {_target_: torchvision.transforms.RandomRotation, degrees: [90, 90]}\n"
         "resize: {_target_: torchvision.transforms.Resize, size: [5, 7]}\n"
         "short: {_target_: torchvision.transforms.Resize, size: 6}\n"
         "bright: {_target_: torchvision.transforms.ColorJitter, brightness: [2, 2]}\n"
         "flat: {_target_: torchvision.transforms.ColorJitter, contrast: [0, 0]}\n"
         "compose: {_target_: torchvision.transforms.Compose, transforms: ['@tt', '@norm']}\n");
  /* a PIL-like 3 x 4 image with 2 channels: value = 10 * channel + pixel */
  double v[24];
  for (int i = 0; i < 24; i++) v[i] = 10 * (i % 2) + i / 2;
  lt_tensor *img = lt_tensor_to_dtype(lt_tensor_from_data(v, LT_SHAPE(3, 4, 2), LT_FLOAT64), LT_UINT8);
  lt_tensor *t = apply("tt", img, 0);
  EXPECT_SHAPE(t, 2, 3, 4);
  EXPECT_VALUES(lt_tensor_select(t, 0, 1), 1e-7, 10 / 255., 11 / 255., 12 / 255., 13 / 255., 14 / 255., 15 / 255.,
                16 / 255., 17 / 255., 18 / 255., 19 / 255., 20 / 255., 21 / 255.);
  EXPECT_VALUES(lt_tensor_select(lt_tensor_select(apply("compose", img, 0), 0, 1), 0, 0), 1e-6,
                (10 / 255. - 1) / 2, (11 / 255. - 1) / 2, (12 / 255. - 1) / 2, (13 / 255. - 1) / 2);
  lt_tensor *chw = lt_tensor_reshape(lt_tensor_arange(0, 12, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(1, 3, 4));
  EXPECT_VALUES(apply("hflip", chw, 0), 0, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8);
  EXPECT_VALUES(apply("vflip", chw, 0), 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
  EXPECT_VALUES(lt_tensor_select(apply("hflip", img, 0), 2, 0), 0, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8);
  /* torchvision: top = round((3 - 2) / 2) = 0 (half to even), left = round(0.5) = 0 */
  EXPECT_VALUES(apply("cc", chw, 0), 0, 0, 1, 2, 4, 5, 6);
  /* 3 x 4 to 4 x 4: one row of zeros at the bottom ((4-3)//2 = 0 on top) */
  EXPECT_VALUES(apply("cc_pad", chw, 0), 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0);
  /* random crops: every one a window of the zero-padded image, all 12 offsets seen */
  int seen[3][4] = {{0}};
  for (uint64_t seed = 0; seed < 200; seed++) {
    lt_tensor *c = apply("crop", chw, seed);
    EXPECT_SHAPE(c, 1, 3, 3);
    double cv[9];
    lt_tensor_copy_to(c, cv, sizeof cv, LT_FLOAT64);
    int found = 0;
    for (int i = 0; i < 3 && !found; i++)
      for (int j = 0; j < 4 && !found; j++) {
        int same = 1;
        for (int y = 0; y < 3; y++)
          for (int x = 0; x < 3; x++) {
            int sy = i + y - 1, sx = j + x - 1;
            double want = sy >= 0 && sy < 3 && sx >= 0 && sx < 4 ? sy * 4 + sx : 0;
            same &= cv[y * 3 + x] == want;
          }
        if (same) found = 1, seen[i][j]++;
      }
    ck_assert_msg(found, "crop of seed %llu is no window", (unsigned long long)seed);
    lt_tensor_free(c);
  }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++) ck_assert_msg(seen[i][j] > 0, "offset (%d, %d) never drawn", i, j);
  /* 90 degrees counter-clockwise: numpy's rot90 */
  lt_tensor *sq = lt_tensor_reshape(lt_tensor_arange(0, 9, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(1, 3, 3));
  EXPECT_VALUES(apply("rot", sq, 0), 0, 2, 5, 8, 1, 4, 7, 0, 3, 6);
  /* torch.nn.functional.interpolate(arange(12).reshape(1, 1, 3, 4), (5, 7), bilinear) */
  lt_tensor *rs = apply("resize", chw, 0);
  EXPECT_SHAPE(rs, 1, 5, 7);
  EXPECT_VALUES(lt_tensor_select(lt_tensor_select(rs, 0, 0), 0, 0), 1e-5, 0.0, 0.3571428954601288, 0.9285714626312256,
                1.5000001192092896, 2.0714287757873535, 2.642857313156128, 3.0);
  EXPECT_SHAPE(apply("short", chw, 0), 1, 6, 8);
  EXPECT_SHAPE(apply("short", img, 0), 6, 8, 2);
  ck_assert_int_eq(lt_tensor_dtype(apply("short", img, 0)), LT_UINT8);
  /* brightness 2: doubled, clamped (uint8 at 255, float at 1) */
  EXPECT_VALUES(lt_tensor_select(apply("bright", img, 0), 2, 0), 0, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22);
  lt_tensor *half = lt_tensor_div_scalar(chw, 11);
  EXPECT_VALUES(lt_tensor_narrow(lt_tensor_flatten(apply("bright", half, 0), 0, -1), 0, 4, 3), 1e-6, 8 / 11., 10 / 11., 1);
  /* contrast 0: every pixel the mean (5.5 / 11 = 0.5) */
  EXPECT_VALUES(lt_tensor_narrow(lt_tensor_flatten(apply("flat", half, 0), 0, -1), 0, 0, 3), 1e-6, 0.5, 0.5, 0.5);
  /* errors name the transform */
  ck_assert_ptr_null(apply("norm", img, 0));
  EXPECT_ERROR("Normalize: expected a float tensor [..., C, H, W] (put ToTensor before Normalize)");
  ck_assert_ptr_null(apply("tt", chw, 0));
  EXPECT_ERROR("ToTensor: expected a uint8 image");
  fails("x: {_target_: torchvision.transforms.Normalize, mean: [1, 2], std: [1]}\n",
        "mean and std must be lists of the same length");
  fails("x: {_target_: torchvision.transforms.ColorJitter, hue: 0.1}\n", "saturation and hue are not supported");
}
END_TEST

/* ---- the loader ---- */

typedef struct batchlist {
  int64_t n;
  lt_tensor *input[64], *target[64];
} batchlist;

static const lt_loader_ops *lops(host_object *o) { return o->comp->ops; }

/* All batches of epoch e from batch first. */
static void run_epoch(host_object *o, int64_t e, int64_t first, batchlist *bl) {
  char er[512] = "";
  ck_assert_msg(lops(o)->start(o->self, e, first, er, sizeof er) == LT_OK, "%s", er);
  bl->n = 0;
  for (;;) {
    lt_tensor *t[8];
    const char *names[8];
    int n = lops(o)->next(o->self, t, names, 8, er, sizeof er);
    ck_assert_msg(n >= 0, "%s", er);
    if (n == 0) break;
    ck_assert_str_eq(names[0], "input");
    bl->input[bl->n] = t[0];
    bl->target[bl->n++] = t[1];
  }
}

START_TEST(test_loader_order) {
  config("ds: {_target_: lighter.datasets.SyntheticDataset, num_samples: 10, input_shape: [1], num_classes: 3}\n"
         "ids: {_target_: lighter.datasets.CSVDataset, path: ids.csv, feature_columns: [i], target_column: i}\n"
         "a: {_target_: torch.utils.data.DataLoader, dataset: '@ids', batch_size: 3, shuffle: true, seed: 7}\n"
         "b: {_target_: torch.utils.data.DataLoader, dataset: '@ids', batch_size: 3, shuffle: true, seed: 7}\n"
         "w: {_target_: torch.utils.data.DataLoader, dataset: '@ids', batch_size: 3, shuffle: true, seed: 7,\n"
         "    num_workers: 2, prefetch_factor: 1}\n"
         "drop: {_target_: torch.utils.data.DataLoader, dataset: '@ids', batch_size: 3, drop_last: true}\n");
  FILE *f = fopen("ids.csv", "w");
  fputs("i\n", f);
  for (int i = 0; i < 10; i++) fprintf(f, "%d\n", i);
  fclose(f);
  host_object *a = get("a"), *b = get("b"), *w = get("w"), *drop = get("drop");
  ck_assert_int_eq(lops(a)->num_batches(a->self), 4);
  ck_assert_int_eq(lops(drop)->num_batches(drop->self), 3);
  batchlist x, y, z;
  run_epoch(a, 2, 0, &x);
  run_epoch(b, 2, 0, &y);
  run_epoch(w, 2, 0, &z);
  ck_assert_int_eq(x.n, 4);
  int seen[10] = {0};
  for (int64_t k = 0; k < x.n; k++) {
    ck_assert(teq(x.target[k], y.target[k]) && teq(x.target[k], z.target[k]));
    double v[3];
    int64_t m = lt_tensor_numel(x.target[k]);
    ck_assert_int_eq(m, k < 3 ? 3 : 1);
    lt_tensor_copy_to(x.target[k], v, (size_t)m * sizeof *v, LT_FLOAT64);
    for (int64_t i = 0; i < m; i++) seen[(int)v[i]]++;
  }
  for (int i = 0; i < 10; i++) ck_assert_msg(seen[i] == 1, "sample %d seen %d times", i, seen[i]);
  /* DistributedSampler(range(10), num_replicas=1, shuffle=True, seed=7).set_epoch(2) order */
  int64_t idx[3];
  ck_assert_int_eq(lops(a)->batch_indices(a->self, 2, 0, idx, 3), 3);
  EXPECT_VALUES(x.target[0], 0, (double)idx[0], (double)idx[1], (double)idx[2]);
  /* another epoch, another order; resuming at batch 2 gives the tail */
  batchlist e3, tail;
  run_epoch(a, 3, 0, &e3);
  ck_assert(!teq(e3.target[0], x.target[0]) || !teq(e3.target[1], x.target[1]));
  run_epoch(w, 2, 2, &tail);
  ck_assert_int_eq(tail.n, 2);
  ck_assert(teq(tail.target[0], x.target[2]) && teq(tail.target[1], x.target[3]));
  /* stopping early and starting again */
  char er[256];
  ck_assert_int_eq(lops(w)->start(w->self, 2, 0, er, sizeof er), LT_OK);
  lops(w)->stop(w->self);
  run_epoch(w, 2, 0, &z);
  ck_assert(teq(z.target[3], x.target[3]));
}
END_TEST

/* Each sample's tensors stacked, as the loader does without get_batch. */
static lt_tensor *stacked(host_object *ds, const int64_t *idx, int n, int which) {
  lt_tensor *col[64];
  for (int k = 0; k < n; k++) {
    lt_tensor *t[8];
    const char *names[8];
    ck_assert_int_eq(sample(ds, idx[k], t, names), 2);
    col[k] = t[which];
  }
  return lt_tensor_stack(col, n, 0);
}

/* A dataset whose transforms are all deterministic is collated at once
 * (get_batch, ToTensor / Normalize / LabelMap over the whole batch): the
 * batches must be exactly the stacked samples, grey and colour, with and
 * without workers; a random transform in the Compose makes the loader take
 * each sample again. */
START_TEST(test_loader_batch_at_once) {
  mkdir("fm", 0755), mkdir("fm/FashionMNIST", 0755), mkdir("fm/FashionMNIST/raw", 0755);
  write_idx("fm/FashionMNIST/raw", "train", 23, 6, 5, 0, 23);
  mkdir("c", 0755), mkdir("c/cifar-10-batches-bin", 0755);
  static unsigned char rec[5 * 3073];
  for (int r = 0; r < 5; r++) {
    rec[r * 3073] = (unsigned char)(r % 10);
    for (int k = 0; k < 3072; k++) rec[r * 3073 + 1 + k] = (unsigned char)((k * 31 + r * 7) % 251);
  }
  write_file("c/cifar-10-batches-bin/test_batch.bin", rec, sizeof rec, 0);
  config("tf: {_target_: torchvision.transforms.Compose, transforms: [{_target_: torchvision.transforms.ToTensor},\n"
         "     {_target_: torchvision.transforms.Normalize, mean: [0.3], std: [0.7]}]}\n"
         "lm: {_target_: lighter.transforms.LabelMap, mapping: {3: 30}, default: -1}\n"
         "ds: {_target_: torchvision.datasets.FashionMNIST, root: fm, transform: '@tf', target_transform: '@lm'}\n"
         "cf: {_target_: torchvision.datasets.CIFAR10, root: c, train: false, transform: {_target_: torchvision.transforms.Compose,\n"
         "     transforms: [{_target_: torchvision.transforms.ToTensor},\n"
         "     {_target_: torchvision.transforms.Normalize, mean: [0.4, 0.5, 0.6], std: [0.2, 0.3, 0.25]}]}}\n"
         "rnd: {_target_: torchvision.datasets.FashionMNIST, root: fm, transform: {_target_: torchvision.transforms.Compose,\n"
         "     transforms: [{_target_: torchvision.transforms.ToTensor}, {_target_: torchvision.transforms.RandomHorizontalFlip}]}}\n"
         "a: {_target_: torch.utils.data.DataLoader, dataset: '@ds', batch_size: 4, shuffle: true, seed: 3}\n"
         "w: {_target_: torch.utils.data.DataLoader, dataset: '@ds', batch_size: 4, shuffle: true, seed: 3, num_workers: 2}\n"
         "c: {_target_: torch.utils.data.DataLoader, dataset: '@cf', batch_size: 2}\n"
         "r: {_target_: torch.utils.data.DataLoader, dataset: '@rnd', batch_size: 5}\n"
         "sub: {_target_: torch.utils.data.Subset, dataset: '@ds', indices: [7, 2, 19, 4, 11]}\n");
  host_object *ds = get("ds"), *a = get("a"), *w = get("w");
  const lt_dataset_ops *ops = ds->comp->ops;
  ck_assert_ptr_nonnull(ops->get_batch);
  batchlist x, y;
  run_epoch(a, 1, 0, &x);
  run_epoch(w, 1, 0, &y);
  ck_assert_int_eq(x.n, 6);
  for (int64_t b = 0; b < x.n; b++) {
    int64_t idx[4];
    int n = (int)lops(a)->batch_indices(a->self, 1, b, idx, 4);
    ck_assert_int_eq(n, b < 5 ? 4 : 3);
    lt_tensor *in = stacked(ds, idx, n, 0), *tg = stacked(ds, idx, n, 1);
    ck_assert_msg(teq(x.input[b], in) && teq(x.target[b], tg), "batch %lld differs from its stacked samples",
                  (long long)b);
    ck_assert(teq(y.input[b], in) && teq(y.target[b], tg));
  }
  EXPECT_SHAPE(x.input[0], 4, 1, 6, 5);
  /* the dataset gives them at once (not the loader stacking them) */
  lt_tensor *t[8];
  const char *nm[8];
  char e[256] = "";
  int64_t some[3] = {3, 0, 13};
  ck_assert_int_eq(ops->get_batch(ds->self, some, 3, t, nm, 8, e, sizeof e), 2);
  EXPECT_VALUES(t[1], 0, 30, -1, 30);
  ck_assert(teq(t[0], stacked(ds, some, 3, 0)));
  int64_t out_of_range[2] = {1, 99};
  ck_assert_int_eq(ops->get_batch(ds->self, out_of_range, 2, t, nm, 8, e, sizeof e), -1);
  ck_assert_msg(strstr(e, "index 99 is out of range"), "%s", e);
  /* a Subset maps the indices and passes the batch on */
  host_object *sub = get("sub");
  int64_t in_sub[3] = {4, 0, 2};
  ck_assert_int_eq(((const lt_dataset_ops *)sub->comp->ops)->get_batch(sub->self, in_sub, 3, t, nm, 8, e, sizeof e), 2);
  ck_assert(teq(t[0], stacked(sub, in_sub, 3, 0)) && teq(t[1], stacked(sub, in_sub, 3, 1)));
  EXPECT_VALUES(t[1], 0, -1, -1, -1); /* labels 11, 7, 19 % 10 = 1, 7, 9: none is 3 */
  /* colour: [N, H, W, C] pixels become [N, C, H, W] */
  host_object *cf = get("cf"), *c = get("c");
  batchlist z;
  run_epoch(c, 0, 0, &z);
  ck_assert_int_eq(z.n, 3);
  int64_t two[2] = {2, 3};
  EXPECT_SHAPE(z.input[1], 2, 3, 32, 32);
  ck_assert(teq(z.input[1], stacked(cf, two, 2, 0)) && teq(z.target[1], stacked(cf, two, 2, 1)));
  /* a random transform: declined, each sample taken with its stream */
  host_object *rnd = get("rnd"), *r = get("r");
  ck_assert_int_eq(((const lt_dataset_ops *)rnd->comp->ops)->get_batch(rnd->self, some, 3, t, nm, 8, e, sizeof e), 0);
  batchlist q;
  run_epoch(r, 0, 0, &q);
  ck_assert_int_eq(q.n, 5);
  EXPECT_SHAPE(q.input[0], 5, 1, 6, 5);
}
END_TEST

START_TEST(test_loader_shards) {
  FILE *f = fopen("ids.csv", "w");
  fputs("i\n", f);
  for (int i = 0; i < 10; i++) fprintf(f, "%d\n", i);
  fclose(f);
  config("ids: {_target_: lighter.datasets.CSVDataset, path: ids.csv, feature_columns: [i], target_column: i}\n"
         "l: {_target_: torch.utils.data.DataLoader, dataset: '@ids', batch_size: 4, shuffle: true, seed: 7}\n"
         "d: {_target_: torch.utils.data.DataLoader, dataset: '@ids', batch_size: 4, shuffle: true, seed: 7,\n"
         "    drop_last: true}\n");
  host_object *l = get("l"), *d = get("d");
  /* torch: DistributedSampler(range(10), 3, rank, shuffle=True, seed=7).set_epoch(2) */
  const int64_t want[3][4] = {{0, 7, 9, 3}, {5, 6, 1, 0}, {8, 2, 4, 5}};
  int covered[10] = {0};
  for (int r = 0; r < 3; r++) {
    ck_assert_int_eq(lops(l)->set_shard(l->self, r, 3), LT_OK);
    ck_assert_int_eq(lops(l)->num_samples(l->self), 4);
    int64_t idx[4];
    ck_assert_int_eq(lops(l)->batch_indices(l->self, 2, 0, idx, 4), 4);
    for (int k = 0; k < 4; k++) {
      ck_assert_int_eq(idx[k], want[r][k]);
      covered[idx[k]]++;
    }
    /* with drop_last the shards are the first 3 of each and disjoint */
    ck_assert_int_eq(lops(d)->set_shard(d->self, r, 3), LT_OK);
    ck_assert_int_eq(lops(d)->num_samples(d->self), 3);
    ck_assert_int_eq(lops(d)->num_batches(d->self), 0);
  }
  for (int i = 0; i < 10; i++) ck_assert_msg(covered[i] >= 1, "sample %d in no shard", i);
  ck_assert_int_ne(lops(l)->set_shard(l->self, 3, 3), LT_OK);
}
END_TEST

START_TEST(test_loader_augmentation_and_errors) {
  /* random crops: the same batches with 0 and 3 workers */
  config("ds: {_target_: lighter.datasets.SyntheticDataset, num_samples: 20, input_shape: [1, 6, 6]}\n"
         "crop: {_target_: torchvision.transforms.RandomCrop, size: 4}\n"
         "x0: {_target_: torch.utils.data.DataLoader, batch_size: 4, shuffle: true, seed: 1, dataset:\n"
         "  {_target_: lighter.datasets.CSVDataset, path: px.csv}}\n");
  FILE *f = fopen("px.csv", "w");
  fputs("a,b,c\n1,2,3\n4,5,6\n", f);
  fclose(f);
  const char *ragged = "a\n1\n";
  (void)ragged;
  host_object *x0 = get("x0");
  batchlist bl;
  run_epoch(x0, 0, 0, &bl);
  EXPECT_SHAPE(bl.input[0], 2, 3);
  /* a sample that fails names the sample and the dataset's message */
  mkdir("fm", 0755);
  write_idx("fm", "train", 6, 4, 4, 0, 6);
  config("img: {_target_: torchvision.datasets.MNIST, root: fm,\n"
         "     transform: {_target_: torchvision.transforms.Compose, transforms: [\n"
         "       {_target_: torchvision.transforms.RandomCrop, size: 3}, {_target_: torchvision.transforms.ToTensor}]}}\n"
         "w0: {_target_: torch.utils.data.DataLoader, dataset: '@img', batch_size: 2, shuffle: true, seed: 3}\n"
         "w3: {_target_: torch.utils.data.DataLoader, dataset: '@img', batch_size: 2, shuffle: true, seed: 3,\n"
         "     num_workers: 3}\n"
         "bad: {_target_: torch.utils.data.DataLoader, dataset: {_target_: torchvision.datasets.MNIST, root: fm,\n"
         "     transform: {_target_: torchvision.transforms.Normalize, mean: [0], std: [1]}}, batch_size: 2}\n");
  batchlist a, b;
  run_epoch(get("w0"), 1, 0, &a);
  run_epoch(get("w3"), 1, 0, &b);
  ck_assert_int_eq(a.n, 3);
  for (int k = 0; k < 3; k++) ck_assert(teq(a.input[k], b.input[k]));
  EXPECT_SHAPE(a.input[0], 2, 1, 3, 3);
  host_object *bad = get("bad");
  char er[768];
  ck_assert_int_eq(lops(bad)->start(bad->self, 0, 0, er, sizeof er), LT_OK);
  lt_tensor *t[8];
  const char *names[8];
  ck_assert_int_eq(lops(bad)->next(bad->self, t, names, 8, er, sizeof er), -1);
  ck_assert_msg(strstr(er, "sample 0 (batch 0 of epoch 0): Normalize: expected a float tensor"), "%s", er);
  /* samples of different shapes cannot be stacked */
  f = fopen("v.csv", "w");
  fputs("a\n1\n2\n", f);
  fclose(f);
  config("c: {_target_: torch.utils.data.ConcatDataset, datasets: [\n"
         "     {_target_: lighter.datasets.CSVDataset, path: v.csv},\n"
         "     {_target_: lighter.datasets.CSVDataset, path: px.csv}]}\n"
         "l: {_target_: torch.utils.data.DataLoader, dataset: '@c', batch_size: 4, num_workers: 1}\n");
  host_object *l = get("l");
  ck_assert_int_eq(lops(l)->start(l->self, 0, 0, er, sizeof er), LT_OK);
  ck_assert_int_eq(lops(l)->next(l->self, t, names, 8, er, sizeof er), -1);
  ck_assert_msg(strstr(er, "cannot stack 'input' into a batch: sample 0 gives [1], sample 2 gives [3]"), "%s", er);
  /* samples with different numbers of values: the message names the dataset */
  config("c: {_target_: torch.utils.data.ConcatDataset, datasets: [\n"
         "     {_target_: lighter.datasets.CSVDataset, path: v.csv},\n"
         "     {_target_: lighter.datasets.CSVDataset, path: px.csv, target_column: c}]}\n"
         "l: {_target_: torch.utils.data.DataLoader, dataset: '@c', batch_size: 4}\n");
  l = get("l");
  ck_assert_int_eq(lops(l)->start(l->self, 0, 0, er, sizeof er), LT_OK);
  ck_assert_int_eq(lops(l)->next(l->self, t, names, 8, er, sizeof er), -1);
  ck_assert_str_eq(er, "dataset torch.utils.data.ConcatDataset gives sample 2 2 values, but sample 0 1 (batch 0; every "
                       "sample must have the same values to be stacked)");
  fails("x: {_target_: torch.utils.data.DataLoader, dataset: '@c', prefetch_factor: 2}\n"
        "c: {_target_: lighter.datasets.CSVDataset, path: v.csv}\n",
        "prefetch_factor option could only be specified in multiprocessing");
  /* a data module hands out its loaders by stage */
  config("dm: {_target_: lighter.LighterDataModule, train_dataloader: {_target_: torch.utils.data.DataLoader,\n"
         "    dataset: {_target_: lighter.datasets.CSVDataset, path: v.csv}}}\n");
  host_object *dm = get("dm");
  const lt_datamodule_ops *dops = dm->comp->ops;
  const lt_loader_ops *lo = NULL;
  ck_assert_ptr_nonnull(dops->loader(dm->self, "train", &lo));
  ck_assert_ptr_nonnull(lo);
  ck_assert_ptr_null(dops->loader(dm->self, "val", &lo));
}
END_TEST

START_TEST(test_loader_sizes) {
  /* a length past what a loader can order: counted without wrapping,
   * refused by start with the dataset, the count and the limit */
  config("big: {_target_: lighter.datasets.SyntheticDataset, num_samples: 2305843009213693952}\n"
         "max: {_target_: lighter.datasets.SyntheticDataset, num_samples: 9223372036854775807}\n"
         "l: {_target_: torch.utils.data.DataLoader, dataset: '@big', batch_size: 4}\n"
         "m: {_target_: torch.utils.data.DataLoader, dataset: '@max', batch_size: 4}\n");
  host_object *l = get("l"), *m = get("m");
  ck_assert_int_eq(lops(l)->num_batches(l->self), (int64_t)1 << 59);
  ck_assert_int_eq(lops(m)->num_batches(m->self), ((int64_t)1 << 61));
  ck_assert_int_eq(lops(m)->set_shard(m->self, 0, 3), LT_OK);
  ck_assert_int_eq(lops(m)->num_samples(m->self), INT64_MAX / 3 + 1);
  char er[768] = "";
  ck_assert_int_eq(lops(l)->start(l->self, 0, 0, er, sizeof er), LT_FAIL);
  ck_assert_str_eq(er, "cannot order epoch 0: dataset lighter.datasets.SyntheticDataset has 2305843009213693952 "
                       "samples; a DataLoader takes at most 281474976710656 (2^48: it holds an epoch's order in "
                       "memory, 8 bytes a sample): use fewer samples or a Subset of them");
  ck_assert_int_eq(lops(m)->start(m->self, 0, 0, er, sizeof er), LT_FAIL);
  ck_assert_msg(strstr(er, "dataset lighter.datasets.SyntheticDataset has 9223372036854775807 samples"), "%s", er);
  int64_t idx[4];
  ck_assert_int_eq(lops(m)->batch_indices(m->self, 0, 0, idx, 4), -1);
  /* a batch_size past the samples: one batch of them all (none with drop_last) */
  config("ds: {_target_: lighter.datasets.SyntheticDataset, num_samples: 10, input_shape: [2]}\n"
         "a: {_target_: torch.utils.data.DataLoader, dataset: '@ds', batch_size: 9223372036854775807}\n"
         "d: {_target_: torch.utils.data.DataLoader, dataset: '@ds', batch_size: 9223372036854775807,\n"
         "    drop_last: true}\n");
  host_object *a = get("a"), *d = get("d");
  ck_assert_int_eq(lops(a)->num_batches(a->self), 1);
  ck_assert_int_eq(lops(d)->num_batches(d->self), 0);
  ck_assert_int_eq(lops(a)->set_shard(a->self, 1, 3), LT_OK);
  ck_assert_int_eq(lops(a)->num_batches(a->self), 1);
  int64_t ten[10];
  ck_assert_int_eq(lops(a)->batch_indices(a->self, 0, 0, ten, 10), 4);
  ck_assert_int_eq(lops(a)->set_shard(a->self, 0, 1), LT_OK);
  batchlist bl;
  run_epoch(a, 0, 0, &bl);
  ck_assert_int_eq(bl.n, 1);
  EXPECT_SHAPE(bl.input[0], 10, 2);
}
END_TEST

/* A data plugin's message never ends in an empty reason: with no error
 * from the tensor layer it says what the component was doing. */
START_TEST(test_tensor_error_reason) {
  char e[256];
  lt_clear_error();
  data_tensor_error(e, sizeof e, "lighter.datasets.SyntheticDataset", "making the tensors of sample", 3);
  ck_assert_str_eq(e, "lighter.datasets.SyntheticDataset: making the tensors of sample 3 failed and the tensor layer "
                      "gave no reason (out of memory?)");
  data_tensor_error(e, sizeof e, "torch.utils.data.random_split", "drawing the permutation", -1);
  ck_assert_str_eq(e, "torch.utils.data.random_split: drawing the permutation failed and the tensor layer gave no "
                      "reason (out of memory?)");
  lt_set_error("shape mismatch", 1);
  data_tensor_error(e, sizeof e, "lighter.datasets.SyntheticDataset", "making the tensors of sample", 3);
  ck_assert_str_eq(e, "shape mismatch");
  lt_clear_error();
}
END_TEST

Suite *data_suite(void) {
  Suite *s = suite_create("data");
  TCase *tc = tcase_create("data");
  tcase_add_checked_fixture(tc, d_setup, d_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_idx);
  tcase_add_test(tc, test_idx_errors);
  tcase_add_test(tc, test_fashion_mnist_debian);
  tcase_add_test(tc, test_cifar10);
  tcase_add_test(tc, test_csv);
  tcase_add_test(tc, test_synthetic_and_wrappers);
  tcase_add_test(tc, test_transforms);
  tcase_add_test(tc, test_loader_order);
  tcase_add_test(tc, test_loader_batch_at_once);
  tcase_add_test(tc, test_loader_shards);
  tcase_add_test(tc, test_loader_augmentation_and_errors);
  tcase_add_test(tc, test_loader_sizes);
  tcase_add_test(tc, test_tensor_error_reason);
  suite_add_tcase(s, tc);
  return s;
}
