// tensor.cpp: creating tensors, reading their properties and values, and
// the shape / indexing / conversion ops (views share storage as in PyTorch).
#include "internal.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>

using namespace lt;

extern "C" {

/* ---- creation -------------------------------------------------------- */

lt_tensor *lt_tensor_empty(const int64_t *shape, int ndim, lt_dtype dtype, lt_device device) {
  return op("lt_tensor_empty", {}, [&] { return at::empty(dims(shape, ndim), options(dtype, device)); });
}
lt_tensor *lt_tensor_zeros(const int64_t *shape, int ndim, lt_dtype dtype, lt_device device) {
  return op("lt_tensor_zeros", {}, [&] { return at::zeros(dims(shape, ndim), options(dtype, device)); });
}
lt_tensor *lt_tensor_ones(const int64_t *shape, int ndim, lt_dtype dtype, lt_device device) {
  return op("lt_tensor_ones", {}, [&] { return at::ones(dims(shape, ndim), options(dtype, device)); });
}
lt_tensor *lt_tensor_full(const int64_t *shape, int ndim, double value, lt_dtype dtype,
                          lt_device device) {
  return op("lt_tensor_full", {},
            [&] { return at::full(dims(shape, ndim), value, options(dtype, device)); });
}
lt_tensor *lt_tensor_scalar(double value, lt_dtype dtype) {
  return op("lt_tensor_scalar", {}, [&] { return at::scalar_tensor(value, options(dtype, LT_CPU)); });
}
lt_tensor *lt_tensor_arange(double start, double end, double step, lt_dtype dtype, lt_device device) {
  return op("lt_tensor_arange", {}, [&] { return at::arange(start, end, step, options(dtype, device)); });
}
lt_tensor *lt_tensor_linspace(double start, double end, int64_t steps, lt_dtype dtype,
                              lt_device device) {
  return op("lt_tensor_linspace", {},
            [&] { return at::linspace(start, end, steps, options(dtype, device)); });
}
lt_tensor *lt_tensor_eye(int64_t n, lt_dtype dtype, lt_device device) {
  return op("lt_tensor_eye", {}, [&] { return at::eye(n, options(dtype, device)); });
}
lt_tensor *lt_tensor_rand(const int64_t *shape, int ndim, lt_dtype dtype, lt_device device) {
  return op("lt_tensor_rand", {}, [&] { return at::rand(dims(shape, ndim), options(dtype, device)); });
}
lt_tensor *lt_tensor_randn(const int64_t *shape, int ndim, lt_dtype dtype, lt_device device) {
  return op("lt_tensor_randn", {}, [&] { return at::randn(dims(shape, ndim), options(dtype, device)); });
}
lt_tensor *lt_tensor_randint(int64_t low, int64_t high, const int64_t *shape, int ndim,
                             lt_dtype dtype, lt_device device) {
  return op("lt_tensor_randint", {},
            [&] { return at::randint(low, high, dims(shape, ndim), options(dtype, device)); });
}
lt_tensor *lt_tensor_randperm(int64_t n, lt_dtype dtype, lt_device device) {
  return op("lt_tensor_randperm", {}, [&] { return at::randperm(n, options(dtype, device)); });
}
lt_tensor *lt_tensor_zeros_like(lt_tensor *t) {
  return op("lt_tensor_zeros_like", {t}, [&] { return at::zeros_like(T(t)); });
}
lt_tensor *lt_tensor_ones_like(lt_tensor *t) {
  return op("lt_tensor_ones_like", {t}, [&] { return at::ones_like(T(t)); });
}
lt_tensor *lt_tensor_full_like(lt_tensor *t, double value) {
  return op("lt_tensor_full_like", {t}, [&] { return at::full_like(T(t), value); });
}
lt_tensor *lt_tensor_rand_like(lt_tensor *t) {
  return op("lt_tensor_rand_like", {t}, [&] { return at::rand_like(T(t)); });
}
lt_tensor *lt_tensor_randn_like(lt_tensor *t) {
  return op("lt_tensor_randn_like", {t}, [&] { return at::randn_like(T(t)); });
}

lt_tensor *lt_tensor_from_data(const void *data, const int64_t *shape, int ndim, lt_dtype dtype) {
  return op("lt_tensor_from_data", {}, [&] {
    at::Tensor t = at::empty(dims(shape, ndim), options(dtype, LT_CPU));
    TORCH_CHECK(data || t.numel() == 0, "data is NULL");
    if (t.numel()) memcpy(t.data_ptr(), data, t.nbytes());
    return t;
  });
}

lt_tensor *lt_tensor_from_blob(void *data, const int64_t *shape, int ndim, lt_dtype dtype,
                               lt_deleter deleter, void *ctx) {
  return op("lt_tensor_from_blob", {}, [&] {
    TORCH_CHECK(data, "data is NULL");
    auto o = options(dtype, LT_CPU);
    return at::from_blob(
        data, dims(shape, ndim),
        [deleter, ctx](void *p) {
          if (deleter) deleter(p, ctx);
        },
        o);
  });
}

/* ---- properties ------------------------------------------------------ */

static bool valid(lt_tensor *t, const char *name) {
  return inputs_ok(name, {t}) && t != LT_NO_TENSOR;
}

int lt_tensor_dim(lt_tensor *t) { return valid(t, "lt_tensor_dim") ? (int)T(t).dim() : -1; }

int64_t lt_tensor_size(lt_tensor *t, int64_t d) {
  if (!valid(t, "lt_tensor_size")) return -1;
  try {
    return T(t).size(d);
  } catch (...) {
    set_exception("lt_tensor_size", {t});
    return -1;
  }
}

int64_t lt_tensor_stride(lt_tensor *t, int64_t d) {
  if (!valid(t, "lt_tensor_stride")) return -1;
  try {
    return T(t).stride(d);
  } catch (...) {
    set_exception("lt_tensor_stride", {t});
    return -1;
  }
}

int lt_tensor_shape(lt_tensor *t, int64_t *out, int max) {
  if (!valid(t, "lt_tensor_shape")) return -1;
  int n = (int)T(t).dim();
  if (n > max || (n > 0 && !out)) {
    set_error("lt_tensor_shape(" + describe(t) + "): output array holds " +
              std::to_string(max) + " sizes, tensor has " + std::to_string(n) + " dims");
    return -1;
  }
  for (int i = 0; i < n; i++) out[i] = T(t).size(i);
  return n;
}

int64_t lt_tensor_numel(lt_tensor *t) { return valid(t, "lt_tensor_numel") ? T(t).numel() : -1; }

lt_dtype lt_tensor_dtype(lt_tensor *t) {
  return valid(t, "lt_tensor_dtype") ? from_scalar_type(T(t).scalar_type()) : LT__DTYPE_COUNT;
}

lt_device lt_tensor_device(lt_tensor *t) {
  return valid(t, "lt_tensor_device") ? from_device(T(t).device()) : -1;
}

int lt_tensor_is_contiguous(lt_tensor *t) {
  return valid(t, "lt_tensor_is_contiguous") ? (int)T(t).is_contiguous() : 0;
}

char *lt_tensor_describe(lt_tensor *t, char *buf, size_t size) {
  if (!buf || !size) return buf;
  try {
    snprintf(buf, size, "%s", describe(t).c_str());
  } catch (...) {
    snprintf(buf, size, "(out of memory)");
  }
  return buf;
}

void lt_tensor_print(lt_tensor *t, const char *label) try {
  std::ostringstream s;
  if (label) s << label << " = ";
  if (!t || t == LT_NO_TENSOR || t->magic != LT__TENSOR_MAGIC) {
    s << describe(t);
  } else {
    try {
      s << describe(t) << "\n" << T(t);
    } catch (...) {
      s << describe(t) << " (values unavailable)";
    }
  }
  std::cerr << s.str() << std::endl;
} catch (...) {
}

lt_status lt_tensor_item_double(lt_tensor *t, double *out) {
  return status_op("lt_tensor_item_double", {t}, [&] {
    TORCH_CHECK(out, "out is NULL");
    TORCH_CHECK(T(t).numel() == 1, "item needs a one-element tensor, got ", T(t).numel(),
                " elements");
    *out = T(t).item<double>();
  });
}

lt_status lt_tensor_item_int64(lt_tensor *t, int64_t *out) {
  return status_op("lt_tensor_item_int64", {t}, [&] {
    TORCH_CHECK(out, "out is NULL");
    TORCH_CHECK(T(t).numel() == 1, "item needs a one-element tensor, got ", T(t).numel(),
                " elements");
    *out = T(t).item<int64_t>();
  });
}

lt_status lt_tensor_copy_to(lt_tensor *t, void *dst, size_t nbytes, lt_dtype dtype) {
  return status_op("lt_tensor_copy_to", {t}, [&] {
    at::ScalarType st;
    TORCH_CHECK_TYPE(to_scalar_type(dtype, &st), "unknown dtype ", (int)dtype);
    at::Tensor c = T(t).detach().to(at::kCPU, st).contiguous();
    if (c.nbytes() != nbytes)
      throw lt::error(LT_ERR_SHAPE, "destination holds " + std::to_string(nbytes) +
                                        " bytes but the tensor needs " + std::to_string(c.nbytes()) +
                                        " (" + std::to_string(c.numel()) + " x " +
                                        std::to_string(c10::elementSize(st)) + ")");
    TORCH_CHECK(dst || nbytes == 0, "destination is NULL");
    if (nbytes) memcpy(dst, c.data_ptr(), nbytes);
  });
}

void *lt_tensor_data(lt_tensor *t) {
  if (!valid(t, "lt_tensor_data")) return nullptr;
  if (!T(t).device().is_cpu() || !T(t).is_contiguous()) {
    set_error("lt_tensor_data(" + describe(t) +
              "): needs a contiguous CPU tensor; call lt_tensor_contiguous first");
    return nullptr;
  }
  return T(t).data_ptr();
}

/* ---- shape and indexing ---------------------------------------------- */

lt_tensor *lt_tensor_reshape(lt_tensor *t, const int64_t *shape, int ndim) {
  return op("lt_tensor_reshape", {t}, [&] { return T(t).reshape(dims(shape, ndim)); });
}
lt_tensor *lt_tensor_view(lt_tensor *t, const int64_t *shape, int ndim) {
  return op("lt_tensor_view", {t}, [&] { return T(t).view(dims(shape, ndim)); });
}
lt_tensor *lt_tensor_flatten(lt_tensor *t, int64_t start, int64_t end) {
  return op("lt_tensor_flatten", {t}, [&] { return T(t).flatten(start, end); });
}
lt_tensor *lt_tensor_squeeze(lt_tensor *t, int64_t dim) {
  return op("lt_tensor_squeeze", {t},
            [&] { return dim == LT_DIM_NONE ? T(t).squeeze() : T(t).squeeze(dim); });
}
lt_tensor *lt_tensor_unsqueeze(lt_tensor *t, int64_t dim) {
  return op("lt_tensor_unsqueeze", {t}, [&] { return T(t).unsqueeze(dim); });
}
lt_tensor *lt_tensor_permute(lt_tensor *t, const int64_t *d, int ndim) {
  return op("lt_tensor_permute", {t}, [&] { return T(t).permute(dims(d, ndim)); });
}
lt_tensor *lt_tensor_transpose(lt_tensor *t, int64_t d0, int64_t d1) {
  return op("lt_tensor_transpose", {t}, [&] { return T(t).transpose(d0, d1); });
}
lt_tensor *lt_tensor_contiguous(lt_tensor *t) {
  return op("lt_tensor_contiguous", {t}, [&] { return T(t).contiguous(); });
}
lt_tensor *lt_tensor_expand(lt_tensor *t, const int64_t *shape, int ndim) {
  return op("lt_tensor_expand", {t}, [&] { return T(t).expand(dims(shape, ndim)); });
}
lt_tensor *lt_tensor_repeat(lt_tensor *t, const int64_t *reps, int n) {
  return op("lt_tensor_repeat", {t}, [&] { return T(t).repeat(dims(reps, n)); });
}
lt_tensor *lt_tensor_flip(lt_tensor *t, const int64_t *d, int n) {
  return op("lt_tensor_flip", {t}, [&] { return T(t).flip(dims(d, n)); });
}

static std::vector<at::Tensor> gather_list(const char *name, lt_tensor *const *ts, int n) {
  TORCH_CHECK(n > 0 && ts, name, ": needs at least one tensor");
  std::vector<at::Tensor> v;
  v.reserve((size_t)n);
  for (int i = 0; i < n; i++) {
    TORCH_CHECK(ts[i] && ts[i] != LT_NO_TENSOR && ts[i]->magic == LT__TENSOR_MAGIC, name,
                ": tensor ", i, " of ", n, " is NULL or freed");
    v.push_back(ts[i]->t);
  }
  return v;
}

lt_tensor *lt_tensor_cat(lt_tensor *const *tensors, int n, int64_t dim) {
  return op("lt_tensor_cat", {}, [&] { return at::cat(gather_list("lt_tensor_cat", tensors, n), dim); });
}
lt_tensor *lt_tensor_stack(lt_tensor *const *tensors, int n, int64_t dim) {
  return op("lt_tensor_stack", {},
            [&] { return at::stack(gather_list("lt_tensor_stack", tensors, n), dim); });
}

static int pieces(const char *name, lt_tensor *t, std::vector<at::Tensor> (*fn)(lt_tensor *, int64_t, int64_t),
                  int64_t a, int64_t dim, lt_tensor **out, int max) {
  if (!inputs_ok(name, {t})) return -1;
  try {
    std::vector<at::Tensor> parts = fn(t, a, dim);
    TORCH_CHECK(out && (int)parts.size() <= max, "gives ", parts.size(),
                " pieces but the output array holds ", max);
    for (size_t i = 0; i < parts.size(); i++) {
      out[i] = wrap(parts[i]);
      if (!out[i]) { // all or nothing
        for (size_t k = 0; k < i; k++) lt_tensor_free(out[k]), out[k] = nullptr;
        return -1;
      }
    }
    return (int)parts.size();
  } catch (...) {
    set_exception(name, {t});
    return -1;
  }
}

int lt_tensor_split(lt_tensor *t, int64_t split_size, int64_t dim, lt_tensor **out, int max) {
  return pieces(
      "lt_tensor_split", t,
      [](lt_tensor *x, int64_t s, int64_t d) { return T(x).split(s, d); }, split_size, dim, out,
      max);
}

int lt_tensor_chunk(lt_tensor *t, int64_t chunks, int64_t dim, lt_tensor **out, int max) {
  return pieces(
      "lt_tensor_chunk", t,
      [](lt_tensor *x, int64_t c, int64_t d) { return T(x).chunk(c, d); }, chunks, dim, out, max);
}

lt_tensor *lt_tensor_slice(lt_tensor *t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  return op("lt_tensor_slice", {t}, [&] { return T(t).slice(dim, start, end, step); });
}
lt_tensor *lt_tensor_narrow(lt_tensor *t, int64_t dim, int64_t start, int64_t length) {
  return op("lt_tensor_narrow", {t}, [&] { return T(t).narrow(dim, start, length); });
}
lt_tensor *lt_tensor_select(lt_tensor *t, int64_t dim, int64_t index) {
  return op("lt_tensor_select", {t}, [&] { return T(t).select(dim, index); });
}
lt_tensor *lt_tensor_index_select(lt_tensor *t, int64_t dim, lt_tensor *index) {
  return op("lt_tensor_index_select", {t, index}, [&] { return T(t).index_select(dim, T(index)); });
}
lt_tensor *lt_tensor_gather(lt_tensor *t, int64_t dim, lt_tensor *index) {
  return op("lt_tensor_gather", {t, index}, [&] { return T(t).gather(dim, T(index)); });
}
lt_tensor *lt_tensor_scatter(lt_tensor *t, int64_t dim, lt_tensor *index, lt_tensor *src) {
  return op("lt_tensor_scatter", {t, index, src}, [&] { return T(t).scatter(dim, T(index), T(src)); });
}
lt_tensor *lt_tensor_masked_fill(lt_tensor *t, lt_tensor *mask, double value) {
  return op("lt_tensor_masked_fill", {t, mask}, [&] { return T(t).masked_fill(T(mask), value); });
}
lt_tensor *lt_tensor_where(lt_tensor *cond, lt_tensor *a, lt_tensor *b) {
  return op("lt_tensor_where", {cond, a, b}, [&] { return at::where(T(cond), T(a), T(b)); });
}
lt_tensor *lt_tensor_to_dtype(lt_tensor *t, lt_dtype dtype) {
  return op("lt_tensor_to_dtype", {t}, [&] {
    at::ScalarType st;
    TORCH_CHECK_TYPE(to_scalar_type(dtype, &st), "unknown dtype ", (int)dtype);
    return T(t).to(st);
  });
}
lt_tensor *lt_tensor_to_device(lt_tensor *t, lt_device device) {
  return op("lt_tensor_to_device", {t}, [&] {
    return T(t).to(options(from_scalar_type(T(t).scalar_type()), device).device());
  });
}
lt_tensor *lt_tensor_ref(lt_tensor *t) {
  return op("lt_tensor_ref", {t}, [&] { return T(t); });
}
lt_tensor *lt_tensor_clone(lt_tensor *t) {
  return op("lt_tensor_clone", {t}, [&] { return T(t).clone(); });
}
lt_tensor *lt_tensor_detach(lt_tensor *t) {
  return op("lt_tensor_detach", {t}, [&] { return T(t).detach(); });
}

} // extern "C"
