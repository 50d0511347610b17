/* subset.c: torch.utils.data.Subset: the samples of dataset at indices. */
#include "wrap.h"

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  wrap *w = calloc(1, sizeof *w);
  if (!w) return LT_ERR_NOMEM;
  if (wrap_add(w, lt_arg(args, "dataset"), "dataset", err, errlen)) {
    wrap_destroy(w);
    return LT_ERR_INVALID;
  }
  int64_t inner = w->len;
  const lt_value *indices = lt_arg(args, "indices");
  w->len = (int64_t)indices->n;
  w->index = malloc((size_t)(w->len ? w->len : 1) * sizeof *w->index);
  for (int64_t i = 0; w->index && i < w->len; i++) {
    const lt_value *v = &indices->items[i];
    int64_t j = v->i;
    if (v->type != LT_P_INT || (j < 0 ? j + inner : j) < 0 || (j < 0 ? j + inner : j) >= inner) {
      snprintf(err, errlen, "indices item %lld (%lld) is not an index of the dataset (%lld samples)", (long long)i,
               (long long)j, (long long)inner);
      wrap_destroy(w);
      return LT_ERR_INVALID;
    }
    w->index[i] = j < 0 ? j + inner : j;
  }
  if (!w->index) {
    wrap_destroy(w);
    return LT_ERR_NOMEM;
  }
  *self = w;
  return LT_OK;
}

static const lt_param params[] = {
    {"dataset", LT_P_COMPONENT, LT_KIND_DATASET, NULL, LT_PF_REQUIRED, 0, 0, NULL, "the whole dataset"},
    LT_PARAM_REQ("indices", LT_P_LIST, "indices of the samples to keep"),
};

WRAP_COMPONENT("torch.utils.data.Subset", "The samples of a dataset at given indices.", params, create);
