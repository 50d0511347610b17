/* dup_scale.c: provides test.Scale again: the earlier path wins. */
#include <lighter/lighter.h>

static lt_status create(const lt_value *a, void **s, char *e, size_t n) { (void)a, (void)e, (void)n; *s = 0; return LT_OK; }
static const lt_component components[] = {{"test.Scale", LT_KIND_MODULE, "a second Scale", NULL, 0, create, NULL, NULL},
                                          {"test.Other", LT_KIND_LOSS, "not a duplicate", NULL, 0, create, NULL, NULL}};
LT_PLUGIN_DEFINE("dup-scale", "1", "", "", components, NULL);
