/* adamw.c: torch.optim.AdamW (decoupled weight decay). */
#define ADAM_TARGET "torch.optim.AdamW"
#define ADAM_SUMMARY "AdamW: Adam with decoupled weight decay."
#define ADAM_DECOUPLED 1
#define ADAM_DEFAULT_WD "0.01"
#define ADAM_WD_DOC "decoupled weight decay"
#include "adam_impl.h"
