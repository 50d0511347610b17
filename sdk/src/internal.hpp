// internal.hpp: what the tensor-layer translation units share: the handle
// and scope structs, the dtype/device maps, and the guards that keep every
// C++ exception on this side of the C boundary and turn it into
// lt_last_error() text naming the op and its input shapes.
#pragma once

#define LT__BUILDING_LIBRARY 1
#include <lighter/lighter.h>

#include <ATen/ATen.h>

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#define LT__TENSOR_MAGIC 0x4c54544eu /* "LTTN" */
#define LT__DEAD_MAGIC 0xdeadbeefu

struct lt_tensor {
  uint32_t magic;
  at::Tensor t;
  lt_scope *scope; // the scope that frees it, or nullptr when owned
  size_t slot;     // index in scope->items
};

struct lt_scope {
  uint32_t magic;
  lt_scope *parent;
  std::vector<lt_tensor *> items;
};

namespace lt {

// Thrown inside a guard to fail with a specific status code.
struct error : std::runtime_error {
  lt_status code;
  error(lt_status c, const std::string &m) : std::runtime_error(m), code(c) {}
};

// Runtime defaults (threads) are applied once, before the first tensor.
void ensure_init();

// Errors. set_error keeps the first error unless overwrite.
void set_error(const std::string &msg, bool overwrite = false);
bool has_error();

// The active exception, described for the user: "op(a=[2, 3] float32, b=none):
// message". Returns the status code the exception maps to.
lt_status set_exception(const char *op, std::initializer_list<const lt_tensor *> ins);
// An op got a NULL (or freed) input: keep the first error, or say which.
void null_input(const char *op, std::initializer_list<const lt_tensor *> ins);
bool inputs_ok(const char *op, std::initializer_list<const lt_tensor *> ins);

std::string describe(const lt_tensor *t);
std::string describe(const at::Tensor &t);

// Handles.
lt_tensor *wrap(at::Tensor t);
// The tensor of a checked handle. LT_NO_TENSOR in a required slot throws
// (caught by the guard) instead of being dereferenced.
inline at::Tensor &T(lt_tensor *p) {
  if (p == LT_NO_TENSOR)
    throw error(LT_ERR_NULL, "LT_NO_TENSOR given for a required tensor argument");
  return p->t;
}
inline c10::optional<at::Tensor> opt(lt_tensor *p) {
  if (p == LT_NO_TENSOR) return c10::nullopt;
  return p->t;
}
inline bool is_none(const lt_tensor *p) { return p == LT_NO_TENSOR; }

// dtype / device maps.
bool to_scalar_type(lt_dtype d, at::ScalarType *out);
lt_dtype from_scalar_type(at::ScalarType s);
bool to_device(lt_device d, at::Device *out);
lt_device from_device(const at::Device &d);
// Tensor options for a creation call, or throws c10::Error with a clear text.
at::TensorOptions options(lt_dtype dtype, lt_device device);
at::IntArrayRef dims(const int64_t *p, int n);

// Run f() -> at::Tensor with every guard; a NULL input gives NULL.
template <class F>
lt_tensor *op(const char *name, std::initializer_list<const lt_tensor *> ins, F &&f) {
  if (!inputs_ok(name, ins)) return nullptr;
  try {
    return wrap(f());
  } catch (...) {
    set_exception(name, ins);
    return nullptr;
  }
}

// Run f() (void) with every guard; returns a status.
template <class F>
lt_status status_op(const char *name, std::initializer_list<const lt_tensor *> ins, F &&f) {
  if (!inputs_ok(name, ins)) return LT_ERR_NULL;
  try {
    f();
    return LT_OK;
  } catch (...) {
    return set_exception(name, ins);
  }
}

} // namespace lt
