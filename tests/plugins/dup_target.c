/* dup_target.c: lists one _target_ twice: refused when it loads (the
 * second could never be used). */
#include <lighter/lighter.h>

static lt_status create(const lt_value *a, void **s, char *e, size_t n) { (void)a, (void)e, (void)n; *s = 0; return LT_OK; }
static const lt_component components[] = {{"test.Twice", LT_KIND_LOSS, "first", NULL, 0, create, NULL, NULL},
                                          {"test.Twice", LT_KIND_LOSS, "second", NULL, 0, create, NULL, NULL}};
LT_PLUGIN_DEFINE("dup-target", "1", "", "", components, NULL);
