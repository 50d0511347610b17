/* batchnorm_impl.h: torch.nn.BatchNorm1d / BatchNorm2d (BN_TARGET, BN_DIMS
 * the accepted input ranks) as plugins over bn.h. */
#include "bn.h"

#include <stdio.h>

static void bn_destroy(void *self) {
  bn *m = self;
  if (!m) return;
  bn_release(m);
  free(m);
}

static lt_status bn_create(const lt_value *args, void **self, char *err, size_t errlen) {
  bn *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  if (bn_init(m, lt_arg_int(args, "num_features"), lt_arg_float(args, "eps"), lt_arg_float(args, "momentum"),
              (int)lt_arg_int(args, "affine"), (int)lt_arg_int(args, "track_running_stats")) != 0) {
    snprintf(err, errlen, "%s", lt_last_error());
    bn_destroy(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *bn_forward(void *self, lt_tensor *x) {
  int d = lt_tensor_dim(x);
  if (d < BN_MIN_DIM || d > BN_MAX_DIM) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: expected a %s input, got %d dims", BN_TARGET, BN_DIMS_TEXT, d);
    lt_set_error(msg, 0);
    return NULL;
  }
  return bn_run(self, x);
}

static size_t bn_parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  return bn_params(self, out, names, max);
}

static size_t bn_buffers(void *self, lt_tensor **out, const char **names, size_t max) {
  return bn_bufs(self, out, names, max);
}

static void bn_train(void *self, int mode) { ((bn *)self)->training = mode; }

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = bn_forward, .parameters = bn_parameters, .train = bn_train, .buffers = bn_buffers};

static const lt_param params[] = {
    {"num_features", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "channels C of (N, C, ...)"},
    {"eps", LT_P_FLOAT, (lt_kind)0, "1.0e-05", LT_PF_MIN_EXCL, 0.0, 0, NULL, "added to the variance"},
    LT_PARAM_RANGE("momentum", LT_P_FLOAT, "0.1", 0.0, 1.0, "weight of the new batch in the running statistics"),
    LT_PARAM("affine", LT_P_BOOL, "true", "learn a scale and shift"),
    LT_PARAM("track_running_stats", LT_P_BOOL, "true", "keep running mean and variance for eval mode"),
};

static const lt_component components[] = {
    {BN_TARGET, LT_KIND_MODULE, "Batch normalisation.", params, LT_COUNT_OF(params), bn_create, bn_destroy, &ops},
};

LT_PLUGIN_DEFINE(BN_TARGET, LT_VERSION_STRING, BN_TARGET, "BSD-3-Clause", components, NULL);
