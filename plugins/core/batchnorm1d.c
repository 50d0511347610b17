/* batchnorm1d.c: torch.nn.BatchNorm1d over (N, C) or (N, C, L). */
#define BN_TARGET "torch.nn.BatchNorm1d"
#define BN_MIN_DIM 2
#define BN_MAX_DIM 3
#define BN_DIMS_TEXT "2-D or 3-D"
#include "batchnorm_impl.h"
