/* supervised.c: lighter.SupervisedModule (and lighter.LighterModule used
 * directly): a model whose every step is the default one: pred =
 * network(input), loss = criterion(pred, target), the mode's metrics on
 * (pred, target); predict gives pred. Its fields (network, criterion,
 * optimizer, scheduler, train/val/test_metrics) are the LighterModule's, so
 * a pure-config experiment needs no C. */
#include <lighter/lighter.h>

#include <stdlib.h>

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args, (void)err, (void)errlen;
  *self = calloc(1, 1);
  return *self ? LT_OK : LT_ERR_NOMEM;
}

static void destroy(void *self) { free(self); }

/* all NULL: the host's default steps */
static const lt_model_ops ops = {.size = sizeof(lt_model_ops)};

static const lt_component components[] = {
    {"lighter.SupervisedModule", LT_KIND_MODEL,
     "pred = network(input); loss = criterion(pred, target); metrics(pred, target).", NULL, 0, create, destroy, &ops},
    {"lighter.LighterModule", LT_KIND_MODEL, "The LighterModule with the default steps (as SupervisedModule).", NULL, 0,
     create, destroy, &ops},
};

LT_PLUGIN_DEFINE("lighter.SupervisedModule", LT_VERSION_STRING, "LighterModule models without C", "BSD-3-Clause",
                 components, NULL);
