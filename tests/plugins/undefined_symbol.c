/* undefined_symbol.c: needs a function nothing provides, so dlopen with
 * RTLD_NOW fails and names it. */
#include <lighter/lighter.h>

extern int lt_test_function_nobody_defines(void);
static lt_status create(const lt_value *a, void **s, char *e, size_t n) {
  (void)a, (void)e, (void)n;
  *s = 0;
  return lt_test_function_nobody_defines() ? LT_OK : LT_FAIL;
}
static const lt_component components[] = {{"test.Undefined", LT_KIND_MODULE, "x", NULL, 0, create, NULL, NULL}};
LT_PLUGIN_DEFINE("undefined", "1", "", "", components, NULL);
