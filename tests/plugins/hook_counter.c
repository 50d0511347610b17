/* hook_counter.c: a callback in the SDK 1.5 style (test.HookCounter): its
 * counters are a buffer in its books, so lt_module_state_save/_load are its
 * checkpoint state and lt_module_free its destroy; it logs the counts
 * (counter/train_batches, counter/val_epochs) at each training epoch's end.
 * The Lightning equivalent:
 *
 *   class HookCounter(Callback):
 *       def __init__(self): self.counts = torch.zeros(2, dtype=torch.int64)
 *       def on_train_batch_end(self, *a): self.counts[0] += 1
 *       def on_validation_epoch_end(self, trainer, m):
 *           if not trainer.sanity_checking: self.counts[1] += 1
 *       def on_train_epoch_end(self, trainer, m):
 *           m.log("counter/train_batches", float(self.counts[0])); m.log("counter/val_epochs", float(self.counts[1]))
 *       def state_dict(self): return {"counts": self.counts}
 *       def load_state_dict(self, s): self.counts.copy_(s["counts"])
 */
#include <lighter/lighter.h>

#include <string.h>

typedef struct counter {
  int64_t *counts; /* the buffer's data */
} counter;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args;
  counter *c = lt_module_new(sizeof *c);
  lt_tensor *t = lt_register_buffer(c, "counts", lt_tensor_zeros(LT_SHAPE(2), LT_INT64, LT_CPU));
  c->counts = t ? lt_tensor_data(t) : NULL;
  return lt_module_done(c, self, err, errlen);
}

static lt_status hook(void *self, lt_hook h, const lt_run_view *run) {
  counter *c = self;
  if (h == LT_HOOK_ON_TRAIN_BATCH_END) c->counts[0]++;
  if (h == LT_HOOK_ON_VALIDATION_EPOCH_END && strcmp(run->mode, "sanity")) c->counts[1]++;
  if (h == LT_HOOK_ON_TRAIN_EPOCH_END) {
    run->log(run->host, "counter/train_batches", (double)c->counts[0]);
    run->log(run->host, "counter/val_epochs", (double)c->counts[1]);
  }
  return LT_OK;
}

static const lt_callback_ops ops = {sizeof(lt_callback_ops), hook, lt_module_state_save, lt_module_state_load};

static const lt_component components[] = {
    {"test.HookCounter", LT_KIND_CALLBACK, "Counts hooks; its counts survive a resume.", NULL, 0, create,
     lt_module_free, &ops},
};

LT_PLUGIN_DEFINE("test-hook-counter", "1.0", "a callback that keeps its books", "MIT", components, NULL);
