/* bad_default_yaml.c: a parameter whose default is not even YAML: refused
 * when the plugin loads. */
#include <lighter/lighter.h>

static lt_status create(const lt_value *a, void **s, char *e, size_t n) { (void)a, (void)e, (void)n; *s = 0; return LT_OK; }
static const lt_param params[] = {LT_PARAM("shape", LT_P_LIST, "[3, 3", "a default that does not parse")};
static const lt_component components[] = {
    {"test.BadYamlDefault", LT_KIND_LOSS, "x", params, LT__COUNT_OF(params), create, NULL, NULL}};
LT_PLUGIN_DEFINE("bad-default-yaml", "1", "", "", components, NULL);
