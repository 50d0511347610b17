/* alloc.c: glibc malloc settings for a run. Left to itself glibc serves
 * blocks above a dynamic threshold (128 KiB at start) with mmap and gives
 * them back to the kernel on free, and trims the top of the heap past
 * twice that: every step of a CNN then faults its activations in afresh.
 * Measured here (2-core AMD EPYC, 1+1 threads, another load beside it):
 *   - 60 training steps of the demo CNN (batch 64): 434,000 minor page
 *     faults and 15.4 s with glibc's defaults, 53,000 and 4.7 s with the
 *     mmap threshold fixed at 32 MiB (the most glibc allows);
 *   - 20 validation batches of 256: 400,000 faults and 567 samples/s with
 *     that threshold alone (a batch's activations, ~100 MB, were trimmed
 *     at its end), 65,000 and 1,308 samples/s with the trim threshold at
 *     256 MiB as well (peak RSS 317 -> 360 MB).
 * On a 2-core Zen 5 libtorch's inference kernels free a large block
 * early, so glibc's own rule already spares validation there (84,000
 * faults for 12 or 40 batches either way), while 40 training steps still
 * take 240,000-335,000 faults with glibc's defaults and 57,000-63,000 with
 * these settings (tests/e2e/run.sh counts them).
 * The threshold only rose by accident before: a sanity check's batch of
 * 256 freed a 26 MB block first (glibc's dynamic rule). Fixing both stops
 * that rule, so what ran before no longer decides the speed.
 *
 * A user's own MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ or
 * GLIBC_TUNABLES wins, and LIGHTER_MALLOC=system keeps glibc's defaults. */
#include "alloc.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

enum { MMAP_THRESHOLD = 32 << 20, TRIM_THRESHOLD = 256 << 20 };

int host_alloc_tune(void) {
  const char *mode = getenv("LIGHTER_MALLOC");
  if (mode && !strcmp(mode, "system")) return 0;
  if (getenv("MALLOC_MMAP_THRESHOLD_") || getenv("MALLOC_TRIM_THRESHOLD_") || getenv("GLIBC_TUNABLES")) return 0;
#ifdef __GLIBC__
  return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 && mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1;
#else
  return 0;
#endif
}
