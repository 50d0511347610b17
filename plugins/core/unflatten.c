/* unflatten.c: torch.nn.Unflatten: dim becomes unflattened_size. */
#include "common.h"

#include <stdio.h>

typedef struct unflatten {
  int64_t dim, sizes[8];
  int n;
} unflatten;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *s = lt_arg(args, "unflattened_size");
  if (s->n < 1 || s->n > 8) {
    snprintf(err, errlen, "unflattened_size needs 1 to 8 sizes");
    return LT_ERR_INVALID;
  }
  unflatten *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->dim = lt_arg_int(args, "dim");
  for (size_t i = 0; i < s->n; i++) m->sizes[m->n++] = s->items[i].i;
  *self = m;
  return LT_OK;
}

static lt_tensor *forward(void *self, lt_tensor *x) {
  unflatten *m = self;
  int64_t in[16], out[24];
  int d = lt_tensor_shape(x, in, 16), k = 0;
  if (d < 0) return NULL;
  int64_t dim = m->dim < 0 ? m->dim + d : m->dim;
  if (dim < 0 || dim >= d) {
    lt_set_error("torch.nn.Unflatten: dim out of range for the input", 0);
    return NULL;
  }
  for (int i = 0; i < d; i++) {
    if (i != dim) {
      out[k++] = in[i];
      continue;
    }
    for (int j = 0; j < m->n; j++) out[k++] = m->sizes[j];
  }
  return lt_tensor_reshape(x, out, k);
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = forward, .parameters = core_no_parameters};

static const lt_param params[] = {
    {"dim", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "the dim to unflatten"},
    LT_PARAM_REQ("unflattened_size", LT_P_LIST, "the sizes it becomes (-1 allowed once)"),
};

static const lt_component components[] = {
    {"torch.nn.Unflatten", LT_KIND_MODULE, "Splits one dim into several.", params, LT_COUNT_OF(params), create, free,
     &ops},
};

LT_PLUGIN_DEFINE("torch.nn.Unflatten", LT_VERSION_STRING, "torch.nn.Unflatten", "BSD-3-Clause", components, NULL);
