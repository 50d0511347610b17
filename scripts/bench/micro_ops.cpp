// micro_ops.cpp: per-op overhead of the C tensor layer in `make bench`: the
// same op on tiny tensors (so that the op itself costs little and the layer
// shows) called as libtorch's C++ (at::add), as the exported C function
// (LT_DIRECT, what embedders call) and through the function table (what a
// plugin calls), interleaved in one process; plus the cost of an empty
// scope and of a scope that frees one tensor. Prints one JSON object of
// nanoseconds per call (median of REPEATS rounds, and the minimum).
//
//   micro_ops [REPEATS]
#define LT_DIRECT
#include <lighter/lighter.h>

#include <torch/torch.h>

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

double now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const int kCalls = 1000;  // ops per scope (freed at its end, as in a step)
const int kRounds = 100;  // scopes per measurement

// Nanoseconds per call of body, which makes kCalls calls.
double measure(const std::function<void()> &body) {
  double t0 = now();
  for (int r = 0; r < kRounds; r++) body();
  return (now() - t0) * 1e9 / (kRounds * kCalls);
}

} // namespace

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 5;
  if (reps < 1 || reps > 100) reps = 5;
  const lt_api *api = lt_api_get();
  const int64_t shape[] = {2, 2};
  lt_tensor *a = lt_tensor_keep(lt_tensor_ones(shape, 2, LT_FLOAT32, LT_CPU));
  lt_tensor *b = lt_tensor_keep(lt_tensor_ones(shape, 2, LT_FLOAT32, LT_CPU));
  at::Tensor ta = torch::ones({2, 2}), tb = torch::ones({2, 2});
  volatile int64_t sink = 0;
  std::vector<at::Tensor> kept;
  kept.reserve(kCalls);

  struct bench {
    const char *name;
    std::function<void()> body;
  };
  std::vector<bench> benches = {
      {"cpp_add", [&] { for (int i = 0; i < kCalls; i++) { at::Tensor c = at::add(ta, tb); sink += c.dim(); } }},
      // The same op keeping its results alive until the end of the round, as
      // a scope (and a training step's graph) does: the allocator pattern of
      // the C calls, so that c_add - cpp_add_kept is the layer's own cost.
      {"cpp_add_kept", [&] {
         kept.clear();
         for (int i = 0; i < kCalls; i++) { kept.push_back(at::add(ta, tb)); sink += kept.back().dim(); }
         kept.clear();
       }},
      {"c_add", [&] {
         lt_scope *s = lt_scope_begin();
         for (int i = 0; i < kCalls; i++) sink += lt_tensor_add(a, b) != nullptr;
         lt_scope_end(s);
       }},
      {"table_add", [&] {
         lt_scope *s = api->lt_scope_begin();
         for (int i = 0; i < kCalls; i++) sink += api->lt_tensor_add(a, b) != nullptr;
         api->lt_scope_end(s);
       }},
      {"cpp_relu", [&] { for (int i = 0; i < kCalls; i++) { at::Tensor c = at::relu(ta); sink += c.dim(); } }},
      {"cpp_relu_kept", [&] {
         kept.clear();
         for (int i = 0; i < kCalls; i++) { kept.push_back(at::relu(ta)); sink += kept.back().dim(); }
         kept.clear();
       }},
      {"c_relu", [&] {
         lt_scope *s = lt_scope_begin();
         for (int i = 0; i < kCalls; i++) sink += lt_relu(a) != nullptr;
         lt_scope_end(s);
       }},
      {"cpp_matmul", [&] { for (int i = 0; i < kCalls; i++) { at::Tensor c = at::matmul(ta, tb); sink += c.dim(); } }},
      {"cpp_matmul_kept", [&] {
         kept.clear();
         for (int i = 0; i < kCalls; i++) { kept.push_back(at::matmul(ta, tb)); sink += kept.back().dim(); }
         kept.clear();
       }},
      {"c_matmul", [&] {
         lt_scope *s = lt_scope_begin();
         for (int i = 0; i < kCalls; i++) sink += lt_tensor_matmul(a, b) != nullptr;
         lt_scope_end(s);
       }},
      {"scope_empty", [&] {
         for (int i = 0; i < kCalls; i++) lt_scope_end(lt_scope_begin());
       }},
      {"scope_one_tensor", [&] {
         for (int i = 0; i < kCalls; i++) {
           lt_scope *s = lt_scope_begin();
           sink += lt_tensor_add(a, b) != nullptr;
           lt_scope_end(s);
         }
       }},
  };
  for (auto &bn : benches) measure(bn.body);  // warm up
  std::map<std::string, std::vector<double>> ns;
  for (int r = 0; r < reps; r++)
    for (auto &bn : benches) ns[bn.name].push_back(measure(bn.body));
  printf("{");
  const char *sep = "";
  for (auto &bn : benches) {
    auto v = ns[bn.name];
    std::sort(v.begin(), v.end());
    double med = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    printf("%s\"%s\": {\"min\": %.1f, \"median\": %.1f}", sep, bn.name, v[0], med);
    sep = ", ";
  }
  printf("}\n");
  lt_tensor_free(a);
  lt_tensor_free(b);
  return sink < 0;
}
