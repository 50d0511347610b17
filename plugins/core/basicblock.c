/* basicblock.c: torchvision.models.resnet.BasicBlock, the residual block of
 * ResNet-18/34: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), with
 * 3x3 convolutions (the first with `stride`), the shortcut the identity or
 * the `downsample` module given (usually a Sequential of a 1x1 Conv2d and a
 * BatchNorm2d). State-dict names as torchvision's: conv1.weight,
 * bn1.{weight,bias,running_mean,running_var,num_batches_tracked}, conv2.*,
 * bn2.*, downsample.*. Its layers are built-in components made by name
 * (lt_make) and kept in its books (SDK 1.5) with the config's downsample:
 * the host names, trains and frees them. */
#include <lighter/lighter.h>

#include <stdio.h>

typedef struct block {
  lt_child *conv1, *bn1, *conv2, *bn2, *downsample; /* downsample may be NULL */
} block;

static lt_status block_create(const lt_value *args, void **self, char *err, size_t errlen) {
  long long in = (long long)lt_arg_int(args, "inplanes"), planes = (long long)lt_arg_int(args, "planes");
  if (lt_arg_int(args, "groups") != 1 || lt_arg_int(args, "base_width") != 64) {
    snprintf(err, errlen, "BasicBlock only supports groups=1 and base_width=64");
    return LT_ERR_INVALID;
  }
  if (lt_arg_int(args, "dilation") > 1) {
    snprintf(err, errlen, "dilation > 1 is not supported in BasicBlock");
    return LT_ERR_INVALID;
  }
  block *m = lt_module_new(sizeof *m);
  /* torchvision's order: conv1 (kaiming), bn1, conv2 (kaiming), bn2 */
  m->conv1 = lt_add_module(m, lt_make("torch.nn.Conv2d", "{in_channels: %lld, out_channels: %lld, kernel_size: 3, "
                                      "stride: %lld, padding: 1, bias: false}", in, planes,
                                      (long long)lt_arg_int(args, "stride")), "conv1");
  m->bn1 = lt_add_module(m, lt_make("torch.nn.BatchNorm2d", "{num_features: %lld}", planes), "bn1");
  m->conv2 = lt_add_module(m, lt_make("torch.nn.Conv2d", "{in_channels: %lld, out_channels: %lld, kernel_size: 3, "
                                      "padding: 1, bias: false}", planes, planes), "conv2");
  m->bn2 = lt_add_module(m, lt_make("torch.nn.BatchNorm2d", "{num_features: %lld}", planes), "bn2");
  lt_child *ds = lt_arg_child(args, "downsample");
  if (ds && !((const lt_module_ops *)ds->component->ops)->forward) {
    snprintf(err, errlen, "downsample has no forward");
    lt_child_free(ds);
    lt_module_free(m);
    return LT_ERR_INVALID;
  }
  if (ds) m->downsample = lt_add_module(m, ds, "downsample");
  return lt_module_done(m, self, err, errlen);
}

static lt_tensor *block_forward(void *self, lt_tensor *x) {
  block *m = self;
  lt_tensor *out = lt_relu(lt_forward(m->bn1, lt_forward(m->conv1, x)));
  out = lt_forward(m->bn2, lt_forward(m->conv2, out));
  lt_tensor *identity = m->downsample ? lt_forward(m->downsample, x) : x;
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
    LT_MODULE("torchvision.models.resnet.BasicBlock", "ResNet's basic residual block (two 3x3 convolutions).", params,
              block_create, block_forward),
};

LT_PLUGIN_DEFINE("torchvision.models.resnet.BasicBlock", LT_VERSION_STRING, "torchvision.models.resnet.BasicBlock",
                 "BSD-3-Clause", components, NULL);
