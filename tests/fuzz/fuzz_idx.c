/* fuzz_idx.c: libFuzzer target for the IDX reader (plugins/data/idx_impl.h,
 * torchvision.datasets.MNIST / FashionMNIST). The input's first two bytes
 * (little endian) give the length of the image file; the rest after it is
 * the label file. Either may be gzipped. Anything may fail; nothing may
 * crash, leak or leave a tensor handle alive.
 *   make fuzz   (FUZZ_SECONDS each target) */
#include "reader.h"

#include "../../plugins/data/mnist.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t ilen = (size_t)data[0] | (size_t)data[1] << 8;
  data += 2, size -= 2;
  if (ilen > size) ilen = size;
  char ipath[256], lpath[256], err[1024];
  fuzz_write("train-images-idx3-ubyte", data, ilen, ipath, sizeof ipath);
  fuzz_write("train-labels-idx1-ubyte", data + ilen, size - ilen, lpath, sizeof lpath);
  lt_value args[5] = {fuzz_str(fuzz_dir()), fuzz_int(LT_P_BOOL, 1), fuzz_null(), fuzz_null(),
                      fuzz_int(LT_P_BOOL, 0)};
  void *self = NULL;
  fuzz_args fa; /* args by name, as the host hands them */
  const lt_value *named = fuzz_args_of(&fa, &components[0], args, 5);
  if (idx_create(named, &self, err, sizeof err) == LT_OK) fuzz_samples(self, &ops, data_images_free);
  return 0;
}
