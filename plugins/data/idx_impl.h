/* idx_impl.h: torchvision.datasets.MNIST and FashionMNIST (IDX_TARGET,
 * IDX_CLASS the folder torchvision uses, IDX_DEFAULT_ROOT): the IDX files
 * train-/t10k-images-idx3-ubyte and -labels-idx1-ubyte, gzipped or not,
 * looked for in root/<class>/raw, root/<class> and root. Samples are
 * "input" (uint8 [28, 28], what the PIL image holds; ToTensor makes it
 * float [1, 28, 28]) and "target" (int64). Decoded once at create; every
 * problem with a file is one error naming the file. */
#include "data.h"

#include <stdint.h>

typedef data_images idx;

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The first of the candidate places that has name (or name.gz). */
static int idx_find(const char *root, const char *name, char *out, size_t outlen) {
  const char *dirs[3] = {"%s/" IDX_CLASS "/raw/%s%s", "%s/" IDX_CLASS "/%s%s", "%s/%s%s"};
  for (int d = 0; d < 3; d++)
    for (int gz = 0; gz < 2; gz++) {
      snprintf(out, outlen, dirs[d], root, name, gz ? ".gz" : "");
      if (data_exists(out)) return 0;
    }
  snprintf(out, outlen, "%s/%s(.gz)", root, name);
  return -1;
}

/* Reads images (kind 3) or labels (kind 1) of path; -1 with err. */
static int idx_load(const char *path, int kind, unsigned char **data, int64_t *n, int64_t *rows, int64_t *cols,
                    char *err, size_t errlen) {
  unsigned char *b;
  size_t len;
  if (data_read_file(path, &b, &len, err, errlen)) return -1;
  size_t head = kind == 3 ? 16 : 8;
  uint32_t magic = len >= 4 ? be32(b) : 0;
  if (len < head || magic != (kind == 3 ? 0x803u : 0x801u)) {
    snprintf(err, errlen, "'%s' is not an IDX %s file (magic 0x%08x, expected 0x%08x)", path,
             kind == 3 ? "image" : "label", (unsigned)magic, kind == 3 ? 0x803u : 0x801u);
    free(b);
    return -1;
  }
  *n = be32(b + 4);
  *rows = kind == 3 ? be32(b + 8) : 1;
  *cols = kind == 3 ? be32(b + 12) : 1;
  /* Three 32-bit sizes can multiply past 64 bits and wrap around to the
   * file's length (2^16 images of 2^24 x 2^24 "fit" in 0 bytes); the
   * product is only formed once it is known to fit. */
  uint64_t nr = (uint64_t)*n * (uint64_t)*rows;
  int fits = nr == 0 || (uint64_t)*cols <= UINT64_MAX / nr;
  uint64_t want = fits ? nr * (uint64_t)*cols : UINT64_MAX;
  if (!fits) {
    snprintf(err, errlen, "'%s' is not an IDX %s file: its header says %lld x %lld x %lld, which no file holds", path,
             kind == 3 ? "image" : "label", (long long)*n, (long long)*rows, (long long)*cols);
    free(b);
    return -1;
  }
  if ((uint64_t)(len - head) != want) {
    snprintf(err, errlen, "'%s' is %s: its header says %lld %s (%llu bytes) but %zu bytes follow", path,
             (uint64_t)(len - head) < want ? "truncated" : "too long", (long long)*n, kind == 3 ? "images" : "labels",
             (unsigned long long)want, len - head);
    free(b);
    return -1;
  }
  memmove(b, b + head, len - head);
  *data = b;
  return 0;
}

static lt_status idx_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const char *root = lt_arg_is_null(args, "root") ? IDX_DEFAULT_ROOT : lt_arg_str(args, "root");
  int train = (int)lt_arg_int(args, "train"), download = lt_arg_bool(args, "download");
  if (!root) {
    snprintf(err, errlen, "root is required: the folder with the IDX files");
    return LT_ERR_INVALID;
  }
  idx *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->target = IDX_TARGET;
  char ipath[1024], lpath[1024];
  const char *iname = train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte";
  const char *lname = train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte";
  if (idx_find(root, iname, ipath, sizeof ipath) || idx_find(root, lname, lpath, sizeof lpath)) {
    snprintf(err, errlen,
             "no %s in '%s' (looked in %s/" IDX_CLASS "/raw, %s/" IDX_CLASS " and %s)%s; lighter-host downloads "
             "nothing: put the four IDX files (gzipped or not) there%s",
             data_exists(ipath) ? lname : iname, root, root, root, root, download ? " and download is true" : "",
             IDX_HINT);
    data_images_free(m);
    return LT_ERR_NOT_FOUND;
  }
  unsigned char *lb = NULL;
  int64_t nl, r1, c1;
  m->c = 1;
  if (data_images_transforms(m, args, err, errlen) || idx_load(ipath, 3, &m->px, &m->n, &m->h, &m->w, err, errlen) ||
      idx_load(lpath, 1, &lb, &nl, &r1, &c1, err, errlen)) {
    data_images_free(m);
    return LT_ERR_FORMAT;
  }
  if (nl != m->n) {
    snprintf(err, errlen, "'%s' has %lld labels for the %lld images of '%s'", lpath, (long long)nl, (long long)m->n,
             ipath);
    free(lb);
    data_images_free(m);
    return LT_ERR_FORMAT;
  }
  m->labels = malloc((size_t)(nl ? nl : 1) * sizeof *m->labels);
  for (int64_t i = 0; m->labels && i < nl; i++) m->labels[i] = lb[i];
  free(lb);
  if (!m->labels) {
    data_images_free(m);
    return LT_ERR_NOMEM;
  }
  *self = m;
  return LT_OK;
}

static const lt_dataset_ops ops = DATA_IMAGES_OPS;

static const lt_param params[] = {
    {"root", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, IDX_ROOT_DOC},
    LT_PARAM("train", LT_P_BOOL, "true", "the training set (else the test set)"),
    {"transform", LT_P_COMPONENT, LT_KIND_TRANSFORM, "null", LT_PF_NULLABLE, 0, 0, NULL, "applied to each image"},
    {"target_transform", LT_P_COMPONENT, LT_KIND_TRANSFORM, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "applied to each label"},
    LT_PARAM("download", LT_P_BOOL, "false", "never downloads: the error says where to put the files"),
};

static const lt_component components[] = {
    {IDX_TARGET, LT_KIND_DATASET, IDX_SUMMARY, params, LT_COUNT_OF(params), idx_create, data_images_free, &ops},
};

LT_PLUGIN_DEFINE(IDX_TARGET, LT_VERSION_STRING, IDX_TARGET, "BSD-3-Clause", components, NULL);
