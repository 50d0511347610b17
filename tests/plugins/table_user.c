/* table_user.c: a plugin-style file that includes only lighter.h and is
 * built with no link flags (-std=c99 -pedantic). It reaches the tensor
 * layer only through the table the host hands it; check_api.c loads it. */
#include <lighter/lighter.h>

LT_API_DEFINE();

LT_EXPORT int table_user_bind(const lt_api *api) { return lt_api_bind(api); }

/* Mean squared error of a linear map, and its gradient norm. */
LT_EXPORT double table_user_run(void) {
  lt_scope *s = lt_scope_begin();
  double out = -1;
  lt_tensor *x = lt_tensor_reshape(lt_tensor_arange(0, 6, 1, LT_FLOAT32, LT_CPU), LT_SHAPE(3, 2));
  lt_tensor *w = lt_tensor_ones(LT_SHAPE(1, 2), LT_FLOAT32, LT_CPU);
  if (lt_tensor_set_requires_grad(w, 1) == LT_OK) {
    lt_tensor *y = lt_linear(x, w, LT_NO_TENSOR);
    lt_tensor *loss = lt_mse_loss(y, lt_tensor_zeros_like(y), LT_REDUCTION_MEAN);
    if (loss && lt_tensor_backward(loss, LT_NO_TENSOR, 0) == LT_OK &&
        lt_tensor_item_double(loss, &out) != LT_OK)
      out = -1;
  }
  lt_scope_end(s);
  return out;
}

/* The failing-chain case: returns the error text. */
LT_EXPORT const char *table_user_fail(void) {
  lt_scope *s = lt_scope_begin();
  lt_tensor *a = lt_tensor_zeros(LT_SHAPE(2, 3), LT_FLOAT32, LT_CPU);
  lt_tensor *r = lt_relu(lt_tensor_matmul(a, a));
  lt_scope_end(s);
  return r ? "" : lt_last_error();
}
