// context.h (compat): what c10d's reducer.hpp needs from libtorch's
// distributed-autograd context header, which Debian's libtorch-dev 1.13
// does not ship. reducer.hpp only names the context type (a shared_ptr to
// it in its RPC context, its grad-callback type in a static_assert); the
// Reducer itself, its constructor and destructor are compiled into
// libtorch_cpu, so no layout of the real class is ever used here. Only
// sdk/src/dist.cpp sees this folder (the Makefile adds it to its includes).
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
  DistAutogradContext() = delete;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

} // namespace autograd
} // namespace distributed
} // namespace torch
