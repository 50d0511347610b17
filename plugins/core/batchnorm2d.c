/* batchnorm2d.c: torch.nn.BatchNorm2d over (N, C, H, W). */
#define BN_TARGET "torch.nn.BatchNorm2d"
#define BN_MIN_DIM 4
#define BN_MAX_DIM 4
#define BN_DIMS_TEXT "4-D"
#include "batchnorm_impl.h"
