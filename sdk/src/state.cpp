// state.cpp: lt_state, a dict or list of named values (tensors, numbers,
// strings, nested dicts and lists) and its files, in Python's torch.save
// zip format. Both directions use a small pickle writer/reader of our own:
// libtorch's pickle_save tags containers with torch.jit globals that
// PyTorch >= 2.6 refuses under its default torch.load(weights_only=True),
// and its pickle_load cannot read Python's OrderedDict state dicts. The
// writer emits only what Python's torch.save itself emits for tensors,
// containers and scalars; the reader understands exactly that and refuses
// anything else by name, so a file never runs code.
#include "internal.hpp"

#include <caffe2/serialize/inline_container.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>
#include <map>
#include <memory>
#include <string>

struct lt_state {
  c10::IValue v; // GenericDict or GenericList
  std::set<std::string> key_cache; // stable storage for non-string keys' text
};

using namespace lt;

namespace {

lt_state *make_state(c10::IValue v) {
  lt_state *s = new (std::nothrow) lt_state;
  if (s) s->v = std::move(v);
  return s;
}

bool parse_index(const char *key, int64_t len, int64_t *out) {
  if (!key || !*key) return false;
  char *end = nullptr;
  long long i = strtoll(key, &end, 10);
  if (*end) return false;
  if (i < 0) i += len;
  if (i < 0 || i >= len) return false;
  *out = i;
  return true;
}

// A dict key as text: strings as they are, numbers and bools as Python
// prints them.
std::string key_text(const c10::IValue &k) {
  if (k.isString()) return k.toStringRef();
  if (k.isInt()) return std::to_string(k.toInt());
  if (k.isBool()) return k.toBool() ? "True" : "False";
  if (k.isDouble()) {
    std::ostringstream s;
    s << k.toDouble();
    return s.str();
  }
  return std::string("<") + k.tagKind() + ">";
}

// The dict key that text names: the string key, or else (Python-written
// optimizer state uses them) the integer key it spells.
c10::IValue dict_key(const c10::impl::GenericDict &d, const char *key) {
  if (d.keyType()->kind() == c10::TypeKind::IntType) {
    char *end = nullptr;
    errno = 0;
    long long i = strtoll(key, &end, 10);
    if (!*key || *end || errno)
      throw lt::error(LT_ERR_INVALID, "key '" + std::string(key) + "' is not an integer (this dict has int keys)");
    return c10::IValue((int64_t)i);
  }
  c10::IValue sk{std::string(key)};
  if (d.contains(sk)) return sk;
  char *end = nullptr;
  long long i = strtoll(key, &end, 10);
  if (*key && !*end && d.contains(c10::IValue((int64_t)i))) return c10::IValue((int64_t)i);
  return sk;
}

// Find a value by key; nullptr if missing.
const c10::IValue *find(const lt_state *st, const char *key, c10::IValue *tmp) {
  if (!st || !key) return nullptr;
  if (st->v.isGenericDict()) {
    auto d = st->v.toGenericDict();
    auto it = d.find(dict_key(d, key));
    if (it == d.end()) return nullptr;
    *tmp = it->value();
    return tmp;
  }
  auto l = st->v.toList();
  int64_t i;
  if (!parse_index(key, (int64_t)l.size(), &i)) return nullptr;
  *tmp = l.get((size_t)i);
  return tmp;
}

lt_status put(lt_state *st, const char *key, c10::IValue v, const char *fn) {
  if (!st) {
    set_error(std::string(fn) + ": state is NULL");
    return LT_ERR_NULL;
  }
  try {
    if (st->v.isGenericDict()) {
      if (!key) throw lt::error(LT_ERR_INVALID, "a dict needs a key");
      auto d = st->v.toGenericDict();
      d.insert_or_assign(dict_key(d, key), std::move(v));
      return LT_OK;
    }
    auto l = st->v.toList();
    if (!key) {
      l.push_back(std::move(v));
      return LT_OK;
    }
    int64_t i;
    if (!parse_index(key, (int64_t)l.size(), &i))
      throw lt::error(LT_ERR_INVALID, "list index '" + std::string(key) + "' is out of range (size " +
                                          std::to_string(l.size()) + "); use key NULL to append");
    l.set((size_t)i, std::move(v));
    return LT_OK;
  } catch (...) {
    return set_exception(fn, {});
  }
}

lt_value_kind kind_of(const c10::IValue &v) {
  if (v.isNone()) return LT_VALUE_NONE;
  if (v.isBool()) return LT_VALUE_BOOL;
  if (v.isInt()) return LT_VALUE_INT;
  if (v.isDouble()) return LT_VALUE_DOUBLE;
  if (v.isString()) return LT_VALUE_STRING;
  if (v.isTensor()) return LT_VALUE_TENSOR;
  if (v.isGenericDict()) return LT_VALUE_DICT;
  if (v.isList() || v.isTuple()) return LT_VALUE_LIST;
  return LT_VALUE_OTHER;
}

std::string missing_text(const lt_state *st, const char *key) {
  std::string s = "key '" + std::string(key ? key : "(null)") + "' not found";
  if (st && st->v.isGenericDict()) {
    s += "; keys:";
    int n = 0;
    for (auto &kv : st->v.toGenericDict()) {
      if (n++ == 8) {
        s += " ...";
        break;
      }
      s += " " + key_text(kv.key());
    }
  }
  return s;
}

/* ---- the pickle reader ---------------------------------------------- */

struct PV {
  enum Kind { VALUE, GLOBAL, MARK } kind = VALUE;
  c10::IValue v;
  std::string global; // "module.name"
};

class Reader {
 public:
  Reader(caffe2::serialize::PyTorchStreamReader &zip, const std::string &data)
      : zip_(zip), d_(data) {}
  // A hostile file can make a container hold itself; the result handed out
  // is a fresh copy (Normalizer), so every container made here is emptied at
  // the end, which breaks any reference cycle.
  ~Reader() {
    for (auto &c : containers_) {
      if (c.isList()) c.toList().clear();
      else if (c.isGenericDict()) c.toGenericDict().clear();
    }
  }

