// fuzz_state.cpp: libFuzzer target for the checkpoint reader, lt_state_load
// (sdk/src/state.cpp: a zip archive read by libtorch's PyTorchStreamReader
// and a pickle reader of our own). Built from the tensor layer's sources
// with clang++ and the sanitizers; libtorch itself is not instrumented.
// The input's first byte chooses the mode: even, the rest is the whole file;
// odd, the rest is split at "\xffREC" into the pickle (data.pkl) and the
// storage records data/0, data/1, ..., which this target zips the way
// torch.save does, so the fuzzer spends its time in the pickle reader. A
// loaded state is walked through the C API (every key, every value, every
// tensor summed); nothing may crash, leak or leave a tensor handle alive.
//   make fuzz   (FUZZ_SECONDS each target)
#include <lighter/lighter.h>

#include <caffe2/serialize/inline_container.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

char dir_path[64];

// At exit: the folder and the file written into it.
void remove_dir() {
  unlink((std::string(dir_path) + "/fuzz.ckpt").c_str());
  rmdir(dir_path);
}

// A file in a folder of this process's own (tmpfs when there is one).
std::string path_of() {
  if (!dir_path[0]) {
    snprintf(dir_path, sizeof dir_path, "%s/lt-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir_path)) abort();
    atexit(remove_dir);
  }
  return std::string(dir_path) + "/fuzz.ckpt";
}

void write_file(const std::string &path, const char *data, size_t len) {
  FILE *f = fopen(path.c_str(), "wb");
  if (!f || (len && fwrite(data, 1, len, f) != len)) abort();
  fclose(f);
}

// The pickle and records zipped as torch.save lays them out.
std::vector<char> zip_of(const std::string &in) {
  static const std::string sep = "\xffREC";
  std::vector<std::string> parts;
  size_t at = 0;
  for (;;) {
    size_t e = in.find(sep, at);
    parts.push_back(in.substr(at, e == std::string::npos ? std::string::npos : e - at));
    if (e == std::string::npos) break;
    at = e + sep.size();
  }
  std::vector<char> bytes;
  caffe2::serialize::PyTorchStreamWriter zip([&](const void *buf, size_t n) -> size_t {
    bytes.insert(bytes.end(), (const char *)buf, (const char *)buf + n);
    return n;
  });
  zip.writeRecord("data.pkl", parts[0].data(), parts[0].size());
  zip.writeRecord("byteorder", "little", 6);
  for (size_t i = 1; i < parts.size(); i++)
    zip.writeRecord("data/" + std::to_string(i - 1), parts[i].data(), parts[i].size());
  zip.writeEndOfFile();
  return bytes;
}

void walk(const lt_state *st, int depth) {
  int64_t n = lt_state_len(st);
  for (int64_t i = 0; i < n && i < 10000; i++) {
    std::string index = std::to_string(i);
    const char *key = lt_state_is_list(st) ? index.c_str() : lt_state_key(st, i);
    if (!key) continue;
    int b;
    int64_t k;
    double d;
    switch (lt_state_kind(st, key)) {
    case LT_VALUE_BOOL: lt_state_get_bool(st, key, &b); break;
    case LT_VALUE_INT: lt_state_get_int(st, key, &k); break;
    case LT_VALUE_DOUBLE: lt_state_get_double(st, key, &d); break;
    case LT_VALUE_STRING: (void)lt_state_get_string(st, key); break;
    case LT_VALUE_TENSOR: {
      lt_tensor *t = lt_state_get_tensor(st, key);
      lt_tensor *s = lt_tensor_sum(t, nullptr, 0, 0);
      lt_tensor_free(s);
      lt_tensor_free(t);
      break;
    }
    case LT_VALUE_DICT: case LT_VALUE_LIST: {
      lt_state *sub = lt_state_get_state(st, key);
      if (sub && depth < 300) walk(sub, depth + 1);
      lt_state_free(sub);
      break;
    }
    default: break;
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  std::string in((const char *)data + 1, size - 1);
  std::string path = path_of();
  if (data[0] & 1) {
    std::vector<char> z = zip_of(in);
    write_file(path, z.data(), z.size());
  } else {
    write_file(path, in.data(), in.size());
  }
  lt_state *st = lt_state_load(path.c_str());
  if (st) walk(st, 0);
  lt_state_free(st);
  if (lt_live_tensors() != 0) {
    fprintf(stderr, "fuzz: %lld tensor handles alive after the state was freed\n", (long long)lt_live_tensors());
    abort();
  }
  return 0;
}
