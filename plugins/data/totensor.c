/* totensor.c: torchvision.transforms.ToTensor: a PIL-like uint8 image
 * [H, W] or [H, W, C] becomes float [C, H, W] in [0, 1]. */
#include "transform.h"

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args, (void)err, (void)errlen;
  *self = calloc(1, 1);
  return *self ? LT_OK : LT_ERR_NOMEM;
}

static lt_tensor *apply(void *self, lt_tensor *x, lt_rng *rng) {
  (void)self, (void)rng;
  int d = lt_tensor_dim(x);
  if (lt_tensor_dtype(x) != LT_UINT8 || (d != 2 && d != 3)) {
    lt_set_error("ToTensor: expected a uint8 image [H, W] or [H, W, C] (what a dataset gives before ToTensor)", 1);
    return NULL;
  }
  lt_tensor *f = lt_tensor_div_scalar(lt_tensor_to_dtype(x, LT_FLOAT32), 255.0);
  return d == 2 ? lt_tensor_unsqueeze(f, 0) : lt_tensor_contiguous(lt_tensor_permute(f, LT_SHAPE(2, 0, 1)));
}

/* A batch of such images, uint8 [N, H, W] or [N, H, W, C], at once. */
static lt_tensor *apply_batch(void *self, lt_tensor *x) {
  (void)self;
  int d = lt_tensor_dim(x);
  if (lt_tensor_dtype(x) != LT_UINT8 || (d != 3 && d != 4)) {
    lt_set_error("ToTensor: expected a batch of uint8 images [N, H, W] or [N, H, W, C]", 1);
    return NULL;
  }
  lt_tensor *f = lt_tensor_div_scalar(lt_tensor_to_dtype(x, LT_FLOAT32), 255.0);
  return d == 3 ? lt_tensor_unsqueeze(f, 1) : lt_tensor_contiguous(lt_tensor_permute(f, LT_SHAPE(0, 3, 1, 2)));
}

TF_COMPONENT_BATCH_N("torchvision.transforms.ToTensor", "uint8 [H, W(, C)] image to float [C, H, W] in [0, 1].", NULL,
                     0, create, apply, apply_batch);
