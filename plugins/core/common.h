/* common.h: small helpers the built-in torch.nn plugins share (each plugin
 * stays one file and one component; these are static inline). */
#ifndef LT_CORE_COMMON_H
#define LT_CORE_COMMON_H

#include <lighter/lighter.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* count named tensors into out/names (each may be NULL), at most max;
 * returns count (the parameters/buffers protocol of lt_module_ops). */
static inline size_t core_named(lt_tensor *const *t, const char *const *n, size_t count, lt_tensor **out,
                                const char **names, size_t max) {
  for (size_t i = 0; i < count && i < max; i++) {
    if (out) out[i] = t[i];
    if (names) names[i] = n[i];
  }
  return count;
}

/* Parameters of a layer with a weight and an optional bias, named as in
 * PyTorch's state dict. */
static inline size_t core_weight_bias(lt_tensor *weight, lt_tensor *bias, lt_tensor **out, const char **names,
                                      size_t max) {
  lt_tensor *p[2] = {weight, bias};
  const char *n[2] = {"weight", "bias"};
  return core_named(p, n, bias ? 2 : 1, out, names, max);
}

/* Layers whose state is a weight and an optional bias: their struct starts
 * with `core_wb wb` (or the same two members); these serve as their
 * destroy and parameters. */
typedef struct core_wb {
  lt_tensor *weight, *bias; /* owned; bias may be NULL */
} core_wb;

static inline void core_wb_destroy(void *self) {
  core_wb *m = (core_wb *)self;
  if (!m) return;
  lt_tensor_free(m->weight);
  lt_tensor_free(m->bias);
  free(m);
}

static inline size_t core_wb_parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  core_wb *m = (core_wb *)self;
  return core_weight_bias(m->weight, m->bias, out, names, max);
}

/* The first parameters of Conv2d and ConvTranspose2d. */
#define CORE_CONV_PARAMS                                                                                      \
  {"in_channels", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "channels in the input image"}, \
      {"out_channels", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "channels produced"},    \
      {"kernel_size", LT_P_ANY, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, "size of the kernel: int or [h, w]"}, \
      LT_PARAM("stride", LT_P_ANY, "1", "stride: int or [h, w]")

/* PyTorch's reset_parameters for Linear and ConvNd: kaiming_uniform_(a =
 * sqrt(5)) on the weight, then U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the
 * bias (if any), in that order so the random stream matches Python's. Both
 * then require grad. */
static inline lt_status core_reset_parameters(lt_tensor *weight, lt_tensor *bias) {
  if (lt_init_kaiming_uniform_(weight, sqrt(5.0)) != LT_OK) return LT_FAIL;
  if (bias) {
    int64_t fan_in = 0;
    if (lt_init_fans(weight, &fan_in, NULL) != LT_OK) return LT_FAIL;
    double bound = fan_in > 0 ? 1.0 / sqrt((double)fan_in) : 0;
    if (lt_tensor_uniform_(bias, -bound, bound) != LT_OK) return LT_FAIL;
    lt_tensor_set_requires_grad(bias, 1);
  }
  return lt_tensor_set_requires_grad(weight, 1);
}

/* The argument `name`, an int or [a, b], into out (PyTorch's _pair). */
static inline void core_pair(const lt_value *args, const char *name, int64_t out[2]) {
  const lt_value *v = lt_arg(args, name);
  if (v->type == LT_P_LIST && v->n == 2) {
    out[0] = v->items[0].i;
    out[1] = v->items[1].i;
  } else {
    out[0] = out[1] = v->i;
  }
}

/* The argument `name`, an int or a list of two ints, into out; -1 with a
 * message otherwise. */
static inline int core_int_pair(const lt_value *args, const char *name, int64_t lo, int64_t out[2], char *err,
                                size_t errlen) {
  const lt_value *v = lt_arg(args, name);
  if (v->type == LT_P_INT) {
    out[0] = out[1] = v->i;
  } else if (v->type == LT_P_LIST && v->n == 2 && v->items[0].type == LT_P_INT && v->items[1].type == LT_P_INT) {
    out[0] = v->items[0].i;
    out[1] = v->items[1].i;
  } else {
    snprintf(err, errlen, "%s must be an int or a list of two ints", name);
    return -1;
  }
  if (out[0] < lo || out[1] < lo) {
    snprintf(err, errlen, "%s must be at least %lld, got [%lld, %lld]", name, (long long)lo, (long long)out[0],
             (long long)out[1]);
    return -1;
  }
  return 0;
}

/* Predicted classes as torchmetrics reads them, flattened to int64:
 * multiclass scores [N, C] give their argmax and labels [N] stay; binary
 * probabilities above threshold are 1, and values outside [0, 1] are taken
 * for logits and go through a sigmoid first. */
