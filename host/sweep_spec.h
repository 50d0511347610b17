/* sweep_spec.h: what a sweep varies, in Hydra's override syntax: which
 * arguments are sweeps (key=a,b,c; key=range(a,b[,step]); choice(...);
 * uniform(a,b) and loguniform(a,b) for random search), the config's
 * `sweep:` section, and the trials they make (a grid in Hydra's order, or
 * N seeded random draws). Pure text work: no files, no processes. */
#ifndef HOST_SWEEP_SPEC_H
#define HOST_SWEEP_SPEC_H

#include "config/node.h"

#include <stddef.h>
#include <stdint.h>

/* How a parameter's values are given. */
typedef enum host_sweep_kind {
  HOST_SWEEP_LIST,      /* a list of override values (a,b / range / choice / a YAML list) */
  HOST_SWEEP_UNIFORM,   /* uniform(lo,hi): drawn by random search only */
  HOST_SWEEP_LOGUNIFORM /* loguniform(lo,hi): log-uniform draws, lo > 0 */
} host_sweep_kind;

/* Where a parameter came from. */
typedef enum host_sweep_origin { HOST_SWEEP_FROM_ARGS, HOST_SWEEP_FROM_SECTION } host_sweep_origin;

/* The most values one parameter may have, and the most trials a sweep may
 * make: past that a typo (range(0,1e9)) is said, never run. */
enum { HOST_SWEEP_MAX_VALUES = 100000, HOST_SWEEP_MAX_TRIALS = 100000 };

typedef struct host_sweep_param {
  char *key;    /* the override path, e.g. model::optimizer::lr (owned) */
  char op;      /* 0, '=' (replace) or '+' (Hydra's "add a key the config lacks") */
  char *source; /* the values as written, e.g. "range(1,3)" (owned) */
  host_sweep_origin origin;
  host_sweep_kind kind;
  char **values; /* HOST_SWEEP_LIST: each an override value text (owned) */
  size_t nvalues;
  double lo, hi; /* HOST_SWEEP_UNIFORM / LOGUNIFORM */
} host_sweep_param;

typedef struct host_sweep_spec {
  host_sweep_param *params; /* owned */
  size_t n;
} host_sweep_spec;

/* Whether an override argument is a sweep, by Hydra's rules: a comma
 * outside quotes, brackets, braces and parentheses (a backslash escapes
 * one), or a whole value range(...), choice(...), uniform(...) or
 * loguniform(...). 1: a sweep, added to spec; 0: a plain override (why
 * untouched); -1: a bad sweep, why says what and what to write. */
int host_sweep_parse_arg(host_sweep_spec *spec, const char *arg, char *why, size_t len);

/* The config's sweep: section (a mapping of override paths to a list of
 * values or a sweep string such as "range(1,3)" or "0.1,0.01"), added to
 * spec before the command line's parameters; a key the command line also
 * sweeps is left to the command line. 0, or -1 with why. */
int host_sweep_parse_section(host_sweep_spec *spec, const cfg_node *section, char *why, size_t len);

/* A parameter of spec by key (without op), or -1. */
long host_sweep_find(const host_sweep_spec *spec, const char *key);

void host_sweep_spec_free(host_sweep_spec *spec);

/* The trials: ntrials rows of spec->n value texts (owned by the caller:
 * host_sweep_trials_free). trials == 0: the grid, the cartesian product
 * in Hydra's order (the first parameter varies slowest). trials > 0:
 * random search with seed: trials distinct grid points when every
 * parameter is a list, else each parameter drawn on its own (lists
 * uniformly, uniform / loguniform rounded to 6 significant digits).
 * NULL with why when there is nothing to draw from or too much. */
char ***host_sweep_trials(const host_sweep_spec *spec, long trials, uint64_t seed, size_t *ntrials, char *why,
                          size_t len);
void host_sweep_trials_free(char ***rows, size_t ntrials, size_t nparams);

/* A config value as a one-line YAML value that reads back the same (flow
 * style for lists and mappings). malloc'd. */
char *host_sweep_flow_text(const cfg_node *n);

#endif