  c10::IValue run();

 private:
  caffe2::serialize::PyTorchStreamReader &zip_;
  const std::string &d_;
  size_t p_ = 0;
  std::vector<PV> stack_;
  std::map<int64_t, PV> memo_;
  std::map<std::string, at::Storage> storages_;
  std::vector<c10::IValue> containers_;
  std::map<const c10::ivalue::Tuple *, int> tuple_depth_;
  std::vector<c10::IValue> tuples_;

  uint8_t u8() {
    TORCH_CHECK(p_ < d_.size(), "pickle data ends early");
    return (uint8_t)d_[p_++];
  }
  std::string bytes(size_t n) {
    TORCH_CHECK(n <= d_.size() - p_, "pickle data ends early");
    std::string s = d_.substr(p_, n);
    p_ += n;
    return s;
  }
  uint64_t le(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)u8() << (8 * i);
    return v;
  }
  std::string line() {
    size_t e = d_.find('\n', p_);
    TORCH_CHECK(e != std::string::npos, "pickle data ends early");
    std::string s = d_.substr(p_, e - p_);
    p_ = e + 1;
    return s;
  }
  PV &top() {
    TORCH_CHECK(!stack_.empty(), "pickle stack underflow at byte ", p_ - 1);
    return stack_.back();
  }
  PV pop() {
    TORCH_CHECK(!stack_.empty(), "pickle stack underflow at byte ", p_ - 1);
    PV v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  c10::IValue popv() {
    PV v = pop();
    TORCH_CHECK(v.kind != PV::MARK, "unexpected mark in pickle data");
    // A class used as a value (a storage type in a persistent id) reads as
    // its dotted name.
    if (v.kind == PV::GLOBAL) return c10::IValue(v.global);
    return v.v;
  }
  std::vector<c10::IValue> pop_to_mark() {
    std::vector<c10::IValue> items;
    while (true) {
      TORCH_CHECK(!stack_.empty(), "pickle mark missing");
      if (stack_.back().kind == PV::MARK) {
        stack_.pop_back();
        break;
      }
      items.push_back(popv());
    }
    std::reverse(items.begin(), items.end());
    return items;
  }
  void push(c10::IValue v) {
    PV p;
    p.v = std::move(v);
    stack_.push_back(std::move(p));
  }
  // Tuples are immutable, so the destructor cannot empty them the way it
  // empties lists and dicts: a chain of tuples a million deep (a few bytes
  // of pickle each) would be freed by recursion and overflow the stack.
  // Their depth is bounded where they are made (lists and dicts in between
  // count as 0: they are emptied one by one).
  c10::IValue tuple(std::vector<c10::IValue> items) {
    int depth = 1;
    for (auto &x : items)
      if (x.isTuple()) {
        auto it = tuple_depth_.find(&x.toTupleRef());
        if (it != tuple_depth_.end()) depth = std::max(depth, it->second + 1);
      }
    TORCH_CHECK(depth <= 200, "tuples nested more than 200 deep in pickle data");
    c10::IValue t = c10::ivalue::Tuple::create(std::move(items));
    tuple_depth_[&t.toTupleRef()] = depth;
    tuples_.push_back(t); // keeps the address (the map's key) alive
    return t;
  }
  c10::impl::GenericDict new_dict() {
    c10::impl::GenericDict d(c10::AnyType::get(), c10::AnyType::get());
    containers_.push_back(d);
    return d;
  }
  c10::impl::GenericList new_list() {
    c10::impl::GenericList l(c10::AnyType::get());
    containers_.push_back(l);
    return l;
  }
  at::Tensor storage_tensor(const c10::IValue &pid);
  void reduce();
};

// torch.<Name>Storage classes, both ways (reader and writer).
const struct {
  const char *name;
  at::ScalarType type;
} kStorages[] = {{"FloatStorage", at::kFloat}, {"DoubleStorage", at::kDouble}, {"HalfStorage", at::kHalf},
                 {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong}, {"IntStorage", at::kInt},
                 {"ShortStorage", at::kShort}, {"CharStorage", at::kChar}, {"ByteStorage", at::kByte},
                 {"BoolStorage", at::kBool}};

at::ScalarType storage_dtype(const std::string &g) {
  for (auto &e : kStorages)
    if (g == std::string("torch.") + e.name) return e.type;
  TORCH_CHECK(false, "unsupported storage type ", g);
}

const char *storage_name(at::ScalarType t) {
  for (auto &e : kStorages)
    if (e.type == t) return e.name;
  TORCH_CHECK(false, "cannot save a tensor of type ", t);
}

// A whole storage seen as a 1-D tensor of type st.
at::Tensor whole_storage(const at::Storage &s, at::ScalarType st) {
  at::Tensor t = at::empty({0}, at::TensorOptions().dtype(st).device(s.device()));
  t.set_(s, 0, {(int64_t)(s.nbytes() / c10::elementSize(st))}, {1});
  return t;
}

// A persistent id ('storage', <type global>, key, location, numel) becomes a
// 1-D tensor over the record's bytes; storages are shared between the
// tensors (views) that name the same key.
at::Tensor Reader::storage_tensor(const c10::IValue &pid) {
  TORCH_CHECK(pid.isTuple(), "unsupported persistent id in pickle data");
  auto &e = pid.toTupleRef().elements();
  TORCH_CHECK(e.size() >= 5 && e[0].isString() && e[0].toStringRef() == "storage" &&
                  e[1].isString() && e[2].isString(),
              "unsupported persistent id in pickle data");
  at::ScalarType st = storage_dtype(e[1].toStringRef());
  const std::string &key = e[2].toStringRef();
  auto it = storages_.find(key);
  if (it == storages_.end()) {
    std::string rec = "data/" + key;
    TORCH_CHECK(zip_.hasRecord(rec), "archive has no record ", rec);
    auto r = zip_.getRecord(rec);
    size_t nbytes = std::get<1>(r);
    at::Storage s(c10::Storage::use_byte_size_t(), nbytes, std::move(std::get<0>(r)), nullptr,
                  false);
    it = storages_.emplace(key, s).first;
  }
  return whole_storage(it->second, st);
}

// A tensor record's view (offset, sizes, strides) must lie inside its
// storage of numel elements: libtorch's set_ does not check negative
// strides, and sums of huge sizes or strides wrap around.
void check_view(int64_t offset, const std::vector<int64_t> &size, const std::vector<int64_t> &stride,
                int64_t numel, const std::string &g) {
  TORCH_CHECK(size.size() == stride.size(), "malformed ", g, " record (", size.size(), " sizes, ",
              stride.size(), " strides)");
  TORCH_CHECK(offset >= 0, "malformed ", g, " record (storage offset ", offset, ")");
  int64_t last = offset; // the largest element index the view reaches
  bool empty = false;
  for (size_t i = 0; i < size.size(); i++) {
    TORCH_CHECK(size[i] >= 0 && stride[i] >= 0, "malformed ", g, " record (size ", size[i], ", stride ",
                stride[i], ")");
    if (size[i] == 0) empty = true;
    int64_t reach;
    TORCH_CHECK(!__builtin_mul_overflow(stride[i], size[i] ? size[i] - 1 : 0, &reach) &&
                    !__builtin_add_overflow(last, reach, &last),
                "malformed ", g, " record (its view overflows)");
  }
  TORCH_CHECK(empty || last < numel, "malformed ", g, " record: the view reaches element ", last,
              " of a storage of ", numel);
}

void Reader::reduce() {
  c10::IValue args = popv();
  PV fn = pop();
  TORCH_CHECK(fn.kind == PV::GLOBAL, "REDUCE of a non-callable in pickle data");
  TORCH_CHECK(args.isTuple(), "REDUCE arguments are not a tuple");
  auto &a = args.toTupleRef().elements();
  const std::string &g = fn.global;
  if (g == "collections.OrderedDict" || g == "builtins.dict") {
    auto d = new_dict();
    if (!a.empty() && a[0].isList())
      for (auto &kv : a[0].toListRef()) {
        TORCH_CHECK(kv.isTuple() && kv.toTupleRef().elements().size() == 2,
                    "malformed ", g, " record (its items are not (key, value) pairs)");
        auto &p = kv.toTupleRef().elements();
        d.insert_or_assign(p[0], p[1]);
      }
    push(d);
  } else if (g == "torch._utils._rebuild_tensor_v2" || g == "torch._utils._rebuild_tensor") {
    TORCH_CHECK(a.size() >= 4 && a[0].isTensor(), "malformed tensor record");
    at::Tensor base = a[0].toTensor();
    std::vector<int64_t> size, stride;
    for (auto &x : a[2].toTupleRef().elements()) size.push_back(x.toInt());
    for (auto &x : a[3].toTupleRef().elements()) stride.push_back(x.toInt());
    check_view(a[1].toInt(), size, stride, base.numel(), g);
    at::Tensor t = at::empty({0}, base.options());
    t.set_(base.storage(), a[1].toInt(), size, stride);
    if (a.size() >= 5 && a[4].isBool() && a[4].toBool() && t.is_floating_point())
      t.set_requires_grad(true);
    push(t);
  } else if (g == "torch._utils._rebuild_parameter") {
    TORCH_CHECK(!a.empty() && a[0].isTensor(), "malformed parameter record");
    at::Tensor t = a[0].toTensor();
    if (a.size() >= 2 && a[1].isBool() && a[1].toBool()) t.set_requires_grad(true);
    push(t);
  } else if (g == "torch.jit._pickle.restore_type_tag" || g == "torch.jit._pickle.build_intlist" ||
             g == "torch.jit._pickle.build_doublelist" || g == "torch.jit._pickle.build_boollist" ||
             g == "torch.jit._pickle.build_tensorlist" || g == "torch.jit._pickle.build_genericlist") {
    // libtorch's writer tags typed containers; the value itself is args[0].
    TORCH_CHECK(!a.empty(), "malformed ", g, " record");
    push(a[0]);
  } else if (g == "torch.device" || g == "torch.Size" || g == "_codecs.encode") {
    // A device reads as its name, a Size as its tuple, bytes as a string.
    push(a.empty() ? c10::IValue() : a[0]);
  } else {
    TORCH_CHECK(false, "the file uses Python object ", g,
                ", which lighter does not load (only tensors, dicts, lists, tuples, numbers "
                "and strings are read; nothing in a file is executed)");
  }
}

c10::IValue Reader::run() {
  while (true) {
    uint8_t opc = u8();
    switch (opc) {
    case 0x80: u8(); break;                       // PROTO
    case 0x95: le(8); break;                      // FRAME: its length is not needed
    case '.': {                                   // STOP
      c10::IValue r = popv();
      return r;
    }
    case '(': { PV m; m.kind = PV::MARK; stack_.push_back(m); break; }
    case 'N': push(c10::IValue()); break;
    case 0x88: push(true); break;
    case 0x89: push(false); break;
    case 'K': push((int64_t)u8()); break;
    case 'M': push((int64_t)le(2)); break;
    case 'J': push((int64_t)(int32_t)le(4)); break;
    case 0x8a: case 0x8b: {                       // LONG1, LONG4
      int64_t n = opc == 0x8a ? u8() : (int64_t)(int32_t)le(4);
      TORCH_CHECK(n >= 0, "negative integer length in pickle data");
      TORCH_CHECK(n <= 8, "integer too large in pickle data");
      uint64_t v = le((int)n);
      if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~0ull << (8 * n);
      push((int64_t)v);
      break;
    }
    case 'G': {                                   // BINFLOAT, big endian
      uint64_t v = 0;
      for (int i = 0; i < 8; i++) v = (v << 8) | u8();
      double d;
      memcpy(&d, &v, 8);
      push(d);
      break;
    }
    case 'X': { size_t n = le(4); push(bytes(n)); break; }          // BINUNICODE
    case 0x8c: { size_t n = u8(); push(bytes(n)); break; }          // SHORT_BINUNICODE
    case 'T': { size_t n = le(4); push(bytes(n)); break; }          // BINSTRING
    case 'U': { size_t n = u8(); push(bytes(n)); break; }           // SHORT_BINSTRING
    case 'B': { size_t n = le(4); push(bytes(n)); break; }          // BINBYTES
    case 'C': { size_t n = u8(); push(bytes(n)); break; }           // SHORT_BINBYTES
    case '}': push(new_dict()); break;
    case ']': push(new_list()); break;
    case ')': push(tuple({})); break;
    case 't': push(tuple(pop_to_mark())); break;
    case 0x85: { auto a = popv(); push(tuple({a})); break; }
    case 0x86: { auto b = popv(), a = popv(); push(tuple({a, b})); break; }
    case 0x87: { auto c = popv(), b = popv(), a = popv(); push(tuple({a, b, c})); break; }
    case 'l': {                                   // LIST from mark
      c10::impl::GenericList l = new_list();
      for (auto &x : pop_to_mark()) l.push_back(x);
      push(l);
      break;
    }
    case 'q': { int64_t k = u8(); memo_[k] = top(); break; }        // BINPUT
    case 'r': { int64_t k = (int64_t)le(4); memo_[k] = top(); break; } // LONG_BINPUT
    case 0x94: { int64_t k = (int64_t)memo_.size(); memo_[k] = top(); break; } // MEMOIZE
    case 'h': case 'j': {                         // BINGET, LONG_BINGET
      int64_t k = opc == 'h' ? u8() : (int64_t)le(4);
      auto it = memo_.find(k);
      TORCH_CHECK(it != memo_.end(), "pickle memo key ", k, " missing");
      stack_.push_back(it->second);
      break;
    }
    case 'c': case 0x93: {                        // GLOBAL, STACK_GLOBAL
      std::string mod, name;
      if (opc == 'c') {
        mod = line(), name = line();
      } else {
        c10::IValue n = popv(), m = popv();
        TORCH_CHECK(n.isString() && m.isString(), "STACK_GLOBAL needs two strings");
        mod = m.toStringRef(), name = n.toStringRef();
      }
      if (mod == "__builtin__") mod = "builtins";
      PV g;
      g.kind = PV::GLOBAL;
      g.global = mod + "." + name;
      stack_.push_back(g);
      break;
    }
    case 'Q': {                                   // BINPERSID
      PV pid = pop();
      TORCH_CHECK(pid.kind == PV::VALUE && pid.v.isTuple(), "unsupported persistent id");
      push(storage_tensor(pid.v));
      break;
    }
    case 'R': reduce(); break;
    case 'b': pop(); break;                       // BUILD: drop the state
    case 's': {                                   // SETITEM
      auto v = popv(), k = popv();
      auto d = top().v;
      TORCH_CHECK(d.isGenericDict(), "SETITEM on a non-dict");
      d.toGenericDict().insert_or_assign(k, v);
      break;
    }
    case 'u': {                                   // SETITEMS
      auto items = pop_to_mark();
      auto d = top().v;
      TORCH_CHECK(d.isGenericDict() && items.size() % 2 == 0, "SETITEMS on a non-dict");
      for (size_t i = 0; i < items.size(); i += 2) d.toGenericDict().insert_or_assign(items[i], items[i + 1]);
      break;
    }
    case 'a': {                                   // APPEND
      auto v = popv();
      auto l = top().v;
      TORCH_CHECK(l.isList(), "APPEND on a non-list");
      l.toList().push_back(v);
      break;
    }
    case 'e': {                                   // APPENDS
      auto items = pop_to_mark();
      auto l = top().v;
      TORCH_CHECK(l.isList(), "APPENDS on a non-list");
      for (auto &x : items) l.toList().push_back(x);
      break;
    }
    default:
      TORCH_CHECK(false, "unsupported pickle opcode 0x", std::hex, (int)opc, " at byte ", std::dec,
                  p_ - 1);
    }
  }
}

// Tuples become lists so that the C API sees one sequence kind. A hostile
// file can nest deeply, refer to a container from inside itself or share one
// container many times; depth and total size are bounded.
struct Normalizer {
  int64_t nodes = 0;
  c10::IValue run(const c10::IValue &v, int depth) {
    TORCH_CHECK(depth < 200, "containers nested more than 200 deep (or referring to themselves)");
    TORCH_CHECK(++nodes < 50000000, "more than 50 million values in one file");
    if (v.isTuple() || v.isList()) {
      c10::impl::GenericList l(c10::AnyType::get());
      if (v.isTuple())
        for (auto &x : v.toTupleRef().elements()) l.push_back(run(x, depth + 1));
      else
        for (const auto &x : v.toListRef()) l.push_back(run(x, depth + 1));
      return l;
    }
    if (v.isGenericDict()) {
      auto d = c10::impl::GenericDict(c10::AnyType::get(), c10::AnyType::get());
      for (auto &kv : v.toGenericDict()) d.insert(kv.key(), run(kv.value(), depth + 1));
      return d;
    }
    return v;
  }
};

/* ---- the pickle writer ---------------------------------------------- */

class Writer {
 public:
  std::string out;
  // Storages in the order first seen: key "0", "1", ... as torch.save does.
  std::vector<std::pair<const void *, at::Tensor>> storages;

