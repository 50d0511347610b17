/* centercrop.c: torchvision.transforms.CenterCrop: the central window of
 * `size` (top = round((h - th) / 2), Python's rounding), padding with zeros
 * first when the image is smaller, as torchvision does. */
#include "transform.h"

typedef struct crop {
  int64_t size[2];
} crop;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  crop *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  if (tf_size(lt_arg(args, "size"), m->size)) {
    snprintf(err, errlen, "size must be a positive int or [h, w]");
    free(m);
    return LT_ERR_INVALID;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *apply(void *self, lt_tensor *x, lt_rng *rng) {
  crop *m = self;
  (void)rng;
  tf_img im;
  if (tf_info(x, &im, "CenterCrop")) return NULL;
  int64_t th = m->size[0], tw = m->size[1];
  lt_tensor *p = lt_tensor_ref(x);
  if (th > im.h || tw > im.w) {
    int64_t l = tw > im.w ? (tw - im.w) / 2 : 0, t = th > im.h ? (th - im.h) / 2 : 0;
    int64_t r = tw > im.w ? (tw - im.w + 1) / 2 : 0, b = th > im.h ? (th - im.h + 1) / 2 : 0;
    p = tf_pad(x, &im, l, t, r, b, 0);
    im.h += t + b, im.w += l + r;
  }
  int64_t top = (int64_t)nearbyint((double)(im.h - th) / 2.0), left = (int64_t)nearbyint((double)(im.w - tw) / 2.0);
  return p ? tf_crop(p, &im, top, left, th, tw, 0) : NULL;
}

static const lt_param params[] = {LT_PARAM_REQ("size", LT_P_ANY, "output size: int or [h, w]")};

TF_COMPONENT("torchvision.transforms.CenterCrop", "Crops the centre of an image.", params, create, apply);
