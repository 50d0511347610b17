/* data.h: what the built-in data plugins share: reading whole files
 * (gzipped or not), wrapping images as tensors the way a PIL image holds
 * them (uint8 [H, W] or [H, W, C]), applying an optional transform
 * component, and checking component arguments of dataset or transform
 * kind. Static inline, one include per plugin. */
#ifndef LT_DATA_H
#define LT_DATA_H

#include <lighter/lighter.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DATA_HAS(ops, type, member) ((ops)->size >= offsetof(type, member) + sizeof((ops)->member))

/* The whole of path (gunzipped when it is gzip) into *buf (malloc'd);
 * 0, or -1 with err naming the file. */
static inline int data_read_file(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen) {
  gzFile f = gzopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot open '%s': %s", path, errno ? strerror(errno) : "out of memory");
    return -1;
  }
  size_t cap = 1 << 20, n = 0;
  unsigned char *b = (unsigned char *)malloc(cap);
  for (;;) {
    if (!b) break;
    if (n == cap) {
      unsigned char *g = (unsigned char *)realloc(b, cap * 2);
      if (!g) {
        free(b);
        b = NULL;
        break;
      }
      b = g;
      cap *= 2;
    }
    unsigned want = (unsigned)(cap - n > (1u << 30) ? (1u << 30) : cap - n);
    int got = gzread(f, b + n, want);
    if (got < 0) {
      int code;
      const char *msg = gzerror(f, &code);
      snprintf(err, errlen, "cannot read '%s': %s (a damaged or truncated gzip file?)", path,
               code == Z_ERRNO ? strerror(errno) : msg);
      free(b);
      gzclose(f);
      return -1;
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  if (!b) {
    snprintf(err, errlen, "out of memory reading '%s'", path);
    gzclose(f);
    return -1;
  }
  int rc = gzclose(f);
  if (rc != Z_OK && rc != Z_BUF_ERROR) {
    snprintf(err, errlen, "cannot read '%s': the gzip stream is damaged", path);
    free(b);
    return -1;
  }
  if (rc == Z_BUF_ERROR) {
    snprintf(err, errlen, "'%s' is truncated (the gzip stream ends early)", path);
    free(b);
    return -1;
  }
  *buf = b;
  *len = n;
  return 0;
}

static inline int data_exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f) fclose(f);
  return f != NULL;
}

/* An image as PIL holds it: uint8 [h, w] (c == 1) or [h, w, c], copied. */
static inline lt_tensor *data_image(const unsigned char *px, int64_t h, int64_t w, int64_t c) {
  return c == 1 ? lt_tensor_from_data(px, LT_SHAPE(h, w), LT_UINT8) : lt_tensor_from_data(px, LT_SHAPE(h, w, c), LT_UINT8);
}

/* An optional transform argument: NULL ops for null, else its ops. */
static inline int data_transform_arg(const lt_value *v, const char *name, void **self, const lt_transform_ops **ops,
                                     char *err, size_t errlen) {
  *self = NULL;
  *ops = NULL;
  if (v->is_null) return 0;
  const lt_transform_ops *o = v->component_type ? (const lt_transform_ops *)v->component_type->ops : NULL;
  if (!v->component || v->component_kind != LT_KIND_TRANSFORM || !o || !DATA_HAS(o, lt_transform_ops, apply)) {
    snprintf(err, errlen, "%s must be a transform (torchvision.transforms.*)", name);
    return -1;
  }
  *self = v->component;
  *ops = o;
  return 0;
}

/* x through the transform (identity when there is none); x is released
 * on the way (it is the caller's new ref). */
static inline lt_tensor *data_apply(void *self, const lt_transform_ops *ops, lt_tensor *x, lt_rng *rng) {
  if (!ops || !x) return x;
  lt_tensor *y = ops->apply(self, x, rng);
  if (y != x) lt_tensor_free(x);
  return y;
}

/* A dataset argument: its instance and ops, or -1 with err. */
static inline int data_dataset_arg(const lt_value *v, const char *name, void **self, const lt_dataset_ops **ops,
                                   char *err, size_t errlen) {
  const lt_dataset_ops *o = v->component_type ? (const lt_dataset_ops *)v->component_type->ops : NULL;
  if (!v->component || v->component_kind != LT_KIND_DATASET || !o || !o->len || !o->get) {
    snprintf(err, errlen, "%s must be a dataset", name);
    return -1;
  }
  *self = v->component;
  *ops = o;
  return 0;
}

/* One sample of a dataset, with its stream when it takes one. */
static inline int data_get(void *self, const lt_dataset_ops *ops, int64_t index, lt_rng *rng, lt_tensor **out,
                           const char **names, int max, char *err, size_t errlen) {
  if (DATA_HAS(ops, lt_dataset_ops, sample) && ops->sample)
    return ops->sample(self, index, rng, out, names, max, err, errlen);
  return ops->get(self, index, out, names, max, err, errlen);
}

static inline int data_thread_safe(void *self, const lt_dataset_ops *ops) {
  return DATA_HAS(ops, lt_dataset_ops, thread_safe) && ops->thread_safe && ops->thread_safe(self);
}

/* The index checked against the length, Python's negative indices allowed. */
static inline int data_index(int64_t *index, int64_t len, char *err, size_t errlen) {
  if (*index < 0) *index += len;
  if (*index < 0 || *index >= len) {
    snprintf(err, errlen, "index %lld is out of range for a dataset of %lld samples", (long long)*index, (long long)len);
    return -1;
  }
  return 0;
}

static inline int data_yes(void *self) {
  (void)self;
  return 1;
}

#endif
