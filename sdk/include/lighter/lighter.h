/* lighter.h: the one public header of the lighter SDK.
 *
 * A plugin (model, dataset, loss, ...) includes only this file. It is pure
 * C (C99 and later, also valid C++), pulls in no libtorch header, and needs
 * no link flags: every tensor-layer call goes through a versioned function
 * table (struct lt_api) that the host hands the plugin when it loads it, so
 * a call still reads `lt_tensor_add(a, b)`.
 *
 * Programs that embed the tensor layer directly (the host itself, tests, a
 * standalone trainer) define LT_DIRECT before including this header and link
 * liblighter (`pkg-config --cflags --libs lighter-direct`); then the same
 * names are ordinary exported functions.
 *
 * Conventions
 * - Handles are opaque and typed: lt_tensor, lt_scope, lt_state.
 * - Ownership is written on every pointer: (borrowed) the callee does not
 *   keep or free it; (new ref) the caller owns the result and frees it with
 *   the matching free call, unless a scope frees it (see lt_scope_begin).
 * - Math returns a new tensor, or NULL on error; an op given a NULL input
 *   returns NULL without touching the first error, so a chain of ops needs
 *   one check at its end. lt_last_error() then names the first failing op
 *   and its input shapes.
 * - Everything else returns lt_status: LT_OK (0) or a negative code.
 * - No C++ exception ever escapes a call.
 */
#ifndef LIGHTER_H
#define LIGHTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* snprintf, for lt_shape_text in plugin.h */

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version. A host accepts a plugin when the majors are equal and the
 * plugin's minor is not newer than the host's. The function table only ever
 * grows at its end within one major. */
#define LT_ABI_MAJOR 1
#define LT_ABI_MINOR 7 /* 1.1: plugin descriptors (plugin.h); 1.2: transposed conv,
                           * bilinear, channel dropout, int-keyed state dicts,
                           * optimizer/scheduler state and options (plugin.h);
                           * 1.3: process groups (lt_dist_*), run view rank;
                           * 1.4: collated dataset batches, batchable
                           * transforms (plugin.h); 1.5: arguments by
                           * name, LT_HAS (plugin.h); 1.6: DDP's reducer
                           * (lt_dist_reducer_*); 1.7: collectives in
                           * flight (lt_dist_allreduce_start) */
#define LT_VERSION_STRING "0.1.0"

#if defined(_WIN32)
#define LT_EXPORT __declspec(dllexport)
#else
#define LT_EXPORT __attribute__((visibility("default")))
#endif

/* ---- status codes (never renumbered; new ones are appended) ---------- */
#define LT_STATUS_LIST(X)                                        \
  X(LT_OK, 0, "ok")                                              \
  X(LT_FAIL, -1, "failed")                                       \
  X(LT_ERR_NULL, -2, "NULL argument")                            \
  X(LT_ERR_INVALID, -3, "invalid argument")                      \
  X(LT_ERR_SHAPE, -4, "shape mismatch")                          \
  X(LT_ERR_DTYPE, -5, "unsupported or mismatched dtype")         \
  X(LT_ERR_DEVICE, -6, "unsupported or mismatched device")       \
  X(LT_ERR_IO, -7, "input/output error")                         \
  X(LT_ERR_NOMEM, -8, "out of memory")                           \
  X(LT_ERR_NOT_FOUND, -9, "not found")                           \
  X(LT_ERR_UNSUPPORTED, -10, "unsupported")                      \
  X(LT_ERR_ABI, -11, "ABI version mismatch")                     \
  X(LT_ERR_FORMAT, -12, "malformed file")                        \
  X(LT_ERR_INTERRUPTED, -13, "interrupted")

typedef enum lt_status {
#define LT__STATUS_ENUM(name, value, text) name = value,
  LT_STATUS_LIST(LT__STATUS_ENUM)
#undef LT__STATUS_ENUM
  LT__STATUS_END = -14,
  LT__STATUS_INT = 0x7fffffff /* any int may cross the ABI: keep the enum int-sized */
} lt_status;

/* The text of a status, for code that has no table (the host, the
 * library's own lt_status_str). */
static inline const char *lt__status_text(lt_status s) {
  switch (s) {
#define LT__STATUS_CASE(name, value, text) \
  case name:                               \
    return text;
    LT_STATUS_LIST(LT__STATUS_CASE)
#undef LT__STATUS_CASE
  default:
    return "unknown status";
  }
}

/* ---- dtypes and devices (our own numbers, mapped inside the shim) ---- */
typedef enum lt_dtype {
  LT_FLOAT32 = 0,
  LT_FLOAT64 = 1,
  LT_FLOAT16 = 2,
  LT_BFLOAT16 = 3,
  LT_INT64 = 4,
  LT_INT32 = 5,
  LT_UINT8 = 6,
  LT_BOOL = 7,
  LT_INT8 = 8,
  LT_INT16 = 9,
  LT__DTYPE_COUNT,
  LT__DTYPE_INT = 0x7fffffff
} lt_dtype;

/* A device is one integer: LT_CPU, or LT_CUDA(i) for the i-th GPU. */
typedef int32_t lt_device;
#define LT_CPU ((lt_device)0)
#define LT_CUDA(i) ((lt_device)(1 + (i)))

typedef enum lt_reduction {
  LT_REDUCTION_NONE = 0,
  LT_REDUCTION_MEAN = 1,
  LT_REDUCTION_SUM = 2,
  LT_REDUCTION_BATCHMEAN = 3, /* kl_div only */
  LT__REDUCTION_INT = 0x7fffffff
} lt_reduction;

typedef enum lt_interp_mode {
  LT_INTERP_NEAREST = 0,
  LT_INTERP_LINEAR = 1,   /* 3-D input (N, C, L) */
  LT_INTERP_BILINEAR = 2, /* 4-D input (N, C, H, W) */
  LT_INTERP_BICUBIC = 3,  /* 4-D input */
  LT__INTERP_INT = 0x7fffffff
} lt_interp_mode;

/* Kinds of value an lt_state holds. */
typedef enum lt_value_kind {
  LT_VALUE_MISSING = 0,
  LT_VALUE_NONE = 1,
  LT_VALUE_BOOL = 2,
  LT_VALUE_INT = 3,
  LT_VALUE_DOUBLE = 4,
  LT_VALUE_STRING = 5,
  LT_VALUE_TENSOR = 6,
  LT_VALUE_DICT = 7,
  LT_VALUE_LIST = 8,
  LT_VALUE_OTHER = 9,
  LT__VALUE_INT = 0x7fffffff
} lt_value_kind;

/* "No dimension": reduce over all dimensions / flatten first. */
#define LT_DIM_NONE INT64_MIN

typedef struct lt_tensor lt_tensor; /* one handle to a tensor */
typedef struct lt_scope lt_scope;   /* a region that frees what it created */
typedef struct lt_state lt_state;   /* a dict or list of named values */
typedef struct lt_dist lt_dist;     /* a process group (ABI 1.3) */
typedef struct lt_dist_reducer lt_dist_reducer; /* DDP's gradient reducer (ABI 1.6) */
typedef struct lt_dist_work lt_dist_work;       /* a collective in flight (ABI 1.7) */

