/* micro_host.c: the host-side micro-benchmarks of `make bench`: the time to
 * load (dlopen, ABI check, register) every built-in and example plugin, and
 * to load, compose, resolve and validate a config against the plugins'
 * parameter specs (as fit does before it loads the tensor layer). Linked without liblighter, and it checks /proc/self/maps
 * at the end: none of this may load libtorch. Prints one JSON object
 * (milliseconds, median of REPEATS rounds, and the minimum).
 *
 *   micro_host CONFIG.yaml REPEATS PLUGIN_DIR... */
#include "../../host/build.h"
#include "../../host/builtin.h"
#include "../../host/cmd.h"
#include "../../host/plugin.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 1 when a libtorch library is mapped into this process. */
static int libtorch_mapped(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[4096];
  int found = 0;
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, "libtorch") || strstr(line, "libc10")) found = 1;
  if (f) fclose(f);
  return found;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: micro_host CONFIG.yaml REPEATS PLUGIN_DIR...\n");
    return 2;
  }
  int reps = atoi(argv[2]);
  if (reps < 1 || reps > 100) reps = 5;
  char **dirs = calloc((size_t)argc, sizeof *dirs);
  for (int i = 3; i < argc; i++) dirs[i - 3] = argv[i];
  double plugins[100], config[100];
  size_t nplugins = 0;
  for (int r = 0; r < reps; r++) {
    host_registry reg = {0};
    double t0 = bench_now();
    host_plugins_load(&reg, dirs, stderr);
    plugins[r] = (bench_now() - t0) * 1e3;
    if (reg.errors) return fprintf(stderr, "micro_host: a plugin failed to load\n"), 1;
    nplugins = reg.nplugins;
    cfg_error err = {0};
    const char *in[] = {argv[1]};
    /* as `lighter-host fit` does before it loads the tensor layer: the raw
     * tree (saved with the run), the resolved one, and the check */
    t0 = bench_now();
    cfg_node *raw = host_config_load(in, 1, 0, &err);
    cfg_node *root = raw ? host_config_load(in, 1, 1, &err) : NULL;
    host_registry_add_builtin(&reg);
    if (!root || host_build_check(&reg, root, &err) != 0)
      return fprintf(stderr, "micro_host: %s: %s\n", argv[1], err.msg), 1;
    config[r] = (bench_now() - t0) * 1e3;
    cfg_free(raw);
    cfg_free(root);
    host_registry_free(&reg);
  }
  double pmin, cmin;
  qsort(plugins, (size_t)reps, sizeof *plugins, bench_cmp), pmin = plugins[0];
  qsort(config, (size_t)reps, sizeof *config, bench_cmp), cmin = config[0];
  printf("{\"plugins\": %zu, \"plugin_load_ms\": {\"min\": %.3f, \"median\": %.3f}, "
         "\"config_validate_ms\": {\"min\": %.3f, \"median\": %.3f}, \"libtorch_loaded\": %s}\n",
         nplugins, pmin, bench_median(plugins, reps), cmin, bench_median(config, reps), libtorch_mapped() ? "true" : "false");
  free(dirs);
  return 0;
}
