/* bad_default.c: a parameter whose default does not fit its own type (an
 * int whose default is 0.5): refused when the plugin loads, not when a
 * user's config leaves it out. The mode parameter's default is also wrong
 * (not among its choices) but comes second: the first error is reported. */
#include <lighter/lighter.h>

static lt_status create(const lt_value *a, void **s, char *e, size_t n) { (void)a, (void)e, (void)n; *s = 0; return LT_OK; }
static const lt_param params[] = {
    LT_PARAM("fine", LT_P_FLOAT, "0.5", "a default that fits"),
    LT_PARAM("steps", LT_P_INT, "0.5", "a default that does not"),
    LT_PARAM_CHOICE("mode", "max", "mean|sum", "a default outside its choices"),
};
static const lt_component components[] = {
    {"test.BadDefault", LT_KIND_LOSS, "x", params, LT__COUNT_OF(params), create, NULL, NULL}};
LT_PLUGIN_DEFINE("bad-default", "1", "", "", components, NULL);
