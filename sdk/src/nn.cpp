// nn.cpp: torch.nn.functional (layers, activations, normalisation, pooling,
// resampling), the losses, autograd control (backward, grads, no-grad mode,
// gradient clipping) and torch.nn.init's default initialisers.
#include "internal.hpp"

#include <ATen/autocast_mode.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace lt;

static int64_t reduction_of(lt_reduction r, bool allow_batchmean = false) {
  TORCH_CHECK(r == LT_REDUCTION_NONE || r == LT_REDUCTION_MEAN || r == LT_REDUCTION_SUM ||
                  (allow_batchmean && r == LT_REDUCTION_BATCHMEAN),
              "unknown reduction ", (int)r, allow_batchmean ? "; use none, mean, sum or batchmean"
                                                            : "; use none, mean or sum");
  return (int64_t)r; // at::Reduction uses the same numbers for none/mean/sum
}

static int64_t dflt_stride(int64_t stride, int64_t kernel) { return stride > 0 ? stride : kernel; }

// libtorch 1.13's max_pool2d over a contiguous NCHW CPU tensor runs a scalar
// loop: a third of a small CNN's training step, more than half of its
// evaluation. Two faster routes give the same values (max is exact; a NaN
// wins in both, and 0.0 and -0.0 compare equal):
// - without autograd, the window maximum is separable: the running maximum
//   of k strided row views, then of k column views (a 2x2 pool of
//   [256, 32, 28, 28]: 2 ms against 38 ms);
// - with autograd, the pooling runs on a channels-last copy, where libtorch
//   vectorises it (8x), and the result is made differentiable by gathering
//   the input at the maxima's indices: gather's backward scatter-adds the
//   gradient in the order max_pool2d's backward does, so gradients are
//   bit-identical.
// Checked against PyTorch's loop written out (tests/check_nn.c); timed in
// make bench (micro_cnn).
static bool pool_fast_applies(const at::Tensor &x) {
  return x.dim() == 4 && x.device().is_cpu() && x.is_contiguous() && x.numel() >= 4096 &&
         (x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble);
}

struct pool_dim {
  int64_t in, out, k, s, p, d;
};

// PyTorch's pooling output size (pooling_output_shape).
static int64_t pool_out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  int64_t span = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  TORCH_CHECK(span >= 0, "max_pool2d: the padded input is smaller than the kernel");
  int64_t out = span / s + 1;
  if (ceil_mode && (out - 1) * s >= in + p) out--;
  return out;
}

// Running maximum over the k dilated, strided views of dim (padded with
// -inf where windows leave the input).
static at::Tensor window_max(const at::Tensor &x, int64_t dim, const pool_dim &w) {
  int64_t need = (w.out - 1) * w.s + w.d * (w.k - 1) + 1; // padded length read
  int64_t after = std::max<int64_t>(0, need - w.in - w.p);
  at::Tensor xp = x;
  if (w.p > 0 || after > 0) {
    std::vector<int64_t> pad(2 * (x.dim() - dim), 0); // last dim first
    pad[2 * (x.dim() - 1 - dim)] = w.p;
    pad[2 * (x.dim() - 1 - dim) + 1] = after;
    xp = at::constant_pad_nd(x, pad, -std::numeric_limits<double>::infinity());
  }
  at::Tensor m;
  for (int64_t i = 0; i < w.k; i++) {
    at::Tensor v = xp.slice(dim, i * w.d, i * w.d + (w.out - 1) * w.s + 1, w.s);
    m = i == 0 ? v : at::maximum(m, v);
  }
  return w.k == 1 ? m.contiguous() : m;
}

