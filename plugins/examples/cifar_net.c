/* cifar_net.c: the network of Lighter's CIFAR-10 example
 * (configs/lighter_cifar10/example.yaml), written as a user writes a module
 * plugin in place of the project's Python class project.models.net.Net,
 * line for line; its layers are built-ins made by name and kept in the
 * module's books, so parameters, state-dict names (conv1.weight, ...,
 * fc3.bias: its checkpoints load into the Python class) and freeing are the
 * host's.
 *
 *   class Net(nn.Module):
 *       def __init__(self):
 *           super().__init__()
 *           self.conv1 = nn.Conv2d(3, 6, 5)
 *           self.pool = nn.MaxPool2d(2, 2)
 *           self.conv2 = nn.Conv2d(6, 16, 5)
 *           self.fc1 = nn.Linear(16 * 5 * 5, 120)
 *           self.fc2 = nn.Linear(120, 84)
 *           self.fc3 = nn.Linear(84, 10)
 *       def forward(self, x):
 *           x = self.pool(F.relu(self.conv1(x)))
 *           x = self.pool(F.relu(self.conv2(x)))
 *           x = torch.flatten(x, 1)
 *           x = F.relu(self.fc1(x))
 *           x = F.relu(self.fc2(x))
 *           return self.fc3(x)
 *
 *   cc -shared -fPIC cifar_net.c $(pkg-config --cflags --libs lighter) -o cifar_net.so
 */
#include <lighter/lighter.h>

typedef struct net {
  lt_child *conv1, *pool, *conv2, *fc1, *fc2, *fc3;
} net;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  (void)args;
  net *m = lt_module_new(sizeof *m);
  m->conv1 = lt_add_module(m, lt_make("torch.nn.Conv2d", "{in_channels: 3, out_channels: 6, kernel_size: 5}"), "conv1");
  m->pool = lt_add_module(m, lt_make("torch.nn.MaxPool2d", "{kernel_size: 2, stride: 2}"), "pool");
  m->conv2 = lt_add_module(m, lt_make("torch.nn.Conv2d", "{in_channels: 6, out_channels: 16, kernel_size: 5}"), "conv2");
  m->fc1 = lt_add_module(m, lt_make("torch.nn.Linear", "{in_features: 400, out_features: 120}"), "fc1");
  m->fc2 = lt_add_module(m, lt_make("torch.nn.Linear", "{in_features: 120, out_features: 84}"), "fc2");
  m->fc3 = lt_add_module(m, lt_make("torch.nn.Linear", "{in_features: 84, out_features: 10}"), "fc3");
  return lt_module_done(m, self, err, errlen);
}

static lt_tensor *forward(void *self, lt_tensor *x) {
  net *m = self;
  x = lt_forward(m->pool, lt_relu(lt_forward(m->conv1, x)));
  x = lt_forward(m->pool, lt_relu(lt_forward(m->conv2, x)));
  x = lt_tensor_flatten(x, 1, -1);
  x = lt_relu(lt_forward(m->fc1, x));
  x = lt_relu(lt_forward(m->fc2, x));
  return lt_forward(m->fc3, x); /* NULL if any op failed: lt_last_error() says which */
}

static const lt_component components[] = {
    {"project.models.net.Net", LT_KIND_MODULE, "The CNN of Lighter's CIFAR-10 example (32x32 RGB in, 10 logits out).",
     NULL, 0, create, lt_module_free, &(const lt_module_ops)LT_MODULE_OPS(forward)},
};

LT_PLUGIN_DEFINE("examples-cifar-net", "1.0.0", "the network of Lighter's CIFAR-10 example", "MIT", components, NULL);
