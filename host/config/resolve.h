/* resolve.h: references and expressions. */
#ifndef HOST_CONFIG_RESOLVE_H
#define HOST_CONFIG_RESOLVE_H

#include "expr.h"

typedef struct cfg_resolve_opts {
  /* Methods that built objects offer in expressions (for validation). */
  const char *const *methods;
  size_t nmethods;
} cfg_resolve_opts;

/* Replace every "%ref" by a copy of the raw node it names (local paths see
 * overrides; "%file.yaml::a::b" reads another file, relative to the working
 * directory; a relative "%::x" inside copied content counts from where it
 * was written). Cycles are reported as a chain. */
int cfg_expand_macros(cfg_node *root, cfg_error *err);

/* Resolve "@ref" and "$expr": a reference to plain data becomes a copy of
 * its resolved value, one to a component (or anything containing one) a
 * CFG_REF for the builder; an expression is evaluated when it needs no
 * built object and kept as a CFG_EXPR (references made absolute) when it
 * does. Disabled components are removed from their parents; _mode_, _args_,
 * _requires_ and misspelled special keys are checked. */
int cfg_resolve(cfg_node *root, const cfg_resolve_opts *opts, cfg_error *err);

#endif
