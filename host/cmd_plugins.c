/* cmd_plugins.c: `lighter-host plugins` lists every plugin found along the
 * search path and the components it provides; `lighter-host inspect NAME`
 * prints one component's parameters. Neither loads libtorch or needs a
 * config. Exit 0; 2 for an unknown name or bad usage; 3 if a plugin could
 * not be loaded. */
#include "cmd.h"
#include "builtin.h"
#include "plugin.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* Split --plugins DIR options from the other arguments. */
static int parse(int argc, char **argv, const char ***dirs, size_t *ndirs, const char ***rest, size_t *nrest) {
  *dirs = calloc((size_t)argc + 1, sizeof **dirs);
  *rest = calloc((size_t)argc + 1, sizeof **rest);
  *ndirs = *nrest = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--plugins")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "lighter-host: --plugins needs a folder\n");
        return -1;
      }
      (*dirs)[(*ndirs)++] = argv[++i];
    } else if (!strncmp(argv[i], "--plugins=", 10)) {
      (*dirs)[(*ndirs)++] = argv[i] + 10;
    } else {
      (*rest)[(*nrest)++] = argv[i];
    }
  }
  return 0;
}

int host_load_registry(host_registry *reg, const char *const *dirs, size_t ndirs, const char *first_config) {
  for (size_t i = 0; i < ndirs; i++) { /* a folder named on the command line must be there: a typo is not silent */
    struct stat st;
    int e = stat(dirs[i], &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (e) {
      fprintf(stderr, "lighter-host: --plugins %s: %s\n", dirs[i], e == ENOENT ? "no such folder" : strerror(e));
      reg->errors++;
    }
  }
  char **path = host_plugin_dirs(dirs, ndirs, first_config);
  host_plugins_load(reg, path, stderr);
  host_plugin_dirs_free(path);
  host_registry_add_builtin(reg); /* the Trainer and CSVLogger of the host itself */
  return reg->errors ? -1 : 0;
}

static int wants_help(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
  return 0;
}

int host_cmd_plugins(int argc, char **argv) {
  const char **dirs, **rest;
  size_t nd, nr;
  if (wants_help(argc, argv)) {
    printf("usage: lighter-host plugins [--plugins DIR]...\n"
           "lists every plugin on the search path (--plugins, LIGHTER_PLUGIN_PATH, built-in) and its components\n");
    return 0;
  }
  if (parse(argc, argv, &dirs, &nd, &rest, &nr) != 0 || nr) {
    if (nr) fprintf(stderr, "usage: lighter-host plugins [--plugins DIR]...\n");
    free(dirs), free(rest);
    return 2;
  }
  host_registry reg = {0};
  host_load_registry(&reg, dirs, nd, NULL);
  for (size_t i = 0; i < reg.nplugins; i++) {
    const host_plugin *p = &reg.plugins[i];
    printf("%s %s (%s)%s%s\n", p->desc->name, p->desc->version, p->path, p->desc->description ? ": " : "",
           p->desc->description ? p->desc->description : "");
    for (size_t k = 0; k < reg.nentries; k++) {
      if (reg.entries[k].plugin != i) continue;
      const lt_component *c = reg.entries[k].comp;
      printf("  %-40s %-10s %s\n", c->target, host_kind_name(c->kind), c->summary ? c->summary : "");
    }
  }
  if (!reg.nplugins) printf("no plugins found (search path: --plugins, LIGHTER_PLUGIN_PATH, built-in)\n");
  int rc = reg.errors ? 3 : 0;
  host_registry_free(&reg);
  free(dirs), free(rest);
  return rc;
}

static void print_default(const lt_param *p) {
  if (p->flags & LT_PF_REQUIRED) printf("required");
  else if (p->dflt) printf("default %s", p->dflt);
  else printf("optional");
}

/* One component: what it is, where it comes from, its parameters. */
static void print_component(const host_registry *reg, const host_entry *e) {
  const lt_component *c = e->comp;
  const host_plugin *p = &reg->plugins[e->plugin];
  printf("%s (%s)\n  %s\n", c->target, host_kind_name(c->kind), c->summary ? c->summary : "");
  printf("provided by %s %s (%s)\n", p->desc->name, p->desc->version, p->path);
  if (!c->nparams) printf("no parameters\n");
  else printf("parameters:\n");
  for (size_t i = 0; i < c->nparams; i++) {
    const lt_param *q = &c->params[i];
    char type[64];
    if (q->type == LT_P_COMPONENT && q->kind) snprintf(type, sizeof type, "%s", host_kind_name(q->kind));
    else snprintf(type, sizeof type, "%s", host_ptype_name(q->type));
    printf("  %-20s %-10s ", q->name, type);
    print_default(q);
    if (q->flags & (LT_PF_MIN | LT_PF_MIN_EXCL)) printf(", %s %g", q->flags & LT_PF_MIN_EXCL ? ">" : ">=", q->min);
    if (q->flags & LT_PF_MAX) printf(", <= %g", q->max);
    if (q->choices) printf(", one of %s", q->choices);
    if (q->flags & LT_PF_NULLABLE) printf(", may be null");
    printf("\n      %s\n", q->doc ? q->doc : "");
  }
}

int host_cmd_inspect(int argc, char **argv) {
  const char **dirs, **rest;
  size_t nd, nr;
  if (wants_help(argc, argv)) {
    printf("usage: lighter-host inspect NAME [--plugins DIR]...   (a component's parameters)\n"
           "       lighter-host inspect --all [--plugins DIR]...  (every component)\n");
    return 0;
  }
  int all = 0;
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--all")) {
      all = 1;
      for (int j = i; j + 1 < argc; j++) argv[j] = argv[j + 1];
      argc--, i--;
    }
  if (parse(argc, argv, &dirs, &nd, &rest, &nr) != 0 || nr != (all ? 0u : 1u)) {
    fprintf(stderr, "usage: lighter-host inspect NAME [--plugins DIR]...\n"
                    "       lighter-host inspect --all [--plugins DIR]...   (every component)\n");
    free(dirs), free(rest);
    return 2;
  }
  host_registry reg = {0};
  int loaded = host_load_registry(&reg, dirs, nd, NULL);
  int rc = 0;
  if (all) {
    for (size_t i = 0; i < reg.nentries; i++) {
      if (i) printf("\n");
      print_component(&reg, &reg.entries[i]);
    }
  } else if (!host_registry_find(&reg, rest[0])) {
    char sug[512];
    fprintf(stderr, "lighter-host: no component named '%s'", rest[0]);
    if (host_registry_suggest(&reg, rest[0], sug, sizeof sug)) fprintf(stderr, "; did you mean %s?", sug);
    fprintf(stderr, "\n  (`lighter-host plugins` lists them all)\n");
    rc = 2;
  } else {
    print_component(&reg, host_registry_find(&reg, rest[0]));
  }
  if (rc == 0 && loaded != 0) rc = 3;
  host_registry_free(&reg);
  free(dirs), free(rest);
  return rc;
}
