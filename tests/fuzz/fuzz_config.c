/* fuzz_config.c: libFuzzer target for the config loader and composition.
 * The input is split at NUL bytes: the first piece is a YAML file, the
 * others are command-line overrides. Each input is composed, expanded and
 * resolved; anything may fail, nothing may crash, leak or hang.
 *   make fuzz-config   (FUZZ_SECONDS=300 by default) */
#include "../../host/config/compose.h"
#include "../../host/config/emit.h"
#include "../../host/config/resolve.h"
#include "../../host/config/yaml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const methods[] = {"parameters"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1);
  memcpy(buf, data, size);
  buf[size] = 0;
  size_t first = strlen(buf);
  cfg_error err = {0};
  cfg_source_add("fuzz.yaml", buf, first);
  cfg_node *doc = cfg_yaml_parse("fuzz.yaml", buf, first, 0, &err);
  cfg_node *root = cfg_new(CFG_DICT, (cfg_loc){0});
  int rc = doc ? cfg_merge(root, doc, "", 1, &err) : -1;
  int index = 0;
  for (size_t at = first + 1; rc == 0 && at < size; at += strlen(buf + at) + 1) {
    const char *ov = buf + at;
    if (*ov && cfg_is_override(ov)) rc = cfg_apply_override(root, ov, ++index, &err);
  }
  if (rc == 0) {
    /* No file access from fuzzed % references: they are left unexpanded
     * only if they name files, which cfg_expand_macros then reports. */
    cfg_resolve_opts opts = {methods, 1};
    if (cfg_expand_macros(root, &err) == 0 && cfg_resolve(root, &opts, &err) == 0) {
      FILE *null = fopen("/dev/null", "w");
      cfg_emit(null, root);
      fclose(null);
    }
  }
  cfg_free(root);
  cfg_sources_free();
  cfg_intern_free();
  free(buf);
  return 0;
}
