/* fashionmnist.c: torchvision.datasets.FashionMNIST; root defaults to
 * Debian's dataset-fashion-mnist files. */
#define IDX_TARGET "torchvision.datasets.FashionMNIST"
#define IDX_CLASS "FashionMNIST"
#define IDX_SUMMARY "Fashion-MNIST: 28x28 grey images of 10 kinds of clothing (IDX files)."
#define IDX_DEFAULT_ROOT "/usr/share/datasets/fashion-mnist"
#define IDX_ROOT_DOC "folder of the IDX files (default: Debian's /usr/share/datasets/fashion-mnist)"
#define IDX_HINT " (on Debian: apt-get install dataset-fashion-mnist)"
#include "idx_impl.h"