/* Reductions of lt_dist_allreduce; AVG is SUM divided by the group size. */
typedef enum lt_reduce_op { LT_REDUCE_SUM = 0, LT_REDUCE_MAX = 1, LT_REDUCE_MIN = 2, LT_REDUCE_AVG = 3 } lt_reduce_op;

/* Called when a tensor borrowed with lt_tensor_from_blob is released. */
typedef void (*lt_deleter)(void *data, void *ctx);

/* ======================================================================
 * The function table. Each entry is X(return type, name, (parameters),
 * (arguments)) or XV(name, (parameters), (arguments)) for void functions.
 * APPEND ONLY: never reorder, remove or change an entry within a major.
 * ====================================================================== */
#define LT_API_FUNCS(X, XV)                                                   \
  /* --- runtime -------------------------------------------------------- */  \
  /* The library's version string (static). */                                \
  X(const char *, lt_version, (void), ())                                     \
  /* (LT_ABI_MAJOR << 16) | LT_ABI_MINOR of the library. */                   \
  X(uint32_t, lt_abi_version, (void), ())                                     \
  /* Human text for a status code (static). */                                \
  X(const char *, lt_status_str, (lt_status s), (s))                          \
  /* The first error since the last lt_clear_error on this thread (borrowed,  \
   * valid until the next error or clear); "" when none. */                   \
  X(const char *, lt_last_error, (void), ())                                  \
  XV(lt_clear_error, (void), ())                                              \
  /* Record an error from plugin code (msg borrowed, copied). Keeps an        \
   * earlier error unless overwrite is non-zero. */                           \
  XV(lt_set_error, (const char *msg, int overwrite), (msg, overwrite))        \
  /* Number of tensor handles alive in the process. */                        \
  X(int64_t, lt_live_tensors, (void), ())                                     \
  /* Seed every generator (CPU and CUDA). */                                  \
  XV(lt_manual_seed, (uint64_t seed), (seed))                                 \
  /* (new ref) The CPU generator state as a uint8 tensor. */                  \
  X(lt_tensor *, lt_rng_state_get, (void), ())                                \
  /* Restore a state from lt_rng_state_get (borrowed). */                     \
  X(lt_status, lt_rng_state_set, (lt_tensor *state), (state))                 \
  /* Threads: libtorch intra-op and BLAS threads, set together. 0 or less     \
   * keeps the current value. */                                              \
  X(lt_status, lt_set_num_threads, (int torch_threads, int blas_threads),     \
    (torch_threads, blas_threads))                                            \
  X(int, lt_get_num_threads, (void), ())                                      \
  /* One line: library, libtorch version, BLAS, threads (static buffer). */   \
  X(const char *, lt_runtime_info, (void), ())                                \
  X(int, lt_cuda_device_count, (void), ())                                    \
  /* Parse "cpu", "cuda", "cuda:1" into *out. */                              \
  X(lt_status, lt_device_parse, (const char *text, lt_device *out),           \
    (text, out))                                                              \
  /* Name of a dtype ("float32"), static; NULL if unknown. */                 \
  X(const char *, lt_dtype_name, (lt_dtype dtype), (dtype))                   \
  X(size_t, lt_dtype_size, (lt_dtype dtype), (dtype))                         \
                                                                              \
  /* --- scopes and handle lifetime ------------------------------------- */  \
  /* Open a scope on this thread: every tensor handle created until the       \
   * matching lt_scope_end is freed by it, unless kept. */                    \
  X(lt_scope *, lt_scope_begin, (void), ())                                   \
  /* Close a scope (owned) and every scope opened inside it. */               \
  XV(lt_scope_end, (lt_scope *scope), (scope))                                \
  /* Take t out of any scope: the caller now owns it. Returns t. Scopes are  \
   * per thread: keep or free a handle on the thread that created it (or     \
   * keep it there first, then hand it over). */                             \
  X(lt_tensor *, lt_tensor_keep, (lt_tensor *t), (t))                         \
  /* Free a handle (owned); NULL is fine. Storage is freed with the last      \
   * handle or view that uses it. */                                          \
  XV(lt_tensor_free, (lt_tensor *t), (t))                                     \
                                                                              \
  /* --- creation (all new refs) ----------------------------------------- */ \
  X(lt_tensor *, lt_tensor_empty,                                             \
    (const int64_t *shape, int ndim, lt_dtype dtype, lt_device device),       \
    (shape, ndim, dtype, device))                                             \
  X(lt_tensor *, lt_tensor_zeros,                                             \
    (const int64_t *shape, int ndim, lt_dtype dtype, lt_device device),       \
    (shape, ndim, dtype, device))                                             \
  X(lt_tensor *, lt_tensor_ones,                                              \
    (const int64_t *shape, int ndim, lt_dtype dtype, lt_device device),       \
    (shape, ndim, dtype, device))                                             \
  X(lt_tensor *, lt_tensor_full,                                              \
    (const int64_t *shape, int ndim, double value, lt_dtype dtype,            \
     lt_device device),                                                       \
    (shape, ndim, value, dtype, device))                                      \
  /* 0-dim tensor holding value. */                                           \
  X(lt_tensor *, lt_tensor_scalar, (double value, lt_dtype dtype), (value, dtype)) \
  X(lt_tensor *, lt_tensor_arange,                                            \
    (double start, double end, double step, lt_dtype dtype, lt_device device),\
    (start, end, step, dtype, device))                                        \
  X(lt_tensor *, lt_tensor_linspace,                                          \
    (double start, double end, int64_t steps, lt_dtype dtype,                 \
     lt_device device),                                                       \
    (start, end, steps, dtype, device))                                       \
  X(lt_tensor *, lt_tensor_eye, (int64_t n, lt_dtype dtype, lt_device device),\
    (n, dtype, device))                                                       \
  /* Random, from the generator seeded by lt_manual_seed. */                  \
  X(lt_tensor *, lt_tensor_rand,                                              \
    (const int64_t *shape, int ndim, lt_dtype dtype, lt_device device),       \
    (shape, ndim, dtype, device))                                             \
  X(lt_tensor *, lt_tensor_randn,                                             \
    (const int64_t *shape, int ndim, lt_dtype dtype, lt_device device),       \
    (shape, ndim, dtype, device))                                             \
  /* Integers in [low, high). */                                              \
  X(lt_tensor *, lt_tensor_randint,                                           \
    (int64_t low, int64_t high, const int64_t *shape, int ndim,               \
     lt_dtype dtype, lt_device device),                                       \
    (low, high, shape, ndim, dtype, device))                                  \
  X(lt_tensor *, lt_tensor_randperm, (int64_t n, lt_dtype dtype, lt_device device), \
    (n, dtype, device))                                                       \
  X(lt_tensor *, lt_tensor_zeros_like, (lt_tensor *t), (t))                   \
  X(lt_tensor *, lt_tensor_ones_like, (lt_tensor *t), (t))                    \
  X(lt_tensor *, lt_tensor_full_like, (lt_tensor *t, double value), (t, value))\
  X(lt_tensor *, lt_tensor_rand_like, (lt_tensor *t), (t))                    \
  X(lt_tensor *, lt_tensor_randn_like, (lt_tensor *t), (t))                   \
  /* Copy C data (borrowed, dense row-major, ndim dims) into a new CPU        \
   * tensor. */                                                               \
  X(lt_tensor *, lt_tensor_from_data,                                         \
    (const void *data, const int64_t *shape, int ndim, lt_dtype dtype),       \
    (data, shape, ndim, dtype))                                               \
  /* Wrap C data without copying. The tensor borrows data until its last      \
   * user is gone, then calls deleter(data, ctx) (deleter may be NULL). On    \
   * failure (NULL) the deleter is not called: data stays the caller's. */   \
  X(lt_tensor *, lt_tensor_from_blob,                                         \
    (void *data, const int64_t *shape, int ndim, lt_dtype dtype,              \
     lt_deleter deleter, void *ctx),                                          \
    (data, shape, ndim, dtype, deleter, ctx))                                 \
                                                                              \
  /* --- properties ------------------------------------------------------ */ \
  X(int, lt_tensor_dim, (lt_tensor *t), (t))                                  \
  /* Size of dim d (negative counts from the end); -1 on error. */            \
  X(int64_t, lt_tensor_size, (lt_tensor *t, int64_t d), (t, d))               \
  X(int64_t, lt_tensor_stride, (lt_tensor *t, int64_t d), (t, d))             \
  /* Write up to max sizes into out (borrowed); returns dim or -1. */         \
  X(int, lt_tensor_shape, (lt_tensor *t, int64_t *out, int max), (t, out, max)) \
  X(int64_t, lt_tensor_numel, (lt_tensor *t), (t))                            \
  X(lt_dtype, lt_tensor_dtype, (lt_tensor *t), (t))                           \
  X(lt_device, lt_tensor_device, (lt_tensor *t), (t))                         \
  X(int, lt_tensor_is_contiguous, (lt_tensor *t), (t))                        \
  /* "[2, 3] float32 cpu" into buf (borrowed); returns buf. */                \
  X(char *, lt_tensor_describe, (lt_tensor *t, char *buf, size_t size),       \
    (t, buf, size))                                                           \
  /* Print shape, dtype and values (like Python's repr) to stderr. */         \
  XV(lt_tensor_print, (lt_tensor *t, const char *label), (t, label))          \
  /* Value of a one-element tensor. */                                        \
  X(lt_status, lt_tensor_item_double, (lt_tensor *t, double *out), (t, out))  \
  X(lt_status, lt_tensor_item_int64, (lt_tensor *t, int64_t *out), (t, out))  \
  /* Copy the values, converted to dtype, row-major, into dst (borrowed) of   \
   * nbytes bytes; the size must match exactly. */                            \
  X(lt_status, lt_tensor_copy_to,                                             \
    (lt_tensor *t, void *dst, size_t nbytes, lt_dtype dtype),                 \
    (t, dst, nbytes, dtype))                                                  \
  /* Pointer to the data of a contiguous CPU tensor (borrowed, lives as long  \
   * as t); NULL otherwise. */                                                \
  X(void *, lt_tensor_data, (lt_tensor *t), (t))                              \
                                                                              \
  /* --- shape and indexing (new refs; views share storage) ------------- */  \
  X(lt_tensor *, lt_tensor_reshape, (lt_tensor *t, const int64_t *shape, int ndim), \
    (t, shape, ndim))                                                         \
  X(lt_tensor *, lt_tensor_view, (lt_tensor *t, const int64_t *shape, int ndim), \
    (t, shape, ndim))                                                         \
  X(lt_tensor *, lt_tensor_flatten, (lt_tensor *t, int64_t start, int64_t end), \
    (t, start, end))                                                          \
  /* dim == LT_DIM_NONE squeezes every size-1 dim. */                         \
  X(lt_tensor *, lt_tensor_squeeze, (lt_tensor *t, int64_t dim), (t, dim))    \
  X(lt_tensor *, lt_tensor_unsqueeze, (lt_tensor *t, int64_t dim), (t, dim))  \
  X(lt_tensor *, lt_tensor_permute, (lt_tensor *t, const int64_t *dims, int ndim), \
    (t, dims, ndim))                                                          \
  X(lt_tensor *, lt_tensor_transpose, (lt_tensor *t, int64_t d0, int64_t d1), \
    (t, d0, d1))                                                              \
  X(lt_tensor *, lt_tensor_contiguous, (lt_tensor *t), (t))                   \
  X(lt_tensor *, lt_tensor_expand, (lt_tensor *t, const int64_t *shape, int ndim), \
    (t, shape, ndim))                                                         \
  X(lt_tensor *, lt_tensor_repeat, (lt_tensor *t, const int64_t *reps, int n),\
    (t, reps, n))                                                             \
  X(lt_tensor *, lt_tensor_flip, (lt_tensor *t, const int64_t *dims, int n),  \
    (t, dims, n))                                                             \
  /* tensors: array of n borrowed handles. */                                 \
  X(lt_tensor *, lt_tensor_cat, (lt_tensor *const *tensors, int n, int64_t dim), \
    (tensors, n, dim))                                                        \
  X(lt_tensor *, lt_tensor_stack, (lt_tensor *const *tensors, int n, int64_t dim), \
    (tensors, n, dim))                                                        \
  /* Pieces of split_size along dim into out[0..max) (each a new ref).        \
   * Returns the number of pieces, or -1 (also when max is too small). */     \
  X(int, lt_tensor_split,                                                     \
    (lt_tensor *t, int64_t split_size, int64_t dim, lt_tensor **out, int max),\
    (t, split_size, dim, out, max))                                           \
  X(int, lt_tensor_chunk,                                                     \
    (lt_tensor *t, int64_t chunks, int64_t dim, lt_tensor **out, int max),    \
    (t, chunks, dim, out, max))                                               \
  /* t[start:end:step] along dim; negative start/end count from the end,      \
   * INT64_MAX means "to the end". */                                         \
  X(lt_tensor *, lt_tensor_slice,                                             \
    (lt_tensor *t, int64_t dim, int64_t start, int64_t end, int64_t step),    \
    (t, dim, start, end, step))                                               \
  X(lt_tensor *, lt_tensor_narrow,                                            \
    (lt_tensor *t, int64_t dim, int64_t start, int64_t length),               \
    (t, dim, start, length))                                                  \
  /* t.select(dim, index): drops dim. */                                      \
  X(lt_tensor *, lt_tensor_select, (lt_tensor *t, int64_t dim, int64_t index),\
    (t, dim, index))                                                          \
  X(lt_tensor *, lt_tensor_index_select,                                      \
    (lt_tensor *t, int64_t dim, lt_tensor *index), (t, dim, index))           \
  X(lt_tensor *, lt_tensor_gather, (lt_tensor *t, int64_t dim, lt_tensor *index), \
    (t, dim, index))                                                          \
  X(lt_tensor *, lt_tensor_scatter,                                           \
    (lt_tensor *t, int64_t dim, lt_tensor *index, lt_tensor *src),           \
    (t, dim, index, src))                                                     \
  X(lt_tensor *, lt_tensor_masked_fill,                                       \
    (lt_tensor *t, lt_tensor *mask, double value), (t, mask, value))          \
  X(lt_tensor *, lt_tensor_where, (lt_tensor *cond, lt_tensor *a, lt_tensor *b), \
    (cond, a, b))                                                             \
  X(lt_tensor *, lt_tensor_to_dtype, (lt_tensor *t, lt_dtype dtype), (t, dtype)) \
  X(lt_tensor *, lt_tensor_to_device, (lt_tensor *t, lt_device device),       \
    (t, device))                                                              \
  /* A new handle to the same tensor (same storage, same autograd node). */   \
  X(lt_tensor *, lt_tensor_ref, (lt_tensor *t), (t))                          \
  X(lt_tensor *, lt_tensor_clone, (lt_tensor *t), (t))                        \
  X(lt_tensor *, lt_tensor_detach, (lt_tensor *t), (t))                       \
                                                                              \
  /* --- elementwise math with broadcasting (new refs) ------------------ */  \
  X(lt_tensor *, lt_tensor_add, (lt_tensor *a, lt_tensor *b), (a, b))         \
  X(lt_tensor *, lt_tensor_sub, (lt_tensor *a, lt_tensor *b), (a, b))         \
  X(lt_tensor *, lt_tensor_mul, (lt_tensor *a, lt_tensor *b), (a, b))         \
  X(lt_tensor *, lt_tensor_div, (lt_tensor *a, lt_tensor *b), (a, b))         \
  X(lt_tensor *, lt_tensor_pow, (lt_tensor *a, lt_tensor *b), (a, b))         \
  X(lt_tensor *, lt_tensor_maximum, (lt_tensor *a, lt_tensor *b), (a, b))     \
  X(lt_tensor *, lt_tensor_minimum, (lt_tensor *a, lt_tensor *b), (a, b))     \
  X(lt_tensor *, lt_tensor_add_scalar, (lt_tensor *a, double s), (a, s))      \
  X(lt_tensor *, lt_tensor_sub_scalar, (lt_tensor *a, double s), (a, s))      \
  /* s - a */                                                                 \
  X(lt_tensor *, lt_tensor_rsub_scalar, (lt_tensor *a, double s), (a, s))     \
  X(lt_tensor *, lt_tensor_mul_scalar, (lt_tensor *a, double s), (a, s))      \
  X(lt_tensor *, lt_tensor_div_scalar, (lt_tensor *a, double s), (a, s))      \
  X(lt_tensor *, lt_tensor_pow_scalar, (lt_tensor *a, double e), (a, e))      \
  X(lt_tensor *, lt_tensor_neg, (lt_tensor *a), (a))                          \
  X(lt_tensor *, lt_tensor_exp, (lt_tensor *a), (a))                          \
  X(lt_tensor *, lt_tensor_log, (lt_tensor *a), (a))                          \
  X(lt_tensor *, lt_tensor_log1p, (lt_tensor *a), (a))                        \
  X(lt_tensor *, lt_tensor_sqrt, (lt_tensor *a), (a))                         \
  X(lt_tensor *, lt_tensor_rsqrt, (lt_tensor *a), (a))                        \
  X(lt_tensor *, lt_tensor_abs, (lt_tensor *a), (a))                          \
  X(lt_tensor *, lt_tensor_sign, (lt_tensor *a), (a))                         \
  X(lt_tensor *, lt_tensor_floor, (lt_tensor *a), (a))                        \
  X(lt_tensor *, lt_tensor_ceil, (lt_tensor *a), (a))                         \
  X(lt_tensor *, lt_tensor_round, (lt_tensor *a), (a))                        \
  X(lt_tensor *, lt_tensor_sin, (lt_tensor *a), (a))                          \
  X(lt_tensor *, lt_tensor_cos, (lt_tensor *a), (a))                          \
  X(lt_tensor *, lt_tensor_reciprocal, (lt_tensor *a), (a))                   \
  /* Bounds may be -INFINITY / INFINITY for "none". */                        \
  X(lt_tensor *, lt_tensor_clamp, (lt_tensor *a, double min, double max),     \
    (a, min, max))                                                            \
  /* Comparisons give bool tensors. */                                        \
  X(lt_tensor *, lt_tensor_eq, (lt_tensor *a, lt_tensor *b), (a, b))          \
  X(lt_tensor *, lt_tensor_ne, (lt_tensor *a, lt_tensor *b), (a, b))          \
  X(lt_tensor *, lt_tensor_lt, (lt_tensor *a, lt_tensor *b), (a, b))          \
  X(lt_tensor *, lt_tensor_le, (lt_tensor *a, lt_tensor *b), (a, b))          \
  X(lt_tensor *, lt_tensor_gt, (lt_tensor *a, lt_tensor *b), (a, b))          \
  X(lt_tensor *, lt_tensor_ge, (lt_tensor *a, lt_tensor *b), (a, b))          \
  X(lt_tensor *, lt_tensor_eq_scalar, (lt_tensor *a, double s), (a, s))       \
  X(lt_tensor *, lt_tensor_ne_scalar, (lt_tensor *a, double s), (a, s))       \
  X(lt_tensor *, lt_tensor_lt_scalar, (lt_tensor *a, double s), (a, s))       \
  X(lt_tensor *, lt_tensor_le_scalar, (lt_tensor *a, double s), (a, s))       \
  X(lt_tensor *, lt_tensor_gt_scalar, (lt_tensor *a, double s), (a, s))       \
  X(lt_tensor *, lt_tensor_ge_scalar, (lt_tensor *a, double s), (a, s))       \
  X(lt_tensor *, lt_tensor_logical_and, (lt_tensor *a, lt_tensor *b), (a, b)) \
  X(lt_tensor *, lt_tensor_logical_or, (lt_tensor *a, lt_tensor *b), (a, b))  \
  X(lt_tensor *, lt_tensor_logical_not, (lt_tensor *a), (a))                  \
  X(lt_tensor *, lt_tensor_isnan, (lt_tensor *a), (a))                        \
  X(lt_tensor *, lt_tensor_isfinite, (lt_tensor *a), (a))                     \
                                                                              \
  /* --- in place (t is modified; autograd rules as in PyTorch) --------- */  \
  /* t += alpha * other */                                                    \
  X(lt_status, lt_tensor_add_, (lt_tensor *t, lt_tensor *other, double alpha),\
    (t, other, alpha))                                                        \
  X(lt_status, lt_tensor_sub_, (lt_tensor *t, lt_tensor *other), (t, other))  \
  X(lt_status, lt_tensor_mul_, (lt_tensor *t, lt_tensor *other), (t, other))  \
  X(lt_status, lt_tensor_div_, (lt_tensor *t, lt_tensor *other), (t, other))  \
  X(lt_status, lt_tensor_add_scalar_, (lt_tensor *t, double s), (t, s))       \
  X(lt_status, lt_tensor_mul_scalar_, (lt_tensor *t, double s), (t, s))       \
  X(lt_status, lt_tensor_div_scalar_, (lt_tensor *t, double s), (t, s))       \
  X(lt_status, lt_tensor_sqrt_, (lt_tensor *t), (t))                          \
  X(lt_status, lt_tensor_clamp_, (lt_tensor *t, double min, double max),      \
    (t, min, max))                                                            \
  /* t += value * a * b ; t += value * a / b */                               \
  X(lt_status, lt_tensor_addcmul_,                                            \
    (lt_tensor *t, lt_tensor *a, lt_tensor *b, double value), (t, a, b, value)) \
  X(lt_status, lt_tensor_addcdiv_,                                            \
    (lt_tensor *t, lt_tensor *a, lt_tensor *b, double value), (t, a, b, value)) \
  /* t += weight * (end - t) */                                               \
  X(lt_status, lt_tensor_lerp_, (lt_tensor *t, lt_tensor *end, double weight),\
    (t, end, weight))                                                         \
  /* Copy src (broadcast, converted) into t. */                               \
  X(lt_status, lt_tensor_copy_, (lt_tensor *t, lt_tensor *src), (t, src))     \
  X(lt_status, lt_tensor_fill_, (lt_tensor *t, double value), (t, value))     \
  X(lt_status, lt_tensor_zero_, (lt_tensor *t), (t))                          \
  X(lt_status, lt_tensor_uniform_, (lt_tensor *t, double low, double high),   \
    (t, low, high))                                                           \
  X(lt_status, lt_tensor_normal_, (lt_tensor *t, double mean, double std),    \
    (t, mean, std))                                                           \
  X(lt_status, lt_tensor_bernoulli_, (lt_tensor *t, double p), (t, p))        \
                                                                              \
  /* --- reductions (new refs). dims: n borrowed ints, n == 0 means all    \
   * dims (keepdim then ignored unless dims are given). ------------------ */ \
  X(lt_tensor *, lt_tensor_sum,                                               \
    (lt_tensor *t, const int64_t *dims, int n, int keepdim), (t, dims, n, keepdim)) \
  X(lt_tensor *, lt_tensor_mean,                                              \
    (lt_tensor *t, const int64_t *dims, int n, int keepdim), (t, dims, n, keepdim)) \
  X(lt_tensor *, lt_tensor_prod, (lt_tensor *t, int64_t dim, int keepdim),    \
    (t, dim, keepdim))                                                        \
  /* correction 1 is the unbiased (Bessel) estimate, as torch.std. */         \
  X(lt_tensor *, lt_tensor_std,                                               \
    (lt_tensor *t, const int64_t *dims, int n, int64_t correction, int keepdim), \
    (t, dims, n, correction, keepdim))                                        \
  X(lt_tensor *, lt_tensor_var,                                               \
    (lt_tensor *t, const int64_t *dims, int n, int64_t correction, int keepdim), \
    (t, dims, n, correction, keepdim))                                        \
  X(lt_tensor *, lt_tensor_norm,                                              \
    (lt_tensor *t, double p, const int64_t *dims, int n, int keepdim),        \
    (t, p, dims, n, keepdim))                                                 \
  X(lt_tensor *, lt_tensor_logsumexp, (lt_tensor *t, int64_t dim, int keepdim), \
    (t, dim, keepdim))                                                        \
  X(lt_tensor *, lt_tensor_cumsum, (lt_tensor *t, int64_t dim), (t, dim))     \
  /* dim == LT_DIM_NONE: over all elements (indices then unavailable).        \
   * indices: (out, new ref, may be NULL). */                                 \
  X(lt_tensor *, lt_tensor_max,                                               \
    (lt_tensor *t, int64_t dim, int keepdim, lt_tensor **indices),            \
    (t, dim, keepdim, indices))                                               \
  X(lt_tensor *, lt_tensor_min,                                               \
    (lt_tensor *t, int64_t dim, int keepdim, lt_tensor **indices),            \
    (t, dim, keepdim, indices))                                               \
  X(lt_tensor *, lt_tensor_argmax, (lt_tensor *t, int64_t dim, int keepdim),  \
    (t, dim, keepdim))                                                        \
  X(lt_tensor *, lt_tensor_argmin, (lt_tensor *t, int64_t dim, int keepdim),  \
    (t, dim, keepdim))                                                        \
  X(lt_tensor *, lt_tensor_any, (lt_tensor *t), (t))                          \
  X(lt_tensor *, lt_tensor_all, (lt_tensor *t), (t))                          \
  X(lt_tensor *, lt_tensor_topk,                                              \
    (lt_tensor *t, int64_t k, int64_t dim, int largest, int sorted,           \
     lt_tensor **indices),                                                    \
    (t, k, dim, largest, sorted, indices))                                    \
  X(lt_tensor *, lt_tensor_sort,                                              \
    (lt_tensor *t, int64_t dim, int descending, lt_tensor **indices),         \
    (t, dim, descending, indices))                                            \
                                                                              \
  /* --- linear algebra ------------------------------------------------- */  \
  X(lt_tensor *, lt_tensor_matmul, (lt_tensor *a, lt_tensor *b), (a, b))      \
  X(lt_tensor *, lt_tensor_bmm, (lt_tensor *a, lt_tensor *b), (a, b))         \
  /* beta * bias + alpha * (a @ b) */                                         \
  X(lt_tensor *, lt_tensor_addmm,                                             \
    (lt_tensor *bias, lt_tensor *a, lt_tensor *b, double beta, double alpha), \
    (bias, a, b, beta, alpha))                                                \
                                                                              \
  /* --- nn functional (as torch.nn.functional; new refs) -------------- */   \
  /* Optional tensors (bias, weight, ...) take LT_NO_TENSOR for "none";     \
   * NULL there is an error, as for any input. */                            \
  X(lt_tensor *, lt_linear, (lt_tensor *x, lt_tensor *weight, lt_tensor *bias), \
    (x, weight, bias))                                                        \
  X(lt_tensor *, lt_conv1d,                                                   \
    (lt_tensor *x, lt_tensor *weight, lt_tensor *bias, int64_t stride,        \
     int64_t padding, int64_t dilation, int64_t groups),                      \
    (x, weight, bias, stride, padding, dilation, groups))                     \
  X(lt_tensor *, lt_conv2d,                                                   \
    (lt_tensor *x, lt_tensor *weight, lt_tensor *bias, int64_t stride_h,      \
     int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h,      \
     int64_t dilation_w, int64_t groups),                                     \
    (x, weight, bias, stride_h, stride_w, pad_h, pad_w, dilation_h,           \
     dilation_w, groups))                                                     \
  X(lt_tensor *, lt_max_pool1d,                                               \
    (lt_tensor *x, int64_t kernel, int64_t stride, int64_t padding,           \
     int64_t dilation, int ceil_mode),                                        \
    (x, kernel, stride, padding, dilation, ceil_mode))                        \
  X(lt_tensor *, lt_max_pool2d,                                               \
    (lt_tensor *x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,      \
     int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h,      \
     int64_t dilation_w, int ceil_mode),                                      \
    (x, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h,     \
     dilation_w, ceil_mode))                                                  \
  X(lt_tensor *, lt_avg_pool1d,                                               \
    (lt_tensor *x, int64_t kernel, int64_t stride, int64_t padding,           \
     int ceil_mode, int count_include_pad),                                   \
    (x, kernel, stride, padding, ceil_mode, count_include_pad))               \
  X(lt_tensor *, lt_avg_pool2d,                                               \
    (lt_tensor *x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,      \
     int64_t stride_w, int64_t pad_h, int64_t pad_w, int ceil_mode,           \
     int count_include_pad),                                                  \
    (x, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, ceil_mode,      \
     count_include_pad))                                                      \
  X(lt_tensor *, lt_adaptive_avg_pool1d, (lt_tensor *x, int64_t out), (x, out)) \
  X(lt_tensor *, lt_adaptive_avg_pool2d, (lt_tensor *x, int64_t out_h, int64_t out_w), \
    (x, out_h, out_w))                                                        \
  X(lt_tensor *, lt_adaptive_max_pool2d, (lt_tensor *x, int64_t out_h, int64_t out_w), \
    (x, out_h, out_w))                                                        \
  X(lt_tensor *, lt_relu, (lt_tensor *x), (x))                                \
  X(lt_tensor *, lt_leaky_relu, (lt_tensor *x, double slope), (x, slope))     \
  X(lt_tensor *, lt_elu, (lt_tensor *x, double alpha), (x, alpha))            \
  /* approximate: 0 exact erf, 1 tanh approximation. */                       \
  X(lt_tensor *, lt_gelu, (lt_tensor *x, int approximate), (x, approximate))  \
  X(lt_tensor *, lt_silu, (lt_tensor *x), (x))                                \
  X(lt_tensor *, lt_softplus, (lt_tensor *x, double beta, double threshold),  \
    (x, beta, threshold))                                                     \
  X(lt_tensor *, lt_sigmoid, (lt_tensor *x), (x))                             \
  X(lt_tensor *, lt_tanh, (lt_tensor *x), (x))                                \
  X(lt_tensor *, lt_softmax, (lt_tensor *x, int64_t dim), (x, dim))           \
  X(lt_tensor *, lt_log_softmax, (lt_tensor *x, int64_t dim), (x, dim))       \
  /* Identity when training is 0. */                                          \
  X(lt_tensor *, lt_dropout, (lt_tensor *x, double p, int training),          \
    (x, p, training))                                                         \
  /* weight, bias, running_mean, running_var may be LT_NO_TENSOR. In training \
   * the running stats (if given) are updated in place with momentum. */      \
  X(lt_tensor *, lt_batch_norm,                                               \
    (lt_tensor *x, lt_tensor *weight, lt_tensor *bias,                        \
     lt_tensor *running_mean, lt_tensor *running_var, int training,           \
     double momentum, double eps),                                            \
    (x, weight, bias, running_mean, running_var, training, momentum, eps))    \
  X(lt_tensor *, lt_layer_norm,                                               \
    (lt_tensor *x, const int64_t *normalized_shape, int n, lt_tensor *weight, \
     lt_tensor *bias, double eps),                                            \
    (x, normalized_shape, n, weight, bias, eps))                              \
  X(lt_tensor *, lt_group_norm,                                               \
    (lt_tensor *x, int64_t groups, lt_tensor *weight, lt_tensor *bias,        \
     double eps),                                                             \
    (x, groups, weight, bias, eps))                                           \
  /* padding_idx < 0 for none. */                                             \
  X(lt_tensor *, lt_embedding,                                                \
    (lt_tensor *weight, lt_tensor *indices, int64_t padding_idx),             \
    (weight, indices, padding_idx))                                           \
  /* num_classes < 0 infers max + 1. Gives int64. */                          \
  X(lt_tensor *, lt_one_hot, (lt_tensor *t, int64_t num_classes), (t, num_classes)) \
  /* size: n output sizes (1 for LINEAR, 2 for BILINEAR/BICUBIC/2-D nearest). \
   * align_corners is ignored for NEAREST. */                                 \
  X(lt_tensor *, lt_interpolate,                                              \
    (lt_tensor *x, const int64_t *size, int n, lt_interp_mode mode,           \
     int align_corners),                                                      \
    (x, size, n, mode, align_corners))                                        \
                                                                              \
  /* --- losses (new refs) ----------------------------------------------- */ \
  /* target: class indices (int64) or class probabilities (same shape as      \
   * input). weight: LT_NO_TENSOR for none. */                                \
  X(lt_tensor *, lt_cross_entropy,                                            \
    (lt_tensor *input, lt_tensor *target, lt_tensor *weight,                  \
     lt_reduction reduction, int64_t ignore_index, double label_smoothing),   \
    (input, target, weight, reduction, ignore_index, label_smoothing))        \
  X(lt_tensor *, lt_nll_loss,                                                 \
    (lt_tensor *input, lt_tensor *target, lt_tensor *weight,                  \
     lt_reduction reduction, int64_t ignore_index),                           \
    (input, target, weight, reduction, ignore_index))                         \
  X(lt_tensor *, lt_mse_loss,                                                 \
    (lt_tensor *input, lt_tensor *target, lt_reduction reduction),            \
    (input, target, reduction))                                               \
  X(lt_tensor *, lt_l1_loss,                                                  \
    (lt_tensor *input, lt_tensor *target, lt_reduction reduction),            \
    (input, target, reduction))                                               \
  X(lt_tensor *, lt_smooth_l1_loss,                                           \
    (lt_tensor *input, lt_tensor *target, lt_reduction reduction, double beta), \
    (input, target, reduction, beta))                                         \
  X(lt_tensor *, lt_huber_loss,                                               \
    (lt_tensor *input, lt_tensor *target, lt_reduction reduction, double delta), \
    (input, target, reduction, delta))                                        \
  X(lt_tensor *, lt_binary_cross_entropy,                                     \
    (lt_tensor *input, lt_tensor *target, lt_tensor *weight,                  \
     lt_reduction reduction),                                                 \
    (input, target, weight, reduction))                                       \
  X(lt_tensor *, lt_binary_cross_entropy_with_logits,                         \
    (lt_tensor *input, lt_tensor *target, lt_tensor *weight,                  \
     lt_tensor *pos_weight, lt_reduction reduction),                          \
    (input, target, weight, pos_weight, reduction))                           \
  X(lt_tensor *, lt_kl_div,                                                   \
    (lt_tensor *input, lt_tensor *target, lt_reduction reduction,             \
     int log_target),                                                         \
    (input, target, reduction, log_target))                                   \
                                                                              \
  /* --- autograd -------------------------------------------------------- */ \
  X(lt_status, lt_tensor_set_requires_grad, (lt_tensor *t, int requires_grad),\
    (t, requires_grad))                                                       \
  X(int, lt_tensor_requires_grad, (lt_tensor *t), (t))                        \
  /* gradient may be LT_NO_TENSOR for a one-element t. */                     \
  X(lt_status, lt_tensor_backward,                                            \
    (lt_tensor *t, lt_tensor *gradient, int retain_graph),                    \
    (t, gradient, retain_graph))                                              \
  X(int, lt_tensor_has_grad, (lt_tensor *t), (t))                             \
  /* (new ref) t's .grad, or NULL with no error set when it has none. */      \
  X(lt_tensor *, lt_tensor_grad, (lt_tensor *t), (t))                         \
  /* set_to_none non-zero: .grad = None, else .grad.zero_(). */               \
  X(lt_status, lt_tensor_zero_grad, (lt_tensor *t, int set_to_none),         \
    (t, set_to_none))                                                         \
  /* Gradient recording on this thread; returns the previous mode. */         \
  X(int, lt_grad_set_enabled, (int enabled), (enabled))                       \
  X(int, lt_grad_is_enabled, (void), ())                                      \
  /* torch.nn.utils.clip_grad_norm_ over params[0..n) (borrowed); total_norm  \
   * (out, may be NULL) gets the norm before clipping. */                     \
  X(lt_status, lt_clip_grad_norm,                                             \
    (lt_tensor *const *params, int n, double max_norm, double norm_type,      \
     double *total_norm),                                                     \
    (params, n, max_norm, norm_type, total_norm))                             \
  X(lt_status, lt_clip_grad_value,                                            \
    (lt_tensor *const *params, int n, double clip_value),                     \
    (params, n, clip_value))                                                  \
  /* torch.nn.init: fans of a weight; kaiming_uniform_ (leaky_relu gain with  \
   * slope a, fan_in), xavier_uniform_. */                                    \
  X(lt_status, lt_init_fans, (lt_tensor *t, int64_t *fan_in, int64_t *fan_out), \
    (t, fan_in, fan_out))                                                     \
  X(lt_status, lt_init_kaiming_uniform_, (lt_tensor *t, double a), (t, a))    \
  X(lt_status, lt_init_xavier_uniform_, (lt_tensor *t, double gain), (t, gain)) \
                                                                              \
  /* --- state: dicts/lists of named values, saved as torch.save zips ---- */ \
  X(lt_state *, lt_state_new_dict, (void), ())                                \
  X(lt_state *, lt_state_new_list, (void), ())                                \
  XV(lt_state_free, (lt_state *st), (st))                                     \
  X(int, lt_state_is_list, (const lt_state *st), (st))                        \
  X(int64_t, lt_state_len, (const lt_state *st), (st))                        \
  /* Key of the i-th entry of a dict (borrowed, lives with st). */            \
  X(const char *, lt_state_key, (const lt_state *st, int64_t i), (st, i))     \
  /* For lists, key is a decimal index ("0", "-1"). */                        \
  X(lt_value_kind, lt_state_kind, (const lt_state *st, const char *key),      \
    (st, key))                                                                \
  /* Setters: on a dict key replaces or adds (insertion order kept); on a     \
   * list key NULL appends, a decimal key replaces. Tensors are shared        \
   * (not copied); a child state is copied by reference. */                   \
  X(lt_status, lt_state_set_none, (lt_state *st, const char *key), (st, key)) \
  X(lt_status, lt_state_set_bool, (lt_state *st, const char *key, int v),     \
    (st, key, v))                                                             \
  X(lt_status, lt_state_set_int, (lt_state *st, const char *key, int64_t v),  \
    (st, key, v))                                                             \
  X(lt_status, lt_state_set_double, (lt_state *st, const char *key, double v),\
    (st, key, v))                                                             \
  X(lt_status, lt_state_set_string,                                           \
    (lt_state *st, const char *key, const char *v), (st, key, v))             \
  X(lt_status, lt_state_set_tensor,                                           \
    (lt_state *st, const char *key, lt_tensor *v), (st, key, v))             \
  X(lt_status, lt_state_set_state,                                            \
    (lt_state *st, const char *key, const lt_state *v), (st, key, v))         \
  X(lt_status, lt_state_get_bool, (const lt_state *st, const char *key, int *out), \
    (st, key, out))                                                           \
  /* Ints read as doubles and bools as ints where asked. */                   \
  X(lt_status, lt_state_get_int,                                              \
    (const lt_state *st, const char *key, int64_t *out), (st, key, out))      \
  X(lt_status, lt_state_get_double,                                           \
    (const lt_state *st, const char *key, double *out), (st, key, out))       \
  /* (borrowed, lives with st) */                                             \
  X(const char *, lt_state_get_string, (const lt_state *st, const char *key), \
    (st, key))                                                                \
  /* (new ref) the tensor, sharing storage with the one in st. */           \
  X(lt_tensor *, lt_state_get_tensor, (const lt_state *st, const char *key),  \
    (st, key))                                                                \
  /* (new ref) the child dict or list, sharing its contents with st. */       \
  X(lt_state *, lt_state_get_state, (const lt_state *st, const char *key),    \
    (st, key))                                                                \
  /* Write st to path as a zip archive that Python's torch.load reads.        \
   * Atomic: a temporary file in the same folder, fsync, rename. */           \
  X(lt_status, lt_state_save, (const lt_state *st, const char *path), (st, path)) \
  /* (new ref) Read a file written by lt_state_save or by Python's            \
   * torch.save (dicts, OrderedDicts, lists, tuples, tensors, numbers,        \
   * strings). */                                                             \
  X(lt_state *, lt_state_load, (const char *path), (path))                    \
                                                                              \
  /* --- added in ABI 1.2 (new entries only ever go at the end) ---------- */ \
  X(lt_tensor *, lt_conv_transpose2d,                                         \
    (lt_tensor *x, lt_tensor *weight, lt_tensor *bias, int64_t stride_h,      \
     int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t out_pad_h,       \
     int64_t out_pad_w, int64_t groups, int64_t dilation_h,                   \
     int64_t dilation_w),                                                     \
    (x, weight, bias, stride_h, stride_w, pad_h, pad_w, out_pad_h, out_pad_w, \
     groups, dilation_h, dilation_w))                                         \
  /* y = x1^T A x2 + b, weight [out, in1, in2] (torch.nn.functional.bilinear). */ \
  X(lt_tensor *, lt_bilinear,                                                 \
    (lt_tensor *x1, lt_tensor *x2, lt_tensor *weight, lt_tensor *bias),       \
    (x1, x2, weight, bias))                                                   \
  /* Zeroes whole channels (dim 1) with probability p (Dropout1d/2d/3d);     \
   * identity when training is 0. */                                          \
  X(lt_tensor *, lt_dropout_channels, (lt_tensor *x, double p, int training), \
    (x, p, training))                                                         \
  /* A dict whose keys are integers, written as Python ints (the "state" of  \
   * an optimizer's state_dict); keys are given and read as decimal text. */  \
  X(lt_state *, lt_state_new_int_dict, (void), ())                            \
  /* CPU autocast on this thread (torch.autocast("cpu", dtype)): ops that    \
   * PyTorch lists run in dtype (LT_BFLOAT16). Returns the previous state;   \
   * turning it off clears the autocast cache. */                            \
  X(int, lt_autocast_set, (int enabled, lt_dtype dtype), (enabled, dtype))     \
  /* param.data = src: t keeps its identity (optimizers, modules hold it)    \
   * and takes src's values, dtype and shape (precision "64-true"). */        \
  X(lt_status, lt_tensor_set_data, (lt_tensor *t, lt_tensor *src), (t, src)) \
                                                                              \
  /* --- added in ABI 1.3: process groups (c10d Gloo over a TCPStore) ---- */ \
  /* (new) Joins a group of world processes as rank: the TCPStore at        \
   * addr:port (served by this process when serve_store, e.g. rank 0),     \
   * keys under store_prefix (NULL: none; torchrun's agent store uses       \
   * "/worker/attempt_N"); every collective fails after timeout_s (<= 0:    \
   * 1800, PyTorch's default). NULL with lt_last_error() on failure. */     \
  X(lt_dist *, lt_dist_init,                                                  \
    (const char *addr, int port, int rank, int world, double timeout_s,       \
     int serve_store, const char *store_prefix),                              \
    (addr, port, rank, world, timeout_s, serve_store, store_prefix))          \
  XV(lt_dist_free, (lt_dist *d), (d))                                         \
  /* Reduces the n tensors in place across the group (packed per dtype     \
   * into buckets of at most bucket_mb, <= 0: 25). */                         \
  X(lt_status, lt_dist_allreduce,                                             \
    (lt_dist *d, lt_tensor *const *t, int n, lt_reduce_op op,                 \
     double bucket_mb), (d, t, n, op, bucket_mb))                             \
  /* Averages the gradients of the n parameters across the group (DDP);    \
   * a parameter without a gradient takes part with zeros. */                 \
  X(lt_status, lt_dist_allreduce_grads,                                       \
    (lt_dist *d, lt_tensor *const *params, int n, double bucket_mb),          \
    (d, params, n, bucket_mb))                                                \
  /* Copies root's values of the n tensors into every rank's, in place. */   \
  X(lt_status, lt_dist_broadcast,                                             \
    (lt_dist *d, lt_tensor *const *t, int n, int root), (d, t, n, root))      \
  /* (new ref) Every rank's t, concatenated along dim 0 in rank order; the   \
   * ranks may hold different numbers of rows (a scalar counts as one). */    \
  X(lt_tensor *, lt_dist_all_gather, (lt_dist *d, lt_tensor *t), (d, t))     \
  X(lt_status, lt_dist_barrier, (lt_dist *d), (d))                            \
  /* The group's key-value store (text values). get waits up to timeout_s   \
   * for the key; timeout_s <= 0 only looks (LT_ERR_NOT_FOUND if absent). */  \
  X(lt_status, lt_dist_store_set,                                             \
    (lt_dist *d, const char *key, const char *value), (d, key, value))        \
  X(lt_status, lt_dist_store_get,                                             \
    (lt_dist *d, const char *key, char *buf, size_t len, double timeout_s),   \
    (d, key, buf, len, timeout_s))                                            \
                                                                              \
  /* --- added in ABI 1.6: DDP's reducer (c10d::Reducer) ----------------- */ \
  /* (new) PyTorch DDP's engine over the n parameters (those that require   \
   * grad; frozen ones are left out): buckets of at most bucket_mb (<= 0:   \
   * 25; the first 1 MB), each averaged across the group by an allreduce    \
   * started from the backward pass as soon as its gradients are ready.     \
   * find_unused: parameters a backward does not reach are found (a graph   \
   * walk per step) and take part with zeros, keeping no gradient when no   \
   * rank used them. NULL with lt_last_error() on failure. */               \
  X(lt_dist_reducer *, lt_dist_reducer_new,                                   \
    (lt_dist *d, lt_tensor *const *params, int n, double bucket_mb,           \
     int find_unused), (d, params, n, bucket_mb, find_unused))                \
  /* Call on every rank before the backward of outputs whose gradients are  \
   * to be averaged (the last backward before an optimizer step); the other \
   * backwards accumulate locally (DDP's no_sync). LT_ERR_INVALID when the  \
   * set of parameters that require grad changed since lt_dist_reducer_new  \
   * (make a new reducer). */                                                 \
  X(lt_status, lt_dist_reducer_prepare,                                       \
    (lt_dist_reducer *r, lt_tensor *const *outputs, int n), (r, outputs, n))  \
  XV(lt_dist_reducer_free, (lt_dist_reducer *r), (r))                        \
                                                                              \
  /* --- added in ABI 1.7: collectives in flight ------------------------ */ \
  /* (new) Starts reducing the n tensors across the group (one flat buffer  \
   * per dtype) and returns at once, so that the wait for the other ranks   \
   * overlaps work done meanwhile (a backward pass); the tensors keep their \
   * old values until lt_dist_work_wait. Every rank must start the same     \
   * collectives in the same order. NULL with lt_last_error() on failure. */\
  X(lt_dist_work *, lt_dist_allreduce_start,                                  \
    (lt_dist *d, lt_tensor *const *t, int n, lt_reduce_op op), (d, t, n, op)) \
  /* Waits for w (the group's timeout), writes the results into the        \
   * tensors given to the start, and frees w, also on failure. */            \
  X(lt_status, lt_dist_work_wait, (lt_dist_work *w), (w))                     \
  /* Frees w without waiting for it (after an error elsewhere); NULL is a   \
   * no-op. */                                                                \
  XV(lt_dist_work_free, (lt_dist_work *w), (w))

