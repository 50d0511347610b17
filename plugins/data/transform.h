/* transform.h: what the built-in torchvision.transforms plugins share.
 * An image is either PIL-like (uint8 [H, W] or [H, W, C], what datasets
 * return before ToTensor) or a tensor [..., C, H, W] (float after
 * ToTensor); the spatial helpers work on both, through the H and W dims. */
#ifndef LT_DATA_TRANSFORM_H
#define LT_DATA_TRANSFORM_H

#include "data.h"

#include <math.h>

typedef struct tf_img {
  int pil;          /* uint8 [H, W] or [H, W, C] */
  int hdim, wdim;   /* dims of H and W */
  int64_t h, w, c;  /* c: channels (1 for [H, W]) */
} tf_img;

/* The layout of x; -1 with lt_set_error naming who for what it cannot read. */
static inline int tf_info(lt_tensor *x, tf_img *im, const char *who) {
  int d = x ? lt_tensor_dim(x) : -1;
  im->pil = x && lt_tensor_dtype(x) == LT_UINT8 && (d == 2 || d == 3);
  if (d < 2) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: expected an image ([H, W], [H, W, C] or [..., C, H, W]), got %d dims", who, d);
    lt_set_error(msg, 1);
    return -1;
  }
  im->hdim = im->pil ? 0 : d - 2;
  im->wdim = im->pil ? 1 : d - 1;
  im->h = lt_tensor_size(x, im->hdim);
  im->w = lt_tensor_size(x, im->wdim);
  im->c = im->pil ? (d == 3 ? lt_tensor_size(x, 2) : 1) : (d >= 3 ? lt_tensor_size(x, d - 3) : 1);
  return 0;
}

/* x padded by (left, top, right, bottom) pixels of value fill. */
static inline lt_tensor *tf_pad(lt_tensor *x, const tf_img *im, int64_t left, int64_t top, int64_t right, int64_t bottom,
                                double fill) {
  if (!left && !top && !right && !bottom) return lt_tensor_ref(x);
  int64_t shape[8];
  int d = lt_tensor_shape(x, shape, 8);
  shape[im->hdim] += top + bottom;
  shape[im->wdim] += left + right;
  lt_tensor *out = lt_tensor_full(shape, d, fill, lt_tensor_dtype(x), LT_CPU);
  lt_tensor *inner = lt_tensor_narrow(lt_tensor_narrow(out, im->hdim, top, im->h), im->wdim, left, im->w);
  if (!inner || lt_tensor_copy_(inner, x) != LT_OK) return NULL;
  return out;
}

/* The window (top, left, th, tw) of x; parts outside are filled with fill. */
static inline lt_tensor *tf_crop(lt_tensor *x, const tf_img *im, int64_t top, int64_t left, int64_t th, int64_t tw,
                                 double fill) {
  int64_t pl = left < 0 ? -left : 0, pt = top < 0 ? -top : 0;
  int64_t pr = left + tw > im->w ? left + tw - im->w : 0, pb = top + th > im->h ? top + th - im->h : 0;
  lt_tensor *p = tf_pad(x, im, pl, pt, pr, pb, fill);
  return lt_tensor_contiguous(lt_tensor_narrow(lt_tensor_narrow(p, im->hdim, top + pt, th), im->wdim, left + pl, tw));
}

/* An int or [h, w] (torchvision's size): h, w; -1 when neither. */
static inline int tf_size(const lt_value *v, int64_t out[2]) {
  if (v->type == LT_P_INT) {
    out[0] = out[1] = v->i;
  } else if (v->type == LT_P_LIST && (v->n == 1 || v->n == 2)) {
    out[0] = v->items[0].i;
    out[1] = v->items[v->n - 1].i;
  } else {
    return -1;
  }
  return out[0] > 0 && out[1] > 0 ? 0 : -1;
}

/* A list of numbers into out (at most max); how many, or -1. */
static inline int tf_numbers(const lt_value *v, double *out, int max) {
  if (v->type == LT_P_FLOAT || v->type == LT_P_INT) {
    out[0] = v->f;
    return 1;
  }
  if (v->type != LT_P_LIST || (int)v->n > max) return -1;
  for (size_t i = 0; i < v->n; i++) {
    if (v->items[i].type != LT_P_FLOAT && v->items[i].type != LT_P_INT) return -1;
    out[i] = v->items[i].f;
  }
  return (int)v->n;
}

/* A transform plugin; the _BATCH forms also apply to a whole batch at once
 * (deterministic transforms: see lt_transform_ops.apply_batch). */
#define TF_COMPONENT_OPS(TARGET, SUMMARY, PARAMS, NPARAMS, CREATE, ...)                                   \
  static void destroy_(void *self) { free(self); }                                                     \
  static const lt_transform_ops ops_ = {.size = sizeof(lt_transform_ops), __VA_ARGS__};                 \
  static const lt_component components_[] = {                                                          \
      {TARGET, LT_KIND_TRANSFORM, SUMMARY, PARAMS, NPARAMS, CREATE, destroy_, &ops_}};                  \
  LT_PLUGIN_DEFINE(TARGET, LT_VERSION_STRING, TARGET, "BSD-3-Clause", components_, NULL)
#define TF_COMPONENT_N(TARGET, SUMMARY, PARAMS, NPARAMS, CREATE, APPLY_FN) \
  TF_COMPONENT_OPS(TARGET, SUMMARY, PARAMS, NPARAMS, CREATE, .apply = APPLY_FN)
#define TF_COMPONENT(TARGET, SUMMARY, PARAMS, CREATE, APPLY_FN) \
  TF_COMPONENT_N(TARGET, SUMMARY, PARAMS, LT_COUNT_OF(PARAMS), CREATE, APPLY_FN)
#define TF_COMPONENT_BATCH_N(TARGET, SUMMARY, PARAMS, NPARAMS, CREATE, APPLY_FN, BATCH_FN)           \
  TF_COMPONENT_OPS(TARGET, SUMMARY, PARAMS, NPARAMS, CREATE, .apply = APPLY_FN, .batchable = data_yes, \
                   .apply_batch = BATCH_FN)
#define TF_COMPONENT_BATCH(TARGET, SUMMARY, PARAMS, CREATE, APPLY_FN, BATCH_FN) \
  TF_COMPONENT_BATCH_N(TARGET, SUMMARY, PARAMS, LT_COUNT_OF(PARAMS), CREATE, APPLY_FN, BATCH_FN)

#endif
