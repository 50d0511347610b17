/* metriccollection.c: torchmetrics.MetricCollection: several metrics
 * updated and reset together. From a list each is named by its class as
 * torchmetrics names it (Accuracy(task=multiclass) is MulticlassAccuracy),
 * from a mapping by its key; prefix and postfix wrap every name. compute
 * is per member (lt_metric_ops.members). */
#include "common.h"

#include <stdio.h>

#define MC_MAX 64

typedef struct collection {
  size_t n;
  void *self[MC_MAX];
  const lt_metric_ops *ops[MC_MAX];
  char *name[MC_MAX];
} collection;

static void mc_destroy(void *self) {
  collection *c = self;
  if (!c) return;
  for (size_t i = 0; i < c->n; i++) free(c->name[i]);
  free(c);
}

/* The class name of a member: its own, or the target's last part. */
static const char *class_name(const lt_value *v, const lt_metric_ops *ops) {
  if (LT_HAS(ops, lt_metric_ops, name) && ops->name) return ops->name(v->component);
  const char *t = v->component_type && v->component_type->target ? v->component_type->target : "Metric";
  const char *dot = strrchr(t, '.');
  return dot ? dot + 1 : t;
}

static lt_status mc_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *ms = lt_arg(args, "metrics");
  const char *prefix = lt_arg_is_null(args, "prefix") ? "" : lt_arg_str(args, "prefix");
  const char *postfix = lt_arg_is_null(args, "postfix") ? "" : lt_arg_str(args, "postfix");
  int single = ms->type == LT_P_COMPONENT;
  if (!single && ms->type != LT_P_LIST && ms->type != LT_P_DICT) {
    snprintf(err, errlen, "metrics must be a metric, a list of metrics or a mapping of names to metrics");
    return LT_ERR_INVALID;
  }
  size_t n = single ? 1 : ms->n;
  if (n > MC_MAX) {
    snprintf(err, errlen, "at most %d metrics in one collection", MC_MAX);
    return LT_ERR_INVALID;
  }
  collection *c = calloc(1, sizeof *c);
  if (!c) return LT_ERR_NOMEM;
  for (size_t i = 0; i < n; i++) {
    const lt_value *v = single ? ms : &ms->items[i];
    const lt_metric_ops *ops = v->type == LT_P_COMPONENT && v->component_type ? v->component_type->ops : NULL;
    if (!v->component || v->component_kind != LT_KIND_METRIC || !ops || !LT_HAS(ops, lt_metric_ops, states)) {
      snprintf(err, errlen, "metrics item %zu is not a metric (give torchmetrics.* components)", i);
      mc_destroy(c);
      return LT_ERR_INVALID;
    }
    const char *base = ms->type == LT_P_DICT ? ms->keys[i] : class_name(v, ops);
    size_t len = strlen(prefix) + strlen(base) + strlen(postfix) + 1;
    char *name = malloc(len);
    if (!name) {
      mc_destroy(c);
      return LT_ERR_NOMEM;
    }
    snprintf(name, len, "%s%s%s", prefix, base, postfix);
    for (size_t j = 0; j < c->n; j++)
      if (!strcmp(c->name[j], name)) {
        snprintf(err, errlen, "encountered two metrics both named %s (give the collection a mapping to name them)",
                 name);
        free(name);
        mc_destroy(c);
        return LT_ERR_INVALID;
      }
    c->self[c->n] = v->component;
    c->ops[c->n] = ops;
    c->name[c->n++] = name;
  }
  *self = c;
  return LT_OK;
}

static lt_status mc_update(void *self, lt_tensor *preds, lt_tensor *target) {
  collection *c = self;
  for (size_t i = 0; i < c->n; i++)
    if (c->ops[i]->update(c->self[i], preds, target) != LT_OK) {
      char msg[512];
      snprintf(msg, sizeof msg, "%s: %s", c->name[i], lt_last_error());
      lt_set_error(msg, 1);
      return LT_FAIL;
    }
  return LT_OK;
}

static lt_tensor *mc_compute(void *self) {
  (void)self;
  lt_set_error("a MetricCollection has no single value: compute each of its members", 0);
  return NULL;
}

static void mc_reset(void *self) {
  collection *c = self;
  for (size_t i = 0; i < c->n; i++) c->ops[i]->reset(c->self[i]);
}

static size_t mc_states(void *self, lt_tensor **out, size_t max) {
  collection *c = self;
  size_t at = 0;
  for (size_t i = 0; i < c->n; i++) {
    size_t k = c->ops[i]->states(c->self[i], NULL, 0);
    if (out && at < max) c->ops[i]->states(c->self[i], out + at, max - at);
    at += k;
  }
  return at;
}

static size_t mc_members(void *self, void **out, const lt_metric_ops **ops, const char **names, size_t max) {
  collection *c = self;
  for (size_t i = 0; i < c->n && i < max; i++) {
    if (out) out[i] = c->self[i];
    if (ops) ops[i] = c->ops[i];
    if (names) names[i] = c->name[i];
  }
  return c->n;
}

static const lt_metric_ops ops = {.size = sizeof(lt_metric_ops), .update = mc_update, .compute = mc_compute,
                                  .reset = mc_reset, .states = mc_states, .members = mc_members};

static const lt_param params[] = {
    LT_PARAM_REQ("metrics", LT_P_ANY, "the metrics: a list (named by class) or a mapping of names to metrics"),
    {"prefix", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "put before every name"},
    {"postfix", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "put after every name"},
};

static const lt_component components[] = {
    {"torchmetrics.MetricCollection", LT_KIND_METRIC, "Metrics updated, computed and reset together.", params,
     LT_COUNT_OF(params), mc_create, mc_destroy, &ops},
};

LT_PLUGIN_DEFINE("torchmetrics.MetricCollection", LT_VERSION_STRING, "torchmetrics.MetricCollection", "BSD-3-Clause",
                 components, NULL);
