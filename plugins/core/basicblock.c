/* basicblock.c: torchvision.models.resnet.BasicBlock, the residual block of
 * ResNet-18/34: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), with
 * 3x3 convolutions (the first with `stride`), the shortcut the identity or
 * the `downsample` module given (usually a Sequential of a 1x1 Conv2d and a
 * BatchNorm2d). State-dict names as torchvision's: conv1.weight,
 * bn1.{weight,bias,running_mean,running_var,num_batches_tracked}, conv2.*,
 * bn2.*, downsample.*. */
#include "bn.h"
#include "container.h"

typedef struct block {
  container c; /* the downsample module, if any */
  lt_tensor *conv1, *conv2; /* owned */
  bn bn1, bn2;
  int64_t stride;
} block;

static void block_destroy(void *self) {
  block *m = self;
  if (!m) return;
  lt_tensor_free(m->conv1), lt_tensor_free(m->conv2);
  bn_release(&m->bn1), bn_release(&m->bn2);
  ct_free(&m->c);
  free(m);
}

static lt_status block_create(const lt_value *args, void **self, char *err, size_t errlen) {
  int64_t in = lt_arg_int(args, "inplanes"), planes = lt_arg_int(args, "planes");
  if (lt_arg_int(args, "groups") != 1 || lt_arg_int(args, "base_width") != 64) {
    snprintf(err, errlen, "BasicBlock only supports groups=1 and base_width=64");
    return LT_ERR_INVALID;
  }
  if (lt_arg_int(args, "dilation") > 1) {
    snprintf(err, errlen, "dilation > 1 is not supported in BasicBlock");
    return LT_ERR_INVALID;
  }
  block *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  m->stride = lt_arg_int(args, "stride");
  /* torchvision's order: conv1 (kaiming), bn1, conv2 (kaiming), bn2 */
  m->conv1 = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(planes, in, 3, 3), LT_FLOAT32, LT_CPU));
  int ok = m->conv1 && core_reset_parameters(m->conv1, NULL) == LT_OK && bn_init(&m->bn1, planes, 1e-5, 0.1, 1, 1) == 0;
  if (ok) m->conv2 = lt_tensor_keep(lt_tensor_empty(LT_SHAPE(planes, planes, 3, 3), LT_FLOAT32, LT_CPU));
  ok = ok && m->conv2 && core_reset_parameters(m->conv2, NULL) == LT_OK && bn_init(&m->bn2, planes, 1e-5, 0.1, 1, 1) == 0;
  if (!ok) {
    snprintf(err, errlen, "%s", lt_last_error());
    block_destroy(m);
    return LT_FAIL;
  }
  if (!lt_arg_is_null(args, "downsample")) {
    lt_status rc = ct_add(&m->c, lt_arg(args, "downsample"), "downsample", "downsample", err, errlen);
    if (rc == LT_OK && !m->c.kids[0].ops->forward) {
      snprintf(err, errlen, "downsample has no forward");
      rc = LT_ERR_INVALID;
    }
    if (rc != LT_OK) {
      block_destroy(m);
      return rc;
    }
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *block_forward(void *self, lt_tensor *x) {
  block *m = self;
  lt_tensor *out = lt_relu(bn_run(&m->bn1, lt_conv2d(x, m->conv1, LT_NO_TENSOR, m->stride, m->stride, 1, 1, 1, 1, 1)));
  out = bn_run(&m->bn2, lt_conv2d(out, m->conv2, LT_NO_TENSOR, 1, 1, 1, 1, 1, 1, 1));
  lt_tensor *identity = m->c.n ? m->c.kids[0].ops->forward(m->c.kids[0].self, x) : x;
  if (!out || !identity) return NULL;
  lt_tensor *sum = lt_tensor_add(out, identity);
  if (!sum) {
    char msg[200];
    snprintf(msg, sizeof msg, "BasicBlock: the residual does not fit the block's output (%s); give a downsample "
                              "when stride != 1 or inplanes != planes", lt_last_error());
    lt_set_error(msg, 1);
    return NULL;
  }
  return lt_relu(sum);
}

/* view 0 parameters, 1 buffers, 2 state: own tensors, then downsample's. */
static size_t block_view(block *m, int view, lt_tensor **out, const char **names, size_t max) {
  lt_tensor *t[12];
  const char *n[12];
  size_t k = 0;
  if (view != 1) t[k] = m->conv1, n[k++] = "conv1.weight";
  if (view != 1) t[k] = m->bn1.weight, n[k++] = "bn1.weight", t[k] = m->bn1.bias, n[k++] = "bn1.bias";
  if (view != 0) {
    t[k] = m->bn1.mean, n[k++] = "bn1.running_mean", t[k] = m->bn1.var, n[k++] = "bn1.running_var";
    t[k] = m->bn1.tracked, n[k++] = "bn1.num_batches_tracked";
  }
  if (view != 1) t[k] = m->conv2, n[k++] = "conv2.weight";
  if (view != 1) t[k] = m->bn2.weight, n[k++] = "bn2.weight", t[k] = m->bn2.bias, n[k++] = "bn2.bias";
  if (view != 0) {
    t[k] = m->bn2.mean, n[k++] = "bn2.running_mean", t[k] = m->bn2.var, n[k++] = "bn2.running_var";
    t[k] = m->bn2.tracked, n[k++] = "bn2.num_batches_tracked";
  }
  core_named(t, n, k, out, names, max);
  return k + ct_collect(&m->c, view, k, out, names, max);
}

static size_t block_parameters(void *self, lt_tensor **out, const char **names, size_t max) {
  return block_view(self, 0, out, names, max);
}
static size_t block_buffers(void *self, lt_tensor **out, const char **names, size_t max) {
  return block_view(self, 1, out, names, max);
}
static size_t block_state(void *self, lt_tensor **out, const char **names, size_t max) {
  return block_view(self, 2, out, names, max);
}

static void block_train(void *self, int mode) {
  block *m = self;
  m->bn1.training = m->bn2.training = mode;
  ct_train(&m->c, mode);
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = block_forward,
                                  .parameters = block_parameters, .train = block_train, .buffers = block_buffers,
                                  .state = block_state};

static const lt_param params[] = {
    {"inplanes", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "input channels"},
    {"planes", LT_P_INT, (lt_kind)0, NULL, LT_PF_REQUIRED | LT_PF_MIN, 1, 0, NULL, "output channels"},
    LT_PARAM_MIN("stride", LT_P_INT, "1", 1, "stride of the first 3x3 convolution"),
    {"downsample", LT_P_COMPONENT, LT_KIND_MODULE, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "the shortcut when shapes change (e.g. Sequential of Conv2d 1x1 with stride, BatchNorm2d); null: identity"},
    LT_PARAM("groups", LT_P_INT, "1", "must be 1 (as torchvision's BasicBlock)"),
    LT_PARAM("base_width", LT_P_INT, "64", "must be 64 (as torchvision's BasicBlock)"),
    LT_PARAM("dilation", LT_P_INT, "1", "must be 1 (as torchvision's BasicBlock)"),
};

static const lt_component components[] = {
    {"torchvision.models.resnet.BasicBlock", LT_KIND_MODULE, "ResNet's basic residual block (two 3x3 convolutions).",
     params, LT_COUNT_OF(params), block_create, block_destroy, &ops},
};

LT_PLUGIN_DEFINE("torchvision.models.resnet.BasicBlock", LT_VERSION_STRING, "torchvision.models.resnet.BasicBlock",
                 "BSD-3-Clause", components, NULL);
