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
#include <libdeflate.h>
#include <stdint.h>

/* *b (malloc'd, *cap bytes) twice as large; -1 (and *b freed, NULL) when
 * that cannot be had. */
static inline int data_grow(unsigned char **b, size_t *cap) {
  unsigned char *g = *cap > SIZE_MAX / 2 ? NULL : (unsigned char *)realloc(*b, *cap * 2);
  if (!g) {
    free(*b);
    *b = NULL;
    return -1;
  }
  *b = g, *cap *= 2;
  return 0;
}

/* The bytes of path, as they are, into *buf (malloc'd); 0, or -1 with err. */
static inline int data_read_raw(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    return -1;
  }
  size_t cap = 1 << 20, n = 0;
  unsigned char *b = (unsigned char *)malloc(cap);
  while (b) {
    if (n == cap && data_grow(&b, &cap)) break;
    size_t got = fread(b + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  int e = errno;
  fclose(f);
  if (!b || bad) {
    if (!b) snprintf(err, errlen, "out of memory reading '%s'", path);
    else snprintf(err, errlen, "cannot read '%s': %s", path, strerror(e));
    free(b);
    return -1;
  }
  *buf = b, *len = n;
  return 0;
}

/* The whole of path (gunzipped when it is gzip) into *buf (malloc'd);
 * 0, or -1 with err naming the file. Gzip is decoded in one call of
 * libdeflate over the whole file, member after member as gunzip (Fashion-
 * MNIST's 60,000 training images in 0.13 s against zlib's gzread's 0.18-
 * 0.27 s here, make bench's loader rows). */
static inline int data_read_file(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen) {
  unsigned char *in;
  size_t n;
  if (data_read_raw(path, &in, &n, err, errlen)) return -1;
  if (n < 2 || in[0] != 0x1f || in[1] != 0x8b) {
    *buf = in, *len = n;
    return 0;
  }
  /* The last member's trailer holds its size (mod 2^32): room for that
   * first, unless it says more than deflate can give (1032 bytes out for a
   * byte in): a damaged trailer asked for 4 GiB (found by fuzz_idx). */
  size_t cap = n >= 18 ? ((size_t)in[n - 4] | (size_t)in[n - 3] << 8 | (size_t)in[n - 2] << 16 | (size_t)in[n - 1] << 24) : 0;
  if (cap < n) cap = n;
  if (cap / 1032 > n) cap = n;
  cap += 1;
  unsigned char *out = (unsigned char *)malloc(cap);
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  size_t at = 0, produced = 0;
  enum libdeflate_result r = LIBDEFLATE_SUCCESS;
  while (out && d && at < n) {
    size_t used = 0, made = 0;
    r = libdeflate_gzip_decompress_ex(d, in + at, n - at, out + produced, cap - produced, &used, &made);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      if (data_grow(&out, &cap)) break;
      continue;
    }
    if (r != LIBDEFLATE_SUCCESS) break;
    at += used, produced += made;
  }
  int nomem = !out || !d;
  libdeflate_free_decompressor(d);
  free(in);
  if (nomem || r != LIBDEFLATE_SUCCESS) {
    if (nomem) snprintf(err, errlen, "out of memory reading '%s'", path);
    else snprintf(err, errlen, "'%s' is truncated or damaged: its gzip data does not decode (%s)", path,
                  r == LIBDEFLATE_SHORT_OUTPUT ? "it ends early" : "bad data");
    free(out);
    return -1;
  }
  *buf = out, *len = produced;
  return 0;
}

static inline int data_exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f) fclose(f);
  return f != NULL;
}

/* err: the tensor layer's last error, or, when it gave none, what the
 * component was doing (with index when it is 0 or more): a message never
 * ends in an empty reason. */
