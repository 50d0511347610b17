/* predictions.c: `predict --return_predictions` keeps what each predict
 * step returned, as Lightning's trainer.predict returns every
 * predict_step's output: a list with one dict per batch holding all its
 * keys (pred, and also id, input, or whatever a C model's step adds), not
 * only pred. The list is what predictions.pt holds for torch.load. */
#include "predictions.h"

#include <stdio.h>
#include <string.h>

static lt_status copy_state(lt_state *dst, const lt_state *src);

/* src[key] into dst under dkey (NULL: appended to a list). */
static lt_status copy_value(lt_state *dst, const char *dkey, const lt_state *src, const char *key) {
  switch (lt_state_kind(src, key)) {
  case LT_VALUE_NONE: return lt_state_set_none(dst, dkey);
  case LT_VALUE_BOOL: {
    int v = 0;
    lt_state_get_bool(src, key, &v);
    return lt_state_set_bool(dst, dkey, v);
  }
  case LT_VALUE_INT: {
    int64_t v = 0;
    lt_state_get_int(src, key, &v);
    return lt_state_set_int(dst, dkey, v);
  }
  case LT_VALUE_DOUBLE: {
    double v = 0;
    lt_state_get_double(src, key, &v);
    return lt_state_set_double(dst, dkey, v);
  }
  case LT_VALUE_STRING: return lt_state_set_string(dst, dkey, lt_state_get_string(src, key));
  case LT_VALUE_TENSOR: {
    lt_tensor *t = lt_state_get_tensor(src, key), *d = lt_tensor_detach(t);
    lt_status st = d ? lt_state_set_tensor(dst, dkey, d) : LT_FAIL;
    lt_tensor_free(d), lt_tensor_free(t);
    return st;
  }
  case LT_VALUE_DICT:
  case LT_VALUE_LIST: {
    lt_state *s = lt_state_get_state(src, key);
    lt_state *c = s && lt_state_is_list(s) ? lt_state_new_list() : lt_state_new_dict();
    lt_status st = s && c ? copy_state(c, s) : LT_FAIL;
    if (st == LT_OK) st = lt_state_set_state(dst, dkey, c);
    lt_state_free(c), lt_state_free(s);
    return st;
  }
  default:
    lt_set_error("a predict step returned a value of a kind that cannot be kept", 1);
    return LT_ERR_INVALID;
  }
}

static lt_status copy_state(lt_state *dst, const lt_state *src) {
  int list = lt_state_is_list(src);
  lt_status st = LT_OK;
  for (int64_t i = 0; i < lt_state_len(src) && st == LT_OK; i++) {
    char idx[24];
    snprintf(idx, sizeof idx, "%lld", (long long)i);
    const char *key = list ? idx : lt_state_key(src, i);
    st = copy_value(dst, list ? NULL : key, src, key);
  }
  return st;
}

lt_status host_predictions_keep(lt_state *preds, const lt_state *out) {
  lt_state *one = lt_state_is_list(out) ? lt_state_new_list() : lt_state_new_dict();
  lt_status st = one ? copy_state(one, out) : LT_ERR_NOMEM;
  if (st == LT_OK) st = lt_state_set_state(preds, NULL, one);
  lt_state_free(one);
  return st;
}

void host_predictions_keys(const lt_state *preds, char *buf, size_t len) {
  size_t at = 0;
  buf[0] = 0;
  lt_state *first = lt_state_len(preds) ? lt_state_get_state(preds, "0") : NULL;
  for (int64_t i = 0; first && !lt_state_is_list(first) && i < lt_state_len(first) && at < len; i++)
    at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", lt_state_key(first, i));
  lt_state_free(first);
}
