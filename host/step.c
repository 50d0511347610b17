/* step.c: one step of a LighterModule: the model's training / validation /
 * test / predict step (or the default one, criterion(network(input),
 * target)) on a batch, with precision 64-true and bf16 autocast, its loss
 * (a scalar tensor or a dict with 'total') checked and read, and the
 * mode's metrics updated on (pred, target). */
#include "trainer_impl.h"

#include "metric_forward.h"

#include <stdio.h>
#include <string.h>

static const char *step_name(host_mode mode) {
  static const char *const n[4] = {"training_step", "validation_step", "test_step", "predict_step"};
  return n[mode];
}

/* The default step: pred = network(input), loss = criterion(pred, target). */
static lt_status default_step(const lt_model_ctx *c, const lt_batch *b, lt_state *out, host_mode mode) {
  lt_tensor *x = lt_batch_get(b, "input"), *y = lt_batch_get(b, "target");
  if (!x && b->n > 0) x = b->t[0];
  if (!y && b->n > 1 && strcmp(b->names[1], "id")) y = b->t[1];
  if (!x) {
    lt_set_error("the batch has no 'input'", 1);
    return LT_ERR_INVALID;
  }
  lt_tensor *pred = lt_ctx_network(c, x);
  if (!pred) return LT_FAIL;
  lt_state_set_tensor(out, "pred", pred);
  lt_tensor *id = lt_batch_get(b, "id");
  if (id) lt_state_set_tensor(out, "id", id);
  if (mode == HOST_MODE_PREDICT) return lt_state_set_tensor(out, "input", x);
  if (!y) {
    lt_set_error("the batch has no 'target' (the default step computes criterion(pred, target))", 1);
    return LT_ERR_INVALID;
  }
  lt_state_set_tensor(out, "target", y);
  lt_state_set_tensor(out, "input", x);
  if (!c->criterion && mode != HOST_MODE_TRAIN) return LT_OK;
  lt_tensor *loss = lt_ctx_criterion(c, pred, y);
  if (!loss) return LT_FAIL;
  return lt_state_set_tensor(out, "loss", loss);
}

static int scalar_of(lt_tensor *t, double *v) {
  return lt_tensor_numel(t) == 1 && lt_tensor_item_double(t, v) == LT_OK ? 0 : -1;
}

/* Calls the step of mode (the model's, or the default) on batch into out,
 * with the run's precision: 64-true takes floating inputs in float64, as
 * the weights; bf16 runs under autocast. */
static lt_status call_step(host_run *r, host_mode mode, const lt_batch *batch, int64_t bi, lt_state *out) {
  const host_model_parts *m = &r->model;
  lt_model_ctx c = {sizeof c, m->network, m->network_ops, m->criterion, m->criterion_ops, m->optimizer,
                    m->optimizer_ops, NULL, NULL, host_mode_name(mode), r->loop.fit.epoch, r->loop.fit.global_step, bi};
  if (mode < HOST_MODE_PREDICT && m->metrics[mode].top)
    c.metrics = m->metrics[mode].top, c.metrics_ops = m->metrics[mode].top_ops;
  lt_step_fn fn = NULL;
  if (m->ops) {
    lt_step_fn fns[4] = {m->ops->training_step, m->ops->validation_step, m->ops->test_step, m->ops->predict_step};
    fn = fns[mode];
  }
  lt_tensor *conv[16];
  lt_batch b64 = *batch;
  if (r->cfg->precision64) {
    for (int i = 0; i < batch->n && i < 16; i++) {
      lt_dtype dt = lt_tensor_dtype(batch->t[i]);
      conv[i] = dt == LT_FLOAT32 || dt == LT_FLOAT16 || dt == LT_BFLOAT16 ? lt_tensor_to_dtype(batch->t[i], LT_FLOAT64)
                                                                          : batch->t[i];
    }
    b64.t = conv;
    batch = &b64;
  }
  int prev_autocast = r->cfg->bf16 ? lt_autocast_set(1, LT_BFLOAT16) : 0;
  host_crash_push(m->obj->plugin, m->obj->comp->target, step_name(mode));
  lt_status rc = fn ? fn(m->obj->self, &c, batch, out) : default_step(&c, batch, out, mode);
  host_crash_pop();
  if (r->cfg->bf16) lt_autocast_set(prev_autocast, LT_BFLOAT16);
  return rc;
}

