/* bad_names.c: test.BadNames, a 4 -> 2 linear module whose parameter and
 * buffer names go wrong the way `mode` says: duplicate (two parameters
 * named "weight"), null_name (a NULL name), empty (""), clash (a buffer named
 * like a parameter), state_duplicate (state() repeats a name that
 * parameters() keeps apart), ok (weight, bias; buffer scale). The builder
 * must refuse each but ok, naming this plugin and the name: a checkpoint
 * of such a module has keys that can never be resumed. */
#include <lighter/lighter.h>

#include <stdlib.h>
#include <string.h>

typedef enum names_mode { MODE_DUPLICATE, MODE_NULL, MODE_EMPTY, MODE_CLASH, MODE_STATE_DUPLICATE, MODE_OK } names_mode;

typedef struct bad_names {
  names_mode mode;
  lt_tensor *weight, *bias, *scale; /* owned */
} bad_names;

static void destroy(void *self) {
  bad_names *m = self;
  if (!m) return;
  lt_tensor_free(m->weight), lt_tensor_free(m->bias), lt_tensor_free(m->scale);
  free(m);
}

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)err, (void)errlen;
  bad_names *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  const char *modes[] = {"duplicate", "null_name", "empty", "clash", "state_duplicate", "ok"};
  for (int i = 0; i < 6; i++)
    if (!strcmp(args[0].s, modes[i])) m->mode = (names_mode)i;
  m->weight = lt_tensor_keep(lt_tensor_randn(LT_SHAPE(2, 4), LT_FLOAT32, LT_CPU));
  m->bias = lt_tensor_keep(lt_tensor_zeros(LT_SHAPE(2), LT_FLOAT32, LT_CPU));
  m->scale = lt_tensor_keep(lt_tensor_ones(LT_SHAPE(1), LT_FLOAT32, LT_CPU));
  lt_tensor_set_requires_grad(m->weight, 1);
  lt_tensor_set_requires_grad(m->bias, 1);
  *self = m;
  return LT_OK;
}

static lt_tensor *forward(void *self, lt_tensor *x) {
  bad_names *m = self;
  return lt_tensor_mul(lt_linear(x, m->weight, m->bias), m->scale);
}

/* n named tensors into out/names (either may be NULL), at most max. */
static size_t give(lt_tensor *const *t, const char *const *n, size_t count, lt_tensor **out, const char **names, size_t max) {
  for (size_t i = 0; i < count && i < max; i++) {
    if (out) out[i] = t[i];
    if (names) names[i] = n[i];
  }
  return count;
}

static size_t parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  bad_names *m = self;
  lt_tensor *t[2] = {m->weight, m->bias};
  const char *n[2] = {"weight", "bias"};
  if (m->mode == MODE_DUPLICATE) n[1] = "weight";
  if (m->mode == MODE_NULL) n[1] = NULL;
  if (m->mode == MODE_EMPTY) n[0] = "";
  return give(t, n, 2, out, names, max);
}

static size_t buffers(void *self, lt_tensor **out, const char **names, size_t max) {
  bad_names *m = self;
  const char *n[1] = {m->mode == MODE_CLASH ? "bias" : "scale"};
  return give(&m->scale, n, 1, out, names, max);
}

static size_t state(void *self, lt_tensor **out, const char **names, size_t max) {
  bad_names *m = self;
  if (m->mode != MODE_STATE_DUPLICATE) {
    size_t np = parameters(self, out, names, max);
    return np + buffers(self, out ? out + np : NULL, names ? names + np : NULL, max > np ? max - np : 0);
  }
  lt_tensor *t[3] = {m->weight, m->bias, m->scale};
  const char *n[3] = {"weight", "bias", "bias"};
  return give(t, n, 3, out, names, max);
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = forward, .parameters = parameters,
                                  .buffers = buffers, .state = state};

static const lt_param params[] = {
    LT_PARAM_CHOICE("mode", "ok", "duplicate|null_name|empty|clash|state_duplicate|ok", "how the names go wrong"),
};

static const lt_component components[] = {
    {"test.BadNames", LT_KIND_MODULE, "A linear module whose tensor names go wrong.", params, LT__COUNT_OF(params),
     create, destroy, &ops},
};

LT_PLUGIN_DEFINE("test-bad-names", "1.0", "parameter names checked at build", "BSD-3-Clause", components, NULL);
