/* yaml.h: YAML (libyaml) to config trees, with locations. */
#ifndef HOST_CONFIG_YAML_H
#define HOST_CONFIG_YAML_H

#include "error.h"

/* Parse one YAML document. name is the file name used in locations. In
 * value mode (command-line override values) any node may be the root and an
 * empty text is null; otherwise the root must be a mapping (empty = {}). */
cfg_node *cfg_yaml_parse(const char *name, const char *text, size_t len, int value_mode, cfg_error *err);
/* Read and parse a file, registering its text for error display. */
cfg_node *cfg_yaml_load_file(const char *path, cfg_error *err);
/* How a plain (unquoted) scalar reads: YAML 1.2 core schema. */
cfg_node *cfg_scalar_plain(const char *text, cfg_loc loc);

#endif
