// raw_train.cpp: the "no framework" floor of `make bench`: the demo's MLP or
// CNN trained on Fashion-MNIST directly against libtorch's C++ frontend, the
// same work lighter-host does for configs/fashion_mnist_{mlp,cnn}.yaml
// (same layers, seed, batch, SGD with momentum, normalisation, one epoch of
// BATCHES batches, then the test set). Prints one JSON line for
// scripts/bench/run.py; times are CLOCK_MONOTONIC seconds so that the driver
// can subtract the moment it started this process.
//
//   raw_train mlp|cnn BATCHES BATCH_SIZE LR TORCH_THREADS BLAS_THREADS
#include <torch/torch.h>

#include <dlfcn.h>
#include <time.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *kRoot = "/usr/share/datasets/fashion-mnist";

std::vector<unsigned char> read_gz(const std::string &name) {
  std::string path = std::string(kRoot) + "/" + name + ".gz";
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    fprintf(stderr, "raw_train: cannot open %s\n", path.c_str());
    exit(1);
  }
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  gzclose(f);
  return out;
}

// Images as float [N, 1, 28, 28], ToTensor (/255) then Normalize; labels int64.
std::pair<torch::Tensor, torch::Tensor> load(const char *split) {
  auto img = read_gz(std::string(split) + "-images-idx3-ubyte");
  auto lab = read_gz(std::string(split) + "-labels-idx1-ubyte");
  int64_t n = (int64_t)(lab.size() - 8);
  auto x = torch::from_blob(img.data() + 16, {n, 1, 28, 28}, torch::kUInt8).to(torch::kFloat).div_(255.0);
  x = (x - 0.2860) / 0.3530;
  auto y = torch::from_blob(lab.data() + 8, {n}, torch::kUInt8).to(torch::kLong);
  return {x, y};
}

// The thread policy under test; OpenBLAS is already loaded by libtorch.
void set_threads(int torch_threads, int blas_threads) {
  if (torch_threads > 0) at::set_num_threads(torch_threads);
  if (blas_threads <= 0) return;
  typedef void (*set_fn)(int);
  const char *libs[] = {"libopenblas.so.0", "libblas.so.3", nullptr};
  for (int i = 0; libs[i]; i++) {
    void *h = dlopen(libs[i], RTLD_NOW | RTLD_NOLOAD);
    if (!h) continue;
    auto set = (set_fn)dlsym(h, "openblas_set_num_threads");
    if (set) set(blas_threads);
    dlclose(h);
    if (set) return;
  }
}

torch::nn::Sequential make_net(const std::string &model) {
  using namespace torch::nn;
  if (model == "mlp")
    return Sequential(Flatten(), Linear(784, 256), ReLU(), Dropout(0.1), Linear(256, 10));
  return Sequential(Conv2d(Conv2dOptions(1, 32, 3).padding(1)), ReLU(), MaxPool2d(2),
                    Conv2d(Conv2dOptions(32, 64, 3).padding(1)), ReLU(), MaxPool2d(2), Flatten(), Linear(3136, 128),
                    ReLU(), Linear(128, 10));
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: raw_train mlp|cnn BATCHES BATCH_SIZE LR TORCH_THREADS BLAS_THREADS\n");
    return 2;
  }
  std::string model = argv[1];
  int64_t batches = atoll(argv[2]), bs = atoll(argv[3]);
  double lr = atof(argv[4]);
  set_threads(atoi(argv[5]), atoi(argv[6]));
  torch::manual_seed(0);
  auto net = make_net(model);
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(lr).momentum(0.9));
  auto [xtr, ytr] = load("train");
  auto [xte, yte] = load("t10k");

  net->train();
  auto perm = torch::randperm(xtr.size(0), torch::kLong);
  if (batches * bs > xtr.size(0)) batches = xtr.size(0) / bs;
  double t_epoch = now(), t_first = 0, loss_sum = 0;
  for (int64_t b = 0; b < batches; b++) {
    auto idx = perm.slice(0, b * bs, (b + 1) * bs);
    auto x = xtr.index_select(0, idx), y = ytr.index_select(0, idx);
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
    for (auto &p : net->parameters()) p.mutable_grad().reset(); // zero_grad(set_to_none)
    loss_sum += loss.item<double>();
    if (b == 0) t_first = now();
  }
  double t_last = now();

  net->eval();
  int64_t correct = 0;
  {
    torch::NoGradGuard ng;
    int64_t eb = model == "mlp" ? 512 : 256;
    for (int64_t i = 0; i < xte.size(0); i += eb) {
      int64_t e = std::min(i + eb, xte.size(0));
      correct += net->forward(xte.slice(0, i, e)).argmax(1).eq(yte.slice(0, i, e)).sum().item<int64_t>();
    }
  }
  printf("{\"first_step\": %.6f, \"epoch_start\": %.6f, \"train_sps\": %.3f, \"loss\": %.6f, \"acc\": %.6f}\n", t_first,
         t_epoch, batches > 1 ? (double)((batches - 1) * bs) / (t_last - t_first) : 0.0, loss_sum / (double)batches,
         (double)correct / (double)xte.size(0));
  return 0;
}
