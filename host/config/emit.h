/* emit.h: config trees back to YAML text. */
#ifndef HOST_CONFIG_EMIT_H
#define HOST_CONFIG_EMIT_H

#include "node.h"

#include <stdio.h>

/* Block-style YAML that reads back to the same tree (references print as
 * "@a::b", deferred expressions as "$..."). */
void cfg_emit(FILE *f, const cfg_node *root);

#endif
