/* predict_outputs.c: test.PredictOutputs, a model whose predict_step
 * returns more than pred: probs (a tensor), count (an int), tag (a
 * string), extra (a dict with a tensor and a float) and top (a list of
 * tensors). `predict --return_predictions` must keep every one of them in
 * predictions.pt, as Lightning keeps whatever predict_step returned (it
 * kept only pred). The other steps are the host's default. */
#include <lighter/lighter.h>

#include <stdlib.h>

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args, (void)err, (void)errlen;
  *self = calloc(1, 1);
  return *self ? LT_OK : LT_ERR_NOMEM;
}

static void destroy(void *self) { free(self); }

static lt_status predict_step(void *self, const lt_model_ctx *ctx, const lt_batch *batch, lt_state *out) {
  (void)self;
  lt_tensor *x = lt_batch_get(batch, "input");
  lt_tensor *pred = lt_ctx_network(ctx, x);
  if (!pred) return LT_FAIL;
  lt_state_set_tensor(out, "pred", pred);
  lt_state_set_tensor(out, "probs", lt_softmax(pred, 1));
  lt_state_set_int(out, "count", lt_tensor_size(x, 0));
  lt_state_set_string(out, "tag", ctx->mode);
  lt_state *extra = lt_state_new_dict(), *top = lt_state_new_list();
  lt_state_set_tensor(extra, "sum", lt_tensor_sum(pred, NULL, 0, 0));
  lt_state_set_double(extra, "batch", (double)ctx->batch_idx);
  lt_state_set_tensor(top, NULL, lt_tensor_argmax(pred, 1, 0));
  lt_state_set_state(extra, "top", top);
  lt_state_set_state(out, "extra", extra);
  lt_state_free(top), lt_state_free(extra);
  return LT_OK;
}

static const lt_model_ops ops = {.size = sizeof(lt_model_ops), .predict_step = predict_step};

static const lt_component components[] = {
    {"test.PredictOutputs", LT_KIND_MODEL, "A model whose predict_step returns several outputs.", NULL, 0, create,
     destroy, &ops},
};

LT_PLUGIN_DEFINE("test-predict-outputs", "1.0", "predict --return_predictions keeps every output", "BSD-3-Clause",
                 components, NULL);
