/* cifar_net.c: the network of Lighter's CIFAR-10 example
 * (configs/lighter_cifar10/example.yaml), written as a user writes a module
 * plugin in place of the project's Python class project.models.net.Net:
 * PyTorch's tutorial LeNet, conv(3->6, 5) -> relu -> maxpool 2 -> conv(6->16,
 * 5) -> relu -> maxpool 2 -> flatten -> fc 400->120 -> relu -> fc 120->84 ->
 * relu -> fc 84->10, with PyTorch's default initialisation in PyTorch's
 * order and its state-dict names (conv1.weight, ..., fc3.bias), so that its
 * checkpoints load into the Python class.
 *
 *   cc -shared -fPIC cifar_net.c $(pkg-config --cflags --libs lighter) -o cifar_net.so
 */
#include <lighter/lighter.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { CONV1, CONV2, FC1, FC2, FC3, NLAYERS };

static const char *const names[2 * NLAYERS] = {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                               "fc1.weight",   "fc1.bias",   "fc2.weight",   "fc2.bias",
                                               "fc3.weight",   "fc3.bias"};

typedef struct net {
  lt_tensor *p[2 * NLAYERS]; /* weight, bias of each layer (owned) */
} net;

static void net_destroy(void *self) {
  net *m = self;
  if (!m) return;
  for (int i = 0; i < 2 * NLAYERS; i++) lt_tensor_free(m->p[i]);
  free(m);
}

/* A layer's weight of shape (shape, nd) and its bias: nn.Conv2d's and
 * nn.Linear's reset_parameters (kaiming_uniform_ with a = sqrt(5), the bias
 * uniform in +-1/sqrt(fan_in)). */
static int layer(net *m, int i, const int64_t *shape, int nd) {
  int64_t fan_in = 1;
  for (int d = 1; d < nd; d++) fan_in *= shape[d];
  double bound = 1.0 / sqrt((double)fan_in);
  lt_tensor *w = m->p[2 * i] = lt_tensor_keep(lt_tensor_empty(shape, nd, LT_FLOAT32, LT_CPU));
  lt_tensor *b = m->p[2 * i + 1] = lt_tensor_keep(lt_tensor_empty(shape, 1, LT_FLOAT32, LT_CPU));
  if (!w || !b || lt_init_kaiming_uniform_(w, sqrt(5.0)) != LT_OK || lt_tensor_uniform_(b, -bound, bound) != LT_OK)
    return -1;
  lt_tensor_set_requires_grad(w, 1);
  lt_tensor_set_requires_grad(b, 1);
  return 0;
}

static lt_status net_create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args;
  net *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  if (layer(m, CONV1, LT_SHAPE(6, 3, 5, 5)) || layer(m, CONV2, LT_SHAPE(16, 6, 5, 5)) ||
      layer(m, FC1, LT_SHAPE(120, 16 * 5 * 5)) || layer(m, FC2, LT_SHAPE(84, 120)) || layer(m, FC3, LT_SHAPE(10, 84))) {
    snprintf(err, errlen, "%s", lt_last_error());
    net_destroy(m);
    return LT_FAIL;
  }
  *self = m;
  return LT_OK;
}

static lt_tensor *conv_relu_pool(net *m, int i, lt_tensor *x) {
  x = lt_relu(lt_conv2d(x, m->p[2 * i], m->p[2 * i + 1], 1, 1, 0, 0, 1, 1, 1));
  return lt_max_pool2d(x, 2, 2, 2, 2, 0, 0, 1, 1, 0);
}

static lt_tensor *net_forward(void *self, lt_tensor *x) {
  net *m = self;
  x = conv_relu_pool(m, CONV2, conv_relu_pool(m, CONV1, x));
  x = lt_tensor_flatten(x, 1, -1);
  x = lt_relu(lt_linear(x, m->p[2 * FC1], m->p[2 * FC1 + 1]));
  x = lt_relu(lt_linear(x, m->p[2 * FC2], m->p[2 * FC2 + 1]));
  return lt_linear(x, m->p[2 * FC3], m->p[2 * FC3 + 1]); /* NULL if any op failed: lt_last_error() says which */
}

static size_t net_parameters(void *self, lt_tensor **out, const char **names_out, size_t max) {
  net *m = self;
  for (size_t i = 0; i < 2 * NLAYERS && i < max; i++) {
    if (out) out[i] = m->p[i];
    if (names_out) names_out[i] = names[i];
  }
  return 2 * NLAYERS;
}

static const lt_module_ops ops = {.size = sizeof(lt_module_ops), .forward = net_forward, .parameters = net_parameters};

static const lt_component components[] = {
    {"project.models.net.Net", LT_KIND_MODULE, "The CNN of Lighter's CIFAR-10 example (32x32 RGB in, 10 logits out).",
     NULL, 0, net_create, net_destroy, &ops},
};

LT_PLUGIN_DEFINE("examples-cifar-net", "1.0.0", "the network of Lighter's CIFAR-10 example", "MIT", components, NULL);