  void value(const c10::IValue &v, int depth = 0) {
    TORCH_CHECK(depth < 200, "containers nested more than 200 deep");
    if (v.isNone()) {
      op('N');
    } else if (v.isBool()) {
      op(v.toBool() ? 0x88 : 0x89);
    } else if (v.isInt()) {
      integer(v.toInt());
    } else if (v.isDouble()) {
      op('G');
      uint64_t b;
      double d = v.toDouble();
      memcpy(&b, &d, 8);
      for (int i = 7; i >= 0; i--) out.push_back((char)(b >> (8 * i)));
    } else if (v.isString()) {
      string(v.toStringRef());
    } else if (v.isTensor()) {
      tensor(v.toTensor());
    } else if (v.isGenericDict()) {
      op('}');
      auto d = v.toGenericDict();
      if (d.size()) {
        op('(');
        for (auto &kv : d) {
          TORCH_CHECK(kv.key().isString() || kv.key().isInt(), "cannot save a dict key of type ",
                      kv.key().tagKind());
          value(kv.key(), depth + 1);
          value(kv.value(), depth + 1);
        }
        op('u');
      }
    } else if (v.isList()) {
      op(']');
      auto l = v.toListRef();
      if (!l.empty()) {
        op('(');
        for (const auto &x : l) value(x, depth + 1);
        op('e');
      }
    } else if (v.isTuple()) {
      op('(');
      for (auto &x : v.toTupleRef().elements()) value(x, depth + 1);
      op('t');
    } else {
      TORCH_CHECK(false, "cannot save a value of type ", v.tagKind());
    }
  }

