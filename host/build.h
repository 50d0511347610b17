/* build.h: checking a resolved config against the registry's parameter
 * specs, then instantiating its components. */
#ifndef HOST_BUILD_H
#define HOST_BUILD_H

#include "config/error.h"
#include "plugin.h"

typedef struct host_object {
  char *path;              /* key path of the component ("model::network") */
  const lt_component *comp;
  const char *plugin;      /* plugin file, for crash reports */
  void *self;              /* NULL for a factory */
  lt_factory factory;      /* _mode_: callable */
  int is_factory;
  struct host_build *build;
} host_object;

typedef struct host_build {
  const host_registry *reg;
  const lt_api *api; /* may be NULL until a run needs tensors */
  cfg_node *root;    /* resolved config (borrowed) */
  host_object **objects; /* in creation order; each stays where it is */
  size_t nobjects;
  cfg_error *err;
} host_build;

/* Every component in the tree: a known _target_ ("did you mean"), every
 * key a parameter of its spec, every required parameter given, values of
 * the right type, in range, among the choices. Nothing is created. */
int host_build_check(const host_registry *reg, cfg_node *root, cfg_error *err);
/* One value v for parameter p of c: type, null, range, choices, and (with
 * reg) the kind of a component and what is inside it. reg may be NULL: a
 * plugin's own default, checked as it loads. 0, or -1 with err set. */
int host_param_check(const host_registry *reg, const lt_component *c, const lt_param *p, cfg_node *v,
                     const char *path, cfg_error *err);

/* The component at path (built once: @ references share it), creating what
 * it needs first. NULL with b->err set on failure. */
host_object *host_build_get(host_build *b, const char *path);

/* The LighterModule fields every model component takes besides its own
 * parameters (network, criterion, optimizer, scheduler, train_metrics,
 * val_metrics, test_metrics); the trainer builds them. */
#define HOST_NMODEL_FIELDS 7
extern const char *const host_model_fields[HOST_NMODEL_FIELDS];
/* The field's index, or -1. */
int host_model_field(const char *key);

/* Destroy everything built, in reverse order. */
void host_build_free(host_build *b);

#endif