static inline lt_tensor *core_class_labels(lt_tensor *preds, int multiclass, double threshold) {
  if (multiclass)
    return lt_tensor_flatten(lt_tensor_dim(preds) >= 2 ? lt_tensor_argmax(preds, 1, 0) : lt_tensor_to_dtype(preds, LT_INT64),
                             0, -1);
  lt_tensor *q = lt_tensor_flatten(lt_tensor_to_dtype(preds, LT_FLOAT32), 0, -1);
  double lo = 0, hi = 0;
  if (q && lt_tensor_numel(q) > 0) {
    lt_tensor_item_double(lt_tensor_min(q, LT_DIM_NONE, 0, NULL), &lo);
    lt_tensor_item_double(lt_tensor_max(q, LT_DIM_NONE, 0, NULL), &hi);
  }
  if (lo < 0 || hi > 1) q = lt_sigmoid(q);
  return lt_tensor_to_dtype(lt_tensor_gt_scalar(q, threshold), LT_INT64);
}

static inline size_t core_no_parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  (void)self, (void)out, (void)names, (void)max;
  return 0;
}

/* A module without parameters (activations, pooling, flatten, dropout).
 * TYPE is its struct: `int training` first, then the arguments it keeps,
 * in named fields (numbers only: strings and lists do not outlive create).
 * READ fills them from args by name (an expression over m and args; put
 * several in parentheses); forward is one expression over x and m. */
typedef struct core_stateless {
  int training;
} core_stateless;

#define CORE_STATELESS_MODULE(TARGET, SUMMARY, PARAMS, TYPE, READ, FORWARD_EXPR)                         \
  static lt_status create_(const lt_value *args, void **self, char *err, size_t errlen) {               \
    TYPE *m = (TYPE *)calloc(1, sizeof *m);                                                            \
    (void)args, (void)err, (void)errlen;                                                               \
    if (!m) return LT_ERR_NOMEM;                                                                       \
    READ;                                                                                              \
    m->training = 1;                                                                                   \
    *self = m;                                                                                         \
    return LT_OK;                                                                                      \
  }                                                                                                    \
  static void destroy_(void *self) { free(self); }                                                     \
  static void train_(void *self, int mode) { ((TYPE *)self)->training = mode; }                        \
  static lt_tensor *forward_(void *self, lt_tensor *x) {                                               \
    TYPE *m = (TYPE *)self;                                                                            \
    (void)m;                                                                                           \
    return FORWARD_EXPR;                                                                               \
  }                                                                                                    \
  static const lt_module_ops ops_ = {.size = sizeof(lt_module_ops), .forward = forward_,              \
                                     .parameters = core_no_parameters, .train = train_};               \
  static const lt_component components_[] = {                                                          \
      {TARGET, LT_KIND_MODULE, SUMMARY, PARAMS, LT_COUNT_OF(PARAMS), create_, destroy_, &ops_}};      \
  LT_PLUGIN_DEFINE(TARGET, LT_VERSION_STRING, TARGET, "BSD-3-Clause", components_, NULL)

/* Losses: TYPE is the loss's struct, `lt_reduction reduction` first (read
 * from the argument "reduction"), then what READ keeps of its other
 * arguments, in named fields (as CORE_STATELESS_MODULE). */
typedef struct core_loss {
  lt_reduction reduction;
} core_loss;

static inline lt_reduction core_reduction(const char *s) {
  if (!s) return LT_REDUCTION_MEAN;
  if (!strcmp(s, "none")) return LT_REDUCTION_NONE;
  if (!strcmp(s, "sum")) return LT_REDUCTION_SUM;
  if (!strcmp(s, "batchmean")) return LT_REDUCTION_BATCHMEAN;
  return LT_REDUCTION_MEAN;
}

/* PARAMS must name the reduction parameter "reduction". */
#define CORE_LOSS(TARGET, SUMMARY, PARAMS, TYPE, READ, FORWARD_EXPR)                                      \
  static lt_status create_(const lt_value *args, void **self, char *err, size_t errlen) {               \
    TYPE *m = (TYPE *)calloc(1, sizeof *m);                                                            \
    (void)err, (void)errlen;                                                                           \
    if (!m) return LT_ERR_NOMEM;                                                                       \
    m->reduction = core_reduction(lt_arg_str(args, "reduction"));                                     \
    READ;                                                                                              \
    *self = m;                                                                                         \
    return LT_OK;                                                                                      \
  }                                                                                                    \
  static void destroy_(void *self) { free(self); }                                                     \
  static lt_tensor *forward_(void *self, lt_tensor *input, lt_tensor *target) {                       \
    TYPE *m = (TYPE *)self;                                                                            \
    (void)m;                                                                                           \
    return FORWARD_EXPR;                                                                               \
  }                                                                                                    \
  static const lt_loss_ops ops_ = {.size = sizeof(lt_loss_ops), .forward = forward_};                   \
  static const lt_component components_[] = {                                                          \
      {TARGET, LT_KIND_LOSS, SUMMARY, PARAMS, LT_COUNT_OF(PARAMS), create_, destroy_, &ops_}};        \
  LT_PLUGIN_DEFINE(TARGET, LT_VERSION_STRING, TARGET, "BSD-3-Clause", components_, NULL)

#define CORE_REDUCTION LT_PARAM_CHOICE("reduction", "mean", "none|mean|sum", "how to reduce over the batch")

#endif
