/* incomplete.c: a component without a create function: refused. */
#include <lighter/lighter.h>

static const lt_component components[] = {{"test.Incomplete", LT_KIND_MODULE, "x", NULL, 0, NULL, NULL, NULL}};
LT_PLUGIN_DEFINE("incomplete", "1", "", "", components, NULL);
