/* plugin.c: the plugin loader. Finds *.so files along the search path,
 * refuses world-writable files and folders (as ssh refuses loose keys),
 * dlopens with RTLD_NOW | RTLD_LOCAL, checks the descriptor (symbol, ABI
 * major equal and minor not newer, completeness), runs init, and registers
 * each component's _target_; the first path to provide a name wins. Every
 * failure gets its own exact message. Plugins are never unloaded. */
#include "plugin.h"

#include "config/error.h"
#include "sdk_services.h"
#include "tensor_layer.h"

#include <dirent.h>
#include <errno.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *host_kind_name(lt_kind k) {
  static const char *n[] = {"?", "module", "model", "dataset", "transform", "loss", "optimizer",
                            "scheduler", "metric", "callback", "logger", "writer", "other",
                            "dataloader", "datamodule"};
  return (int)k > 0 && (int)k < LT__KIND_COUNT ? n[k] : "?";
}

int host_kind_needs_ops(lt_kind k) { return k != LT_KIND_OTHER && k != LT_KIND_LOGGER && k != LT_KIND_WRITER; }

const char *host_ptype_name(lt_ptype t) {
  static const char *n[] = {"?", "bool", "int", "float", "string", "list", "dict", "component", "tensor", "any"};
  return (int)t > 0 && (int)t <= LT_P_ANY ? n[t] : "?";
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) abort();
  return d;
}

static void add_dir(char ***dirs, size_t *n, const char *d) {
  if (!d || !*d) return;
  for (size_t i = 0; i < *n; i++)
    if (!strcmp((*dirs)[i], d)) return;
  *dirs = realloc(*dirs, (*n + 2) * sizeof **dirs);
  if (!*dirs) abort();
  (*dirs)[(*n)++] = xstrdup(d);
  (*dirs)[*n] = NULL;
}

char **host_plugin_dirs(const char *const *cli, size_t ncli, const char *first_config) {
  char **dirs = calloc(1, sizeof *dirs);
  size_t n = 0;
  for (size_t i = 0; i < ncli; i++) add_dir(&dirs, &n, cli[i]);
  const char *env = getenv("LIGHTER_PLUGIN_PATH");
  if (env) {
    char *copy = xstrdup(env), *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) add_dir(&dirs, &n, d);
    free(copy);
  }
  if (first_config) {
    char buf[PATH_MAX];
    const char *slash = strrchr(first_config, '/');
    if (slash) snprintf(buf, sizeof buf, "%.*s/plugins", (int)(slash - first_config), first_config);
    else snprintf(buf, sizeof buf, "plugins");
    struct stat st;
    if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode)) add_dir(&dirs, &n, buf);
  }
  char exe[PATH_MAX];
  if (host_exe_dir(exe, sizeof exe) == 0) {
    char buf[PATH_MAX + 32], real[PATH_MAX];
    snprintf(buf, sizeof buf, "%s/../lib/lighter/plugins", exe);
    if (realpath(buf, real)) add_dir(&dirs, &n, real);
  }
  return dirs;
}

void host_plugin_dirs_free(char **dirs) {
  if (!dirs) return;
  for (char **d = dirs; *d; d++) free(*d);
  free(dirs);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ---- loading ----------------------------------------------------------- */

/* The folders on the way to path (symlinks followed) must be safe (plugin_trust.c). */
static int refuse_untrusted(const char *path, FILE *err) {
  char why[PATH_MAX * 2 + 256];
  if (host_plugin_trusted(path, why, sizeof why)) return 0;
  struct stat st;
  char real[PATH_MAX];
  if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, real))
    fprintf(err, "lighter-host: refusing plugin %s (a symlink to %s): %s\n", path, real, why);
  else
    fprintf(err, "lighter-host: refusing plugin %s: %s\n", path, why);
  return -1;
}

