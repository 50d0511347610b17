/* embedding.c: torch.nn.Embedding: N(0, 1) initial weights, the padding
 * row zeroed, as PyTorch's reset_parameters. */
#include "common.h"

#include <stdio.h>

typedef struct emb {
  lt_tensor *weight; /* owned */
  int64_t padding_idx; /* -1: none */
} emb;

static void emb_destroy(void *self) {
  emb *m = self;
  if (m) lt_tensor_free(m->weight);
  free(m);
}

static lt_status emb_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int64_t n = lt_arg_int(args, "num_embeddings"), d = lt_arg_int(args, "embedding_dim");
  int64_t padding_idx = lt_arg_int(args, "padding_idx"), pad = lt_arg_is_null(args, "padding_idx") ? -1 : padding_idx;
  if (pad < -1 || pad >= n) {
    if (pad < 0 && pad >= -n) pad += n; /* negative counts from the end, as PyTorch */
    else {
      snprintf(err, errlen, "padding_idx %lld must be within num_embeddings (%lld)", (long long)padding_idx, (long long)n);
      return LT_ERR_INVALID;
    }
  }
  emb *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->padding_idx = pad;
  m->weight = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(n, d), LT_FLOAT32, LT_CPU));
  int ok = m->weight && lt_tensor_normal_(m->weight, 0, 1) == LT_OK;
  if (ok && pad >= 0) {
    lt_scope *s = lt_scope_begin();
    ok = lt_tensor_zero_(lt_tensor_select(m->weight, 0, pad)) == LT_OK;
    lt_scope_end(s);
  }
  if (!ok || lt_tensor_set_requires_grad(m->weight, 1) != LT_OK) {
    snprintf(err, errlen, "%s", lt_last_error());
    emb_destroy(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *emb_forward(void *self, lt_tensor *x) {
  emb *m = self;
  return lt_embedding(m->weight, x, m->padding_idx);
}

static size_t emb_parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  return core_weight_bias(((emb *)self)->weight, NULL, out, names, max);
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = emb_forward, .parameters = emb_parameters};

static const lt_param params[] = {
    {"num_embeddings", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "size of the table"},
    {"embedding_dim", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "size of each vector"},
    {"padding_idx", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "row that stays zero and gets no gradient"},
};

static const lt_component components[] = {
    {"torch.nn.Embedding", LT_KIND_MODULE, "A lookup table of vectors.", params, LT_COUNT_OF(params), emb_create,
     emb_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.nn.Embedding", LT_VERSION_STRING, "torch.nn.Embedding", "BSD-3-Clause", components, NULL);