static at::Tensor max_pool2d_fast(const at::Tensor &x, at::IntArrayRef kernel, at::IntArrayRef stride,
                                  at::IntArrayRef pad, at::IntArrayRef dilation, bool ceil_mode) {
  if (!(at::GradMode::is_enabled() && x.requires_grad())) {
    TORCH_CHECK(pad[0] <= kernel[0] / 2 && pad[1] <= kernel[1] / 2,
                "pad should be at most half of kernel size, but got pad=", pad, " and kernel_size=", kernel);
    for (int i = 0; i < 2; i++)
      TORCH_CHECK(kernel[i] > 0 && stride[i] > 0 && dilation[i] > 0 && pad[i] >= 0,
                  "max_pool2d: kernel, stride and dilation must be positive and pad not negative");
    pool_dim h{x.size(2), 0, kernel[0], stride[0], pad[0], dilation[0]};
    pool_dim w{x.size(3), 0, kernel[1], stride[1], pad[1], dilation[1]};
    h.out = pool_out_size(h.in, h.k, h.s, h.p, h.d, ceil_mode);
    w.out = pool_out_size(w.in, w.k, w.s, w.p, w.d, ceil_mode);
    TORCH_CHECK(h.out > 0 && w.out > 0, "max_pool2d: output size is too small (", h.out, "x", w.out, ")");
    at::NoGradGuard no_grad;
    return window_max(window_max(x, 2, h), 3, w).contiguous();
  }
  at::Tensor out, idx;
  {
    at::NoGradGuard no_grad;
    std::tie(out, idx) = at::max_pool2d_with_indices(x.contiguous(at::MemoryFormat::ChannelsLast),
                                                     kernel, stride, pad, dilation, ceil_mode);
  }
  idx = idx.contiguous();
  const int64_t n = x.size(0), c = x.size(1);
  return x.reshape({n, c, -1}).gather(2, idx.view({n, c, -1})).view(idx.sizes());
}

