/* crc32c.c: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table
 * driven, one byte a step. Debian 12 packages no C library for it (zlib and
 * libdeflate have only the IEEE CRC-32), and TensorBoard's event files are
 * small (a few kB a flush), so 256 words of table are all it takes. The
 * table is computed once, before the first use, under pthread_once. */
#include "crc32c.h"

#include <pthread.h>

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void make_table(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
}

uint32_t host_crc32c(uint32_t crc, const void *buf, size_t len) {
  pthread_once(&table_once, make_table);
  const unsigned char *p = buf;
  crc = ~crc;
  while (len--) crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

uint32_t host_crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
