/* callback_keys.h: the key a callback's state goes under in a checkpoint's
 * `callbacks`, as Lightning names it (its state_key). */
#ifndef HOST_CALLBACK_KEYS_H
#define HOST_CALLBACK_KEYS_H

#include "config/node.h"

#include <stddef.h>

/* The state key of the callback of _target_ target configured as node (a
 * dict; NULL: all defaults) into out: the class name, with Lightning's
 * arguments for ModelCheckpoint ("ModelCheckpoint{'monitor': 'val/loss',
 * 'mode': 'min', 'every_n_train_steps': 0, 'every_n_epochs': 1,
 * 'train_time_interval': None}") and EarlyStopping ("EarlyStopping{'monitor':
 * 'val/loss', 'mode': 'min'}"). */
void host_callback_state_key(const char *target, const cfg_node *node, char *out, size_t len);

#endif
