/* bad_major.c: built for plugin ABI major 2: refused. */
#include <lighter/lighter.h>

static lt_status create(const lt_value *a, void **s, char *e, size_t n) { (void)a, (void)e, (void)n; *s = 0; return LT_OK; }
static const lt_component components[] = {{"test.Major", LT_KIND_MODULE, "x", NULL, 0, create, NULL, NULL}};
LT_EXPORT const lt_plugin lt_plugin_descriptor = {LT_ABI_MAJOR + 1, 0, "bad-major", "1", "", "", components, 1, NULL};
