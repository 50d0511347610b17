/* module_names.c: a module's parameter and buffer names, checked when it is
 * built. A state_dict keys every tensor by its name ("network.<name>" in a
 * checkpoint): a NULL or empty name, or one given twice, makes a last.ckpt
 * whose keys can never be loaded back into the model, which surfaced only
 * when a resume failed. Refused at build time instead, naming the plugin. */
#include "module_names.h"

#include "plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The views a module lists its tensors in, as lt_module_ops names them. */
typedef enum names_view { VIEW_PARAMETERS, VIEW_BUFFERS, VIEW_STATE, VIEW_COUNT } names_view;

static const char *const view_words[VIEW_COUNT] = {"parameters()", "buffers()", "state()"};

/* Whether ops has the view (older tables are shorter; NULL members mean none). */
static int has_view(const lt_module_ops *ops, names_view v) {
  switch (v) {
  case VIEW_PARAMETERS: return ops->parameters != NULL;
  case VIEW_BUFFERS: return HOST_HAS(ops, lt_module_ops, buffers);
  case VIEW_STATE: return HOST_HAS(ops, lt_module_ops, state);
  default: return 0;
  }
}

static size_t list_view(const lt_module_ops *ops, names_view v, void *self, lt_tensor **t, const char **names, size_t max) {
  if (!has_view(ops, v)) return 0;
  switch (v) {
  case VIEW_PARAMETERS: return ops->parameters(self, t, names, max);
  case VIEW_BUFFERS: return ops->buffers(self, t, names, max);
  default: return ops->state(self, t, names, max);
  }
}

typedef struct named {
  const char *name;
  size_t at;       /* position in its view */
  names_view view;
} named;

static int by_name(const void *a, const void *b) {
  const named *x = a, *y = b;
  int d = strcmp(x->name, y->name);
  return d ? d : x->view != y->view ? (int)x->view - (int)y->view : x->at < y->at ? -1 : x->at > y->at;
}

/* Views [from, to) of the module as one list: a missing name is said at
 * once; a name that occurs twice in the list after sorting. */
static int check_views(const lt_component *c, const char *plugin, void *self, names_view from, names_view to, char *err,
                       size_t errlen) {
  const lt_module_ops *ops = c->ops;
  size_t n[VIEW_COUNT] = {0}, total = 0;
  for (names_view v = from; v < to; v++) total += n[v] = list_view(ops, v, self, NULL, NULL, 0);
  if (!total) return 0;
  named *all = calloc(total, sizeof *all);
  lt_tensor **t = calloc(total, sizeof *t);
  const char **names = calloc(total, sizeof *names);
  if (!all || !t || !names) abort();
  size_t k = 0;
  int rc = 0;
  for (names_view v = from; v < to && !rc; v++) {
    memset(names, 0, total * sizeof *names);
    list_view(ops, v, self, t, names, n[v]);
    for (size_t i = 0; i < n[v] && !rc; i++) {
      if (!names[i] || !*names[i]) {
        snprintf(err, errlen, "module %s (plugin %s) gives entry %zu of its %s %s name; every parameter and buffer "
                 "needs a name of its own (its state_dict key): fix the plugin", c->target, plugin, i, view_words[v],
                 names[i] ? "an empty" : "no (NULL)");
        rc = -1;
      }
      all[k++] = (named){names[i], i, v};
    }
  }
  qsort(all, rc ? 0 : k, sizeof *all, by_name);
  for (size_t i = 1; !rc && i < k; i++) {
    if (strcmp(all[i - 1].name, all[i].name)) continue;
    const named *a = &all[i - 1], *b = &all[i];
    char where[128];
    if (a->view == b->view)
      snprintf(where, sizeof where, "entries %zu and %zu of its %s", a->at, b->at, view_words[a->view]);
    else
      snprintf(where, sizeof where, "entry %zu of its %s and entry %zu of its %s", a->at, view_words[a->view], b->at,
               view_words[b->view]);
    snprintf(err, errlen, "module %s (plugin %s) names two tensors '%s' (%s); a checkpoint would keep one and could "
             "never be resumed: give each parameter and buffer its own name", c->target, plugin, a->name, where);
    rc = -1;
  }
  free(all), free(t), free(names);
  return rc;
}

int host_module_names_check(const lt_component *c, const char *plugin, void *self, char *err, size_t errlen) {
  const lt_module_ops *ops = c->ops;
  if (c->kind != LT_KIND_MODULE || !ops || ops->size < sizeof(size_t) || !self) return 0;
  host_crash_push(plugin, c->target, "parameters");
  int rc = check_views(c, plugin, self, VIEW_PARAMETERS, VIEW_STATE, err, errlen);
  if (!rc && has_view(ops, VIEW_STATE)) rc = check_views(c, plugin, self, VIEW_STATE, VIEW_COUNT, err, errlen);
  host_crash_pop();
  return rc;
}
