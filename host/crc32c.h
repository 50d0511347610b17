/* crc32c.h: CRC-32C (Castagnoli), the checksum of TFRecord framing. */
#ifndef HOST_CRC32C_H
#define HOST_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of len bytes, continued from crc (0 to start). */
uint32_t host_crc32c(uint32_t crc, const void *buf, size_t len);

/* TFRecord's masked form of a CRC (stored so that a CRC of data that
 * itself holds CRCs is not trivially zero). */
uint32_t host_crc32c_mask(uint32_t crc);

#endif
