/* flip_impl.h: RandomHorizontalFlip / RandomVerticalFlip (FLIP_TARGET,
 * FLIP_W: 1 flips the width): the image mirrored with probability p. */
#include "transform.h"

typedef struct flip {
  double p;
} flip;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  flip *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->p = lt_arg_float(args, "p");
  *self = m;
  return LT_OK;
}

static lt_tensor *apply(void *self, lt_tensor *x, lt_rng *rng) {
  flip *m = self;
  tf_img im;
  if (tf_info(x, &im, FLIP_TARGET)) return NULL;
  if (!(lt_rng_uniform(rng) < m->p)) return lt_tensor_ref(x);
  int64_t dim = FLIP_W ? im.wdim : im.hdim;
  return lt_tensor_flip(x, &dim, 1);
}

static const lt_param params[] = {
    LT_PARAM_RANGE("p", LT_P_FLOAT, "0.5", 0.0, 1.0, "probability of a flip"),
};

TF_COMPONENT(FLIP_TARGET, FLIP_SUMMARY, params, create, apply);
