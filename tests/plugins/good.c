/* good.c: a well-formed test plugin with components of several parameter
 * types, used by the loader, inspect and builder tests. */
#include <lighter/lighter.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct scale {
  double factor;
  int64_t times;
} scale;

static lt_status scale_create(const lt_value *args, void **self, char *err, size_t errlen) {
  scale *s = malloc(sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return LT_ERR_NOMEM;
  }
  s->factor = args[0].f;
  s->times = args[1].i;
  *self = s;
  return LT_OK;
}

static void scale_destroy(void *self) { free(self); }

static const lt_param scale_params[] = {
    LT_PARAM_RANGE("factor", LT_P_FLOAT, "1.0", 0.0, 100.0, "multiplier applied to the input"),
    LT_PARAM_MIN("times", LT_P_INT, "1", 1, "how many times to apply it"),
    LT_PARAM_CHOICE("mode", "mean", "mean|sum|none", "how to reduce"),
    LT_PARAM_REQ("name", LT_P_STRING, "a name (required)"),
};

static const lt_component components[] = {
    {"test.Scale", LT_KIND_MODULE, "Multiplies its input by a factor.", scale_params, LT__COUNT_OF(scale_params),
     scale_create, scale_destroy, NULL},
    {"test.Nothing", LT_KIND_CALLBACK, "Does nothing.", NULL, 0, scale_create, scale_destroy, NULL},
};

LT_PLUGIN_DEFINE("test-good", "1.2.3", "components for the loader tests", "MIT", components, NULL);
