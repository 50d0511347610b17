/* randomrotation.c: torchvision.transforms.RandomRotation: rotates
 * counter-clockwise by an angle drawn uniformly from degrees ([-d, d] for a
 * number), about the image centre, nearest neighbour, pixels from outside
 * set to fill; the same sampling grid as torchvision's tensor path. */
#include "transform.h"

typedef struct rotation {
  double lo, hi; /* degrees */
  double fill;
} rotation;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  rotation *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  double d[2];
  int n = tf_numbers(lt_arg(args, "degrees"), d, 2);
  if (n == 1 && d[0] < 0) n = -1;
  if (n < 1) {
    snprintf(err, errlen, "degrees must be a non-negative number or [min, max]");
    free(m);
    return LT_ERR_INVALID;
  }
  m->lo = n == 1 ? -d[0] : d[0];
  m->hi = n == 1 ? d[0] : d[1];
  m->fill = lt_arg_float(args, "fill");
  if (lt_arg_bool(args, "expand")) {
    snprintf(err, errlen, "expand: true is not supported");
    free(m);
    return LT_ERR_UNSUPPORTED;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *apply(void *self, lt_tensor *x, lt_rng *rng) {
  rotation *m = self;
  tf_img im;
  if (tf_info(x, &im, "RandomRotation")) return NULL;
  double angle = m->lo + (m->hi - m->lo) * lt_rng_uniform(rng);
  double a = angle * 3.14159265358979323846 / 180.0, c = cos(a), s = sin(a);
  /* planes of [H, W]: PIL images as [C, H, W] */
  lt_dtype dt = lt_tensor_dtype(x);
  lt_tensor *t = im.pil && lt_tensor_dim(x) == 3 ? lt_tensor_permute(x, LT_SHAPE(2, 0, 1)) : x;
  t = lt_tensor_contiguous(lt_tensor_to_dtype(t, LT_FLOAT64));
  const double *src = t ? lt_tensor_data(t) : NULL;
  if (!src) return NULL;
  int64_t h = im.h, w = im.w, planes = lt_tensor_numel(t) / (h * w);
  double *dst = malloc((size_t)(lt_tensor_numel(t) ? lt_tensor_numel(t) : 1) * sizeof *dst);
  if (!dst) return NULL;
  double cx = (double)(w - 1) * 0.5, cy = (double)(h - 1) * 0.5;
  for (int64_t y = 0; y < h; y++)
    for (int64_t x0 = 0; x0 < w; x0++) {
      double xc = (double)x0 - cx, yc = (double)y - cy;
      int64_t xs = (int64_t)nearbyint(c * xc - s * yc + cx), ys = (int64_t)nearbyint(s * xc + c * yc + cy);
      int in = xs >= 0 && xs < w && ys >= 0 && ys < h;
      for (int64_t p = 0; p < planes; p++)
        dst[p * h * w + y * w + x0] = in ? src[p * h * w + ys * w + xs] : m->fill;
    }
  int64_t shape[8];
  int d = lt_tensor_shape(t, shape, 8);
  lt_tensor *y = lt_tensor_from_data(dst, shape, d, LT_FLOAT64);
  free(dst);
  if (im.pil && lt_tensor_dim(x) == 3) y = lt_tensor_contiguous(lt_tensor_permute(y, LT_SHAPE(1, 2, 0)));
  return lt_tensor_to_dtype(y, dt);
}

static const lt_param params[] = {
    LT_PARAM_REQ("degrees", LT_P_ANY, "angle range: d for [-d, d], or [min, max]"),
    LT_PARAM("expand", LT_P_BOOL, "false", "false only: the output keeps the input size"),
    LT_PARAM("fill", LT_P_FLOAT, "0", "value of pixels from outside the image"),
    LT_PARAM_CHOICE("interpolation", "nearest", "nearest", "nearest only"),
    {"center", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "null only: the image centre"},
};

TF_COMPONENT("torchvision.transforms.RandomRotation", "Rotates by a random angle.", params, create, apply);
