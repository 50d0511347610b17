/* sdk_services.c: what the host offers plugin code (SDK 1.5, lt_host_api),
 * bound into each plugin with lt_plugin_bind_host: lt_make builds any
 * registered component from a YAML mapping through the config's own
 * builder (the same spec checks, defaults and messages, the message led by
 * the plugin's file:line), lt_arg_child wraps a component the config
 * built, and the module books (module_books.c). A made child keeps the
 * small build it came from: freeing the child frees that build, which
 * destroys the instance and whatever it needed. */
#include "sdk_services.h"

#include "build.h"
#include "module_books.h"

#include "config/node.h"
#include "config/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A child lt_make made: the public part first. */
typedef struct made_child {
  lt_child pub;
  host_build build;
  cfg_node *root;
  cfg_error err;
} made_child;

static const host_registry *g_reg;

static lt_child *make_fail(const char *file, int line, const char *target, const char *msg, const char *path) {
  char text[1536];
  snprintf(text, sizeof text, "%s:%d: lt_make(\"%s\")%s%s: %s", file ? file : "?", line, target ? target : "(null)",
           path && *path ? ", argument " : "", path && *path ? path : "", msg);
  lt_set_error(text, 0);
  return NULL;
}

static lt_child *make(const char *file, int line, const char *target, const char *args_yaml) {
  if (!g_reg) return make_fail(file, line, target, "no plugins are loaded", NULL);
  if (!target || !host_registry_find(g_reg, target)) {
    char sug[256] = "";
    if (target && host_registry_suggest(g_reg, target, sug, sizeof sug)) {
      char msg[400];
      snprintf(msg, sizeof msg, "unknown component (did you mean %s?)", sug);
      return make_fail(file, line, target, msg, NULL);
    }
    return make_fail(file, line, target, "unknown component (no loaded plugin provides it)", NULL);
  }
  made_child *m = calloc(1, sizeof *m);
  if (!m) return make_fail(file, line, target, "out of memory", NULL);
  const char *text = args_yaml ? args_yaml : "";
  m->root = cfg_yaml_parse("<lt_make arguments>", text, strlen(text), 1, &m->err);
  if (m->root && m->root->kind == CFG_NULL) {
    cfg_free(m->root);
    m->root = cfg_new(CFG_DICT, (cfg_loc){0});
  }
  if (!m->root || m->root->kind != CFG_DICT || cfg_dict_get(m->root, "_target_")) {
    lt_child *r = make_fail(file, line, target, m->root ? "the arguments must be a YAML mapping without _target_ "
                                                          "(\"{in_features: 4}\", or \"{}\" for none)"
                                                        : m->err.msg, NULL);
    cfg_free(m->root);
    free(m);
    return r;
  }
  cfg_dict_set(m->root, "_target_", (cfg_loc){0}, cfg_new_string(target, (cfg_loc){0}));
  m->build = (host_build){g_reg, NULL, m->root, NULL, 0, &m->err};
  host_object *o = host_build_get(&m->build, "");
  if (!o || !o->self) {
    lt_child *r = make_fail(file, line, target, m->err.set ? m->err.msg : "it cannot be made (a factory?)", m->err.path);
    host_build_free(&m->build);
    cfg_free(m->root);
    free(m);
    return r;
  }
  m->pub = (lt_child){o->self, o->comp, 1};
  return &m->pub;
}

static lt_child *arg_child(const lt_value *v) {
  if (!v || v->is_null || v->type != LT_P_COMPONENT || !v->component || !v->component_type) {
    lt_set_error(v && v->factory ? "a factory (_mode_: callable), not a built component"
                                 : "not a built component (give a _target_ mapping)", 1);
    return NULL;
  }
  lt_child *c = malloc(sizeof *c);
  if (c) *c = (lt_child){v->component, v->component_type, 0};
  return c;
}

void host_child_free(lt_child *c) {
  if (!c) return;
  if (!c->owned) {
    free(c);
    return;
  }
  made_child *m = (made_child *)c;
  host_build_free(&m->build);
  cfg_free(m->root);
  free(m);
}

static const lt_host_api g_services = {
    sizeof(lt_host_api), make, arg_child, host_child_free, host_module_new, host_module_register, host_module_add,
    host_module_tensors, host_module_train, host_module_training, host_module_done, host_module_free,
};

const lt_host_api *host_services(const host_registry *reg) {
  g_reg = reg;
  return &g_services;
}
