/* randomverticalflip.c: torchvision.transforms.RandomVerticalFlip. */
#define FLIP_TARGET "torchvision.transforms.RandomVerticalFlip"
#define FLIP_SUMMARY "Mirrors top-bottom with probability p."
#define FLIP_W 0
#include "flip_impl.h"
