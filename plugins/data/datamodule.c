/* datamodule.c: lighter.LighterDataModule: the DataLoaders of each stage
 * (train_dataloader, val_dataloader, test_dataloader, predict_dataloader;
 * each may be null). */
#include "data.h"

static const char *const stages[4] = {"train", "val", "test", "predict"};
/* the argument of each stage */
static const char *const arg_names[4] = {"train_dataloader", "val_dataloader", "test_dataloader", "predict_dataloader"};

typedef struct dm {
  void *self[4];
  const lt_loader_ops *ops[4];
} dm;

static lt_status dm_create(const lt_value *args, void **self, char *err, size_t errlen) {
  dm *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  for (int i = 0; i < 4; i++) {
    const lt_value *v = lt_arg(args, arg_names[i]);
    if (v->is_null) continue;
    const lt_loader_ops *o = v->component_type ? (const lt_loader_ops *)v->component_type->ops : NULL;
    if (!v->component || v->component_kind != LT_KIND_DATALOADER || !o || !LT_HAS(o, lt_loader_ops, next)) {
      snprintf(err, errlen, "%s_dataloader must be a torch.utils.data.DataLoader", stages[i]);
      free(m);
      return LT_ERR_INVALID;
    }
    m->self[i] = v->component;
    m->ops[i] = o;
  }
  *self = m;
  return LT_OK;
}

static void *dm_loader(void *self, const char *stage, const lt_loader_ops **ops) {
  dm *m = self;
  for (int i = 0; i < 4; i++)
    if (stage && !strcmp(stage, stages[i])) {
      if (ops) *ops = m->ops[i];
      return m->self[i];
    }
  if (ops) *ops = NULL;
  return NULL;
}

static void dm_destroy(void *self) { free(self); }

static const lt_datamodule_ops ops = {.size = sizeof(lt_datamodule_ops), .loader = dm_loader};

static const lt_param params[] = {
    {"train_dataloader", LT_P_COMPONENT, LT_KIND_DATALOADER, "null", LT_PF_NULLABLE, 0, 0, NULL, "for fit"},
    {"val_dataloader", LT_P_COMPONENT, LT_KIND_DATALOADER, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "for validation (fit and validate)"},
    {"test_dataloader", LT_P_COMPONENT, LT_KIND_DATALOADER, "null", LT_PF_NULLABLE, 0, 0, NULL, "for test"},
    {"predict_dataloader", LT_P_COMPONENT, LT_KIND_DATALOADER, "null", LT_PF_NULLABLE, 0, 0, NULL, "for predict"},
};

static const lt_component components[] = {
    {"lighter.LighterDataModule", LT_KIND_DATAMODULE, "The data loaders of each stage.", params, LT_COUNT_OF(params),
     dm_create, dm_destroy, &ops},
};

LT_PLUGIN_DEFINE("lighter.LighterDataModule", LT_VERSION_STRING, "lighter.LighterDataModule", "BSD-3-Clause", components,
                 NULL);