 private:
  void op(int c) { out.push_back((char)c); }
  void global(const char *mod, const char *name) {
    op('c');
    out += mod;
    out += '\n';
    out += name;
    out += '\n';
  }
  void integer(int64_t i) {
    if (i >= INT32_MIN && i <= INT32_MAX) {
      op('J');
      for (int k = 0; k < 4; k++) out.push_back((char)((uint32_t)i >> (8 * k)));
    } else {
      op(0x8a); // LONG1, 8 bytes two's complement little endian
      out.push_back(8);
      for (int k = 0; k < 8; k++) out.push_back((char)((uint64_t)i >> (8 * k)));
    }
  }
  void string(const std::string &str) {
    op('X');
    uint32_t n = (uint32_t)str.size();
    for (int k = 0; k < 4; k++) out.push_back((char)(n >> (8 * k)));
    out += str;
  }
  void tuple_of(at::IntArrayRef xs) {
    op('(');
    for (int64_t x : xs) integer(x);
    op('t');
  }
  // torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
  // requires_grad, OrderedDict()) with the storage as a persistent id
  // ('storage', torch.<Type>Storage, key, location, numel).
  void tensor(const at::Tensor &t) {
    TORCH_CHECK(!t.is_sparse() && !t.is_quantized(), "cannot save a sparse or quantized tensor");
    const at::Storage &st = t.storage();
    const void *id = st.unsafeGetStorageImpl();
    size_t key = 0;
    while (key < storages.size() && storages[key].first != id) key++;
    if (key == storages.size()) storages.emplace_back(id, t);
    global("torch._utils", "_rebuild_tensor_v2");
    op('(');
    op('(');
    string("storage");
    global("torch", storage_name(t.scalar_type()));
    string(std::to_string(key));
    string(t.device().is_cpu() ? "cpu" : t.device().str());
    integer((int64_t)(st.nbytes() / t.element_size()));
    op('t');
    op('Q');
    integer(t.storage_offset());
    tuple_of(t.sizes());
    tuple_of(t.strides());
    op(t.requires_grad() ? 0x88 : 0x89);
    global("collections", "OrderedDict");
    op(')');
    op('R');
    op('t');
    op('R');
  }
};

// The bytes of a whole storage, on the CPU.
std::string storage_bytes(const at::Tensor &t) {
  at::Tensor cpu = whole_storage(t.storage(), t.scalar_type()).to(at::kCPU).contiguous();
  return std::string((const char *)cpu.data_ptr(), cpu.nbytes());
}

std::vector<char> save_bytes(const c10::IValue &v) {
  Writer w;
  w.out = "\x80\x02"; // PROTO 2, as torch.save
  w.value(v);
  w.out.push_back('.');
  std::vector<char> bytes;
  caffe2::serialize::PyTorchStreamWriter zip([&](const void *buf, size_t n) -> size_t {
    bytes.insert(bytes.end(), (const char *)buf, (const char *)buf + n);
    return n;
  });
  zip.writeRecord("data.pkl", w.out.data(), w.out.size());
  zip.writeRecord("byteorder", "little", 6);
  for (size_t i = 0; i < w.storages.size(); i++) {
    std::string b = storage_bytes(w.storages[i].second);
    zip.writeRecord("data/" + std::to_string(i), b.data(), b.size());
  }
  zip.writeEndOfFile();
  return bytes;
}

std::string errno_text(const std::string &what, const std::string &path) {
  return what + " '" + path + "': " + strerror(errno);
}

} // namespace

