/* adam.c: torch.optim.Adam (weight decay added to the gradient). */
#define ADAM_TARGET "torch.optim.Adam"
#define ADAM_SUMMARY "Adam: adaptive moment estimation."
#define ADAM_DECOUPLED 0
#define ADAM_DEFAULT_WD "0.0"
#define ADAM_WD_DOC "L2 penalty added to the gradient"
#include "adam_impl.h"
