/* groupnorm.c: torch.nn.GroupNorm. */
#include "common.h"

#include <stdio.h>

typedef struct gn {
  int64_t groups;
  double eps;
  lt_tensor *weight, *bias; /* owned, NULL without affine */
} gn;

static void gn_destroy(void *self) {
  gn *m = self;
  if (m) lt_tensor_free(m->weight), lt_tensor_free(m->bias);
  free(m);
}

static lt_status gn_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int64_t groups = lt_arg_int(args, "num_groups"), c = lt_arg_int(args, "num_channels");
  if (c % groups) {
    snprintf(err, errlen, "num_channels (%lld) must be divisible by num_groups (%lld)", (long long)c, (long long)groups);
    return LT_ERR_INVALID;
  }
  gn *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->groups = groups;
  m->eps = lt_arg_float(args, "eps");
  if (lt_arg_bool(args, "affine")) {
    m->weight = lt_tensor_keep(lt_tensor_ones(LT_SHAPE(c), LT_FLOAT32, LT_CPU));
    m->bias = lt_tensor_keep(lt_tensor_zeros(LT_SHAPE(c), LT_FLOAT32, LT_CPU));
    if (!m->weight || !m->bias) {
      snprintf(err, errlen, "%s", lt_last_error());
      gn_destroy(m);
      return LT_FAIL;
    }
    lt_tensor_set_requires_grad(m->weight, 1);
    lt_tensor_set_requires_grad(m->bias, 1);
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *gn_forward(void *self, lt_tensor *x) {
  gn *m = self;
  return lt_group_norm(x, m->groups, m->weight ? m->weight : LT_NO_TENSOR, m->bias ? m->bias : LT_NO_TENSOR, m->eps);
}

static size_t gn_parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  gn *m = self;
  return m->weight ? core_weight_bias(m->weight, m->bias, out, names, max) : 0;
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = gn_forward, .parameters = gn_parameters};

static const lt_param params[] = {
    {"num_groups", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "groups to split channels into"},
    {"num_channels", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "channels C of (N, C, ...)"},
    {"eps", LT_P_FLOAT, (lt_kind)0, "1.0e-05", LT_PF_MIN_EXCL, 0.0, 0, NULL, "added to the variance"},
    LT_PARAM("affine", LT_P_BOOL, "true", "learn a per-channel scale and shift"),
};

static const lt_component components[] = {
    {"torch.nn.GroupNorm", LT_KIND_MODULE, "Group normalisation.", params, LT_COUNT_OF(params), gn_create, gn_destroy,
     &ops},
};

LT_PLUGIN_DEFINE("torch.nn.GroupNorm", LT_VERSION_STRING, "torch.nn.GroupNorm", "BSD-3-Clause", components, NULL);
