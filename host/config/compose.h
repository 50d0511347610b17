/* compose.h: composing config inputs (files and command-line overrides) in
 * order, with sparkwheel's merge rules and operators, and path lookups. */
#ifndef HOST_CONFIG_COMPOSE_H
#define HOST_CONFIG_COMPOSE_H

#include "error.h"

/* Split "a::b::0" into parts (malloc'd array of malloc'd strings). */
char **cfg_path_split(const char *path, size_t *n);
void cfg_path_free(char **parts, size_t n);
/* "a::b" (just b when a is empty), malloc'd. */
char *cfg_path_append(const char *a, const char *b);

/* The node at parts[0..n) below root, or NULL. On a miss, *depth is how
 * many parts matched. */
cfg_node *cfg_lookup(cfg_node *root, char *const *parts, size_t n, size_t *depth);

/* Merge src (consumed) into the dict dst. path is dst's key path ("" for the
 * root). paths: interpret top-level keys containing "::" as path updates. */
int cfg_merge(cfg_node *dst, cfg_node *src, const char *path, int paths, cfg_error *err);

/* Apply one override ("a::b=v", "=a::b=v", "~a::b"); index names it in
 * messages as <override index>. */
int cfg_apply_override(cfg_node *root, const char *text, int index, cfg_error *err);

/* Is this input an override (contains '=' or starts with '~')? */
int cfg_is_override(const char *input);

/* Compose inputs in order into a new tree. */
cfg_node *cfg_compose(const char *const *inputs, int n, cfg_error *err);

#endif