static inline void data_tensor_error(char *err, size_t errlen, const char *component, const char *doing, int64_t index) {
  const char *why = lt_last_error();
  if (*why) snprintf(err, errlen, "%s", why);
  else if (index >= 0)
    snprintf(err, errlen, "%s: %s %lld failed and the tensor layer gave no reason (out of memory?)", component, doing,
             (long long)index);
  else snprintf(err, errlen, "%s: %s failed and the tensor layer gave no reason (out of memory?)", component, doing);
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
  if (!v->component || v->component_kind != LT_KIND_TRANSFORM || !o || !LT_HAS(o, lt_transform_ops, apply)) {
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

/* A transform that may be applied to a whole batch at once (none is). */
static inline int data_batchable(void *self, const lt_transform_ops *ops) {
  return !ops || (LT_HAS(ops, lt_transform_ops, apply_batch) && ops->batchable && ops->apply_batch &&
                  ops->batchable(self));
}

/* A batch through a batchable transform (identity when there is none);
 * the batch is released on the way. */
static inline lt_tensor *data_apply_batch(void *self, const lt_transform_ops *ops, lt_tensor *x) {
  if (!ops || !x) return x;
  lt_tensor *y = ops->apply_batch(self, x);
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
  if (LT_HAS(ops, lt_dataset_ops, sample) && ops->sample)
    return ops->sample(self, index, rng, out, names, max, err, errlen);
  return ops->get(self, index, out, names, max, err, errlen);
}

static inline int data_thread_safe(void *self, const lt_dataset_ops *ops) {
  return LT_HAS(ops, lt_dataset_ops, thread_safe) && ops->thread_safe && ops->thread_safe(self);
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

/* An image-classification dataset held in memory (MNIST, CIFAR-10):
 * n images of h x w x c uint8 pixels (HWC) and their labels, with the
 * optional transform and target_transform. */
typedef struct data_images {
  unsigned char *px;
  int64_t *labels;
  int64_t n, h, w, c;
  const char *target; /* the component's _target_, for messages */
  void *tf, *ttf;
  const lt_transform_ops *tf_ops, *ttf_ops;
} data_images;

static inline void data_images_free(void *self) {
  data_images *m = (data_images *)self;
  if (!m) return;
  free(m->px), free(m->labels);
  free(m);
}

/* The arguments "transform" and "target_transform". */
static inline int data_images_transforms(data_images *m, const lt_value *args, char *err, size_t errlen) {
  return data_transform_arg(lt_arg(args, "transform"), "transform", &m->tf, &m->tf_ops, err, errlen) ||
         data_transform_arg(lt_arg(args, "target_transform"), "target_transform", &m->ttf, &m->ttf_ops, err, errlen);
}

static inline int64_t data_images_len(void *self) { return ((data_images *)self)->n; }

/* "input" (the image through the transform) and "target" (the label). */
static inline int data_images_sample(void *self, int64_t i, lt_rng *rng, lt_tensor **out, const char **names, int max,
                                     char *err, size_t errlen) {
  data_images *m = (data_images *)self;
  if (data_index(&i, m->n, err, errlen) || max < 2) return -1;
  lt_tensor *x = data_apply(m->tf, m->tf_ops, data_image(m->px + i * m->h * m->w * m->c, m->h, m->w, m->c), rng);
  lt_tensor *y = data_apply(m->ttf, m->ttf_ops, lt_tensor_scalar((double)m->labels[i], LT_INT64), rng);
  if (!x || !y) {
    data_tensor_error(err, errlen, m->target, "making the tensors of sample", i);
    lt_tensor_free(x), lt_tensor_free(y);
    return -1;
  }
  out[0] = x, names[0] = "input";
  out[1] = y, names[1] = "target";
  return 2;
}

static inline int data_images_get(void *self, int64_t i, lt_tensor **out, const char **names, int max, char *err,
                                  size_t errlen) {
  lt_rng rng = lt_rng_for(0, 0, (uint64_t)i);
  return data_images_sample(self, i, &rng, out, names, max, err, errlen);
}

/* The samples indices[0..n) collated at once: their pixels copied into
 * one uint8 batch [n, H, W(, C)] and their labels into [n], each through
 * its transform's apply_batch; 0 when a transform is not batchable (the
 * loader then takes each sample). The same values as stacking samples:
 * the built-in batchable transforms are elementwise or per image. */
static inline int data_images_get_batch(void *self, const int64_t *indices, int64_t n, lt_tensor **out,
                                        const char **names, int max, char *err, size_t errlen) {
  data_images *m = (data_images *)self;
  if (!data_batchable(m->tf, m->tf_ops) || !data_batchable(m->ttf, m->ttf_ops)) return 0;
  if (max < 2 || n < 1) return -1;
  int64_t px = m->h * m->w * m->c;
  lt_tensor *x = m->c == 1 ? lt_tensor_empty(LT_SHAPE(n, m->h, m->w), LT_UINT8, LT_CPU)
                           : lt_tensor_empty(LT_SHAPE(n, m->h, m->w, m->c), LT_UINT8, LT_CPU);
  lt_tensor *y = lt_tensor_empty(LT_SHAPE(n), LT_INT64, LT_CPU);
  unsigned char *xd = x ? (unsigned char *)lt_tensor_data(x) : NULL;
  int64_t *yd = y ? (int64_t *)lt_tensor_data(y) : NULL;
  for (int64_t k = 0; xd && yd && k < n; k++) {
    int64_t i = indices[k];
    if (data_index(&i, m->n, err, errlen)) {
      lt_tensor_free(x), lt_tensor_free(y);
      return -1;
    }
    memcpy(xd + k * px, m->px + i * px, (size_t)px);
    yd[k] = m->labels[i];
  }
  if (!xd || !yd) lt_tensor_free(x), lt_tensor_free(y), x = y = NULL;
  x = data_apply_batch(m->tf, m->tf_ops, x);
  y = data_apply_batch(m->ttf, m->ttf_ops, y);
  if (!x || !y) {
    data_tensor_error(err, errlen, m->target, "making the batch of samples from", indices[0]);
    lt_tensor_free(x), lt_tensor_free(y);
    return -1;
  }
  out[0] = x, names[0] = "input";
  out[1] = y, names[1] = "target";
  return 2;
}

#define DATA_IMAGES_OPS                                                                                   \
  {.size = sizeof(lt_dataset_ops), .len = data_images_len, .get = data_images_get,                       \
   .sample = data_images_sample, .thread_safe = data_yes, .get_batch = data_images_get_batch}

#endif
