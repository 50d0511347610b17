/* crash_init.c: crashes in its init, to test the crash report. */
#include <lighter/lighter.h>

#include <signal.h>

static lt_status init(char *err, size_t len) {
  (void)err, (void)len;
  raise(SIGSEGV);
  return LT_OK;
}
static lt_status create(const lt_value *a, void **s, char *e, size_t n) { (void)a, (void)e, (void)n; *s = 0; return LT_OK; }
static const lt_component components[] = {{"test.Crash", LT_KIND_MODULE, "x", NULL, 0, create, NULL, NULL}};
LT_PLUGIN_DEFINE("crash-init", "1", "", "", components, init);
