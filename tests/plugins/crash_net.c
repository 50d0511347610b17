/* crash_net.c: a network module whose forward crashes (crash_how.h), for
 * the crash report's attribution when a built-in (lighter.SupervisedModule,
 * torch.nn.Sequential) calls it: the report names this plugin. */
#include <lighter/lighter.h>

#include "crash_how.h"

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  crash_text *how = malloc(sizeof *how);
  if (!how) return LT_ERR_NOMEM;
  *how = crash_keep(args[0].s);
  *self = how;
  return LT_OK;
}

static void destroy(void *self) { free(self); }

static lt_tensor *forward(void *self, lt_tensor *input) {
  crash_how(((crash_text *)self)->s);
  return lt_tensor_ref(input);
}

static size_t parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  (void)self, (void)out, (void)names, (void)max;
  return 0;
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = forward, .parameters = parameters};

static const lt_param params[] = {LT_PARAM_CHOICE("how", "segv", CRASH_HOW_CHOICES, "the crash")};

static const lt_component components[] = {
    {"test.CrashNet", LT_KIND_MODULE, "A module whose forward crashes.", params, LT__COUNT_OF(params), create, destroy,
     &ops},
};

LT_PLUGIN_DEFINE("test-crash-net", "1.0", "crash report: a network", "BSD-3-Clause", components, NULL);
