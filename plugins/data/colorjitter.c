/* colorjitter.c: torchvision.transforms.ColorJitter (brightness and
 * contrast): factors drawn uniformly from [max(0, 1 - v), 1 + v] (or a
 * given [min, max]), applied in a random order; brightness scales, contrast
 * blends with the mean grey level (0.2989 R + 0.587 G + 0.114 B), both
 * clamped to the image's range, as torchvision's tensor functions (uint8
 * results truncated like its .to(uint8)). */
#include "transform.h"

/* The factor range [min, max] of the argument name. */
static int range(const lt_value *args, const char *name, double out[2], char *err, size_t errlen) {
  double d[2];
  int n = tf_numbers(lt_arg(args, name), d, 2);
  if (n == 1 && d[0] >= 0) {
    out[0] = d[0] < 1 ? 1 - d[0] : 0, out[1] = 1 + d[0];
  } else if (n == 2 && d[0] >= 0 && d[0] <= d[1]) {
    out[0] = d[0], out[1] = d[1];
  } else {
    snprintf(err, errlen, "%s must be a non-negative number or [min, max]", name);
    return -1;
  }
  return 0;
}

typedef struct jitter {
  double brightness[2], contrast[2]; /* factor ranges [min, max] */
} jitter;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  jitter *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  if (range(args, "brightness", m->brightness, err, errlen) || range(args, "contrast", m->contrast, err, errlen)) {
    free(m);
    return LT_ERR_INVALID;
  }
  if (lt_arg_float(args, "saturation") != 0 || lt_arg_float(args, "hue") != 0) {
    snprintf(err, errlen, "saturation and hue are not supported (brightness and contrast are)");
    free(m);
    return LT_ERR_UNSUPPORTED;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *blend(lt_tensor *a, lt_tensor *b, double ratio, double bound, lt_dtype dt) {
  lt_tensor *y = lt_tensor_clamp(lt_tensor_add(lt_tensor_mul_scalar(a, ratio), lt_tensor_mul_scalar(b, 1 - ratio)), 0, bound);
  return dt == LT_UINT8 ? lt_tensor_to_dtype(lt_tensor_to_dtype(y, LT_UINT8), LT_FLOAT32) : y;
}

static lt_tensor *apply(void *self, lt_tensor *x, lt_rng *rng) {
  jitter *m = self;
  tf_img im;
  if (tf_info(x, &im, "ColorJitter")) return NULL;
  lt_dtype dt = lt_tensor_dtype(x);
  double bound = dt == LT_UINT8 ? 255 : 1;
  int brightness_first = lt_rng_uniform(rng) < 0.5;
  const double *br = m->brightness, *co = m->contrast;
  double fb = br[0] + (br[1] - br[0]) * lt_rng_uniform(rng);
  double fc = co[0] + (co[1] - co[0]) * lt_rng_uniform(rng);
  int do_b = br[0] != 1 || br[1] != 1, do_c = co[0] != 1 || co[1] != 1;
  lt_tensor *y = lt_tensor_to_dtype(x, dt == LT_FLOAT64 ? LT_FLOAT64 : LT_FLOAT32);
  /* channels along cdim: the last for PIL [H, W, C], else -3 */
  int64_t cdim = im.pil ? 2 : lt_tensor_dim(x) - 3;
  for (int k = 0; k < 2 && y; k++) {
    int b = brightness_first ? k == 0 : k == 1;
    if (b && do_b) {
      y = blend(y, lt_tensor_zeros_like(y), fb, bound, dt);
    } else if (!b && do_c) {
      /* the mean grey level of each image, shaped to broadcast against y */
      lt_tensor *grey = y, *mean;
      if (im.c == 3) {
        lt_tensor *r = lt_tensor_select(y, cdim, 0), *g = lt_tensor_select(y, cdim, 1), *bl = lt_tensor_select(y, cdim, 2);
        grey = lt_tensor_add(lt_tensor_add(lt_tensor_mul_scalar(r, 0.2989), lt_tensor_mul_scalar(g, 0.587)),
                             lt_tensor_mul_scalar(bl, 0.114));
        if (dt == LT_UINT8) grey = lt_tensor_to_dtype(lt_tensor_to_dtype(grey, LT_UINT8), LT_FLOAT32);
        int64_t hw[2] = {-2, -1};
        if (im.pil) hw[0] = 0, hw[1] = 1;
        mean = lt_tensor_mean(grey, hw, 2, 1);
        if (!im.pil) mean = lt_tensor_unsqueeze(mean, -3);
      } else {
        int64_t all[3] = {-3, -2, -1};
        int nd = lt_tensor_dim(x) >= 3 ? 3 : 2;
        mean = lt_tensor_mean(grey, all + (3 - nd), nd, 1);
      }
      y = blend(y, mean, fc, bound, dt);
    }
  }
  return y ? lt_tensor_to_dtype(y, dt) : NULL;
}

static const lt_param params[] = {
    LT_PARAM("brightness", LT_P_ANY, "0", "how much to jitter brightness: v or [min, max]"),
    LT_PARAM("contrast", LT_P_ANY, "0", "how much to jitter contrast: v or [min, max]"),
    LT_PARAM("saturation", LT_P_FLOAT, "0", "0 only"),
    LT_PARAM("hue", LT_P_FLOAT, "0", "0 only"),
};

TF_COMPONENT("torchvision.transforms.ColorJitter", "Random brightness and contrast.", params, create, apply);
