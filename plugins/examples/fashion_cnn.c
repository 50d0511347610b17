/* fashion_cnn.c: an example LighterModule written in C, the way a user
 * writes one: the network, criterion, optimizer and metrics come from the
 * config (model::network, ...); this file supplies the steps. Training
 * reports its loss as a dict (the criterion's value as "total" and its
 * parts), validation and test pass pred and target on for the metrics,
 * predict gives class indices.
 *
 *   cc -shared -fPIC fashion_cnn.c $(pkg-config --cflags --libs lighter) -o fashion_cnn.so
 */
#include <lighter/lighter.h>

typedef struct cnn {
  double l2; /* an extra L2 penalty on the logits (0: none) */
} cnn;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  cnn *m = lt_module_new(sizeof *m);
  m->l2 = lt_arg_float(args, "logit_l2");
  return lt_module_done(m, self, err, errlen);
}

/* pred = network(input); loss = {total: criterion + l2 * mean(pred^2), ce: criterion} */
static lt_status training_step(void *self, const lt_model_ctx *ctx, const lt_batch *batch, lt_state *out) {
  cnn *m = self;
  lt_tensor *x = lt_batch_get(batch, "input"), *y = lt_batch_get(batch, "target");
  lt_tensor *pred = lt_ctx_network(ctx, x);
  lt_tensor *ce = lt_ctx_criterion(ctx, pred, y);
  if (!ce) return LT_FAIL; /* the host reports the first failing op */
  lt_tensor *total = ce;
  if (m->l2 > 0) total = lt_tensor_add(ce, lt_tensor_mul_scalar(lt_tensor_mean(lt_tensor_mul(pred, pred), NULL, 0, 0), m->l2));
  lt_state *loss = lt_state_new_dict();
  lt_state_set_tensor(loss, "total", total);
  lt_state_set_tensor(loss, "ce", ce);
  lt_state_set_state(out, "loss", loss);
  lt_state_free(loss);
  lt_state_set_tensor(out, "pred", pred);
  lt_state_set_tensor(out, "target", y);
  return total ? LT_OK : LT_FAIL;
}

/* validation and test: the criterion alone */
static lt_status eval_step(void *self, const lt_model_ctx *ctx, const lt_batch *batch, lt_state *out) {
  (void)self;
  lt_tensor *y = lt_batch_get(batch, "target");
  lt_tensor *pred = lt_ctx_network(ctx, lt_batch_get(batch, "input"));
  lt_tensor *loss = lt_ctx_criterion(ctx, pred, y);
  if (!loss) return LT_FAIL;
  lt_state_set_tensor(out, "loss", loss);
  lt_state_set_tensor(out, "pred", pred);
  lt_state_set_tensor(out, "target", y);
  return LT_OK;
}

static lt_status predict_step(void *self, const lt_model_ctx *ctx, const lt_batch *batch, lt_state *out) {
  (void)self;
  lt_tensor *pred = lt_ctx_network(ctx, lt_batch_get(batch, "input"));
  if (!pred) return LT_FAIL;
  return lt_state_set_tensor(out, "pred", lt_tensor_argmax(pred, 1, 0));
}

static const lt_model_ops ops = {.size = sizeof(lt_model_ops), .training_step = training_step,
                                 .validation_step = eval_step, .test_step = eval_step, .predict_step = predict_step};

static const lt_param params[] = {
    LT_PARAM_MIN("logit_l2", LT_P_FLOAT, "0.0", 0.0, "weight of an L2 penalty on the logits in training"),
};

static const lt_component components[] = {
    {"examples.FashionCNN", LT_KIND_MODEL, "A LighterModule with C steps (the network comes from the config).", params,
     LT_COUNT_OF(params), create, lt_module_free, &ops},
};

LT_PLUGIN_DEFINE("examples-fashion-cnn", "1.0.0", "the demo's model steps", "BSD-3-Clause", components, NULL);
