/* cmd_config.c: `lighter-host config INPUTS... [--resolved]`: compose the
 * inputs and print the result as YAML. Every reference and expression is
 * checked either way; --resolved prints the tree with % copies made, @
 * references to plain values substituted and $ expressions evaluated where
 * they need no built object. Exit 0, or 2 on a config error. */
#include "cmd.h"

#include "config/compose.h"
#include "config/emit.h"
#include "config/resolve.h"

#include <stdio.h>
#include <string.h>

/* Methods built objects offer to expressions (the builder implements them). */
const char *const host_methods[] = {"parameters", "named_parameters", "buffers"};
const size_t host_nmethods = sizeof host_methods / sizeof host_methods[0];

cfg_node *host_config_load(const char *const *inputs, int n, int resolve, cfg_error *err) {
  cfg_node *root = cfg_compose(inputs, n, err);
  if (!root) return NULL;
  cfg_node *work = resolve ? root : cfg_copy(root);
  cfg_resolve_opts opts = {host_methods, host_nmethods};
  int rc = cfg_expand_macros(work, err);
  if (rc == 0) rc = cfg_resolve(work, &opts, err);
  if (!resolve) cfg_free(work);
  if (rc != 0) {
    cfg_free(root);
    return NULL;
  }
  return root;
}

int host_cmd_config(int argc, char **argv) {
  int resolved = 0, n = 0;
  const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--resolved")) {
      resolved = 1;
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      printf("usage: lighter-host config [--resolved] CONFIG.yaml... [a::b=value | =a::b=value | ~a::b]...\n");
      free(inputs);
      return 0;
    } else if (!strncmp(argv[i], "--", 2)) {
      fprintf(stderr, "lighter-host config: unknown option '%s' (options: --resolved)\n", argv[i]);
      free(inputs);
      return 2;
    } else {
      inputs[n++] = argv[i];
    }
  }
  if (!n) {
    fprintf(stderr, "usage: lighter-host config [--resolved] CONFIG.yaml... [overrides]\n");
    free(inputs);
    return 2;
  }
  cfg_error err = {0};
  cfg_node *root = host_config_load(inputs, n, resolved, &err);
  free(inputs);
  int rc = 0;
  if (!root) {
    cfg_error_print(stderr, &err, cfg_use_color(stderr));
    rc = 2;
  } else {
    cfg_emit(stdout, root);
    cfg_free(root);
  }
  cfg_sources_free();
  cfg_intern_free();
  return rc;
}
