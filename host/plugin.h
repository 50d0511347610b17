/* plugin.h (host): finding, loading and checking plugins, and the registry
 * of the components they provide. */
#ifndef HOST_PLUGIN_H
#define HOST_PLUGIN_H

#include <lighter/lighter.h>

#include <stdio.h>

typedef struct host_plugin {
  char *path;
  void *handle;
  const lt_plugin *desc;
  lt_status (*bind)(const lt_api *api);
  void (*bind_host)(const lt_host_api *host); /* (1.5) NULL in older plugins */
} host_plugin;

typedef struct host_entry {
  const lt_component *comp;
  size_t plugin; /* index into plugins */
} host_entry;

typedef struct host_registry {
  host_plugin *plugins;
  size_t nplugins;
  host_entry *entries;
  size_t nentries;
  int errors; /* plugins that failed to load */
} host_registry;

/* The search path, in order: each --plugins DIR, then LIGHTER_PLUGIN_PATH
 * (colon-separated), then ./plugins next to the first config file (may be
 * NULL), then the built-in plugins next to the executable
 * (../lib/lighter/plugins). Returns a malloc'd NULL-terminated list. */
char **host_plugin_dirs(const char *const *cli_dirs, size_t ncli, const char *first_config);
void host_plugin_dirs_free(char **dirs);

/* Load every *.so in dirs (in order, files sorted by name). Problems are
 * printed to err (one line each) and counted in reg->errors; a duplicate
 * _target_ is a warning (the earlier path wins). Never unloads. */
void host_plugins_load(host_registry *reg, char *const *dirs, FILE *err);
/* Load one file. Returns 0, or -1 after printing why. */
int host_plugin_load_file(host_registry *reg, const char *path, FILE *err);

/* A descriptor as dlsym found it: named, versioned, every component with
 * a _target_ (unique within the plugin), a kind, create, and a parameter
 * table whose names, types and defaults make sense (a default must parse
 * and fit its own spec). 0, or -1 after printing why (plugin_check.c). */
int host_plugin_check_descriptor(const lt_plugin *d, const char *path, FILE *err);

/* 1 when every folder on the way to the plugin file path (each symlink
 * followed) is safe: none writable by anyone, except a sticky one owned by
 * root or this user (plugin_trust.c); else 0 with the folder and the fix in why. */
int host_plugin_trusted(const char *path, char *why, size_t len);

const host_entry *host_registry_find(const host_registry *reg, const char *target);
/* Up to 3 registered names close to target, as 'a', 'b' or 'c'. */
int host_registry_suggest(const host_registry *reg, const char *target, char *out, size_t len);

/* Hand the tensor layer to every plugin (when a run starts). */
int host_plugins_bind(host_registry *reg, const lt_api *api, FILE *err);

void host_registry_free(host_registry *reg);

const char *host_kind_name(lt_kind k);
/* Whether the host drives components of kind k through a kind table
 * (lt_component.ops): every kind but Trainer-like pieces, loggers and writers. */
int host_kind_needs_ops(lt_kind k);
/* The kind table ops (its size first) has member and it is set: the host's
 * test before every call through a plugin's optional member. */
#define HOST_HAS(ops, type, member) (LT_HAS(ops, type, member) && (ops)->member)
const char *host_ptype_name(lt_ptype t);

/* The crash report (crash.c). The host pushes a frame around each of its
 * calls into a plugin (plugin file, component, hook; borrowed, they must
 * outlive the call) and pops it after, on the calling thread. */
void host_crash_push(const char *plugin, const char *component, const char *hook);
void host_crash_pop(void);
/* A loaded plugin whose code the report can then recognise on a stack
 * (path is copied); drop it before unloading. */
void host_crash_plugin_add(const char *path, const lt_plugin *desc);
void host_crash_plugin_drop(const lt_plugin *desc);
void host_crash_handlers_install(void);

#endif
