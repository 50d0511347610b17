/* loss_weight.h: what the built-in losses with tensor arguments share
 * (CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss): PyTorch's
 * `weight` and `pos_weight` given in the config as lists of numbers, made
 * into tensors once and matched to each input's dtype and device. */
#ifndef LT_CORE_LOSS_WEIGHT_H
#define LT_CORE_LOSS_WEIGHT_H

#include "common.h"

/* The arguments of a loss with tensor parameters. */
typedef struct core_wloss {
  lt_tensor *weight, *pos_weight; /* owned; NULL when not given */
  lt_reduction reduction;
  int64_t ignore_index;
  double label_smoothing;
} core_wloss;

static inline void core_wloss_destroy(void *self) {
  core_wloss *m = (core_wloss *)self;
  if (!m) return;
  lt_tensor_free(m->weight);
  lt_tensor_free(m->pos_weight);
  free(m);
}

/* Parameter `name` (a nullable list of numbers) as a float32 tensor in
 * *out (owned; NULL for null). LT_OK, or an error naming the item. */
static inline lt_status core_loss_tensor(const lt_value *v, const char *name, lt_tensor **out, char *err, size_t errlen) {
  *out = NULL;
  if (v->is_null) return LT_OK;
  if (v->type != LT_P_LIST || v->n == 0) {
    snprintf(err, errlen, "%s must be a non-empty list of numbers (one per class)", name);
    return LT_ERR_INVALID;
  }
  double *vals = (double *)calloc(v->n, sizeof *vals);
  if (!vals) return LT_ERR_NOMEM;
  for (size_t i = 0; i < v->n; i++) {
    const lt_value *it = &v->items[i];
    if ((it->type != LT_P_INT && it->type != LT_P_FLOAT) || it->is_null || !isfinite(it->f)) {
      snprintf(err, errlen, "%s[%zu] must be a finite number", name, i);
      free(vals);
      return LT_ERR_INVALID;
    }
    vals[i] = it->f;
  }
  int64_t n = (int64_t)v->n;
  *out = lt_tensor_keep(lt_tensor_to_dtype(lt_tensor_from_data(vals, &n, 1, LT_FLOAT64), LT_FLOAT32));
  free(vals);
  if (!*out) {
    snprintf(err, errlen, "%s: %s", name, lt_last_error());
    return LT_FAIL;
  }
  return LT_OK;
}

/* A new loss's arguments "weight" (and "pos_weight" when the loss has
 * one) made into tensors and its "reduction" read: LT_OK with *out, or an
 * error naming the item (nothing is kept). */
static inline lt_status core_wloss_new(const lt_value *args, int has_pos_weight, core_wloss **out, char *err,
                                       size_t errlen) {
  core_wloss *c = (core_wloss *)calloc(1, sizeof *c);
  if (!c) return LT_ERR_NOMEM;
  lt_status st = core_loss_tensor(lt_arg(args, "weight"), "weight", &c->weight, err, errlen);
  if (st == LT_OK && has_pos_weight)
    st = core_loss_tensor(lt_arg(args, "pos_weight"), "pos_weight", &c->pos_weight, err, errlen);
  if (st != LT_OK) {
    core_wloss_destroy(c);
    return st;
  }
  c->reduction = core_reduction(lt_arg_str(args, "reduction"));
  *out = c;
  return LT_OK;
}

/* w (may be NULL) in input's dtype and on its device, as PyTorch needs
 * them to match (64-true precision, CUDA); LT_NO_TENSOR for NULL. */
static inline lt_tensor *core_loss_like(lt_tensor *w, lt_tensor *input) {
  if (!w) return LT_NO_TENSOR;
  if (!input) return w;
  lt_dtype dt = lt_tensor_dtype(input);
  lt_device dev = lt_tensor_device(input);
  if (lt_tensor_dtype(w) != dt) w = lt_tensor_to_dtype(w, dt);
  if (w && lt_tensor_device(w) != dev) w = lt_tensor_to_device(w, dev);
  return w;
}

/* The parameters as PyTorch spells them. */
#define CORE_LOSS_WEIGHT(doc_) {"weight", LT_P_LIST, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, doc_}
#define CORE_LOSS_IGNORE_INDEX LT_PARAM("ignore_index", LT_P_INT, "-100", "target value that does not count")

#endif
