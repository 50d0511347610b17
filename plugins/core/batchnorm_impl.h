/* batchnorm_impl.h: torch.nn.BatchNorm1d / BatchNorm2d (BN_TARGET, BN_DIMS
 * the accepted input ranks). Parameters weight/bias (affine), buffers
 * running_mean, running_var, num_batches_tracked as PyTorch names them;
 * training updates the running statistics with momentum. */
#include "common.h"

#include <stdio.h>

typedef struct bn {
  lt_tensor *weight, *bias;                 /* owned, NULL without affine */
  lt_tensor *mean, *var, *tracked;          /* owned, NULL without tracking */
  double eps, momentum;
  int training;
} bn;

static void bn_destroy(void *self) {
  bn *m = self;
  if (!m) return;
  lt_tensor_free(m->weight), lt_tensor_free(m->bias);
  lt_tensor_free(m->mean), lt_tensor_free(m->var), lt_tensor_free(m->tracked);
  free(m);
}

static lt_status bn_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int64_t c = args[0].i;
  bn *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->eps = args[1].f;
  m->momentum = args[2].f;
  m->training = 1;
  int ok = 1;
  if (args[3].i) { /* affine: weight 1, bias 0 */
    m->weight = lt_tensor_keep(lt_tensor_ones(LT_SHAPE(c), LT_FLOAT32, LT_CPU));
    m->bias = lt_tensor_keep(lt_tensor_zeros(LT_SHAPE(c), LT_FLOAT32, LT_CPU));
    ok = m->weight && m->bias && lt_tensor_set_requires_grad(m->weight, 1) == LT_OK &&
         lt_tensor_set_requires_grad(m->bias, 1) == LT_OK;
  }
  if (ok && args[4].i) { /* track_running_stats */
    m->mean = lt_tensor_keep(lt_tensor_zeros(LT_SHAPE(c), LT_FLOAT32, LT_CPU));
    m->var = lt_tensor_keep(lt_tensor_ones(LT_SHAPE(c), LT_FLOAT32, LT_CPU));
    m->tracked = lt_tensor_keep(lt_tensor_scalar(0, LT_INT64));
    ok = m->mean && m->var && m->tracked;
  }
  if (!ok) {
    snprintf(err, errlen, "%s", lt_last_error());
    bn_destroy(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *bn_forward(void *self, lt_tensor *x) {
  bn *m = self;
  int d = lt_tensor_dim(x);
  if (d < BN_MIN_DIM || d > BN_MAX_DIM) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: expected a %s input, got %d dims", BN_TARGET, BN_DIMS_TEXT, d);
    lt_set_error(msg, 0);
    return NULL;
  }
  int use_batch = m->training || !m->mean;
  if (m->training && m->tracked) {
    int prev = lt_grad_set_enabled(0);
    lt_tensor_add_scalar_(m->tracked, 1);
    lt_grad_set_enabled(prev);
  }
  return lt_batch_norm(x, m->weight ? m->weight : LT_NO_TENSOR, m->bias ? m->bias : LT_NO_TENSOR,
                       m->mean ? m->mean : LT_NO_TENSOR, m->var ? m->var : LT_NO_TENSOR, use_batch, m->momentum,
                       m->eps);
}

static size_t bn_parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  bn *m = self;
  return m->weight ? core_weight_bias(m->weight, m->bias, out, names, max) : 0;
}

static size_t bn_buffers(void *self, lt_tensor **out, const char **names, size_t max) {
  bn *m = self;
  if (!m->mean) return 0;
  lt_tensor *b[3] = {m->mean, m->var, m->tracked};
  const char *n[3] = {"running_mean", "running_var", "num_batches_tracked"};
  for (size_t i = 0; i < 3 && i < max; i++) {
    if (out) out[i] = b[i];
    if (names) names[i] = n[i];
  }
  return 3;
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
    {BN_TARGET, LT_KIND_MODULE, "Batch normalisation.", params, LT__COUNT_OF(params), bn_create, bn_destroy, &ops},
};

LT_PLUGIN_DEFINE(BN_TARGET, LT_VERSION_STRING, BN_TARGET, "BSD-3-Clause", components, NULL);