extern "C" {

lt_state *lt_state_new_dict(void) {
  return make_state(c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get()));
}
lt_state *lt_state_new_int_dict(void) {
  return make_state(c10::impl::GenericDict(c10::IntType::get(), c10::AnyType::get()));
}
lt_state *lt_state_new_list(void) { return make_state(c10::impl::GenericList(c10::AnyType::get())); }
void lt_state_free(lt_state *st) { delete st; }
int lt_state_is_list(const lt_state *st) { return st && st->v.isList(); }
int64_t lt_state_len(const lt_state *st) {
  if (!st) return -1;
  return st->v.isGenericDict() ? (int64_t)st->v.toGenericDict().size() : (int64_t)st->v.toListRef().size();
}

const char *lt_state_key(const lt_state *st, int64_t i) {
  if (!st || !st->v.isGenericDict()) return nullptr;
  auto d = st->v.toGenericDict();
  if (i < 0 || i >= (int64_t)d.size()) return nullptr;
  auto it = d.begin();
  for (int64_t k = 0; k < i; k++) ++it;
  const c10::IValue &key = it->key();
  if (key.isString()) return key.toStringRef().c_str();
  try {
    auto *self = const_cast<lt_state *>(st);
    return self->key_cache.insert(key_text(key)).first->c_str();
  } catch (...) {
    return nullptr;
  }
}

