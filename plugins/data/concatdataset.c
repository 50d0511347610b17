/* concatdataset.c: torch.utils.data.ConcatDataset: datasets one after
 * another. */
#include "wrap.h"

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  wrap *w = calloc(1, sizeof *w);
  if (!w) return LT_ERR_NOMEM;
  const lt_value *ds = lt_arg(args, "datasets");
  if (ds->n == 0) snprintf(err, errlen, "datasets should not be an empty list");
  for (size_t i = 0; i < ds->n; i++) {
    char what[48];
    snprintf(what, sizeof what, "datasets item %zu", i);
    if (wrap_add(w, &ds->items[i], what, err, errlen)) break;
  }
  if (ds->n == 0 || w->n != (int)ds->n) {
    wrap_destroy(w);
    return LT_ERR_INVALID;
  }
  *self = w;
  return LT_OK;
}

static const lt_param params[] = {
    {"datasets", LT_P_LIST, LT_KIND_DATASET, NULL, LT_PF_REQUIRED, 0, 0, NULL, "the datasets, in order"},
};

WRAP_COMPONENT("torch.utils.data.ConcatDataset", "Datasets one after another.", params, create);