int host_plugin_load_file(host_registry *reg, const char *path, FILE *err) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(err, "lighter-host: cannot open plugin %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (st.st_mode & S_IWOTH) {
    fprintf(err, "lighter-host: refusing plugin %s: it is world-writable, so anyone could replace it "
                 "(fix: chmod o-w %s)\n", path, path);
    return -1;
  }
  if (refuse_untrusted(path, err)) return -1;
  dlerror();
  host_crash_push(path, NULL, "loading (its ELF constructors)");
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  host_crash_pop();
  if (!h) {
    const char *e = dlerror();
    fprintf(err, "lighter-host: cannot open plugin %s: %s\n", path, e ? e : "unknown dlopen error");
    return -1;
  }
  const lt_plugin *d = (const lt_plugin *)dlsym(h, "lt_plugin_descriptor");
  if (!d) {
    fprintf(err, "lighter-host: %s is not a lighter plugin: it has no lt_plugin_descriptor symbol "
                 "(define one with LT_PLUGIN_DEFINE)\n", path);
    dlclose(h);
    return -1;
  }
  if (d->abi_major != LT_ABI_MAJOR) {
    fprintf(err, "lighter-host: plugin %s was built for plugin ABI %u.%u, but this host has %d.%d: "
                 "rebuild it against this SDK\n", path, d->abi_major, d->abi_minor, LT_ABI_MAJOR, LT_ABI_MINOR);
    dlclose(h);
    return -1;
  }
  if (d->abi_minor > LT_ABI_MINOR) {
    fprintf(err, "lighter-host: plugin %s needs plugin ABI %u.%u, newer than this host's %d.%d: "
                 "update lighter-host\n", path, d->abi_major, d->abi_minor, LT_ABI_MAJOR, LT_ABI_MINOR);
    dlclose(h);
    return -1;
  }
  if (host_plugin_check_descriptor(d, path, err) != 0) {
    dlclose(h);
    return -1;
  }
  host_crash_plugin_add(path, d);
  if (d->init) {
    char msg[512] = "";
    host_crash_push(path, NULL, "init");
    lt_status s = d->init(msg, sizeof msg);
    host_crash_pop();
    if (s != LT_OK) {
      msg[sizeof msg - 1] = 0;
      fprintf(err, "lighter-host: plugin %s failed to initialise: %s\n", path, msg[0] ? msg : "(no message)");
      host_crash_plugin_drop(d);
      dlclose(h);
      return -1;
    }
  }
  reg->plugins = realloc(reg->plugins, (reg->nplugins + 1) * sizeof *reg->plugins);
  host_plugin *p = &reg->plugins[reg->nplugins];
  p->path = xstrdup(path);
  p->handle = h;
  p->desc = d;
  p->bind = (lt_status(*)(const lt_api *))dlsym(h, "lt_plugin_bind");
  p->bind_host = (void (*)(const lt_host_api *))dlsym(h, "lt_plugin_bind_host");
  for (size_t i = 0; i < d->ncomponents; i++) {
    const lt_component *c = &d->components[i];
    const host_entry *prev = host_registry_find(reg, c->target);
    if (prev) {
      fprintf(err, "lighter-host: warning: _target_ %s is provided by both %s and %s; using %s (the earlier path)\n",
              c->target, reg->plugins[prev->plugin].path, path, reg->plugins[prev->plugin].path);
      continue;
    }
    reg->entries = realloc(reg->entries, (reg->nentries + 1) * sizeof *reg->entries);
    reg->entries[reg->nentries].comp = c;
    reg->entries[reg->nentries++].plugin = reg->nplugins;
  }
  reg->nplugins++;
  return 0;
}

void host_plugins_load(host_registry *reg, char *const *dirs, FILE *err) {
  for (size_t i = 0; dirs && dirs[i]; i++) {
    struct stat st;
    if (stat(dirs[i], &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (st.st_mode & S_IWOTH) {
      fprintf(err, "lighter-host: refusing plugin folder %s: it is world-writable, so anyone could add a plugin "
                   "(fix: chmod o-w %s)\n", dirs[i], dirs[i]);
      reg->errors++;
      continue;
    }
    DIR *d = opendir(dirs[i]);
    if (!d) continue;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
      size_t l = strlen(e->d_name);
      if (l > 3 && !strcmp(e->d_name + l - 3, ".so")) {
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = xstrdup(e->d_name);
      }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t k = 0; k < n; k++) {
      char path[PATH_MAX];
      snprintf(path, sizeof path, "%s/%s", dirs[i], names[k]);
      if (host_plugin_load_file(reg, path, err) != 0) reg->errors++;
      free(names[k]);
    }
    free(names);
  }
}

const host_entry *host_registry_find(const host_registry *reg, const char *target) {
  for (size_t i = 0; i < reg->nentries; i++)
    if (!strcmp(reg->entries[i].comp->target, target)) return &reg->entries[i];
  return NULL;
}

int host_registry_suggest(const host_registry *reg, const char *target, char *out, size_t len) {
  const char **names = malloc((reg->nentries + 1) * sizeof *names);
  for (size_t i = 0; i < reg->nentries; i++) names[i] = reg->entries[i].comp->target;
  int n = cfg_suggest(target, names, reg->nentries, out, len);
  if (!n) {
    /* the same last part under another prefix (nn.Linear for torch.nn.Linear) */
    const char *tail = strrchr(target, '.');
    tail = tail ? tail + 1 : target;
    const char *cands[3];
    int k = 0;
    for (size_t i = 0; i < reg->nentries && k < 3; i++) {
      const char *t = strrchr(names[i], '.');
      if (!strcmp(t ? t + 1 : names[i], tail)) cands[k++] = names[i];
    }
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < k && used < len; i++)
      used += (size_t)snprintf(out + used, len - used, "%s'%s'", i == 0 ? "" : i == k - 1 ? " or " : ", ", cands[i]);
    n = k;
  }
  free(names);
  return n;
}

int host_plugins_bind(host_registry *reg, const lt_api *api, FILE *err) {
  int rc = 0;
  host_tensor_api_use(api); /* the host's own calls (module books) go to the same layer */
  for (size_t i = 0; i < reg->nplugins; i++) {
    host_plugin *p = &reg->plugins[i];
    if (!p->bind) continue; /* a plugin that never touches tensors */
    if (p->bind(api) != LT_OK) {
      fprintf(err, "lighter-host: plugin %s refused the tensor layer (its ABI %u.%u, the layer's %u.%u)\n", p->path,
              p->desc->abi_major, p->desc->abi_minor, api->abi_major, api->abi_minor);
      rc = -1;
    }
    if (p->bind_host) p->bind_host(host_services(reg));
  }
  return rc;
}

void host_registry_free(host_registry *reg) {
  for (size_t i = 0; i < reg->nplugins; i++) free(reg->plugins[i].path); /* handles stay open */
  free(reg->plugins);
  free(reg->entries);
  memset(reg, 0, sizeof *reg);
}
