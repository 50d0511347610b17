/* randomcrop.c: torchvision.transforms.RandomCrop: optional padding (int,
 * [left/right, top/bottom] or [left, top, right, bottom]) of value fill,
 * pad_if_needed, then a window of `size` at a uniformly drawn position. */
#include "transform.h"

typedef struct crop {
  int64_t size[2], pad[4]; /* left, top, right, bottom */
  int pad_if_needed;
  double fill;
} crop;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  crop *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  double pad[4] = {0, 0, 0, 0};
  int np = lt_arg_is_null(args, "padding") ? 0 : tf_numbers(lt_arg(args, "padding"), pad, 4);
  if (tf_size(lt_arg(args, "size"), m->size) || np < 0 || np == 3) {
    snprintf(err, errlen, np < 0 || np == 3 ? "padding must be an int, [lr, tb] or [left, top, right, bottom]"
                                             : "size must be a positive int or [h, w]");
    free(m);
    return LT_ERR_INVALID;
  }
  double l = pad[0], t = np >= 2 ? pad[1] : pad[0], r = np == 4 ? pad[2] : pad[0], b = np == 4 ? pad[3] : t;
  m->pad[0] = (int64_t)l, m->pad[1] = (int64_t)t, m->pad[2] = (int64_t)r, m->pad[3] = (int64_t)b;
  m->pad_if_needed = lt_arg_bool(args, "pad_if_needed");
  m->fill = lt_arg_float(args, "fill");
  *self = m;
  return LT_OK;
}

static lt_tensor *apply(void *self, lt_tensor *x, lt_rng *rng) {
  crop *m = self;
  tf_img im;
  if (tf_info(x, &im, "RandomCrop")) return NULL;
  int64_t th = m->size[0], tw = m->size[1];
  int64_t l = m->pad[0], t = m->pad[1], r = m->pad[2], b = m->pad[3];
  int64_t h = im.h + t + b, w = im.w + l + r;
  if (m->pad_if_needed && w < tw) l += tw - w, r += tw - w, w += 2 * (tw - w);
  if (m->pad_if_needed && h < th) t += th - h, b += th - h, h += 2 * (th - h);
  if (h < th || w < tw) {
    char msg[200];
    snprintf(msg, sizeof msg, "RandomCrop: required crop size (%lld, %lld) is larger than the input image size (%lld, %lld)",
             (long long)th, (long long)tw, (long long)h, (long long)w);
    lt_set_error(msg, 1);
    return NULL;
  }
  int64_t i = lt_rng_below(rng, h - th + 1), j = lt_rng_below(rng, w - tw + 1);
  lt_tensor *p = tf_pad(x, &im, l, t, r, b, m->fill);
  tf_img pm = im;
  pm.h = h, pm.w = w;
  return p ? tf_crop(p, &pm, i, j, th, tw, m->fill) : NULL;
}

static const lt_param params[] = {
    LT_PARAM_REQ("size", LT_P_ANY, "output size: int or [h, w]"),
    {"padding", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "padding first: int, [left/right, top/bottom] or [left, top, right, bottom]"},
    LT_PARAM("pad_if_needed", LT_P_BOOL, "false", "pad an image smaller than size"),
    LT_PARAM("fill", LT_P_FLOAT, "0", "value of padded pixels"),
    LT_PARAM_CHOICE("padding_mode", "constant", "constant", "padding mode (constant only)"),
};

TF_COMPONENT("torchvision.transforms.RandomCrop", "Crops a random window (after optional padding).", params, create,
             apply);
