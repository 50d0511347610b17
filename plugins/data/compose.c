/* compose.c: torchvision.transforms.Compose: transforms applied in order. */
#include "transform.h"

#define COMPOSE_MAX 32

typedef struct compose {
  int n;
  void *self[COMPOSE_MAX];
  const lt_transform_ops *ops[COMPOSE_MAX];
} compose;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *tfs = lt_arg(args, "transforms");
  if (tfs->n > COMPOSE_MAX) {
    snprintf(err, errlen, "at most %d transforms in one Compose", COMPOSE_MAX);
    return LT_ERR_INVALID;
  }
  compose *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  for (size_t i = 0; i < tfs->n; i++) {
    char what[48];
    snprintf(what, sizeof what, "transforms item %zu", i);
    if (data_transform_arg(&tfs->items[i], what, &m->self[i], &m->ops[i], err, errlen) || !m->ops[i]) {
      if (!m->ops[i]) snprintf(err, errlen, "%s is null", what);
      free(m);
      return LT_ERR_INVALID;
    }
    m->n++;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *apply(void *self, lt_tensor *x, lt_rng *rng) {
  compose *m = self;
  lt_tensor *y = lt_tensor_ref(x);
  for (int i = 0; i < m->n && y; i++) y = data_apply(m->self[i], m->ops[i], y, rng);
  return y;
}

/* Batchable when every transform in it is. */
static int batchable(void *self) {
  compose *m = self;
  for (int i = 0; i < m->n; i++)
    if (!data_batchable(m->self[i], m->ops[i])) return 0;
  return 1;
}

static lt_tensor *apply_batch(void *self, lt_tensor *x) {
  compose *m = self;
  lt_tensor *y = lt_tensor_ref(x);
  for (int i = 0; i < m->n && y; i++) y = data_apply_batch(m->self[i], m->ops[i], y);
  return y;
}

static const lt_param params[] = {
    {"transforms", LT_P_LIST, LT_KIND_TRANSFORM, NULL, LT_PF_REQUIRED, 0, 0, NULL, "the transforms, in order"},
};

TF_COMPONENT_OPS("torchvision.transforms.Compose", "Applies transforms one after another.", params,
                 LT_COUNT_OF(params), create, .apply = apply, .batchable = batchable, .apply_batch = apply_batch);
