// micro_cnn.cpp: each op of the demo CNN's step (configs/fashion_mnist_cnn.yaml)
// timed through the C layer against the same op in libtorch's C++ on the
// same tensors, in one process, interleaved: the forward ops with autograd
// at the training batch (64), without it at the validation batch (256), and
// the forward + backward of the whole training step. A ratio above 1 is an
// op the host runs slower than raw libtorch; below 1, one it runs faster
// (max_pool2d takes a faster route than libtorch's own, see sdk/src/nn.cpp).
// Prints one JSON object: per op, C and C++ milliseconds (medians) and
// their ratio.
//
//   micro_cnn [REPEATS]
#define LT_DIRECT
#include <lighter/lighter.h>

#include <torch/torch.h>

#include <time.h>

extern "C" {
#include "../../host/alloc.h"
}

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

double now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The CNN's activations at one batch size, as C handles and C++ tensors
// sharing the same storage.
struct acts {
  lt_tensor *x, *c1, *p1, *c2, *p2, *f, *h;
  at::Tensor X, C1, P1, C2, P2, F, H;
};

struct params {
  lt_tensor *w1, *b1, *w2, *b2, *w3, *b3, *w4, *b4;
  at::Tensor W1, B1, W2, B2, W3, B3, W4, B4;
};

lt_tensor *share(const at::Tensor &t) {
  // a handle over the same storage: from_blob with no deleter (t outlives it)
  return lt_tensor_keep(lt_tensor_from_blob(t.data_ptr(), t.sizes().data(), (int)t.dim(), LT_FLOAT32, nullptr,
                                            nullptr));
}

acts make_acts(int64_t batch, const params &p) {
  torch::NoGradGuard ng;
  acts a;
  a.X = torch::randn({batch, 1, 28, 28});
  a.C1 = torch::relu(torch::conv2d(a.X, p.W1, p.B1, 1, 1));
  a.P1 = torch::max_pool2d(a.C1, 2);
  a.C2 = torch::relu(torch::conv2d(a.P1, p.W2, p.B2, 1, 1));
  a.P2 = torch::max_pool2d(a.C2, 2);
  a.F = a.P2.flatten(1).contiguous();
  a.H = torch::relu(torch::linear(a.F, p.W3, p.B3));
  a.x = share(a.X), a.c1 = share(a.C1), a.p1 = share(a.P1), a.c2 = share(a.C2);
  a.p2 = share(a.P2), a.f = share(a.F), a.h = share(a.H);
  return a;
}

