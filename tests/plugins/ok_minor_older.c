/* ok_minor_older.c: built for an older minor ABI: loads. */
#include <lighter/lighter.h>

static lt_status create(const lt_value *a, void **s, char *e, size_t n) { (void)a, (void)e, (void)n; *s = 0; return LT_OK; }
static const lt_component components[] = {{"test.Older", LT_KIND_MODULE, "built for ABI 1.0", NULL, 0, create, NULL, NULL}};
LT_EXPORT const lt_plugin lt_plugin_descriptor = {LT_ABI_MAJOR, LT_ABI_MINOR - 1, "ok-older", "1", "", "", components, 1, NULL};
