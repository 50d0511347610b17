/* init_fails.c: its init reports an error: refused with its message. */
#include <lighter/lighter.h>

#include <stdio.h>

static lt_status init(char *err, size_t len) {
  snprintf(err, len, "license key not found in ~/.testplugin");
  return LT_FAIL;
}
static lt_status create(const lt_value *a, void **s, char *e, size_t n) { (void)a, (void)e, (void)n; *s = 0; return LT_OK; }
static const lt_component components[] = {{"test.Init", LT_KIND_MODULE, "x", NULL, 0, create, NULL, NULL}};
LT_PLUGIN_DEFINE("init-fails", "1", "", "", components, init);
