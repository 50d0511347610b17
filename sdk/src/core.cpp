// core.cpp: the runtime side of the tensor layer: thread-local errors, the
// guards' exception mapping, tensor handles and scopes with a live-handle
// counter, dtype/device maps, seeding, RNG state and thread settings.
#include "internal.hpp"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>
#include <torch/csrc/api/include/torch/version.h>

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <sstream>

namespace {
thread_local std::string tl_error;
thread_local lt_scope *tl_scope_top = nullptr;
std::atomic<int64_t> g_live{0};
std::once_flag g_init_once;
int g_blas_threads = 0;
const char *g_threads_origin = "default";

const at::ScalarType kTypes[LT__DTYPE_COUNT] = {
    at::kFloat, at::kDouble, at::kHalf, at::kBFloat16, at::kLong,
    at::kInt,   at::kByte,   at::kBool, at::kChar,     at::kShort};
const char *kTypeNames[LT__DTYPE_COUNT] = {
    "float32", "float64", "float16", "bfloat16", "int64",
    "int32",   "uint8",   "bool",    "int8",     "int16"};

// OpenBLAS is reached through libblas.so.3 (Debian's alternatives); libtorch
// already has it loaded, so RTLD_NOLOAD only finds it, never loads another.
typedef void (*blas_set_fn)(int);
typedef int (*blas_get_fn)(void);
typedef char *(*blas_config_fn)(void);
void *blas_sym(const char *name) {
  const char *libs[] = {"libopenblas.so.0", "libblas.so.3", nullptr};
  for (int i = 0; libs[i]; i++) {
    void *h = dlopen(libs[i], RTLD_NOW | RTLD_NOLOAD);
    if (!h) continue;
    void *s = dlsym(h, name);
    dlclose(h);
    if (s) return s;
  }
  return dlsym(RTLD_DEFAULT, name);
}

void apply_threads(int torch_threads, int blas_threads) {
  if (torch_threads > 0) at::set_num_threads(torch_threads);
  if (blas_threads > 0) {
    auto set = (blas_set_fn)blas_sym("openblas_set_num_threads");
    if (set) set(blas_threads);
    g_blas_threads = blas_threads;
  }
}
} // namespace

namespace lt {

void ensure_init() {
  std::call_once(g_init_once, [] {
    // Measured on 2 cores: 1 libtorch thread + all cores for OpenBLAS trains
    // an MLP 3.6x faster than 2 + 2, where the two pools fight. The user
    // overrides with LT_NUM_THREADS=T or T,B (or lt_set_num_threads).
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1) ncpu = 1;
    int torch_threads = 1, blas_threads = (int)ncpu;
    // Several ranks on one machine (torchrun's LOCAL_WORLD_SIZE) share it.
    const char *lws = getenv("LOCAL_WORLD_SIZE");
    if (lws && atoi(lws) > 1) blas_threads = std::max(1, (int)ncpu / atoi(lws));
    const char *env = getenv("LT_NUM_THREADS");
    if (env && *env) {
      // T or T,B, each a whole number from 1 to 4 x the cores: more only
      // makes the pools fight (1000 threads took 42 s to start), and a typo
      // is said, never taken silently for the defaults.
      long t = 0, b = 0, most = 4 * ncpu;
      char *end = nullptr;
      t = strtol(env, &end, 10);
      if (end && *end == ',') b = strtol(end + 1, &end, 10);
      else b = t;
      if (!end || *end || t < 1 || b < 1) {
        fprintf(stderr, "lighter: LT_NUM_THREADS='%s' is not T or T,B (whole numbers of threads, at least 1); "
                        "using the defaults\n", env);
      } else {
        if (t > most || b > most)
          fprintf(stderr, "lighter: LT_NUM_THREADS='%s' asks for more than 4 threads a core (%ld cores); using %ld,%ld\n",
                  env, ncpu, std::min(t, most), std::min(b, most));
        torch_threads = (int)std::min(t, most);
        blas_threads = (int)std::min(b, most);
        g_threads_origin = "LT_NUM_THREADS";
      }
    }
    try {
      apply_threads(torch_threads, blas_threads);
    } catch (...) {
      // Keep libtorch's own defaults; lt_runtime_info shows what is in force.
    }
  });
}