/* The "no tensor" marker for optional tensor arguments (bias, weight...).
 * It is distinct from NULL so that a NULL from a failed op is still an
 * error and not silently "no bias". */
#define LT_NO_TENSOR ((lt_tensor *)(uintptr_t)1)

/* The table itself. */
typedef struct lt_api {
  size_t size;          /* sizeof(struct lt_api) of the library */
  uint32_t abi_major;
  uint32_t abi_minor;
#define LT__API_MEMBER(ret, name, params, args) ret (*name) params;
#define LT__API_MEMBER_V(name, params, args) void (*name) params;
  LT_API_FUNCS(LT__API_MEMBER, LT__API_MEMBER_V)
#undef LT__API_MEMBER
#undef LT__API_MEMBER_V
} lt_api;

#if defined(LT_DIRECT) || defined(LT__BUILDING_LIBRARY)

/* Direct linking: ordinary exported functions in liblighter. */
#define LT__API_PROTO(ret, name, params, args) LT_EXPORT ret name params;
#define LT__API_PROTO_V(name, params, args) LT_EXPORT void name params;
LT_API_FUNCS(LT__API_PROTO, LT__API_PROTO_V)
#undef LT__API_PROTO
#undef LT__API_PROTO_V

/* The table of this library (static, borrowed). */
LT_EXPORT const lt_api *lt_api_get(void);