extern "C" {

lt_tensor *lt_linear(lt_tensor *x, lt_tensor *weight, lt_tensor *bias) {
  return op("lt_linear", {x, weight, bias}, [&] { return at::linear(T(x), T(weight), opt(bias)); });
}

lt_tensor *lt_conv1d(lt_tensor *x, lt_tensor *weight, lt_tensor *bias, int64_t stride,
                     int64_t padding, int64_t dilation, int64_t groups) {
  return op("lt_conv1d", {x, weight, bias}, [&] {
    return at::conv1d(T(x), T(weight), opt(bias), {stride}, {padding}, {dilation}, groups);
  });
}

lt_tensor *lt_conv2d(lt_tensor *x, lt_tensor *weight, lt_tensor *bias, int64_t stride_h,
                     int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h,
                     int64_t dilation_w, int64_t groups) {
  return op("lt_conv2d", {x, weight, bias}, [&] {
    return at::conv2d(T(x), T(weight), opt(bias), {stride_h, stride_w}, {pad_h, pad_w},
                      {dilation_h, dilation_w}, groups);
  });
}

lt_tensor *lt_max_pool1d(lt_tensor *x, int64_t kernel, int64_t stride, int64_t padding,
                         int64_t dilation, int ceil_mode) {
  return op("lt_max_pool1d", {x}, [&] {
    return at::max_pool1d(T(x), {kernel}, {dflt_stride(stride, kernel)}, {padding}, {dilation},
                          ceil_mode != 0);
  });
}

lt_tensor *lt_max_pool2d(lt_tensor *x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                         int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h,
                         int64_t dilation_w, int ceil_mode) {
  return op("lt_max_pool2d", {x}, [&] {
    const int64_t k[2] = {kernel_h, kernel_w};
    const int64_t st[2] = {dflt_stride(stride_h, kernel_h), dflt_stride(stride_w, kernel_w)};
    const int64_t pd[2] = {pad_h, pad_w}, dl[2] = {dilation_h, dilation_w};
    // LT_PLAIN_MAX_POOL=1 keeps libtorch's own path (to compare).
    static const bool plain = getenv("LT_PLAIN_MAX_POOL") != nullptr;
    if (!plain && pool_fast_applies(T(x)))
      return max_pool2d_fast(T(x), k, st, pd, dl, ceil_mode != 0);
    return at::max_pool2d(T(x), k, st, pd, dl, ceil_mode != 0);
  });
}

lt_tensor *lt_avg_pool1d(lt_tensor *x, int64_t kernel, int64_t stride, int64_t padding,
                         int ceil_mode, int count_include_pad) {
  return op("lt_avg_pool1d", {x}, [&] {
    return at::avg_pool1d(T(x), {kernel}, {dflt_stride(stride, kernel)}, {padding}, ceil_mode != 0,
                          count_include_pad != 0);
  });
}

lt_tensor *lt_avg_pool2d(lt_tensor *x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                         int64_t stride_w, int64_t pad_h, int64_t pad_w, int ceil_mode,
                         int count_include_pad) {
  return op("lt_avg_pool2d", {x}, [&] {
    return at::avg_pool2d(T(x), {kernel_h, kernel_w},
                          {dflt_stride(stride_h, kernel_h), dflt_stride(stride_w, kernel_w)},
                          {pad_h, pad_w}, ceil_mode != 0, count_include_pad != 0);
  });
}

lt_tensor *lt_adaptive_avg_pool1d(lt_tensor *x, int64_t out) {
  return op("lt_adaptive_avg_pool1d", {x}, [&] { return at::adaptive_avg_pool1d(T(x), {out}); });
}
lt_tensor *lt_adaptive_avg_pool2d(lt_tensor *x, int64_t out_h, int64_t out_w) {
  return op("lt_adaptive_avg_pool2d", {x},
            [&] { return at::adaptive_avg_pool2d(T(x), {out_h, out_w}); });
}
lt_tensor *lt_adaptive_max_pool2d(lt_tensor *x, int64_t out_h, int64_t out_w) {
  return op("lt_adaptive_max_pool2d", {x},
            [&] { return std::get<0>(at::adaptive_max_pool2d(T(x), {out_h, out_w})); });
}

lt_tensor *lt_relu(lt_tensor *x) { return op("lt_relu", {x}, [&] { return at::relu(T(x)); }); }
lt_tensor *lt_leaky_relu(lt_tensor *x, double slope) {
  return op("lt_leaky_relu", {x}, [&] { return at::leaky_relu(T(x), slope); });
}
lt_tensor *lt_elu(lt_tensor *x, double alpha) {
  return op("lt_elu", {x}, [&] { return at::elu(T(x), alpha); });
}
lt_tensor *lt_gelu(lt_tensor *x, int approximate) {
  return op("lt_gelu", {x}, [&] { return at::gelu(T(x), approximate ? "tanh" : "none"); });
}
lt_tensor *lt_silu(lt_tensor *x) { return op("lt_silu", {x}, [&] { return at::silu(T(x)); }); }
lt_tensor *lt_softplus(lt_tensor *x, double beta, double threshold) {
  return op("lt_softplus", {x}, [&] { return at::softplus(T(x), beta, threshold); });
}
lt_tensor *lt_sigmoid(lt_tensor *x) { return op("lt_sigmoid", {x}, [&] { return at::sigmoid(T(x)); }); }
lt_tensor *lt_tanh(lt_tensor *x) { return op("lt_tanh", {x}, [&] { return at::tanh(T(x)); }); }
lt_tensor *lt_softmax(lt_tensor *x, int64_t dim) {
  return op("lt_softmax", {x}, [&] { return at::softmax(T(x), dim); });
}
lt_tensor *lt_log_softmax(lt_tensor *x, int64_t dim) {
  return op("lt_log_softmax", {x}, [&] { return at::log_softmax(T(x), dim); });
}
lt_tensor *lt_dropout(lt_tensor *x, double p, int training) {
  return op("lt_dropout", {x}, [&] {
    TORCH_CHECK(p >= 0.0 && p <= 1.0, "dropout probability has to be between 0 and 1, but got ", p);
    return at::dropout(T(x), p, training != 0);
  });
}

int lt_autocast_set(int enabled, lt_dtype dtype) {
  int prev = at::autocast::is_cpu_enabled() ? 1 : 0;
  try {
    at::ScalarType st;
    if (enabled && !to_scalar_type(dtype, &st)) throw lt::error(LT_ERR_DTYPE, "lt_autocast_set: unknown dtype");
    if (enabled) at::autocast::set_autocast_cpu_dtype(st);
    at::autocast::set_cpu_enabled(enabled != 0);
    if (!enabled) at::autocast::clear_cache();
  } catch (...) {
    set_exception("lt_autocast_set", {});
  }
  return prev;
}

lt_status lt_tensor_set_data(lt_tensor *t, lt_tensor *src) {
  return status_op("lt_tensor_set_data", {t, src}, [&] { T(t).set_data(T(src)); });
}

lt_tensor *lt_dropout_channels(lt_tensor *x, double p, int training) {
  return op("lt_dropout_channels", {x}, [&] {
    TORCH_CHECK(p >= 0.0 && p <= 1.0, "dropout probability has to be between 0 and 1, but got ", p);
    TORCH_CHECK(T(x).dim() >= 2, "channel dropout needs an input with a channel dim (N, C, ...), got ",
                T(x).dim(), " dims");
    return at::feature_dropout(T(x), p, training != 0);
  });
}

lt_tensor *lt_conv_transpose2d(lt_tensor *x, lt_tensor *weight, lt_tensor *bias, int64_t stride_h,
                               int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t out_pad_h,
                               int64_t out_pad_w, int64_t groups, int64_t dilation_h,
                               int64_t dilation_w) {
  return op("lt_conv_transpose2d", {x, weight, bias}, [&] {
    return at::conv_transpose2d(T(x), T(weight), opt(bias), {stride_h, stride_w}, {pad_h, pad_w},
                                {out_pad_h, out_pad_w}, groups, {dilation_h, dilation_w});
  });
}

lt_tensor *lt_bilinear(lt_tensor *x1, lt_tensor *x2, lt_tensor *weight, lt_tensor *bias) {
  return op("lt_bilinear", {x1, x2, weight, bias},
            [&] { return at::bilinear(T(x1), T(x2), T(weight), opt(bias)); });
}

lt_tensor *lt_batch_norm(lt_tensor *x, lt_tensor *weight, lt_tensor *bias, lt_tensor *running_mean,
                         lt_tensor *running_var, int training, double momentum, double eps) {
  return op("lt_batch_norm", {x, weight, bias, running_mean, running_var}, [&] {
    return at::batch_norm(T(x), opt(weight), opt(bias), opt(running_mean), opt(running_var),
                          training != 0, momentum, eps, true);
  });
}

lt_tensor *lt_layer_norm(lt_tensor *x, const int64_t *normalized_shape, int n, lt_tensor *weight,
                         lt_tensor *bias, double eps) {
  return op("lt_layer_norm", {x, weight, bias}, [&] {
    return at::layer_norm(T(x), dims(normalized_shape, n), opt(weight), opt(bias), eps);
  });
}

lt_tensor *lt_group_norm(lt_tensor *x, int64_t groups, lt_tensor *weight, lt_tensor *bias, double eps) {
  return op("lt_group_norm", {x, weight, bias},
            [&] { return at::group_norm(T(x), groups, opt(weight), opt(bias), eps); });
}

lt_tensor *lt_embedding(lt_tensor *weight, lt_tensor *indices, int64_t padding_idx) {
  return op("lt_embedding", {weight, indices},
            [&] { return at::embedding(T(weight), T(indices), padding_idx < 0 ? -1 : padding_idx); });
}

lt_tensor *lt_one_hot(lt_tensor *t, int64_t num_classes) {
  return op("lt_one_hot", {t}, [&] { return at::one_hot(T(t), num_classes < 0 ? -1 : num_classes); });
}

lt_tensor *lt_interpolate(lt_tensor *x, const int64_t *size, int n, lt_interp_mode mode,
                          int align_corners) {
  return op("lt_interpolate", {x}, [&] {
    auto out = dims(size, n);
    int64_t d = T(x).dim();
    bool ac = align_corners != 0;
    switch (mode) {
    case LT_INTERP_NEAREST:
      if (d == 3 && n == 1) return at::upsample_nearest1d(T(x), out, c10::nullopt);
      TORCH_CHECK(d == 4 && n == 2, "nearest needs (N, C, L) with 1 size or (N, C, H, W) with 2 sizes");
      return at::upsample_nearest2d(T(x), out, c10::nullopt, c10::nullopt);
    case LT_INTERP_LINEAR:
      TORCH_CHECK(d == 3 && n == 1, "linear needs a 3-D input (N, C, L) and 1 size");
      return at::upsample_linear1d(T(x), out, ac, c10::nullopt);
    case LT_INTERP_BILINEAR:
      TORCH_CHECK(d == 4 && n == 2, "bilinear needs a 4-D input (N, C, H, W) and 2 sizes");
      return at::upsample_bilinear2d(T(x), out, ac, c10::nullopt, c10::nullopt);
    case LT_INTERP_BICUBIC:
      TORCH_CHECK(d == 4 && n == 2, "bicubic needs a 4-D input (N, C, H, W) and 2 sizes");
      return at::upsample_bicubic2d(T(x), out, ac, c10::nullopt, c10::nullopt);
    default:
      break;
    }
    TORCH_CHECK(false, "unknown interpolation mode ", (int)mode);
  });
}

/* ---- losses ---------------------------------------------------------- */

lt_tensor *lt_cross_entropy(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                            lt_reduction reduction, int64_t ignore_index, double label_smoothing) {
  return op("lt_cross_entropy", {input, target, weight}, [&] {
    return at::cross_entropy_loss(T(input), T(target), opt(weight), reduction_of(reduction),
                                  ignore_index, label_smoothing);
  });
}

lt_tensor *lt_nll_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight, lt_reduction reduction,
                       int64_t ignore_index) {
  return op("lt_nll_loss", {input, target, weight}, [&] {
    return at::nll_loss_nd(T(input), T(target), opt(weight), reduction_of(reduction), ignore_index);
  });
}