lt_value_kind lt_state_kind(const lt_state *st, const char *key) try {
  c10::IValue tmp;
  const c10::IValue *v = find(st, key, &tmp);
  return v ? kind_of(*v) : LT_VALUE_MISSING;
} catch (...) {
  set_error("lt_state_kind: out of memory");
  return LT_VALUE_MISSING;
}

lt_status lt_state_set_none(lt_state *st, const char *key) {
  return put(st, key, c10::IValue(), "lt_state_set_none");
}
lt_status lt_state_set_bool(lt_state *st, const char *key, int v) {
  return put(st, key, c10::IValue(v != 0), "lt_state_set_bool");
}
lt_status lt_state_set_int(lt_state *st, const char *key, int64_t v) {
  return put(st, key, c10::IValue(v), "lt_state_set_int");
}
lt_status lt_state_set_double(lt_state *st, const char *key, double v) {
  return put(st, key, c10::IValue(v), "lt_state_set_double");
}
lt_status lt_state_set_string(lt_state *st, const char *key, const char *v) {
  if (!v) {
    set_error("lt_state_set_string: value is NULL");
    return LT_ERR_NULL;
  }
  return put(st, key, c10::IValue(std::string(v)), "lt_state_set_string");
}
lt_status lt_state_set_tensor(lt_state *st, const char *key, lt_tensor *v) {
  if (!inputs_ok("lt_state_set_tensor", {v}) || v == LT_NO_TENSOR) return LT_ERR_NULL;
  return put(st, key, c10::IValue(T(v)), "lt_state_set_tensor");
}
lt_status lt_state_set_state(lt_state *st, const char *key, const lt_state *v) {
  if (!v) {
    set_error("lt_state_set_state: value is NULL");
    return LT_ERR_NULL;
  }
  return put(st, key, v->v, "lt_state_set_state");
}

