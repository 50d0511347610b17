/* tensor_layer.h: loading liblighter (the tensor layer) on demand. */
#ifndef HOST_TENSOR_LAYER_H
#define HOST_TENSOR_LAYER_H

#include <lighter/lighter.h>

#include <stddef.h>

/* Find and dlopen liblighter, check its ABI and return its table (static,
 * borrowed), or NULL with a message in err. Search: $LIGHTER_LIB (a file),
 * then ../lib/liblighter.so next to this executable. Loading happens once. */
const lt_api *host_tensor_layer_load(char *err, size_t errlen);

/* The table when host_tensor_layer_load has succeeded, else NULL; loads
 * nothing. */
const lt_api *host_tensor_layer_loaded(void);

/* Host code reaches the tensor layer through this table (set by
 * host_tensor_layer_load; tests that link liblighter directly hand theirs). */
void host_tensor_api_use(const lt_api *api);

/* The folder of the running executable into buf; 0, or -1. */
int host_exe_dir(char *buf, size_t len);

#endif