lt_tensor *lt_mse_loss(lt_tensor *input, lt_tensor *target, lt_reduction reduction) {
  return op("lt_mse_loss", {input, target},
            [&] { return at::mse_loss(T(input), T(target), reduction_of(reduction)); });
}
lt_tensor *lt_l1_loss(lt_tensor *input, lt_tensor *target, lt_reduction reduction) {
  return op("lt_l1_loss", {input, target},
            [&] { return at::l1_loss(T(input), T(target), reduction_of(reduction)); });
}
lt_tensor *lt_smooth_l1_loss(lt_tensor *input, lt_tensor *target, lt_reduction reduction, double beta) {
  return op("lt_smooth_l1_loss", {input, target},
            [&] { return at::smooth_l1_loss(T(input), T(target), reduction_of(reduction), beta); });
}
lt_tensor *lt_huber_loss(lt_tensor *input, lt_tensor *target, lt_reduction reduction, double delta) {
  return op("lt_huber_loss", {input, target},
            [&] { return at::huber_loss(T(input), T(target), reduction_of(reduction), delta); });
}
lt_tensor *lt_binary_cross_entropy(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                                   lt_reduction reduction) {
  return op("lt_binary_cross_entropy", {input, target, weight}, [&] {
    return at::binary_cross_entropy(T(input), T(target), opt(weight), reduction_of(reduction));
  });
}
lt_tensor *lt_binary_cross_entropy_with_logits(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                                               lt_tensor *pos_weight, lt_reduction reduction) {
  return op("lt_binary_cross_entropy_with_logits", {input, target, weight, pos_weight}, [&] {
    return at::binary_cross_entropy_with_logits(T(input), T(target), opt(weight), opt(pos_weight),
                                                reduction_of(reduction));
  });
}
lt_tensor *lt_kl_div(lt_tensor *input, lt_tensor *target, lt_reduction reduction, int log_target) {
  return op("lt_kl_div", {input, target}, [&] {
    int64_t r = reduction_of(reduction, true);
    if (r == LT_REDUCTION_BATCHMEAN) {
      at::Tensor s = at::kl_div(T(input), T(target), at::Reduction::Sum, log_target != 0);
      return T(input).dim() == 0 ? s : s / T(input).size(0);
    }
    return at::kl_div(T(input), T(target), r, log_target != 0);
  });
}

