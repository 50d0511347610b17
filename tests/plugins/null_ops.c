/* null_ops.c: a callback (test.NullOps) whose kind table is missing: it
 * loads and is listed, but the host refuses to build it rather than call
 * through a NULL table at the first hook. */
#include <lighter/lighter.h>

#include <stdlib.h>

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args, (void)err, (void)errlen;
  *self = malloc(1);
  return *self ? LT_OK : LT_ERR_NOMEM;
}

static void destroy(void *self) { free(self); }

static const lt_component components[] = {
    {"test.NullOps", LT_KIND_CALLBACK, "A callback without its table.", NULL, 0, create, destroy, NULL}};
LT_PLUGIN_DEFINE("null-ops", "1", "", "", components, NULL);
