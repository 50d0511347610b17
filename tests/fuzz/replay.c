/* replay.c: runs the config fuzz target (fuzz_config.c) over files given on
 * the command line without libFuzzer, so that `make check` replays every
 * input that once crashed (tests/fuzz/seeds) and `make check-asan` does it
 * under the sanitizers. Prints one line per file; a crash fails the run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  int n = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      fprintf(stderr, "fuzz_replay: cannot open %s\n", argv[i]);
      return 2;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
      len += got;
      if (len == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) return 2;
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    n++;
  }
  printf("fuzz replay: %d inputs, no crash\n", n);
  return 0;
}