/* ---- autograd -------------------------------------------------------- */

lt_status lt_tensor_set_requires_grad(lt_tensor *t, int requires_grad) {
  return status_op("lt_tensor_set_requires_grad", {t},
                   [&] { T(t).set_requires_grad(requires_grad != 0); });
}

int lt_tensor_requires_grad(lt_tensor *t) {
  return inputs_ok("lt_tensor_requires_grad", {t}) && t != LT_NO_TENSOR && T(t).requires_grad();
}

lt_status lt_tensor_backward(lt_tensor *t, lt_tensor *gradient, int retain_graph) {
  return status_op("lt_tensor_backward", {t, gradient}, [&] {
    TORCH_CHECK(T(t).requires_grad(),
                "the tensor does not require grad and has no grad_fn: was gradient recording "
                "off, or no input set requires_grad?");
    at::Tensor g = is_none(gradient) ? at::Tensor() : T(gradient);
    T(t).backward(g, c10::optional<bool>(retain_graph != 0), false);
  });
}

int lt_tensor_has_grad(lt_tensor *t) {
  return inputs_ok("lt_tensor_has_grad", {t}) && t != LT_NO_TENSOR && T(t).grad().defined();
}

lt_tensor *lt_tensor_grad(lt_tensor *t) {
  if (!inputs_ok("lt_tensor_grad", {t}) || t == LT_NO_TENSOR) return nullptr;
  try {
    at::Tensor g = T(t).grad();
    if (!g.defined()) return nullptr;
    return wrap(g);
  } catch (...) {
    set_exception("lt_tensor_grad", {t});
    return nullptr;
  }
}

