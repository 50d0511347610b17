/* fuzz_cifar.c: libFuzzer target for the CIFAR-10 binary reader
 * (plugins/data/cifar10.c): the input is the test batch file (it may be
 * gzipped). Anything may fail; nothing may crash, leak or leave a tensor
 * handle alive.
 *   make fuzz   (FUZZ_SECONDS each target) */
#include "reader.h"

#include "../../plugins/data/cifar10.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[256], err[1024];
  fuzz_write("test_batch.bin", data, size, path, sizeof path);
  lt_value args[5] = {fuzz_str(fuzz_dir()), fuzz_int(LT_P_BOOL, 0), fuzz_null(), fuzz_null(),
                      fuzz_int(LT_P_BOOL, 0)};
  void *self = NULL;
  fuzz_args fa; /* args by name, as the host hands them */
  const lt_value *named = fuzz_args_of(&fa, &components[0], args, 5);
  if (cifar_create(named, &self, err, sizeof err) == LT_OK) fuzz_samples(self, &ops, data_images_free);
  return 0;
}
