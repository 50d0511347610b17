/* crash_hook.c: a callback that crashes (crash_how.h) in the hook named by
 * `hook` (e.g. on_train_epoch_end), for the crash report's attribution. */
#include <lighter/lighter.h>

#include "crash_how.h"

typedef struct crasher {
  crash_text hook, how;
} crasher;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  crasher *c = calloc(1, sizeof *c);
  if (!c) return LT_ERR_NOMEM;
  c->hook = crash_keep(args[0].s), c->how = crash_keep(args[1].s);
  *self = c;
  return LT_OK;
}

static void destroy(void *self) { free(self); }

static lt_status hook(void *self, lt_hook h, const lt_run_view *run) {
  crasher *c = self;
  (void)run;
  if (!strcmp(lt_hook_name(h), c->hook.s)) crash_how(c->how.s);
  return LT_OK;
}

static const lt_callback_ops ops = {.size = sizeof(lt_callback_ops), .hook = hook};

static const lt_param params[] = {
    LT_PARAM("hook", LT_P_STRING, "on_train_epoch_end", "the hook that crashes"),
    LT_PARAM_CHOICE("how", "segv", CRASH_HOW_CHOICES, "the crash"),
};

static const lt_component components[] = {
    {"test.CrashHook", LT_KIND_CALLBACK, "A callback that crashes in one hook.", params, LT__COUNT_OF(params), create,
     destroy, &ops},
};

LT_PLUGIN_DEFINE("test-crash-hook", "1.0", "crash report: a callback", "BSD-3-Clause", components, NULL);