/* A loss dict: 'total' to backpropagate, the other keys its parts to log. */
static int read_loss_dict(lt_state *out, const char *where, host_step_out *o) {
  int bad = 0;
  lt_state *d = lt_state_get_state(out, "loss");
  if (lt_state_kind(d, "total") != LT_VALUE_TENSOR) {
    bad = FAIL("%s returned a loss dict without 'total' (a scalar tensor); its keys name the parts to log", where);
  } else {
    o->loss = lt_state_get_tensor(d, "total");
    for (int64_t k = 0; k < lt_state_len(d) && o->nsub < 16; k++) {
      const char *key = lt_state_key(d, k);
      if (!strcmp(key, "total")) continue;
      lt_tensor *t = lt_state_kind(d, key) == LT_VALUE_TENSOR ? lt_state_get_tensor(d, key) : NULL;
      if (!t || scalar_of(t, &o->sub[o->nsub])) {
        bad = FAIL("%s: loss['%s'] must be a scalar tensor", where, key);
        break;
      }
      o->sub_name[o->nsub++] = key; /* lives as long as the state: copied below */
    }
  }
  /* names must outlive the state */
  static char names[16][128];
  for (int k = 0; k < o->nsub; k++) snprintf(names[k], sizeof names[k], "%s", o->sub_name[k]), o->sub_name[k] = names[k];
  lt_state_free(d);
  return bad;
}

/* The step's loss (a scalar tensor, or a dict with 'total') into o. */
static int read_loss(lt_state *out, host_mode mode, const char *where, host_step_out *o) {
  int bad = 0;
  lt_value_kind lk = lt_state_kind(out, "loss");
  if (lk == LT_VALUE_TENSOR) o->loss = lt_state_get_tensor(out, "loss");
  else if (lk == LT_VALUE_DICT) bad = read_loss_dict(out, where, o);
  else if (lk != LT_VALUE_MISSING && lk != LT_VALUE_NONE)
    bad = FAIL("%s returned a 'loss' that is not a tensor or a dict with 'total'", where);
  if (!bad && o->loss && scalar_of(o->loss, &o->total)) {
    char sh[96];
    lt_shape_text(o->loss, sh, sizeof sh);
    bad = FAIL("%s returned a loss of shape %s; it must be a scalar (reduce it, e.g. with mean)", where, sh);
  }
  if (!bad && mode == HOST_MODE_TRAIN && !o->loss)
    bad = FAIL("%s returned no 'loss' (set out[\"loss\"] to a scalar tensor, or a dict with \"total\")", where);
  return bad;
}

/* The metrics of the mode on (pred, target), without gradients; each one's
 * value on this batch too when the step logs it (val and test: every
 * batch; train: the batches that log). */
static int update_metrics(host_run *r, host_mode mode, lt_state *out, const char *where, host_step_out *o) {
  host_metrics *m = &r->model.metrics[mode];
  lt_tensor *p = o->pred, *t = lt_state_kind(out, "target") == LT_VALUE_TENSOR ? lt_state_get_tensor(out, "target") : NULL;
  if (!p || !t) return 0;
  int bad = 0, prev = lt_grad_set_enabled(0);
  lt_tensor *pd = lt_tensor_detach(p);
  int values = mode != HOST_MODE_TRAIN || host_logging_train_due(r);
  for (int i = 0; i < m->n && !bad; i++) {
    lt_clear_error();
    if (host_metric_forward(m->ops[i], m->self[i], pd, t, values ? &o->metric_value[i] : NULL) != LT_OK)
      bad = FAIL("%s metric %s (%s): %s", host_mode_name(mode), m->name[i], where, lt_last_error());
  }
  lt_grad_set_enabled(prev);
  return bad;
}

int host_step_run(host_run *r, host_mode mode, const lt_batch *batch, int64_t bi, host_step_out *o) {
  memset(o, 0, sizeof *o);
  if (mode == HOST_MODE_TRAIN && bi == 0) host_logging_optimizer_capture(r); /* where Lighter reads them */
  lt_state *out = lt_state_new_dict();
  lt_clear_error();
  lt_status rc = call_step(r, mode, batch, bi, out);
  char where[256];
  snprintf(where, sizeof where, "%s of %s (epoch %lld, batch %lld)", step_name(mode), r->model.obj->comp->target,
           (long long)r->loop.fit.epoch, (long long)bi);
  if (rc != LT_OK) {
    lt_state_free(out);
    return FAIL("%s failed: %s", where, *lt_last_error() ? lt_last_error() : lt_status_str(rc));
  }
  int bad = read_loss(out, mode, where, o);
  if (!bad && lt_state_kind(out, "pred") == LT_VALUE_TENSOR) o->pred = lt_state_get_tensor(out, "pred");
  if (!bad && mode < HOST_MODE_PREDICT && r->model.metrics[mode].n && !r->loop.sanity)
    bad = update_metrics(r, mode, out, where, o);
  o->out = out;
  return bad;
}