#else /* plugin mode: calls go through the table the host hands over */

#if defined(__GNUC__)
#define LT__HIDDEN __attribute__((visibility("hidden")))
#else
#define LT__HIDDEN
#endif

/* One definition per plugin, emitted by LT_API_DEFINE (the plugin define
 * macro does it for you). */
extern LT__HIDDEN const lt_api *lt__api;
#define LT_API_DEFINE() LT__HIDDEN const lt_api *lt__api = 0

/* Accept the host's table: LT_OK, or LT_ERR_ABI when its major differs or
 * it is older than this header. */
static inline lt_status lt_api_bind(const lt_api *api) {
  if (!api || api->abi_major != LT_ABI_MAJOR ||
      api->size < sizeof(lt_api))
    return LT_ERR_ABI;
  lt__api = api;
  return LT_OK;
}

#define LT__API_WRAP(ret, name, params, args) \
  static inline ret name params { return lt__api->name args; }
#define LT__API_WRAP_V(name, params, args) \
  static inline void name params { lt__api->name args; }
LT_API_FUNCS(LT__API_WRAP, LT__API_WRAP_V)
#undef LT__API_WRAP
#undef LT__API_WRAP_V

#endif

/* Shorthands for shapes: LT_SHAPE(2, 3) gives "shape, ndim" arguments. It
 * needs at least one size; a 0-dim shape is (NULL, 0). */
#define LT__NARGS(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#ifndef __cplusplus
#define LT_SHAPE(...) ((const int64_t[]){__VA_ARGS__}), LT__NARGS(__VA_ARGS__)
#else
} /* extern "C" */
#include <initializer_list>
extern "C" {
#define LT_SHAPE(...)                                      \
  (std::initializer_list<int64_t>{__VA_ARGS__}).begin(),   \
      (int)(std::initializer_list<int64_t>{__VA_ARGS__}).size()
#endif

#ifdef __cplusplus
}
#endif

#include "plugin.h"

#endif /* LIGHTER_H */
