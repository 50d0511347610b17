/* tb_hparams.h: a run's hyperparameters as Lightning's TensorBoardLogger
 * hands them to TensorBoard: the config flattened into "a/b/c" keys, each
 * value a number or a string. */
#ifndef HOST_TB_HPARAMS_H
#define HOST_TB_HPARAMS_H

#include "config/node.h"

#include <stdio.h>

typedef enum host_hparam_kind { HOST_HPARAM_NUMBER, HOST_HPARAM_STRING } host_hparam_kind;

typedef struct host_hparam {
  char *name;            /* owned */
  host_hparam_kind kind;
  double number;         /* HOST_HPARAM_NUMBER */
  char *text;            /* HOST_HPARAM_STRING, owned */
} host_hparam;

typedef struct host_hparams {
  host_hparam *v;
  size_t n, cap;
} host_hparams;

/* config (a dict; anything else gives none) flattened as Lightning's
 * _flatten_dict (delimiter "/") then _sanitize_params, then typed as
 * torch.utils.tensorboard.summary.hparams types them: ints, floats and
 * bools (a Python bool is an int) are numbers, strings stay strings, and
 * everything else is its Python str(): null is "None", a list its repr. */
void host_hparams_flatten(const cfg_node *config, host_hparams *out);
void host_hparams_free(host_hparams *h);

/* Python's repr() of a config value (a str quoted as Python quotes it, a
 * list as [..], a dict as {'k': v}, None, True, 1.5, 1e-05). */
void host_py_repr(FILE *f, const cfg_node *n);

#endif
