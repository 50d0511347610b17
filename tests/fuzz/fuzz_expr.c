/* fuzz_expr.c: libFuzzer target for the "$" expression language alone:
 * parse, list the references, rewrite them, evaluate against a small fixed
 * environment (numbers, a list, an object with methods, one deferred
 * reference), and print the value with Python's str(). Anything may fail;
 * nothing may crash, leak, loop for ever or run code.
 *   FUZZ_SECONDS=600 make fuzz   (every target in turn) */
#include "../../host/config/compose.h"
#include "../../host/config/expr.h"
#include "../../host/config/node.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static cfg_node *values[4];

static const cfg_node *ref(void *ctx, const char *r, int raw, cfg_loc loc, int *deferred, cfg_error *err) {
  (void)ctx, (void)raw;
  if (!strcmp(r, "a")) return values[0];
  if (!strcmp(r, "b")) return values[1];
  if (!strcmp(r, "s")) return values[2];
  if (!strcmp(r, "net")) {
    *deferred = 1;
    return NULL;
  }
  cfg_fail(err, loc, NULL, "unknown reference '%s'", r);
  return NULL;
}

static char *map(void *ctx, const char *r) {
  (void)ctx;
  size_t n = strlen(r) + 3;
  char *s = malloc(n);
  if (s) snprintf(s, n, "x:%s", r);
  return s;
}

static const char *const methods[] = {"parameters", "named_parameters"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!values[0]) {
    values[0] = cfg_new_int(7, (cfg_loc){0});
    values[1] = cfg_new(CFG_LIST, (cfg_loc){0});
    cfg_list_append(values[1], cfg_new_float(2.5, (cfg_loc){0}));
    cfg_list_append(values[1], cfg_new_string("x", (cfg_loc){0}));
    values[2] = cfg_new_string("text", (cfg_loc){0});
  }
  char *src = malloc(size + 1);
  memcpy(src, data, size);
  src[size] = 0;
  cfg_error err = {0};
  cfg_expr *e = cfg_expr_parse(src, (cfg_loc){0}, &err);
  if (e) {
    const char **refs;
    const int *raw;
    cfg_expr_refs(e, &refs, &raw);
    free(cfg_expr_rewrite(e, src, map, NULL));
    cfg_expr_env env = {NULL, ref, methods, 2, NULL};
    int deferred = 0;
    cfg_error err2 = {0};
    cfg_node *v = cfg_expr_eval(e, &env, &deferred, &err2);
    if (v) {
      free(cfg_value_str(v));
      cfg_free(v);
    }
    cfg_expr_free(e);
  }
  free(src);
  cfg_sources_free();
  cfg_intern_free();
  return 0;
}