void set_error(const std::string &msg, bool overwrite) {
  try {
    if (overwrite || tl_error.empty()) tl_error = msg;
  } catch (...) {
    // Out of memory while recording an error: keep what is there.
  }
}
bool has_error() { return !tl_error.empty(); }

std::string describe(const at::Tensor &t) {
  if (!t.defined()) return "undefined";
  std::ostringstream s;
  s << "[";
  for (int64_t i = 0; i < t.dim(); i++) s << (i ? ", " : "") << t.size(i);
  lt_dtype d = from_scalar_type(t.scalar_type());
  s << "] " << (d < LT__DTYPE_COUNT ? kTypeNames[d] : c10::toString(t.scalar_type()));
  if (!t.device().is_cpu()) s << " " << t.device().str();
  return s.str();
}

std::string describe(const lt_tensor *t) {
  if (!t) return "NULL";
  if (t == LT_NO_TENSOR) return "none";
  if (t->magic != LT__TENSOR_MAGIC) return "freed handle";
  return describe(t->t);
}

static std::string args_text(const char *op, std::initializer_list<const lt_tensor *> ins) {
  std::string s = op;
  s += "(";
  int i = 0;
  for (const lt_tensor *t : ins) s += (i++ ? ", " : "") + describe(t);
  s += ")";
  return s;
}

