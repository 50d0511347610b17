/* plugin_check.c: the checks a plugin's descriptor passes before the host
 * registers anything from it. Its data is the plugin author's, read as it
 * is (nothing in it was checked by a compiler beyond C's types): every
 * name, kind and table is there, no _target_ or parameter is listed twice
 * (the second would be silently shadowed), and every default parses as
 * YAML and fits its own parameter's spec, so that a broken default is the
 * plugin's error when it loads, not a user's config error at run time. */
#include "build.h"
#include "config/yaml.h"
#include "plugin.h"

#include <stdio.h>
#include <string.h>

enum { WHY_LEN = 1024 };

/* Everything a component needs before its parameters are looked at. */
static int check_component(const lt_component *c, size_t i, char *why, size_t len) {
  if (!c->target || !*c->target) snprintf(why, len, "component %zu has no _target_ name", i);
  else if ((int)c->kind <= 0 || (int)c->kind >= LT__KIND_COUNT)
    snprintf(why, len, "component %s has an unknown kind %d", c->target, (int)c->kind);
  else if (!c->create) snprintf(why, len, "component %s has no create function", c->target);
  else if (c->nparams && !c->params) snprintf(why, len, "component %s has no parameter table", c->target);
  for (size_t k = 0; !why[0] && k < c->nparams; k++) {
    const lt_param *p = &c->params[k];
    if (!p->name || !*p->name) snprintf(why, len, "component %s: parameter %zu has no name", c->target, k);
    else if ((int)p->type <= 0 || (int)p->type > LT_P_ANY)
      snprintf(why, len, "component %s: parameter %s has an unknown type %d", c->target, p->name, (int)p->type);
    for (size_t j = 0; !why[0] && j < k; j++)
      if (!strcmp(c->params[j].name, p->name))
        snprintf(why, len, "component %s lists parameter '%s' twice (parameters %zu and %zu)", c->target, p->name, j, k);
  }
  return why[0] ? -1 : 0;
}

/* The descriptor's own fields and each component's. */
static int check_complete(const lt_plugin *d, char *why, size_t len) {
  if (!d->name || !*d->name) snprintf(why, len, "it has no name");
  else if (!d->version) snprintf(why, len, "it has no version");
  else if (!d->components || !d->ncomponents) snprintf(why, len, "it lists no components");
  for (size_t i = 0; !why[0] && i < d->ncomponents; i++) check_component(&d->components[i], i, why, len);
  return why[0] ? -1 : 0;
}

/* A _target_ listed twice in one plugin: the host would register the
 * first and the second could never be used. */
static int check_unique(const lt_plugin *d, const char *path, FILE *err) {
  for (size_t i = 1; i < d->ncomponents; i++)
    for (size_t j = 0; j < i; j++)
      if (!strcmp(d->components[i].target, d->components[j].target)) {
        fprintf(err, "lighter-host: plugin %s lists _target_ %s twice (components %zu and %zu): each component of a "
                     "plugin needs its own _target_ name; rename or remove one\n", path, d->components[i].target, j, i);
        return -1;
      }
  return 0;
}

/* One default: YAML that fits the parameter's own spec. */
static int check_default(const lt_component *c, const lt_param *p, const char *path, FILE *err) {
  if (!p->dflt || (p->flags & LT_PF_REQUIRED)) return 0; /* a required parameter's default is ignored */
  cfg_error e;
  memset(&e, 0, sizeof e);
  cfg_node *v = cfg_yaml_parse("<default>", p->dflt, strlen(p->dflt), 1, &e);
  int rc = v ? host_param_check(NULL, c, p, v, p->name, &e) : -1;
  cfg_free(v);
  if (rc == 0) return 0;
  fprintf(err, "lighter-host: plugin %s: component %s: the default '%s' of parameter '%s' (%s) is wrong: %s; fix it "
               "in the plugin's parameter table (lt_param.dflt is YAML text, \"null\" for none)\n",
          path, c->target, p->dflt, p->name, host_ptype_name(p->type), e.msg[0] ? e.msg : "it does not parse");
  return -1;
}

int host_plugin_check_descriptor(const lt_plugin *d, const char *path, FILE *err) {
  char why[WHY_LEN] = "";
  if (check_complete(d, why, sizeof why)) {
    fprintf(err, "lighter-host: plugin %s: incomplete descriptor: %s\n", path, why);
    return -1;
  }
  if (check_unique(d, path, err)) return -1;
  for (size_t i = 0; i < d->ncomponents; i++)
    for (size_t k = 0; k < d->components[i].nparams; k++)
      if (check_default(&d->components[i], &d->components[i].params[k], path, err)) return -1;
  return 0;
}
