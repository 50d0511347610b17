/* fuzz_csv.c: libFuzzer target for the CSV/TSV reader
 * (plugins/data/csvdataset.c). The input's first two bytes choose the
 * arguments (header, delimiter, .csv or .tsv, target, id and feature
 * columns, dtypes); the rest is the file (it may be gzipped). Anything may
 * fail; nothing may crash, leak or leave a tensor handle alive.
 *   make fuzz   (FUZZ_SECONDS each target) */
#include "reader.h"

#include "../../plugins/data/csvdataset.c"

/* A column argument: null, a number (0..2, or 5000: out of range) or a
 * name. */
static lt_value column_arg(unsigned pick) {
  static const char *names[] = {"y", "id", "x"};
  switch (pick % 8) {
  case 0: case 1: return fuzz_null();
  case 2: case 3: case 4: return fuzz_int(LT_P_INT, (int64_t)(pick % 8) - 2);
  case 5: return fuzz_int(LT_P_INT, 5000);
  default: return fuzz_str(names[pick % 3]);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  unsigned a = data[0], b = data[1];
  data += 2, size -= 2;
  static const char *delims[] = {NULL, ",", ";", "\\t", "\t", "", "ab", "\""};
  char path[256], err[1024];
  fuzz_write(a & 1 ? "data.tsv" : "data.csv", data, size, path, sizeof path);
  lt_value features[3] = {column_arg(b), column_arg(b >> 3), fuzz_str("x")};
  lt_value flist = {0};
  flist.type = LT_P_LIST, flist.items = features, flist.n = (size_t)(b >> 6);
  lt_value args[8] = {fuzz_str(path),
                      delims[(a >> 1) & 7] ? fuzz_str(delims[(a >> 1) & 7]) : fuzz_null(),
                      fuzz_int(LT_P_BOOL, (a >> 4) & 1),
                      (b >> 6) ? flist : fuzz_null(),
                      column_arg(a >> 5),
                      column_arg(b),
                      fuzz_str(a & 0x80 ? "float64" : "float32"),
                      fuzz_str(b & 4 ? "int64" : "float32")};
  void *self = NULL;
  fuzz_args fa; /* args by name, as the host hands them */
  const lt_value *named = fuzz_args_of(&fa, &components[0], args, 8);
  if (csv_create(named, &self, err, sizeof err) == LT_OK) fuzz_samples(self, &ops, csv_destroy);
  return 0;
}