lt_status lt_tensor_zero_grad(lt_tensor *t, int set_to_none) {
  return status_op("lt_tensor_zero_grad", {t}, [&] {
    at::Tensor &g = T(t).mutable_grad();
    if (!g.defined()) return;
    if (set_to_none) {
      g.reset();
    } else {
      at::NoGradGuard no_grad;
      if (g.grad_fn()) g = g.detach();
      g.zero_();
    }
  });
}

int lt_grad_set_enabled(int enabled) {
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(enabled != 0);
  return prev ? 1 : 0;
}

int lt_grad_is_enabled(void) { return at::GradMode::is_enabled() ? 1 : 0; }

static std::vector<at::Tensor> grads_of(lt_tensor *const *params, int n) {
  TORCH_CHECK(n >= 0 && (n == 0 || params), "params array is NULL");
  std::vector<at::Tensor> g;
  for (int i = 0; i < n; i++) {
    TORCH_CHECK(params[i] && params[i] != LT_NO_TENSOR && params[i]->magic == LT__TENSOR_MAGIC,
                "parameter ", i, " of ", n, " is NULL or freed");
    if (params[i]->t.grad().defined()) g.push_back(params[i]->t.grad());
  }
  return g;
}

lt_status lt_clip_grad_norm(lt_tensor *const *params, int n, double max_norm, double norm_type,
                            double *total_norm) {
  return status_op("lt_clip_grad_norm", {}, [&] {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> grads = grads_of(params, n);
    double total = 0.0;
    if (!grads.empty()) {
      std::vector<at::Tensor> norms;
      for (auto &g : grads)
        norms.push_back(std::isinf(norm_type) ? g.detach().abs().max() : at::norm(g.detach(), norm_type));
      // As PyTorch: the per-gradient norms meet on the first gradient's device.
      for (auto &n : norms) n = n.to(grads[0].device());
      at::Tensor tn = std::isinf(norm_type) ? (norms.size() == 1 ? norms[0] : at::stack(norms).max())
                                            : at::norm(at::stack(norms), norm_type);
      at::Tensor coef = at::clamp(max_norm / (tn + 1e-6), c10::nullopt, 1.0);
      for (auto &g : grads) g.detach().mul_(coef.to(g.device()));
      total = tn.item<double>();
    }
    if (total_norm) *total_norm = total;
  });
}

lt_status lt_clip_grad_value(lt_tensor *const *params, int n, double clip_value) {
  return status_op("lt_clip_grad_value", {}, [&] {
    at::NoGradGuard no_grad;
    for (auto &g : grads_of(params, n)) g.clamp_(-clip_value, clip_value);
  });
}

static void fans(const at::Tensor &w, int64_t *fan_in, int64_t *fan_out) {
  TORCH_CHECK(w.dim() >= 2, "fan in and fan out can not be computed for a tensor with fewer "
                            "than 2 dimensions");
  int64_t receptive = 1;
  for (int64_t i = 2; i < w.dim(); i++) receptive *= w.size(i);
  if (fan_in) *fan_in = w.size(1) * receptive;
  if (fan_out) *fan_out = w.size(0) * receptive;
}

lt_status lt_init_fans(lt_tensor *t, int64_t *fan_in, int64_t *fan_out) {
  return status_op("lt_init_fans", {t}, [&] { fans(T(t), fan_in, fan_out); });
}

lt_status lt_init_kaiming_uniform_(lt_tensor *t, double a) {
  return status_op("lt_init_kaiming_uniform_", {t}, [&] {
    int64_t fan_in = 0;
    if (T(t).numel() == 0) return; // PyTorch warns and leaves it as is
    fans(T(t), &fan_in, nullptr);
    double gain = std::sqrt(2.0 / (1.0 + a * a));
    double bound = std::sqrt(3.0) * gain / std::sqrt((double)fan_in);
    at::NoGradGuard no_grad;
    T(t).uniform_(-bound, bound);
  });
}

lt_status lt_init_xavier_uniform_(lt_tensor *t, double gain) {
  return status_op("lt_init_xavier_uniform_", {t}, [&] {
    int64_t fan_in = 0, fan_out = 0;
    if (T(t).numel() == 0) return;
    fans(T(t), &fan_in, &fan_out);
    double bound = std::sqrt(3.0) * gain * std::sqrt(2.0 / (double)(fan_in + fan_out));
    at::NoGradGuard no_grad;
    T(t).uniform_(-bound, bound);
  });
}

} // extern "C"