#define LT__GET(fn, key)                                          \
  if (!out) {                                                     \
    set_error(std::string(fn) + ": out is NULL");                 \
    return LT_ERR_NULL;                                           \
  }                                                               \
  c10::IValue tmp;                                                \
  const c10::IValue *v = find(st, key, &tmp);                     \
  if (!v) {                                                       \
    set_error(std::string(fn) + ": " + missing_text(st, key));    \
    return LT_ERR_NOT_FOUND;                                      \
  }

lt_status lt_state_get_bool(const lt_state *st, const char *key, int *out) try {
  LT__GET("lt_state_get_bool", key)
  if (!v->isBool() && !v->isInt()) {
    set_error("lt_state_get_bool: '" + std::string(key) + "' holds " + v->tagKind());
    return LT_ERR_INVALID;
  }
  *out = v->isBool() ? v->toBool() : v->toInt() != 0;
  return LT_OK;
} catch (...) {
  set_error("lt_state_get_bool: out of memory");
  return LT_ERR_NOMEM;
}
lt_status lt_state_get_int(const lt_state *st, const char *key, int64_t *out) try {
  LT__GET("lt_state_get_int", key)
  if (!v->isInt() && !v->isBool()) {
    set_error("lt_state_get_int: '" + std::string(key) + "' holds " + v->tagKind());
    return LT_ERR_INVALID;
  }
  *out = v->isInt() ? v->toInt() : (int64_t)v->toBool();
  return LT_OK;
} catch (...) {
  set_error("lt_state_get_int: out of memory");
  return LT_ERR_NOMEM;
}
lt_status lt_state_get_double(const lt_state *st, const char *key, double *out) try {
  LT__GET("lt_state_get_double", key)
  if (!v->isDouble() && !v->isInt()) {
    set_error("lt_state_get_double: '" + std::string(key) + "' holds " + v->tagKind());
    return LT_ERR_INVALID;
  }
  *out = v->isDouble() ? v->toDouble() : (double)v->toInt();
  return LT_OK;
} catch (...) {
  set_error("lt_state_get_double: out of memory");
  return LT_ERR_NOMEM;
}

const char *lt_state_get_string(const lt_state *st, const char *key) try {
  c10::IValue tmp;
  const c10::IValue *v = find(st, key, &tmp);
  if (!v || !v->isString()) {
    set_error("lt_state_get_string: " + (v ? "'" + std::string(key) + "' holds " + v->tagKind()
                                           : missing_text(st, key)));
    return nullptr;
  }
  // The string lives in the container, which outlives tmp.
  return v->toStringRef().c_str();
} catch (...) {
  set_error("lt_state_get_string: out of memory");
  return nullptr;
}

lt_tensor *lt_state_get_tensor(const lt_state *st, const char *key) try {
  c10::IValue tmp;
  const c10::IValue *v = find(st, key, &tmp);
  if (!v || !v->isTensor()) {
    set_error("lt_state_get_tensor: " + (v ? "'" + std::string(key) + "' holds " + v->tagKind()
                                           : missing_text(st, key)));
    return nullptr;
  }
  return wrap(v->toTensor());
} catch (...) {
  set_error("lt_state_get_tensor: out of memory");
  return nullptr;
}

