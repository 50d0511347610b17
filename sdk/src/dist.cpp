// dist.cpp: distributed collectives on PyTorch's own engine: a c10d
// ProcessGroupGloo over a TCPStore (the pair torch.distributed builds for
// backend "gloo"), behind the C API's lt_dist_* calls. Tensors are packed
// into flat buckets per dtype, so a whole model's gradients cost a few
// collectives; every wait has the group's timeout, and a peer that dies
// fails the call (Gloo sees its socket close) instead of hanging it.
#include "internal.hpp"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/logger.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>

using lt::T;

struct lt_dist {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = 0, world = 1;
  std::chrono::milliseconds timeout{1800000};
};

// DDP's reducer: c10d::Reducer over the parameters that required grad when
// it was made (wants: which of the n given ones those were).
struct lt_dist_reducer {
  lt_dist *d = nullptr;
  std::shared_ptr<c10d::Reducer> r;
  std::shared_ptr<c10d::Logger> log; // the reducer's (it keeps a weak_ptr and needs one)
  std::vector<at::Tensor> given;
  std::vector<bool> wants;
};

// A collective in flight: the flat buffers sent, one per dtype, and the
// tensors they are unpacked into when it is waited for.
struct lt_dist_work {
  lt_dist *d = nullptr;
  lt_reduce_op op = LT_REDUCE_SUM;
  std::vector<std::vector<at::Tensor>> groups; // the given tensors per flat buffer
  std::vector<at::Tensor> flats;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
};

