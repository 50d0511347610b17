/* expr.h: the "$..." expression language. A small, safe subset of Python
 * expressions: literals, lists, arithmetic, comparisons, and/or/not,
 * x if c else y, @references, whitelisted functions and host-registered
 * methods. It never runs code. */
#ifndef HOST_CONFIG_EXPR_H
#define HOST_CONFIG_EXPR_H

#include "error.h"

typedef struct cfg_expr cfg_expr;

/* How an expression reaches the rest of the config. ref() gets a reference
 * as written ("model::network", relative "::x" as "::x", raw = 1 for %) and
 * returns its value (borrowed, valid until evaluation ends), NULL with err
 * set on failure, or sets *deferred when the value is an object that exists
 * only once components are built. call_method (may be NULL) calls a method
 * on an object value. */
typedef struct cfg_expr_env {
  void *ctx;
  const cfg_node *(*ref)(void *ctx, const char *ref, int raw, cfg_loc loc, int *deferred, cfg_error *err);
  /* Method names objects accept (validated even when deferred). */
  const char *const *methods;
  size_t nmethods;
  cfg_node *(*call_method)(void *ctx, const cfg_node *obj, const char *name, cfg_node *const *args, size_t nargs,
                           cfg_loc loc, cfg_error *err);
} cfg_expr_env;

/* Parse src (without the leading '$'); loc is where src starts. */
cfg_expr *cfg_expr_parse(const char *src, cfg_loc loc, cfg_error *err);
void cfg_expr_free(cfg_expr *e);

/* Evaluate. Returns a new value, or NULL: with err set on error, or with
 * *deferred = 1 when it needs built objects (after every check that does not
 * need them has passed). */
cfg_node *cfg_expr_eval(cfg_expr *e, const cfg_expr_env *env, int *deferred, cfg_error *err);

/* The references in the expression, in order (borrowed strings, as written,
 * with raw = 1 for %). */
size_t cfg_expr_refs(const cfg_expr *e, const char ***refs, const int **raw);

/* The source with every reference rewritten by map (e.g. relative to
 * absolute); malloc'd. */
char *cfg_expr_rewrite(const cfg_expr *e, const char *src, char *(*map)(void *ctx, const char *ref), void *ctx);

/* Python's str() of a value, into a malloc'd string. */
char *cfg_value_str(const cfg_node *v);

#endif
