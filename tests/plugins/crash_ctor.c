/* crash_ctor.c: crashes in an ELF constructor, which runs inside dlopen
 * before the host sees a descriptor: the report still names the file. */
#include <lighter/lighter.h>

#include <signal.h>

__attribute__((constructor)) static void crash_at_load(void) { raise(SIGSEGV); }

static lt_status create(const lt_value *a, void **s, char *e, size_t n) { (void)a, (void)e, (void)n; *s = 0; return LT_OK; }
static const lt_component components[] = {{"test.CrashCtor", LT_KIND_MODULE, "x", NULL, 0, create, NULL, NULL}};
LT_PLUGIN_DEFINE("crash-ctor", "1", "", "", components, NULL);
