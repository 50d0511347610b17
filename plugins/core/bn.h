/* bn.h: batch normalisation state and step shared by BatchNorm1d/2d and
 * the ResNet BasicBlock: weight/bias (affine), running_mean, running_var
 * and num_batches_tracked named as PyTorch names them; training updates
 * the running statistics with momentum. */
#ifndef LT_CORE_BN_H
#define LT_CORE_BN_H

#include "common.h"

typedef struct bn {
  lt_tensor *weight, *bias;        /* owned, NULL without affine */
  lt_tensor *mean, *var, *tracked; /* owned, NULL without tracking */
  double eps, momentum;
  int training;
} bn;

static inline void bn_release(bn *m) {
  lt_tensor_free(m->weight), lt_tensor_free(m->bias);
  lt_tensor_free(m->mean), lt_tensor_free(m->var), lt_tensor_free(m->tracked);
  m->weight = m->bias = m->mean = m->var = m->tracked = NULL;
}

/* weight 1, bias 0, mean 0, var 1, count 0; 0 or -1 (lt_last_error). */
static inline int bn_init(bn *m, int64_t c, double eps, double momentum, int affine, int track) {
  m->eps = eps;
  m->momentum = momentum;
  m->training = 1;
  if (affine) {
    m->weight = lt_tensor_keep(lt_tensor_ones(LT_SHAPE(c), LT_FLOAT32, LT_CPU));
    m->bias = lt_tensor_keep(lt_tensor_zeros(LT_SHAPE(c), LT_FLOAT32, LT_CPU));
    if (!m->weight || !m->bias || lt_tensor_set_requires_grad(m->weight, 1) != LT_OK ||
        lt_tensor_set_requires_grad(m->bias, 1) != LT_OK)
      return -1;
  }
  if (track) {
    m->mean = lt_tensor_keep(lt_tensor_zeros(LT_SHAPE(c), LT_FLOAT32, LT_CPU));
    m->var = lt_tensor_keep(lt_tensor_ones(LT_SHAPE(c), LT_FLOAT32, LT_CPU));
    m->tracked = lt_tensor_keep(lt_tensor_scalar(0, LT_INT64));
    if (!m->mean || !m->var || !m->tracked) return -1;
  }
  return 0;
}

static inline lt_tensor *bn_run(bn *m, lt_tensor *x) {
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

static inline size_t bn_params(const bn *m, lt_tensor **out, const char **names, size_t max) {
  return m->weight ? core_weight_bias(m->weight, m->bias, out, names, max) : 0;
}

static inline size_t bn_bufs(const bn *m, lt_tensor **out, const char **names, size_t max) {
  if (!m->mean) return 0;
  lt_tensor *b[3] = {m->mean, m->var, m->tracked};
  const char *n[3] = {"running_mean", "running_var", "num_batches_tracked"};
  return core_named(b, n, 3, out, names, max);
}

#endif