static std::string first_line(const char *msg) {
  std::string m(msg ? msg : "");
  // c10 messages may carry a C++ stack; keep the part a person needs.
  size_t cut = m.find("\nException raised from");
  if (cut != std::string::npos) m.resize(cut);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

static lt_status classify(const std::string &m) {
  if (m.find("shape") != std::string::npos || m.find("size") != std::string::npos ||
      m.find("dimension") != std::string::npos || m.find("dim ") != std::string::npos)
    return LT_ERR_SHAPE;
  if (m.find("dtype") != std::string::npos || m.find("scalar type") != std::string::npos ||
      m.find("Float") != std::string::npos || m.find("Long") != std::string::npos)
    return LT_ERR_DTYPE;
  if (m.find("device") != std::string::npos) return LT_ERR_DEVICE;
  return LT_FAIL;
}

lt_status set_exception(const char *op, std::initializer_list<const lt_tensor *> ins) {
  lt_status st = LT_FAIL;
  std::string msg;
  try {
    throw;
  } catch (const c10::NotImplementedError &e) {
    msg = first_line(e.what_without_backtrace());
    st = LT_ERR_UNSUPPORTED;
  } catch (const c10::TypeError &e) {
    msg = first_line(e.what_without_backtrace());
    st = LT_ERR_DTYPE;
  } catch (const c10::IndexError &e) {
    msg = first_line(e.what_without_backtrace());
    st = LT_ERR_INVALID;
  } catch (const c10::Error &e) {
    msg = first_line(e.what_without_backtrace());
    st = classify(msg);
  } catch (const lt::error &e) {
    msg = e.what();
    st = e.code;
  } catch (const std::bad_alloc &) {
    msg = "out of memory";
    st = LT_ERR_NOMEM;
  } catch (const std::exception &e) {
    msg = first_line(e.what());
    st = classify(msg);
  } catch (...) {
    msg = "unknown C++ exception";
  }
  set_error(args_text(op, ins) + ": " + msg);
  return st;
}

void null_input(const char *op, std::initializer_list<const lt_tensor *> ins) {
  if (has_error()) return; // the first failure in a chain is the useful one
  set_error(args_text(op, ins) + ": input is NULL (an earlier call failed or "
                                 "the tensor was never created)");
}

bool inputs_ok(const char *op, std::initializer_list<const lt_tensor *> ins) {
  for (const lt_tensor *t : ins) {
    if (!t) {
      null_input(op, ins);
      return false;
    }
    if (t != LT_NO_TENSOR && t->magic != LT__TENSOR_MAGIC) {
      set_error(args_text(op, ins) + ": input is a freed or invalid tensor handle");
      return false;
    }
  }
  return true;
}

// Freed handles are not returned to malloc but kept on free lists, so that a
// use after lt_tensor_free (a double free, say) reads a handle marked dead
// instead of freed memory, and is reported. Each thread keeps its own list
// (no lock on an op's path: a mutex was a third of the layer's per-op cost);
// a list past kCacheMax, and a thread's list when the thread ends, move to
// the global pool, which is never destroyed so that pooled handles stay
// reachable to the very end (leak checkers run after static destructors).
// Scopes are pooled the same way, keeping the capacity of their item lists.
static std::mutex g_pool_mutex;
static std::vector<lt_tensor *> &g_pool = *new std::vector<lt_tensor *>;
static std::vector<lt_scope *> &g_scope_pool = *new std::vector<lt_scope *>;
static const size_t kCacheMax = 1 << 14;

namespace {
struct thread_cache {
  std::vector<lt_tensor *> handles;
  std::vector<lt_scope *> scopes;
  ~thread_cache();
};
thread_local thread_cache tl_cache;
// Trivially destructible, so readable after tl_cache's destructor ran (a
// thread_local destructor of a plugin may still free a tensor).
thread_local bool tl_cache_gone = false;

template <class P> void spill(std::vector<P *> &from, std::vector<P *> &to) {
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  try {
    to.insert(to.end(), from.begin(), from.end());
  } catch (...) {
    for (P *p : from) delete p;
  }
  from.clear();
}

thread_cache::~thread_cache() {
  tl_cache_gone = true;
  spill(handles, g_pool);
  spill(scopes, g_scope_pool);
}

// Take one object from this thread's list, else from the global pool, else
// nullptr (the caller allocates).
template <class P> P *take(std::vector<P *> &local, std::vector<P *> &global) {
  if (!tl_cache_gone && !local.empty()) {
    P *p = local.back();
    local.pop_back();
    return p;
  }
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (global.empty()) return nullptr;
  P *p = global.back();
  global.pop_back();
  return p;
}

template <class P> void give(P *p, std::vector<P *> &local, std::vector<P *> &global) {
  try {
    if (!tl_cache_gone && local.size() < kCacheMax) {
      local.push_back(p);
      return;
    }
    std::lock_guard<std::mutex> lock(g_pool_mutex);
    global.push_back(p);
  } catch (...) {
    delete p;
  }
}
} // namespace

static lt_tensor *alloc_handle() {
  lt_tensor *h = take(tl_cache.handles, g_pool);
  return h ? h : new (std::nothrow) lt_tensor;
}

static void release_handle(lt_tensor *h) {
  h->magic = LT__DEAD_MAGIC;
  h->t.reset();
  h->scope = nullptr;
  give(h, tl_cache.handles, g_pool);
}

static lt_scope *alloc_scope() {
  lt_scope *s = take(tl_cache.scopes, g_scope_pool);
  return s ? s : new (std::nothrow) lt_scope;
}

static void release_scope(lt_scope *s) {
  s->magic = LT__DEAD_MAGIC;
  // Keep a usual step's capacity for the next scope, not a huge one's.
  if (s->items.capacity() > kCacheMax) std::vector<lt_tensor *>().swap(s->items);
  s->items.clear();
  give(s, tl_cache.scopes, g_scope_pool);
}

lt_tensor *wrap(at::Tensor t) {
  ensure_init();
  lt_tensor *h = alloc_handle();
  if (!h) {
    set_error("out of memory allocating a tensor handle");
    return nullptr;
  }
  h->t = std::move(t);
  h->scope = tl_scope_top;
  h->slot = 0;
  if (h->scope) {
    try {
      h->slot = h->scope->items.size();
      h->scope->items.push_back(h);
    } catch (...) {
      release_handle(h);
      set_error("out of memory registering a tensor handle in its scope");
      return nullptr;
    }
  }
  h->magic = LT__TENSOR_MAGIC;
  g_live.fetch_add(1, std::memory_order_relaxed);
  return h;
}

bool to_scalar_type(lt_dtype d, at::ScalarType *out) {
  if ((int)d < 0 || (int)d >= LT__DTYPE_COUNT) return false;
  *out = kTypes[d];
  return true;
}

lt_dtype from_scalar_type(at::ScalarType s) {
  for (int i = 0; i < LT__DTYPE_COUNT; i++)
    if (kTypes[i] == s) return (lt_dtype)i;
  return LT__DTYPE_COUNT;
}

bool to_device(lt_device d, at::Device *out) {
  if (d == LT_CPU) {
    *out = at::Device(at::kCPU);
    return true;
  }
  if (d >= 1 && d <= 64) {
    *out = at::Device(at::kCUDA, (c10::DeviceIndex)(d - 1));
    return true;
  }
  return false;
}

lt_device from_device(const at::Device &d) {
  if (d.is_cuda()) return LT_CUDA(d.has_index() ? d.index() : 0);
  return LT_CPU;
}

at::TensorOptions options(lt_dtype dtype, lt_device device) {
  at::ScalarType st;
  at::Device dev(at::kCPU);
  TORCH_CHECK_TYPE(to_scalar_type(dtype, &st), "unknown dtype ", (int)dtype);
  TORCH_CHECK(to_device(device, &dev), "unknown device ", (int)device);
  if (dev.is_cuda())
    TORCH_CHECK(at::hasCUDA(), "device cuda:", (int)dev.index(),
                " requested but this libtorch has no CUDA; use device cpu");
  return at::TensorOptions().dtype(st).device(dev);
}

at::IntArrayRef dims(const int64_t *p, int n) {
  TORCH_CHECK(n >= 0, "negative number of dimensions: ", n);
  TORCH_CHECK(n == 0 || p, "dimension array is NULL but count is ", n);
  return at::IntArrayRef(p, (size_t)n);
}

} // namespace lt

