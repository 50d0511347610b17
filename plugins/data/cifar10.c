/* cifar10.c: torchvision.datasets.CIFAR10 from the binary version's batch
 * files (root/cifar-10-batches-bin/data_batch_1..5.bin for train,
 * test_batch.bin for test; root itself is also searched). Each record is a
 * label byte and 3x32x32 pixels (channel-major); samples are "input" (uint8
 * [32, 32, 3], what the PIL image holds) and "target" (int64). */
#include "data.h"

#define REC (1 + 3 * 32 * 32)

typedef data_images cifar;

static int find(const char *root, const char *name, char *out, size_t len) {
  snprintf(out, len, "%s/cifar-10-batches-bin/%s", root, name);
  if (data_exists(out)) return 0;
  snprintf(out, len, "%s/%s", root, name);
  return data_exists(out) ? 0 : -1;
}

static int add_file(cifar *m, const char *path, char *err, size_t errlen) {
  unsigned char *b;
  size_t len;
  if (data_read_file(path, &b, &len, err, errlen)) return -1;
  if (len == 0 || len % REC) {
    snprintf(err, errlen, "'%s' is not a CIFAR-10 binary batch: %zu bytes is not a whole number of %d-byte records%s",
             path, len, REC, len > REC ? " (truncated?)" : "");
    free(b);
    return -1;
  }
  int64_t k = (int64_t)(len / REC);
  unsigned char *px = realloc(m->px, (size_t)((m->n + k) * 3072));
  int64_t *lb = px ? realloc(m->labels, (size_t)(m->n + k) * sizeof *lb) : NULL;
  if (px) m->px = px;
  if (lb) m->labels = lb;
  if (!px || !lb) {
    free(b);
    snprintf(err, errlen, "out of memory reading '%s'", path);
    return -1;
  }
  for (int64_t r = 0; r < k; r++) {
    const unsigned char *rec = b + r * REC;
    if (rec[0] > 9) {
      snprintf(err, errlen, "'%s': record %lld has label %d (CIFAR-10 labels are 0-9)", path, (long long)r, rec[0]);
      free(b);
      return -1;
    }
    m->labels[m->n + r] = rec[0];
    unsigned char *dst = m->px + (m->n + r) * 3072;
    for (int c = 0; c < 3; c++)
      for (int p = 0; p < 1024; p++) dst[p * 3 + c] = rec[1 + c * 1024 + p];
  }
  m->n += k;
  free(b);
  return 0;
}

static lt_status cifar_create(const lt_value *args, void **self, char *err, size_t errlen) {
  cifar *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->h = m->w = 32, m->c = 3;
  m->target = "torchvision.datasets.CIFAR10";
  if (data_images_transforms(m, args, err, errlen)) {
    data_images_free(m);
    return LT_ERR_INVALID;
  }
  const char *train[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                         "data_batch_5.bin"};
  const char *test[] = {"test_batch.bin"};
  const char *root = lt_arg_str(args, "root");
  int is_train = lt_arg_bool(args, "train");
  const char **names = is_train ? train : test;
  int count = is_train ? 5 : 1;
  for (int i = 0; i < count; i++) {
    char path[1024];
    if (find(root, names[i], path, sizeof path)) {
      snprintf(err, errlen,
               "no %s in '%s/cifar-10-batches-bin' or '%s'; lighter-host downloads nothing: unpack the binary "
               "version (cifar-10-binary.tar.gz) into '%s'",
               names[i], root, root, root);
      data_images_free(m);
      return LT_ERR_NOT_FOUND;
    }
    if (add_file(m, path, err, errlen)) {
      data_images_free(m);
      return LT_ERR_FORMAT;
    }
  }
  *self = m;
  return LT_OK;
}

static const lt_dataset_ops ops = DATA_IMAGES_OPS;

static const lt_param params[] = {
    LT_PARAM_REQ("root", LT_P_STRING, "folder holding cifar-10-batches-bin (the binary version)"),
    LT_PARAM("train", LT_P_BOOL, "true", "the five training batches (else the test batch)"),
    {"transform", LT_P_COMPONENT, LT_KIND_TRANSFORM, "null", LT_PF_NULLABLE, 0, 0, NULL, "applied to each image"},
    {"target_transform", LT_P_COMPONENT, LT_KIND_TRANSFORM, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "applied to each label"},
    LT_PARAM("download", LT_P_BOOL, "false", "never downloads: the error says where to put the files"),
};

static const lt_component components[] = {
    {"torchvision.datasets.CIFAR10", LT_KIND_DATASET, "CIFAR-10: 32x32 colour images of 10 classes (binary batches).",
     params, LT_COUNT_OF(params), cifar_create, data_images_free, &ops},
};

LT_PLUGIN_DEFINE("torchvision.datasets.CIFAR10", LT_VERSION_STRING, "torchvision.datasets.CIFAR10", "BSD-3-Clause",
                 components, NULL);
