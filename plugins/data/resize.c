/* resize.c: torchvision.transforms.Resize: size [h, w], or an int for the
 * smaller edge (the other keeps the aspect ratio, as torchvision computes
 * it; max_size caps the longer one); bilinear (align_corners false, no
 * antialiasing: torchvision's tensor path before 0.17) or nearest. uint8
 * images are resized in float and rounded back. */
#include "transform.h"

typedef struct resize {
  int64_t size[2];
  int edge;       /* size is the smaller edge's */
  int nearest;    /* else bilinear */
  double max_size; /* 0: none */
} resize;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  resize *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const lt_value *size = lt_arg(args, "size");
  m->edge = size->type == LT_P_INT || (size->type == LT_P_LIST && size->n == 1);
  if (tf_size(size, m->size)) {
    snprintf(err, errlen, "size must be a positive int or [h, w]");
    free(m);
    return LT_ERR_INVALID;
  }
  m->nearest = !strcmp(lt_arg_str(args, "interpolation"), "nearest");
  m->max_size = lt_arg_is_null(args, "max_size") ? 0 : (double)lt_arg_int(args, "max_size");
  if (m->max_size && (!m->edge || m->max_size <= (double)m->size[0])) {
    snprintf(err, errlen, "max_size needs an int size smaller than it");
    free(m);
    return LT_ERR_INVALID;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *apply(void *self, lt_tensor *x, lt_rng *rng) {
  resize *m = self;
  (void)rng;
  tf_img im;
  if (tf_info(x, &im, "Resize")) return NULL;
  int64_t oh = m->size[0], ow = m->size[1];
  if (m->edge) {
    int64_t s = im.h <= im.w ? im.h : im.w, l = im.h <= im.w ? im.w : im.h;
    int64_t ns = m->size[0], nl = (int64_t)((double)ns * (double)l / (double)s);
    if (m->max_size && nl > (int64_t)m->max_size)
      ns = (int64_t)(m->max_size * (double)ns / (double)nl), nl = (int64_t)m->max_size;
    oh = im.h <= im.w ? ns : nl;
    ow = im.h <= im.w ? nl : ns;
  }
  if (oh == im.h && ow == im.w) return lt_tensor_ref(x);
  lt_dtype dt = lt_tensor_dtype(x);
  lt_tensor *t = lt_tensor_to_dtype(x, dt == LT_FLOAT64 ? LT_FLOAT64 : LT_FLOAT32);
  int d = lt_tensor_dim(x);
  int64_t shape[8];
  lt_tensor_shape(x, shape, 8);
  /* as [N, C, H, W] */
  if (im.pil) t = d == 2 ? lt_tensor_reshape(t, LT_SHAPE(1, 1, im.h, im.w))
                         : lt_tensor_unsqueeze(lt_tensor_permute(t, LT_SHAPE(2, 0, 1)), 0);
  else t = lt_tensor_reshape(t, LT_SHAPE(-1, im.c, im.h, im.w));
  lt_tensor *y = lt_interpolate(t, LT_SHAPE(oh, ow), m->nearest ? LT_INTERP_NEAREST : LT_INTERP_BILINEAR, 0);
  if (im.pil) y = d == 2 ? lt_tensor_reshape(y, LT_SHAPE(oh, ow))
                         : lt_tensor_contiguous(lt_tensor_permute(lt_tensor_select(y, 0, 0), LT_SHAPE(1, 2, 0)));
  else {
    shape[d - 2] = oh, shape[d - 1] = ow;
    y = lt_tensor_reshape(y, shape, d);
  }
  if (dt == LT_UINT8) y = lt_tensor_to_dtype(lt_tensor_clamp(lt_tensor_round(y), 0, 255), LT_UINT8);
  else if (dt != LT_FLOAT32 && dt != LT_FLOAT64) y = lt_tensor_to_dtype(y, dt);
  return y;
}

static const lt_param params[] = {
    LT_PARAM_REQ("size", LT_P_ANY, "[h, w], or an int for the smaller edge"),
    LT_PARAM_CHOICE("interpolation", "bilinear", "bilinear|nearest", "how to sample"),
    {"max_size", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 1, 0, NULL,
     "the longer edge at most (with an int size)"},
    LT_PARAM("antialias", LT_P_ANY, "null", "accepted; no antialiasing is done"),
};

TF_COMPONENT("torchvision.transforms.Resize", "Resizes an image (bilinear or nearest).", params, create, apply);
