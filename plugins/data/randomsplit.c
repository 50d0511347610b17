/* randomsplit.c: torch.utils.data.random_split, one part of it: lengths
 * (counts, or fractions that sum to 1, split as PyTorch does: floors, then
 * one more for the first parts while some remain), a permutation drawn as
 * torch.randperm(n, generator=torch.Generator().manual_seed(seed)) does,
 * and `part` choosing which piece this dataset is. Every part built with
 * the same dataset, lengths and seed is disjoint from the others. */
#include "wrap.h"

#include <math.h>

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  wrap *w = calloc(1, sizeof *w);
  if (!w) return LT_ERR_NOMEM;
  if (wrap_add(w, lt_arg(args, "dataset"), "dataset", err, errlen)) {
    wrap_destroy(w);
    return LT_ERR_INVALID;
  }
  const lt_value *lengths = lt_arg(args, "lengths");
  int64_t n = w->len, k = (int64_t)lengths->n, part = lt_arg_int(args, "part"), lens[256], total = 0;
  double fsum = 0;
  int fractions = 1;
  for (int64_t i = 0; i < k && i < 256; i++) {
    const lt_value *v = &lengths->items[i];
    fsum += v->f;
    if (v->type != LT_P_FLOAT || v->f < 0 || v->f > 1) fractions = 0;
  }
  if (k < 1 || k > 256 || part < 0 || part >= k) {
    snprintf(err, errlen, "lengths must list 1 to 256 parts and part (%lld) be one of them", (long long)part);
    wrap_destroy(w);
    return LT_ERR_INVALID;
  }
  if (fractions && fabs(fsum - 1) < 1e-9) {
    for (int64_t i = 0; i < k; i++) total += lens[i] = (int64_t)floor((double)n * lengths->items[i].f);
    for (int64_t i = 0; i < n - total; i++) lens[i % k]++;
    total = n;
  } else {
    for (int64_t i = 0; i < k; i++) total += lens[i] = lengths->items[i].i;
  }
  if (total != n) {
    snprintf(err, errlen, "sum of input lengths (%lld) does not equal the length of the input dataset (%lld)",
             (long long)total, (long long)n);
    wrap_destroy(w);
    return LT_ERR_INVALID;
  }
  /* the permutation of a generator seeded with seed, the global one untouched */
  lt_tensor *saved = lt_rng_state_get();
  lt_manual_seed((uint64_t)lt_arg_int(args, "seed"));
  lt_clear_error();
  lt_tensor *perm = lt_tensor_randperm(n, LT_INT64, LT_CPU);
  lt_rng_state_set(saved);
  lt_tensor_free(saved);
  int64_t off = 0;
  for (int64_t i = 0; i < part; i++) off += lens[i];
  w->len = lens[part];
  w->index = malloc((size_t)(n ? n : 1) * sizeof *w->index);
  if (!perm || !w->index || lt_tensor_copy_to(perm, w->index, (size_t)n * sizeof *w->index, LT_INT64) != LT_OK) {
    data_tensor_error(err, errlen, "torch.utils.data.random_split", "drawing the permutation", -1);
    lt_tensor_free(perm);
    wrap_destroy(w);
    return LT_FAIL;
  }
  lt_tensor_free(perm);
  memmove(w->index, w->index + off, (size_t)w->len * sizeof *w->index);
  *self = w;
  return LT_OK;
}

static const lt_param params[] = {
    {"dataset", LT_P_COMPONENT, LT_KIND_DATASET, NULL, LT_PF_REQUIRED, 0, 0, NULL, "the dataset to split"},
    LT_PARAM_REQ("lengths", LT_P_LIST, "sizes of the parts, or fractions summing to 1"),
    LT_PARAM_MIN("seed", LT_P_INT, "0", 0, "seed of the permutation (the same in every part)"),
    LT_PARAM_MIN("part", LT_P_INT, "0", 0, "which part this dataset is (0-based)"),
};

WRAP_COMPONENT("torch.utils.data.random_split", "One part of a random split of a dataset.", params, create);
