/* tensor_layer.c: finds liblighter next to the executable (or where
 * $LIGHTER_LIB says), dlopens it and checks the table's ABI, so that the
 * ~0.7 s of loading libtorch is paid only by commands that need it. */
#include "tensor_layer.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const lt_api *loaded;

/* Host code calls lt_* through this table, as plugins do (lighter.h). */
LT_API_DEFINE();

void host_tensor_api_use(const lt_api *api) { lt__api = api; }

const lt_api *host_tensor_layer_loaded(void) { return loaded; }

int host_exe_dir(char *buf, size_t len) {
  ssize_t n = readlink("/proc/self/exe", buf, len - 1);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *slash = strrchr(buf, '/');
  if (!slash) return -1;
  *slash = 0;
  return 0;
}

const lt_api *host_tensor_layer_load(char *err, size_t errlen) {
  if (loaded) return loaded;
  char path[PATH_MAX + 32];
  const char *env = getenv("LIGHTER_LIB");
  if (env && *env) {
    snprintf(path, sizeof path, "%s", env);
  } else {
    char dir[PATH_MAX];
    if (host_exe_dir(dir, sizeof dir) != 0) {
      snprintf(err, errlen, "cannot find the executable's folder; set LIGHTER_LIB to liblighter.so");
      return NULL;
    }
    snprintf(path, sizeof path, "%s/../lib/liblighter.so", dir);
  }
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    snprintf(err, errlen, "cannot load the tensor layer %s: %s (set LIGHTER_LIB to liblighter.so)",
             path, dlerror());
    return NULL;
  }
  const lt_api *(*get)(void) = (const lt_api *(*)(void))dlsym(h, "lt_api_get");
  const lt_api *api = get ? get() : NULL;
  if (!api) {
    snprintf(err, errlen, "%s is not the lighter tensor layer (no lt_api_get)", path);
    dlclose(h);
    return NULL;
  }
  if (api->abi_major != LT_ABI_MAJOR || api->size < sizeof(lt_api)) {
    snprintf(err, errlen, "%s has tensor-layer ABI %u.%u, this host needs %d.%d (minor at least %d)",
             path, api->abi_major, api->abi_minor, LT_ABI_MAJOR, LT_ABI_MINOR, LT_ABI_MINOR);
    dlclose(h);
    return NULL;
  }
  loaded = api;
  lt__api = api;
  return api;
}
