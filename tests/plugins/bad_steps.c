/* bad_steps.c: a model whose training_step goes wrong in the way `mode`
 * says, for the trainer's error paths: none (no loss), nototal (a loss
 * dict without "total"), vector (a loss that is not a scalar), fail (the
 * step reports an error), nan (a NaN loss), ok (a correct step), crash (a
 * NULL dereference inside the step), abort (abort()), exit0 (exit(0): a
 * plugin that ends the process as if all went well), nan_rank1 (a NaN
 * loss on rank 1 alone, from its third step: under ddp every rank must
 * stop). */
#include <lighter/lighter.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct bad {
  int mode, steps;
} bad;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  bad *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const char *modes[] = {"none", "nototal", "vector", "fail", "nan", "ok", "crash", "abort", "exit0", "nan_rank1"};
  for (int i = 0; i < 10; i++)
    if (!strcmp(args[0].s, modes[i])) m->mode = i;
  *self = m;
  return LT_OK;
}

static void destroy(void *self) { free(self); }

static lt_status step(void *self, const lt_model_ctx *ctx, const lt_batch *batch, lt_state *out) {
  bad *m = self;
  lt_tensor *pred = lt_ctx_network(ctx, lt_batch_get(batch, "input"));
  lt_tensor *loss = lt_ctx_criterion(ctx, pred, lt_batch_get(batch, "target"));
  if (!loss) return LT_FAIL;
  switch (m->mode) {
  case 0: return LT_OK;
  case 1: {
    lt_state *d = lt_state_new_dict();
    lt_state_set_tensor(d, "ce", loss);
    lt_state_set_state(out, "loss", d);
    lt_state_free(d);
    return LT_OK;
  }
  case 2: return lt_state_set_tensor(out, "loss", pred);
  case 3: lt_set_error("the step refuses this batch", 1); return LT_ERR_INVALID;
  case 4: return lt_state_set_tensor(out, "loss", lt_tensor_mul_scalar(loss, NAN));
  case 6: {
    volatile int *nowhere = NULL;
    return (lt_status)*nowhere; /* a plugin bug: the host must name it */
  }
  case 7: abort();
  case 8: exit(0);
  case 9: {
    const char *rank = getenv("RANK");
    int nan = rank && !strcmp(rank, "1") && ++m->steps >= 3;
    return lt_state_set_tensor(out, "loss", nan ? lt_tensor_mul_scalar(loss, NAN) : loss);
  }
  default: return lt_state_set_tensor(out, "loss", loss);
  }
}

static const lt_model_ops ops = {.size = sizeof(lt_model_ops), .training_step = step};

static const lt_param params[] = {
    LT_PARAM_CHOICE("mode", "ok", "none|nototal|vector|fail|nan|ok|crash|abort|exit0|nan_rank1", "how the training step goes wrong"),
};

static const lt_component components[] = {
    {"test.BadSteps", LT_KIND_MODEL, "A model whose training_step goes wrong.", params, LT__COUNT_OF(params), create,
     destroy, &ops},
};

LT_PLUGIN_DEFINE("test-bad-steps", "1.0", "trainer error paths", "BSD-3-Clause", components, NULL);
