/* randomhorizontalflip.c: torchvision.transforms.RandomHorizontalFlip. */
#define FLIP_TARGET "torchvision.transforms.RandomHorizontalFlip"
#define FLIP_SUMMARY "Mirrors left-right with probability p."
#define FLIP_W 1
#include "flip_impl.h"
