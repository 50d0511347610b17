// math.cpp: elementwise arithmetic with broadcasting, comparisons, in-place
// updates (what optimizers are written with), reductions and matrix
// products. Every entry point goes through the guards in internal.hpp.
#include "internal.hpp"

#include <cmath>

using namespace lt;

#define LT__BINARY(name, expr)                                  \
  lt_tensor *name(lt_tensor *a, lt_tensor *b) {                 \
    return op(#name, {a, b}, [&] { return (expr); });           \
  }
#define LT__SCALAR(name, expr)                                  \
  lt_tensor *name(lt_tensor *a, double s) {                     \
    return op(#name, {a}, [&] { return (expr); });              \
  }
#define LT__UNARY(name, expr)                                   \
  lt_tensor *name(lt_tensor *a) { return op(#name, {a}, [&] { return (expr); }); }
#define LT__INPLACE2(name, stmt)                                \
  lt_status name(lt_tensor *t, lt_tensor *other) {              \
    return status_op(#name, {t, other}, [&] { stmt; });         \
  }
#define LT__INPLACE_S(name, stmt)                               \
  lt_status name(lt_tensor *t, double s) {                      \
    return status_op(#name, {t}, [&] { stmt; });                \
  }

// A whole number applied to an integer tensor stays an integer, as a Python
// int literal does in PyTorch (t * 2 is int64, t * 2.5 is float).
static at::Scalar sc(const at::Tensor &t, double s) {
  if (!at::isFloatingType(t.scalar_type()) && !at::isComplexType(t.scalar_type()) &&
      std::nearbyint(s) == s && std::fabs(s) < 9.0e15)
    return at::Scalar((int64_t)s);
  return at::Scalar(s);
}

// -INFINITY as a minimum and INFINITY as a maximum mean "no bound".
static c10::optional<at::Scalar> lower(double v) {
  if (std::isinf(v) && v < 0) return c10::nullopt;
  return at::Scalar(v);
}
static c10::optional<at::Scalar> upper(double v) {
  if (std::isinf(v) && v > 0) return c10::nullopt;
  return at::Scalar(v);
}

static std::vector<int64_t> dimvec(const int64_t *d, int n) {
  auto r = dims(d, n);
  return std::vector<int64_t>(r.begin(), r.end());
}

extern "C" {

LT__BINARY(lt_tensor_add, T(a) + T(b))
LT__BINARY(lt_tensor_sub, T(a) - T(b))
LT__BINARY(lt_tensor_mul, T(a) * T(b))
LT__BINARY(lt_tensor_div, T(a) / T(b))
LT__BINARY(lt_tensor_pow, at::pow(T(a), T(b)))
LT__BINARY(lt_tensor_maximum, at::maximum(T(a), T(b)))
LT__BINARY(lt_tensor_minimum, at::minimum(T(a), T(b)))
LT__SCALAR(lt_tensor_add_scalar, T(a) + sc(T(a), s))
LT__SCALAR(lt_tensor_sub_scalar, T(a) - sc(T(a), s))
LT__SCALAR(lt_tensor_rsub_scalar, at::rsub(T(a), sc(T(a), s)))
LT__SCALAR(lt_tensor_mul_scalar, T(a) * sc(T(a), s))
LT__SCALAR(lt_tensor_div_scalar, T(a) / s)
LT__SCALAR(lt_tensor_pow_scalar, at::pow(T(a), sc(T(a), s)))
LT__UNARY(lt_tensor_neg, -T(a))
LT__UNARY(lt_tensor_exp, T(a).exp())
LT__UNARY(lt_tensor_log, T(a).log())
LT__UNARY(lt_tensor_log1p, T(a).log1p())
LT__UNARY(lt_tensor_sqrt, T(a).sqrt())
LT__UNARY(lt_tensor_rsqrt, T(a).rsqrt())
LT__UNARY(lt_tensor_abs, T(a).abs())
LT__UNARY(lt_tensor_sign, T(a).sign())
LT__UNARY(lt_tensor_floor, T(a).floor())
LT__UNARY(lt_tensor_ceil, T(a).ceil())
LT__UNARY(lt_tensor_round, T(a).round())
LT__UNARY(lt_tensor_sin, T(a).sin())
LT__UNARY(lt_tensor_cos, T(a).cos())
LT__UNARY(lt_tensor_reciprocal, T(a).reciprocal())

lt_tensor *lt_tensor_clamp(lt_tensor *a, double min, double max) {
  return op("lt_tensor_clamp", {a}, [&] {
    auto lo = lower(min), hi = upper(max);
    return (lo || hi) ? at::clamp(T(a), lo, hi) : T(a).clone();
  });
}

LT__BINARY(lt_tensor_eq, T(a).eq(T(b)))
LT__BINARY(lt_tensor_ne, T(a).ne(T(b)))
LT__BINARY(lt_tensor_lt, T(a).lt(T(b)))
LT__BINARY(lt_tensor_le, T(a).le(T(b)))
LT__BINARY(lt_tensor_gt, T(a).gt(T(b)))
LT__BINARY(lt_tensor_ge, T(a).ge(T(b)))
LT__SCALAR(lt_tensor_eq_scalar, T(a).eq(s))
LT__SCALAR(lt_tensor_ne_scalar, T(a).ne(s))
LT__SCALAR(lt_tensor_lt_scalar, T(a).lt(s))
LT__SCALAR(lt_tensor_le_scalar, T(a).le(s))
LT__SCALAR(lt_tensor_gt_scalar, T(a).gt(s))
LT__SCALAR(lt_tensor_ge_scalar, T(a).ge(s))
LT__BINARY(lt_tensor_logical_and, at::logical_and(T(a), T(b)))
LT__BINARY(lt_tensor_logical_or, at::logical_or(T(a), T(b)))
LT__UNARY(lt_tensor_logical_not, at::logical_not(T(a)))
LT__UNARY(lt_tensor_isnan, at::isnan(T(a)))
LT__UNARY(lt_tensor_isfinite, at::isfinite(T(a)))

/* ---- in place -------------------------------------------------------- */

lt_status lt_tensor_add_(lt_tensor *t, lt_tensor *other, double alpha) {
  return status_op("lt_tensor_add_", {t, other}, [&] { T(t).add_(T(other), sc(T(t), alpha)); });
}
LT__INPLACE2(lt_tensor_sub_, T(t).sub_(T(other)))
LT__INPLACE2(lt_tensor_mul_, T(t).mul_(T(other)))
LT__INPLACE2(lt_tensor_div_, T(t).div_(T(other)))
LT__INPLACE_S(lt_tensor_add_scalar_, T(t).add_(sc(T(t), s)))
LT__INPLACE_S(lt_tensor_mul_scalar_, T(t).mul_(sc(T(t), s)))
LT__INPLACE_S(lt_tensor_div_scalar_, T(t).div_(s))
LT__INPLACE_S(lt_tensor_fill_, T(t).fill_(s))
LT__INPLACE_S(lt_tensor_bernoulli_, T(t).bernoulli_(s))
LT__INPLACE2(lt_tensor_copy_, T(t).copy_(T(other)))

lt_status lt_tensor_sqrt_(lt_tensor *t) {
  return status_op("lt_tensor_sqrt_", {t}, [&] { T(t).sqrt_(); });
}
lt_status lt_tensor_zero_(lt_tensor *t) {
  return status_op("lt_tensor_zero_", {t}, [&] { T(t).zero_(); });
}
lt_status lt_tensor_clamp_(lt_tensor *t, double min, double max) {
  return status_op("lt_tensor_clamp_", {t}, [&] {
    auto lo = lower(min), hi = upper(max);
    if (lo || hi) T(t).clamp_(lo, hi);
  });
}
lt_status lt_tensor_addcmul_(lt_tensor *t, lt_tensor *a, lt_tensor *b, double value) {
  return status_op("lt_tensor_addcmul_", {t, a, b}, [&] { T(t).addcmul_(T(a), T(b), value); });
}
lt_status lt_tensor_addcdiv_(lt_tensor *t, lt_tensor *a, lt_tensor *b, double value) {
  return status_op("lt_tensor_addcdiv_", {t, a, b}, [&] { T(t).addcdiv_(T(a), T(b), value); });
}
lt_status lt_tensor_lerp_(lt_tensor *t, lt_tensor *end, double weight) {
  return status_op("lt_tensor_lerp_", {t, end}, [&] { T(t).lerp_(T(end), weight); });
}
lt_status lt_tensor_uniform_(lt_tensor *t, double low, double high) {
  return status_op("lt_tensor_uniform_", {t}, [&] { T(t).uniform_(low, high); });
}
lt_status lt_tensor_normal_(lt_tensor *t, double mean, double std) {
  return status_op("lt_tensor_normal_", {t}, [&] { T(t).normal_(mean, std); });
}

/* ---- reductions ------------------------------------------------------ */

lt_tensor *lt_tensor_sum(lt_tensor *t, const int64_t *d, int n, int keepdim) {
  return op("lt_tensor_sum", {t}, [&] {
    return n == 0 ? T(t).sum() : T(t).sum(dimvec(d, n), keepdim != 0);
  });
}
lt_tensor *lt_tensor_mean(lt_tensor *t, const int64_t *d, int n, int keepdim) {
  return op("lt_tensor_mean", {t}, [&] {
    return n == 0 ? T(t).mean() : T(t).mean(dimvec(d, n), keepdim != 0);
  });
}
lt_tensor *lt_tensor_prod(lt_tensor *t, int64_t dim, int keepdim) {
  return op("lt_tensor_prod", {t}, [&] {
    return dim == LT_DIM_NONE ? T(t).prod() : T(t).prod(dim, keepdim != 0);
  });
}
lt_tensor *lt_tensor_std(lt_tensor *t, const int64_t *d, int n, int64_t correction, int keepdim) {
  return op("lt_tensor_std", {t}, [&] {
    c10::optional<at::IntArrayRef> dd;
    if (n) dd = dims(d, n);
    return at::std(T(t), dd, c10::optional<int64_t>(correction), n ? keepdim != 0 : false);
  });
}
lt_tensor *lt_tensor_var(lt_tensor *t, const int64_t *d, int n, int64_t correction, int keepdim) {
  return op("lt_tensor_var", {t}, [&] {
    c10::optional<at::IntArrayRef> dd;
    if (n) dd = dims(d, n);
    return at::var(T(t), dd, c10::optional<int64_t>(correction), n ? keepdim != 0 : false);
  });
}
lt_tensor *lt_tensor_norm(lt_tensor *t, double p, const int64_t *d, int n, int keepdim) {
  return op("lt_tensor_norm", {t}, [&] {
    return n == 0 ? at::norm(T(t), p) : at::norm(T(t), p, dims(d, n), keepdim != 0);
  });
}
lt_tensor *lt_tensor_logsumexp(lt_tensor *t, int64_t dim, int keepdim) {
  return op("lt_tensor_logsumexp", {t}, [&] { return at::logsumexp(T(t), {dim}, keepdim != 0); });
}
lt_tensor *lt_tensor_cumsum(lt_tensor *t, int64_t dim) {
  return op("lt_tensor_cumsum", {t}, [&] { return T(t).cumsum(dim); });
}

static lt_tensor *minmax(const char *name, bool is_max, lt_tensor *t, int64_t dim, int keepdim,
                         lt_tensor **indices) {
  if (indices) *indices = nullptr;
  if (!inputs_ok(name, {t})) return nullptr;
  try {
    if (dim == LT_DIM_NONE) {
      TORCH_CHECK(!indices, "indices need a dimension (dim is LT_DIM_NONE)");
      return wrap(is_max ? T(t).max() : T(t).min());
    }
    auto r = is_max ? T(t).max(dim, keepdim != 0) : T(t).min(dim, keepdim != 0);
    lt_tensor *v = wrap(std::get<0>(r));
    if (v && indices && !(*indices = wrap(std::get<1>(r)))) {
      lt_tensor_free(v);
      return nullptr;
    }
    return v;
  } catch (...) {
    set_exception(name, {t});
    return nullptr;
  }
}

lt_tensor *lt_tensor_max(lt_tensor *t, int64_t dim, int keepdim, lt_tensor **indices) {
  return minmax("lt_tensor_max", true, t, dim, keepdim, indices);
}
lt_tensor *lt_tensor_min(lt_tensor *t, int64_t dim, int keepdim, lt_tensor **indices) {
  return minmax("lt_tensor_min", false, t, dim, keepdim, indices);
}
lt_tensor *lt_tensor_argmax(lt_tensor *t, int64_t dim, int keepdim) {
  return op("lt_tensor_argmax", {t}, [&] {
    return dim == LT_DIM_NONE ? T(t).argmax() : T(t).argmax(dim, keepdim != 0);
  });
}
lt_tensor *lt_tensor_argmin(lt_tensor *t, int64_t dim, int keepdim) {
  return op("lt_tensor_argmin", {t}, [&] {
    return dim == LT_DIM_NONE ? T(t).argmin() : T(t).argmin(dim, keepdim != 0);
  });
}
LT__UNARY(lt_tensor_any, T(a).any())
LT__UNARY(lt_tensor_all, T(a).all())

static lt_tensor *pair(const char *name, lt_tensor *t, std::tuple<at::Tensor, at::Tensor> r,
                       lt_tensor **indices) {
  (void)name;
  (void)t;
  lt_tensor *v = wrap(std::get<0>(r));
  if (v && indices && !(*indices = wrap(std::get<1>(r)))) {
    lt_tensor_free(v);
    return nullptr;
  }
  return v;
}

lt_tensor *lt_tensor_topk(lt_tensor *t, int64_t k, int64_t dim, int largest, int sorted,
                          lt_tensor **indices) {
  if (indices) *indices = nullptr;
  if (!inputs_ok("lt_tensor_topk", {t})) return nullptr;
  try {
    return pair("lt_tensor_topk", t, T(t).topk(k, dim, largest != 0, sorted != 0), indices);
  } catch (...) {
    set_exception("lt_tensor_topk", {t});
    return nullptr;
  }
}

lt_tensor *lt_tensor_sort(lt_tensor *t, int64_t dim, int descending, lt_tensor **indices) {
  if (indices) *indices = nullptr;
  if (!inputs_ok("lt_tensor_sort", {t})) return nullptr;
  try {
    return pair("lt_tensor_sort", t, T(t).sort(dim, descending != 0), indices);
  } catch (...) {
    set_exception("lt_tensor_sort", {t});
    return nullptr;
  }
}

/* ---- linear algebra -------------------------------------------------- */

LT__BINARY(lt_tensor_matmul, at::matmul(T(a), T(b)))
LT__BINARY(lt_tensor_bmm, at::bmm(T(a), T(b)))

lt_tensor *lt_tensor_addmm(lt_tensor *bias, lt_tensor *a, lt_tensor *b, double beta, double alpha) {
  return op("lt_tensor_addmm", {bias, a, b}, [&] { return at::addmm(T(bias), T(a), T(b), beta, alpha); });
}

} // extern "C"
