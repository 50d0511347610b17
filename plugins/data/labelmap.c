/* labelmap.c: lighter.transforms.LabelMap, a target_transform without a
 * lambda: mapping is a list (new label of each old label) or a mapping
 * {old: new}; other labels keep theirs with `default: null`, or become
 * default. */
#include "transform.h"

#define LM_MAX 4096

typedef struct labelmap {
  int64_t to[LM_MAX];
  unsigned char set[LM_MAX];
  int has_default;
  int64_t dflt;
} labelmap;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *mp = lt_arg(args, "mapping");
  labelmap *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  for (size_t i = 0; i < mp->n; i++) {
    int64_t from = (int64_t)i;
    if (mp->type == LT_P_DICT) {
      char *end;
      from = strtoll(mp->keys[i], &end, 10);
      if (*end || !*mp->keys[i]) from = -1;
    }
    if (from < 0 || from >= LM_MAX || mp->items[i].type != LT_P_INT) {
      snprintf(err, errlen, "mapping entry %zu must map a label in [0, %d) to an int", i, LM_MAX);
      free(m);
      return LT_ERR_INVALID;
    }
    m->to[from] = mp->items[i].i;
    m->set[from] = 1;
  }
  m->has_default = !lt_arg_is_null(args, "default");
  m->dflt = lt_arg_int(args, "default");
  *self = m;
  return LT_OK;
}

static lt_tensor *apply(void *self, lt_tensor *x, lt_rng *rng) {
  labelmap *m = self;
  (void)rng;
  int64_t n = lt_tensor_numel(x);
  int64_t *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  if (!v || lt_tensor_copy_to(x, v, (size_t)n * sizeof *v, LT_INT64) != LT_OK) {
    free(v);
    return NULL;
  }
  for (int64_t i = 0; i < n; i++) {
    int known = v[i] >= 0 && v[i] < LM_MAX && m->set[v[i]];
    if (known) v[i] = m->to[v[i]];
    else if (m->has_default) v[i] = m->dflt;
  }
  int64_t shape[8];
  int d = lt_tensor_shape(x, shape, 8);
  lt_tensor *y = lt_tensor_from_data(v, shape, d, LT_INT64);
  free(v);
  return y;
}

static const lt_param params[] = {
    LT_PARAM_REQ("mapping", LT_P_ANY, "new label of each old one: a list, or a mapping {old: new}"),
    {"default", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "label of the others (null: unchanged)"},
};

/* Elementwise: a batch of labels maps the same way. */
static lt_tensor *apply_batch(void *self, lt_tensor *x) { return apply(self, x, NULL); }

TF_COMPONENT_BATCH("lighter.transforms.LabelMap", "Maps labels to other labels (a target_transform).", params, create,
                   apply, apply_batch);
