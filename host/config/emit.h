/* emit.h: config trees back to YAML text. */
#ifndef HOST_CONFIG_EMIT_H
#define HOST_CONFIG_EMIT_H

#include "node.h"

#include <stdio.h>

/* Block-style YAML that reads back to the same tree (references print as
 * "@a::b", deferred expressions as "$..."). */
void cfg_emit(FILE *f, const cfg_node *root);

/* One value on one line, lists and mappings in flow style ([a, b],
 * {k: v}), strings quoted exactly when they would read back otherwise. */
void cfg_emit_flow(FILE *f, const cfg_node *n);

/* s as a double-quoted YAML scalar (escapes for quotes, backslashes and
 * control characters). */
void cfg_emit_quoted(FILE *f, const char *s);

#endif