using namespace lt;

extern "C" {

const char *lt_version(void) { return LT_VERSION_STRING; }
uint32_t lt_abi_version(void) { return ((uint32_t)LT_ABI_MAJOR << 16) | LT_ABI_MINOR; }

const char *lt_status_str(lt_status s) { return lt__status_text(s); }

const char *lt_last_error(void) { return tl_error.c_str(); }
void lt_clear_error(void) { tl_error.clear(); }
void lt_set_error(const char *msg, int overwrite) {
  try {
    set_error(msg ? msg : "(no message)", overwrite != 0);
  } catch (...) {
  }
}
int64_t lt_live_tensors(void) { return g_live.load(); }

void lt_manual_seed(uint64_t seed) {
  ensure_init();
  try {
    at::manual_seed(seed);
  } catch (...) {
    set_exception("lt_manual_seed", {});
  }
}

lt_tensor *lt_rng_state_get(void) {
  return op("lt_rng_state_get", {}, [&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
  });
}

lt_status lt_rng_state_set(lt_tensor *state) {
  return status_op("lt_rng_state_set", {state}, [&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(T(state));
  });
}

lt_status lt_set_num_threads(int torch_threads, int blas_threads) {
  ensure_init();
  try {
    apply_threads(torch_threads, blas_threads);
    g_threads_origin = "lt_set_num_threads";
    return LT_OK;
  } catch (...) {
    return set_exception("lt_set_num_threads", {});
  }
}

int lt_get_num_threads(void) {
  ensure_init();
  return at::get_num_threads();
}

const char *lt_runtime_info(void) {
  ensure_init();
  static thread_local char buf[512];
  auto get = (blas_get_fn)blas_sym("openblas_get_num_threads");
  auto cfg = (blas_config_fn)blas_sym("openblas_get_config");
  char blas[160];
  if (cfg)
    snprintf(blas, sizeof blas, "%s, %d threads", cfg(), get ? get() : g_blas_threads);
  else
    snprintf(blas, sizeof blas, "reference BLAS (slow: install libopenblas0-pthread)");
  snprintf(buf, sizeof buf, "lighter %s, libtorch %s, %d torch thread%s (%s), BLAS: %s",
           LT_VERSION_STRING, TORCH_VERSION, at::get_num_threads(),
           at::get_num_threads() == 1 ? "" : "s", g_threads_origin, blas);
  return buf;
}

int lt_cuda_device_count(void) {
  try {
    return at::hasCUDA() ? (int)at::detail::getCUDAHooks().getNumGPUs() : 0;
  } catch (...) {
    return 0;
  }
}

lt_status lt_device_parse(const char *text, lt_device *out) {
  if (!text || !out) {
    set_error("lt_device_parse: NULL argument");
    return LT_ERR_NULL;
  }
  if (!strcmp(text, "cpu")) {
    *out = LT_CPU;
    return LT_OK;
  }
  if (!strcmp(text, "cuda") || !strcmp(text, "gpu")) {
    *out = LT_CUDA(0);
    return LT_OK;
  }
  if (!strncmp(text, "cuda:", 5)) {
    char *end = nullptr;
    long i = strtol(text + 5, &end, 10);
    if (end != text + 5 && *end == 0 && i >= 0 && i < 64) {
      *out = LT_CUDA((int)i);
      return LT_OK;
    }
  }
  set_error(std::string("unknown device '") + text + "': use cpu, cuda or cuda:N");
  return LT_ERR_INVALID;
}

const char *lt_dtype_name(lt_dtype dtype) {
  if ((int)dtype < 0 || (int)dtype >= LT__DTYPE_COUNT) return nullptr;
  return kTypeNames[dtype];
}

size_t lt_dtype_size(lt_dtype dtype) {
  at::ScalarType st;
  if (!to_scalar_type(dtype, &st)) return 0;
  return c10::elementSize(st);
}

/* ---- scopes ---------------------------------------------------------- */

#define LT__SCOPE_MAGIC 0x4c545343u /* "LTSC" */

lt_scope *lt_scope_begin(void) {
  lt_scope *s = alloc_scope();
  if (!s) {
    set_error("out of memory opening a scope");
    return nullptr;
  }
  s->magic = LT__SCOPE_MAGIC;
  s->parent = tl_scope_top;
  tl_scope_top = s;
  return s;
}

static void free_handle(lt_tensor *t) {
  release_handle(t);
  g_live.fetch_sub(1, std::memory_order_relaxed);
}

void lt_scope_end(lt_scope *scope) {
  if (!scope) return;
  // The scope must be on this thread's stack; close it and any left open
  // inside it (a plugin that forgot an lt_scope_end).
  lt_scope *s = tl_scope_top;
  while (s && s != scope) s = s->parent;
  if (!s) {
    set_error("lt_scope_end: scope is not open on this thread (ended twice, or "
              "begun on another thread)");
    return;
  }
  while (tl_scope_top) {
    lt_scope *top = tl_scope_top;
    tl_scope_top = top->parent;
    for (lt_tensor *t : top->items)
      if (t) free_handle(t);
    release_scope(top);
    if (top == scope) break;
  }
}

lt_tensor *lt_tensor_keep(lt_tensor *t) {
  if (!t || t == LT_NO_TENSOR || t->magic != LT__TENSOR_MAGIC) return t;
  if (t->scope) {
    std::vector<lt_tensor *> &items = t->scope->items;
    items[t->slot] = nullptr;
    // Freeing in reverse order of creation (the usual case) keeps a
    // long-lived scope's list from growing.
    while (!items.empty() && !items.back()) items.pop_back();
    t->scope = nullptr;
  }
  return t;
}

void lt_tensor_free(lt_tensor *t) {
  if (!t || t == LT_NO_TENSOR) return;
  if (t->magic != LT__TENSOR_MAGIC) {
    set_error("lt_tensor_free: freed or invalid tensor handle (double free?)");
    return;
  }
  lt_tensor_keep(t);
  free_handle(t);
}

} // extern "C"