struct op_pair {
  std::string name;
  std::function<void()> c, cpp;
};

} // namespace

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 5;
  if (reps < 1 || reps > 100) reps = 5;
  host_alloc_tune(); // the allocator settings lighter-host runs with
  torch::manual_seed(0);
  params p;
  p.W1 = torch::randn({32, 1, 3, 3}) * 0.3, p.B1 = torch::zeros({32});
  p.W2 = torch::randn({64, 32, 3, 3}) * 0.05, p.B2 = torch::zeros({64});
  p.W3 = torch::randn({128, 3136}) * 0.02, p.B3 = torch::zeros({128});
  p.W4 = torch::randn({10, 128}) * 0.1, p.B4 = torch::zeros({10});
  for (auto *t : {&p.W1, &p.B1, &p.W2, &p.B2, &p.W3, &p.B3, &p.W4, &p.B4}) t->set_requires_grad(true);
  p.w1 = share(p.W1), p.b1 = share(p.B1), p.w2 = share(p.W2), p.b2 = share(p.B2);
  p.w3 = share(p.W3), p.b3 = share(p.B3), p.w4 = share(p.W4), p.b4 = share(p.B4);
  for (lt_tensor *t : {p.w1, p.b1, p.w2, p.b2, p.w3, p.b3, p.w4, p.b4}) lt_tensor_set_requires_grad(t, 1);
  acts tr = make_acts(64, p), ev = make_acts(256, p);
  // training: the activations are in the graph (the ops record autograd)
  for (lt_tensor *t : {tr.c1, tr.p1, tr.c2, tr.f, tr.h}) lt_tensor_set_requires_grad(t, 1);
  for (auto *t : {&tr.C1, &tr.P1, &tr.C2, &tr.F, &tr.H}) t->set_requires_grad(true);
  at::Tensor Y = torch::randint(0, 10, {64});
  lt_tensor *y = lt_tensor_keep(lt_tensor_from_data(Y.data_ptr(), Y.sizes().data(), 1, LT_INT64));
  // The C handles of the parameters are separate leaves over the same
  // storage; their grads are separate too.
  std::vector<lt_tensor *> cparams = {p.w1, p.b1, p.w2, p.b2, p.w3, p.b3, p.w4, p.b4};
  std::vector<at::Tensor> tparams = {p.W1, p.B1, p.W2, p.B2, p.W3, p.B3, p.W4, p.B4};

  auto c_forward = [&](lt_tensor *x) {
    lt_tensor *h = lt_relu(lt_conv2d(x, p.w1, p.b1, 1, 1, 1, 1, 1, 1, 1));
    h = lt_max_pool2d(h, 2, 2, 0, 0, 0, 0, 1, 1, 0);
    h = lt_relu(lt_conv2d(h, p.w2, p.b2, 1, 1, 1, 1, 1, 1, 1));
    h = lt_max_pool2d(h, 2, 2, 0, 0, 0, 0, 1, 1, 0);
    h = lt_relu(lt_linear(lt_tensor_flatten(h, 1, -1), p.w3, p.b3));
    return lt_linear(h, p.w4, p.b4);
  };
  auto cpp_forward = [&](const at::Tensor &x) {
    at::Tensor h = torch::relu(torch::conv2d(x, p.W1, p.B1, 1, 1));
    h = torch::max_pool2d(h, 2);
    h = torch::relu(torch::conv2d(h, p.W2, p.B2, 1, 1));
    h = torch::max_pool2d(h, 2);
    h = torch::relu(torch::linear(h.flatten(1), p.W3, p.B3));
    return torch::linear(h, p.W4, p.B4);
  };

  // One scope per call on the C side, as a step's scope frees its results.
  auto scoped = [](const std::function<void()> &f) {
    return [f] {
      lt_scope *s = lt_scope_begin();
      f();
      lt_scope_end(s);
    };
  };
  std::vector<op_pair> ops;
  for (int mode = 0; mode < 2; mode++) {
    acts &a = mode ? ev : tr;
    const char *tag = mode ? "eval_b256_" : "train_b64_";
    auto add = [&](const char *name, std::function<void()> c, std::function<void()> cpp) {
      std::function<void()> cf = scoped(c), cppf = cpp;
      if (mode) {
        cf = [cf] { int prev = lt_grad_set_enabled(0); cf(); lt_grad_set_enabled(prev); };
        cppf = [cpp] { torch::NoGradGuard ng; cpp(); };
      }
      ops.push_back({std::string(tag) + name, cf, cppf});
    };
    add("conv2d_1", [&] { lt_conv2d(a.x, p.w1, p.b1, 1, 1, 1, 1, 1, 1, 1); },
        [&] { torch::conv2d(a.X, p.W1, p.B1, 1, 1); });
    add("relu_1", [&] { lt_relu(a.c1); }, [&] { torch::relu(a.C1); });
    add("max_pool2d_1", [&] { lt_max_pool2d(a.c1, 2, 2, 0, 0, 0, 0, 1, 1, 0); },
        [&] { torch::max_pool2d(a.C1, 2); });
    add("conv2d_2", [&] { lt_conv2d(a.p1, p.w2, p.b2, 1, 1, 1, 1, 1, 1, 1); },
        [&] { torch::conv2d(a.P1, p.W2, p.B2, 1, 1); });
    add("max_pool2d_2", [&] { lt_max_pool2d(a.c2, 2, 2, 0, 0, 0, 0, 1, 1, 0); },
        [&] { torch::max_pool2d(a.C2, 2); });
    add("linear_1", [&] { lt_linear(a.f, p.w3, p.b3); }, [&] { torch::linear(a.F, p.W3, p.B3); });
    add("linear_2", [&] { lt_linear(a.h, p.w4, p.b4); }, [&] { torch::linear(a.H, p.W4, p.B4); });
    add("forward", [&] { c_forward(a.x); }, [&] { cpp_forward(a.X); });
  }
  ops.push_back({"train_b64_cross_entropy",
                 scoped([&] { lt_cross_entropy(lt_linear(tr.h, p.w4, p.b4), y, LT_NO_TENSOR, LT_REDUCTION_MEAN,
                                               -100, 0.0); }),
                 [&] { torch::cross_entropy_loss(torch::linear(tr.H, p.W4, p.B4), Y); }});
  ops.push_back({"train_b64_forward_backward",
                 scoped([&] {
                   lt_tensor_backward(lt_cross_entropy(c_forward(tr.x), y, LT_NO_TENSOR, LT_REDUCTION_MEAN, -100,
                                                       0.0), LT_NO_TENSOR, 0);
                   for (lt_tensor *t : cparams) lt_tensor_zero_grad(t, 1);
                 }),
                 [&] {
                   torch::cross_entropy_loss(cpp_forward(tr.X), Y).backward();
                   for (auto &t : tparams) t.mutable_grad().reset();
                 }});

  const int kCalls = 5;
  for (auto &o : ops) o.c(), o.cpp(); // warm up
  std::vector<std::vector<double>> c_ms(ops.size()), cpp_ms(ops.size());
  // C first in even rounds, C++ first in odd ones: whichever runs second
  // finds the allocator's blocks warm.
  auto time_calls = [&](const std::function<void()> &f) {
    double t0 = now();
    for (int k = 0; k < kCalls; k++) f();
    return (now() - t0) * 1e3 / kCalls;
  };
  for (int r = 0; r < 2 * reps; r++)
    for (size_t i = 0; i < ops.size(); i++) {
      if (r % 2 == 0) {
        c_ms[i].push_back(time_calls(ops[i].c));
        cpp_ms[i].push_back(time_calls(ops[i].cpp));
      } else {
        cpp_ms[i].push_back(time_calls(ops[i].cpp));
        c_ms[i].push_back(time_calls(ops[i].c));
      }
    }
  if (*lt_last_error()) {
    fprintf(stderr, "micro_cnn: %s\n", lt_last_error());
    return 1;
  }
  printf("{");
  for (size_t i = 0; i < ops.size(); i++) {
    double c = median(c_ms[i]), cpp = median(cpp_ms[i]);
    printf("%s\"%s\": {\"c_ms\": %.4f, \"cpp_ms\": %.4f, \"ratio\": %.3f}", i ? ", " : "", ops[i].name.c_str(), c,
           cpp, c / cpp);
  }
  printf("}\n");
  return 0;
}
