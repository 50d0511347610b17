/* normalize.c: torchvision.transforms.Normalize: (x - mean[c]) / std[c]
 * over a float [..., C, H, W] tensor. */
#include "transform.h"

#define NMAX 16

typedef struct norm {
  double mean[NMAX], std[NMAX];
  int n;
} norm;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  norm *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  int a = tf_numbers(lt_arg(args, "mean"), m->mean, NMAX), b = tf_numbers(lt_arg(args, "std"), m->std, NMAX);
  if (a < 1 || b != a) {
    snprintf(err, errlen, "mean and std must be lists of the same length (one number per channel), got %d and %d", a, b);
    free(m);
    return LT_ERR_INVALID;
  }
  for (int i = 0; i < b; i++)
    if (m->std[i] == 0) {
      snprintf(err, errlen, "std evaluated to zero at channel %d, leading to division by zero", i);
      free(m);
      return LT_ERR_INVALID;
    }
  m->n = a;
  *self = m;
  return LT_OK;
}

static lt_tensor *apply(void *self, lt_tensor *x, lt_rng *rng) {
  norm *m = self;
  (void)rng;
  tf_img im;
  if (tf_info(x, &im, "Normalize")) return NULL;
  if (im.pil || (lt_tensor_dtype(x) != LT_FLOAT32 && lt_tensor_dtype(x) != LT_FLOAT64)) {
    lt_set_error("Normalize: expected a float tensor [..., C, H, W] (put ToTensor before Normalize)", 1);
    return NULL;
  }
  if (m->n != 1 && m->n != im.c) {
    char msg[160];
    snprintf(msg, sizeof msg, "Normalize: %d means and stds for an image of %lld channels", m->n, (long long)im.c);
    lt_set_error(msg, 1);
    return NULL;
  }
  lt_tensor *mean = lt_tensor_reshape(lt_tensor_from_data(m->mean, LT_SHAPE(m->n), LT_FLOAT64), LT_SHAPE(m->n, 1, 1));
  lt_tensor *std = lt_tensor_reshape(lt_tensor_from_data(m->std, LT_SHAPE(m->n), LT_FLOAT64), LT_SHAPE(m->n, 1, 1));
  lt_dtype dt = lt_tensor_dtype(x);
  return lt_tensor_div(lt_tensor_sub(x, lt_tensor_to_dtype(mean, dt)), lt_tensor_to_dtype(std, dt));
}

static const lt_param params[] = {
    LT_PARAM_REQ("mean", LT_P_LIST, "mean of each channel"),
    LT_PARAM_REQ("std", LT_P_LIST, "standard deviation of each channel"),
    LT_PARAM("inplace", LT_P_BOOL, "false", "accepted for compatibility; ignored"),
};

/* A batch [N, C, H, W]: the same broadcast over the leading dim. */
static lt_tensor *apply_batch(void *self, lt_tensor *x) { return apply(self, x, NULL); }

TF_COMPONENT_BATCH("torchvision.transforms.Normalize", "Normalises each channel: (x - mean) / std.", params, create,
                   apply, apply_batch);