lt_state *lt_state_get_state(const lt_state *st, const char *key) try {
  c10::IValue tmp;
  const c10::IValue *v = find(st, key, &tmp);
  if (!v || !(v->isGenericDict() || v->isList())) {
    set_error("lt_state_get_state: " + (v ? "'" + std::string(key) + "' holds " + v->tagKind()
                                          : missing_text(st, key)));
    return nullptr;
  }
  return make_state(*v);
} catch (...) {
  set_error("lt_state_get_state: out of memory");
  return nullptr;
}

namespace {
// The temporary file of a save is PATH.tmp.HOST.PID.XXXXXX: a writer killed
// before its rename (SIGKILL, a crash, a power cut) leaves one behind, and
// the next save of PATH removes those of this host whose process is gone.
// A live process's file is never touched (a reused PID only keeps a stale
// file a while longer), nor another host's on a shared file system.
std::string temp_prefix(const std::string &path) {
  char host[256] = "";
  if (gethostname(host, sizeof host - 1) != 0 || !host[0]) snprintf(host, sizeof host, "localhost");
  for (char *c = host; *c; c++)
    if (*c == '.' || *c == '/') *c = '_';
  return path + ".tmp." + host + ".";
}

void remove_stale_temporaries(const std::string &dir, const std::string &prefix_path) {
  std::string base = prefix_path.substr(prefix_path.rfind('/') == std::string::npos ? 0 : prefix_path.rfind('/') + 1);
  DIR *d = opendir(dir.c_str());
  if (!d) return;
  while (struct dirent *e = readdir(d)) {
    if (strncmp(e->d_name, base.c_str(), base.size()) != 0) continue;
    char *end = nullptr;
    long pid = strtol(e->d_name + base.size(), &end, 10);
    if (pid <= 0 || !end || *end != '.' || strlen(end) != 7) continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
    unlink((dir + "/" + e->d_name).c_str());
  }
  closedir(d);
}
} // namespace

lt_status lt_state_save(const lt_state *st, const char *path) {
  if (!st || !path) {
    set_error("lt_state_save: NULL argument");
    return LT_ERR_NULL;
  }
  std::vector<char> bytes;
  try {
    bytes = save_bytes(st->v);
  } catch (...) {
    return set_exception("lt_state_save", {});
  }
  std::string p(path), dir = ".";
  size_t slash = p.rfind('/');
  if (slash != std::string::npos) dir = slash == 0 ? "/" : p.substr(0, slash);
  std::string prefix = temp_prefix(p);
  remove_stale_temporaries(dir, prefix);
  std::string tmpl = prefix + std::to_string((long)getpid()) + ".XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back(0);
  int fd = mkstemp(name.data());
  if (fd < 0) {
    set_error("lt_state_save: " + errno_text("cannot create a temporary file next to", p));
    return LT_ERR_IO;
  }
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t w = write(fd, bytes.data() + off, bytes.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      set_error("lt_state_save: " + errno_text("cannot write", p));
      close(fd);
      unlink(name.data());
      return LT_ERR_IO;
    }
    off += (size_t)w;
  }
  int synced = fsync(fd);
  int closed = close(fd);
  if (synced != 0 || closed != 0) {
    set_error("lt_state_save: " + errno_text("cannot flush", p));
    unlink(name.data());
    return LT_ERR_IO;
  }
  if (rename(name.data(), path) != 0) {
    set_error("lt_state_save: " + errno_text("cannot rename the temporary file onto", p));
    unlink(name.data());
    return LT_ERR_IO;
  }
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return LT_OK;
}

lt_state *lt_state_load(const char *path) {
  if (!path) {
    set_error("lt_state_load: path is NULL");
    return nullptr;
  }
  std::string p(path);
  FILE *f = fopen(path, "rb");
  if (!f) {
    set_error("lt_state_load: " + errno_text("cannot open", p));
    return nullptr;
  }
  unsigned char magic[4] = {0};
  size_t got = fread(magic, 1, 4, f);
  fclose(f);
  if (got < 4 || memcmp(magic, "PK\x03\x04", 4) != 0) {
    bool legacy = got >= 2 && magic[0] == 0x80;
    set_error("lt_state_load: '" + p + "' is not a torch.save zip archive" +
              (legacy ? " (it is the legacy format: re-save it from Python with "
                        "torch.save(obj, path) and the default _use_new_zipfile_serialization=True)"
                      : ""));
    return nullptr;
  }
  try {
    caffe2::serialize::PyTorchStreamReader zip(p);
    TORCH_CHECK(zip.hasRecord("data.pkl"), "archive has no data.pkl record");
    auto rec = zip.getRecord("data.pkl");
    std::string data((const char *)std::get<0>(rec).get(), std::get<1>(rec));
    Reader r(zip, data);
    c10::IValue v = Normalizer().run(r.run(), 0);
    TORCH_CHECK(v.isGenericDict() || v.isList(), "the file holds a ", v.tagKind(),
                ", not a dict or list");
    lt_state *s = make_state(v);
    if (!s) set_error("out of memory");
    return s;
  } catch (...) {
    set_exception(("lt_state_load('" + p + "')").c_str(), {});
    return nullptr;
  }
}

} // extern "C"
