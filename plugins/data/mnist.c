/* mnist.c: torchvision.datasets.MNIST from its IDX files. */
#define IDX_TARGET "torchvision.datasets.MNIST"
#define IDX_CLASS "MNIST"
#define IDX_SUMMARY "MNIST: 28x28 grey images of handwritten digits (IDX files)."
#define IDX_DEFAULT_ROOT NULL
#define IDX_ROOT_DOC "folder of the IDX files (required)"
#define IDX_HINT ""
#include "idx_impl.h"