namespace {

std::chrono::milliseconds ms(double s) {
  if (!(s > 0)) s = 1800;
  return std::chrono::milliseconds((int64_t)(s * 1000.0));
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string &addr) {
  // As torch.distributed: GLOO_SOCKET_IFNAME picks the interface; a
  // loopback rendezvous stays on loopback; otherwise the address the host
  // name resolves to.
  const char *ifname = getenv("GLOO_SOCKET_IFNAME");
  if (ifname && *ifname) return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (addr == "localhost" || addr.rfind("127.", 0) == 0)
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

void wait(lt_dist *d, const c10::intrusive_ptr<c10d::Work> &w) {
  if (!w->wait(d->timeout)) throw lt::error(LT_FAIL, "the collective did not finish");
}

c10d::ReduceOp reduce_op(lt_reduce_op op) {
  switch (op) {
  case LT_REDUCE_MAX: return c10d::ReduceOp::MAX;
  case LT_REDUCE_MIN: return c10d::ReduceOp::MIN;
  default: return c10d::ReduceOp::SUM;
  }
}

// One flat copy of parts (each flattened, in order); unflatten writes a
// flat buffer back into the tensors it was made from.
at::Tensor flatten(const std::vector<at::Tensor> &parts) {
  std::vector<at::Tensor> flat;
  for (const auto &t : parts) flat.push_back(t.detach().reshape({-1}));
  return at::cat(flat);
}

void unflatten(const at::Tensor &flat, std::vector<at::Tensor> &parts) {
  int64_t off = 0;
  for (auto &t : parts) {
    int64_t n = t.numel();
    t.detach().copy_(flat.narrow(0, off, n).view(t.sizes()));
    off += n;
  }
}

// Packs ts per dtype into flat buckets of at most bucket_mb (<= 0: 25),
// runs collective(flat) on each bucket and copies the results back in place.
template <class F>
void packed(std::vector<at::Tensor> &ts, double bucket_mb, F &&collective) {
  size_t cap = (size_t)((bucket_mb > 0 ? bucket_mb : 25.0) * 1024 * 1024);
  std::map<int, std::vector<size_t>> by_dtype;
  for (size_t i = 0; i < ts.size(); i++) by_dtype[(int)ts[i].scalar_type()].push_back(i);
  at::NoGradGuard ng;
  for (auto &kv : by_dtype) {
    auto &idx = kv.second;
    for (size_t start = 0; start < idx.size();) {
      size_t end = start, bytes = 0;
      std::vector<at::Tensor> parts; // (share storage with ts: unflatten writes into them)
      while (end < idx.size() && (parts.empty() || bytes + ts[idx[end]].nbytes() <= cap)) {
        parts.push_back(ts[idx[end]]);
        bytes += ts[idx[end]].nbytes();
        end++;
      }
      std::vector<at::Tensor> flat{flatten(parts)};
      collective(flat);
      unflatten(flat[0], parts);
      start = end;
    }
  }
}

// Reduces ts in place across the group.
void reduce_packed(lt_dist *d, std::vector<at::Tensor> &ts, lt_reduce_op op, double bucket_mb) {
  c10d::AllreduceOptions o;
  o.reduceOp = reduce_op(op);
  o.timeout = d->timeout;
  packed(ts, bucket_mb, [&](std::vector<at::Tensor> &flat) {
    wait(d, d->pg->allreduce(flat, o));
    if (op == LT_REDUCE_AVG) flat[0].div_(d->world);
  });
}

std::vector<at::Tensor> tensors_of(lt_tensor *const *t, int n) {
  std::vector<at::Tensor> v;
  for (int i = 0; i < n; i++) v.push_back(T(t[i]));
  return v;
}

template <class F>
lt_status guarded(const char *name, lt_dist *d, F &&f) {
  if (!d) {
    lt::set_error(std::string(name) + ": no process group (lt_dist_init failed or was not called)", true);
    return LT_ERR_NULL;
  }
  try {
    f();
    return LT_OK;
  } catch (...) {
    return lt::set_exception(name, {});
  }
}

} // namespace

lt_dist *lt_dist_init(const char *addr, int port, int rank, int world, double timeout_s, int serve_store,
                      const char *store_prefix) {
  lt::ensure_init();
  if (!addr || !*addr || port <= 0 || port > 65535 || world < 1 || rank < 0 || rank >= world) {
    lt::set_error("lt_dist_init: needs an address, a port in 1..65535 and 0 <= rank < world", true);
    return nullptr;
  }
  auto *d = new (std::nothrow) lt_dist;
  if (!d) {
    lt::set_error("lt_dist_init: out of memory", true);
    return nullptr;
  }
  try {
    d->rank = rank, d->world = world, d->timeout = ms(timeout_s);
    c10d::TCPStoreOptions so;
    so.port = (uint16_t)port;
    so.isServer = serve_store != 0;
    if (so.isServer) so.numWorkers = (size_t)world;
    so.waitWorkers = false;
    so.timeout = d->timeout;
    so.multiTenant = true;
    c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(std::string(addr), so);
    if (store_prefix && *store_prefix) store = c10::make_intrusive<c10d::PrefixStore>(store_prefix, store);
    // our own namespace within a store that may be the launcher's
    d->store = c10::make_intrusive<c10d::PrefixStore>("lighter", store);
    auto opts = c10d::ProcessGroupGloo::Options::create(d->timeout);
    opts->devices.push_back(gloo_device(addr));
    d->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(d->store, rank, world, opts);
    return d;
  } catch (...) {
    lt_status st = lt::set_exception("lt_dist_init", {});
    (void)st;
    delete d;
    return nullptr;
  }
}

void lt_dist_free(lt_dist *d) {
  try {
    delete d;
  } catch (...) {
  }
}

lt_status lt_dist_allreduce(lt_dist *d, lt_tensor *const *t, int n, lt_reduce_op op, double bucket_mb) {
  return guarded("lt_dist_allreduce", d, [&] {
    auto ts = tensors_of(t, n);
    reduce_packed(d, ts, op, bucket_mb);
  });
}

lt_status lt_dist_allreduce_grads(lt_dist *d, lt_tensor *const *params, int n, double bucket_mb) {
  return guarded("lt_dist_allreduce_grads", d, [&] {
    std::vector<at::Tensor> grads;
    for (int i = 0; i < n; i++) {
      at::Tensor &p = T(params[i]);
      if (!p.requires_grad()) continue;
      // a parameter this rank did not use still takes part (with zeros), as
      // DDP's find_unused_parameters does, so every rank packs the same buckets
      if (!p.mutable_grad().defined()) p.mutable_grad() = at::zeros_like(p);
      grads.push_back(p.mutable_grad());
    }
    reduce_packed(d, grads, LT_REDUCE_AVG, bucket_mb);
  });
}

lt_status lt_dist_broadcast(lt_dist *d, lt_tensor *const *t, int n, int root) {
  return guarded("lt_dist_broadcast", d, [&] {
    if (root < 0 || root >= d->world) throw lt::error(LT_ERR_INVALID, "root rank out of range");
    auto ts = tensors_of(t, n);
    c10d::BroadcastOptions o;
    o.rootRank = root;
    o.timeout = d->timeout;
    packed(ts, 0, [&](std::vector<at::Tensor> &flat) { wait(d, d->pg->broadcast(flat, o)); });
  });
}

lt_tensor *lt_dist_all_gather(lt_dist *d, lt_tensor *t) {
  at::Tensor out;
  lt_status st = guarded("lt_dist_all_gather", d, [&] {
    at::Tensor x = T(t).detach().contiguous();
    if (x.dim() == 0) x = x.reshape({1});
    c10d::AllgatherOptions o;
    o.timeout = d->timeout;
    // dim-0 sizes first, so that ranks may hold different numbers of rows
    std::vector<at::Tensor> in{at::full({1}, x.size(0), at::kLong)};
    std::vector<std::vector<at::Tensor>> sizes(1);
    for (int r = 0; r < d->world; r++) sizes[0].push_back(at::empty({1}, at::kLong));
    wait(d, d->pg->allgather(sizes, in, o));
    int64_t most = 0;
    for (auto &s : sizes[0]) most = std::max(most, s.item<int64_t>());
    auto shape = x.sizes().vec();
    shape[0] = most;
    at::Tensor padded = at::zeros(shape, x.options());
    padded.narrow(0, 0, x.size(0)).copy_(x);
    std::vector<at::Tensor> pin{padded};
    std::vector<std::vector<at::Tensor>> outs(1);
    for (int r = 0; r < d->world; r++) outs[0].push_back(at::empty(shape, x.options()));
    wait(d, d->pg->allgather(outs, pin, o));
    std::vector<at::Tensor> rows;
    for (int r = 0; r < d->world; r++) rows.push_back(outs[0][r].narrow(0, 0, sizes[0][r].item<int64_t>()));
    out = at::cat(rows);
  });
  return st == LT_OK ? lt::wrap(out) : nullptr;
}

lt_status lt_dist_barrier(lt_dist *d) {
  return guarded("lt_dist_barrier", d, [&] {
    c10d::BarrierOptions o;
    o.timeout = d->timeout;
    wait(d, d->pg->barrier(o));
  });
}

lt_status lt_dist_store_set(lt_dist *d, const char *key, const char *value) {
  return guarded("lt_dist_store_set", d, [&] {
    std::string v(value ? value : "");
    d->store->set(key, std::vector<uint8_t>(v.begin(), v.end()));
  });
}

lt_status lt_dist_store_get(lt_dist *d, const char *key, char *buf, size_t len, double timeout_s) {
  if (buf && len) buf[0] = 0;
  bool missing = false;
  lt_status st = guarded("lt_dist_store_get", d, [&] {
    if (timeout_s <= 0) {
      if (!d->store->check({key})) {
        missing = true;
        return;
      }
    } else {
      d->store->wait({key}, ms(timeout_s));
    }
    std::vector<uint8_t> v = d->store->get(key);
    if (buf && len) {
      size_t k = std::min(len - 1, v.size());
      if (k) std::memcpy(buf, v.data(), k);
      buf[k] = 0;
    }
  });
  return st == LT_OK && missing ? LT_ERR_NOT_FOUND : st;
}

// ---- DDP's reducer (ABI 1.6) -------------------------------------------------
// Made as torch.nn.parallel.DistributedDataParallel makes its own: buckets
// by size over the parameters in reverse (the order backward produces their
// gradients), a 1 MB first bucket, rebuilt by the order gradients really
// came in after the first step; the reducer's autograd hooks start each
// bucket's allreduce while backward goes on and its callback waits for them
// at backward's end, so a backward returns with averaged gradients.

lt_dist_reducer *lt_dist_reducer_new(lt_dist *d, lt_tensor *const *params, int n, double bucket_mb, int find_unused) {
  auto *rd = new (std::nothrow) lt_dist_reducer;
  if (!rd) {
    lt::set_error("lt_dist_reducer_new: out of memory", true);
    return nullptr;
  }
  lt_status st = guarded("lt_dist_reducer_new", d, [&] {
    std::vector<at::Tensor> ps;
    for (int i = 0; i < n; i++) {
      rd->given.push_back(T(params[i]));
      rd->wants.push_back(T(params[i]).requires_grad());
      if (T(params[i]).requires_grad()) ps.push_back(T(params[i]));
    }
    if (ps.empty()) throw lt::error(LT_ERR_INVALID, "no parameter requires grad");
    size_t cap = (size_t)((bucket_mb > 0 ? bucket_mb : 25.0) * 1024 * 1024);
    const size_t first = 1024 * 1024;
    std::vector<bool> sparse(ps.size(), false);
    // as DDP: one bucket for the first step unless unused parameters are
    // looked for; the reducer rebuilds buckets by arrival order after it
    std::vector<size_t> limits = find_unused ? std::vector<size_t>{first, cap} : std::vector<size_t>{SIZE_MAX};
    auto assigned = c10d::compute_bucket_assignment_by_size(ps, limits, sparse);
    auto buckets = std::get<0>(assigned);
    auto sizes = std::get<1>(assigned);
    std::reverse(buckets.begin(), buckets.end());
    std::reverse(sizes.begin(), sizes.end());
    rd->r = std::make_shared<c10d::Reducer>(ps, buckets, sizes, d->pg, sparse, (int64_t)cap, find_unused != 0, false,
                                            std::unordered_map<size_t, std::string>(), (int64_t)first);
    rd->log = std::make_shared<c10d::Logger>(rd->r);
    rd->r->set_logger(rd->log);
    rd->d = d;
  });
  if (st != LT_OK) {
    delete rd;
    return nullptr;
  }
  return rd;
}

lt_status lt_dist_reducer_prepare(lt_dist_reducer *rd, lt_tensor *const *outputs, int n) {
  if (!rd) {
    lt::set_error("lt_dist_reducer_prepare: no reducer", true);
    return LT_ERR_NULL;
  }
  return guarded("lt_dist_reducer_prepare", rd->d, [&] {
    for (size_t i = 0; i < rd->given.size(); i++)
      if (rd->given[i].requires_grad() != rd->wants[i])
        throw lt::error(LT_ERR_INVALID, "the parameters that require grad changed since the reducer was made");
    rd->r->prepare_for_forward();
    rd->r->rebuild_buckets();
    rd->r->prepare_for_backward(tensors_of(outputs, n));
  });
}

void lt_dist_reducer_free(lt_dist_reducer *rd) {
  try {
    delete rd;
  } catch (...) {
  }
}

// ---- collectives in flight (ABI 1.7) ---------------------------------------
// One flat buffer per dtype, each its own allreduce on the group's queue;
// the wait unpacks them. Used for the training step's loss and stop flags,
// whose exchange then hides behind the backward pass instead of costing a
// round trip of its own before it.

lt_dist_work *lt_dist_allreduce_start(lt_dist *d, lt_tensor *const *t, int n, lt_reduce_op op) {
  auto *w = new (std::nothrow) lt_dist_work;
  if (!w) {
    lt::set_error("lt_dist_allreduce_start: out of memory", true);
    return nullptr;
  }
  lt_status st = guarded("lt_dist_allreduce_start", d, [&] {
    w->d = d, w->op = op;
    std::map<at::ScalarType, size_t> slot;
    for (int i = 0; i < n; i++) {
      at::Tensor &x = T(t[i]);
      auto it = slot.emplace(x.scalar_type(), w->groups.size()).first;
      if (it->second == w->groups.size()) w->groups.emplace_back();
      w->groups[it->second].push_back(x);
    }
    c10d::AllreduceOptions o;
    o.reduceOp = reduce_op(op);
    o.timeout = d->timeout;
    at::NoGradGuard ng;
    for (auto &g : w->groups) {
      std::vector<at::Tensor> flat{flatten(g)};
      w->flats.push_back(flat[0]);
      w->works.push_back(d->pg->allreduce(flat, o));
    }
  });
  if (st != LT_OK) {
    delete w;
    return nullptr;
  }
  return w;
}

lt_status lt_dist_work_wait(lt_dist_work *w) {
  if (!w) {
    lt::set_error("lt_dist_work_wait: no collective (lt_dist_allreduce_start failed)", true);
    return LT_ERR_NULL;
  }
  lt_status st = guarded("lt_dist_work_wait", w->d, [&] {
    at::NoGradGuard ng;
    for (size_t k = 0; k < w->works.size(); k++) {
      wait(w->d, w->works[k]);
      at::Tensor flat = w->flats[k];
      if (w->op == LT_REDUCE_AVG) flat.div_(w->d->world);
      unflatten(flat, w->groups[k]);
    }
  });
  delete w;
  return st;
}

void lt_dist_work_free(lt_dist_work *w) {
  try {
    delete w;
  } catch (...) {
  }
}
