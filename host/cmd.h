/* cmd.h: the host's subcommands. */
#ifndef HOST_CMD_H
#define HOST_CMD_H

#include "config/error.h"

#include <stdlib.h>

extern const char *const host_methods[];
extern const size_t host_nmethods;

/* Compose, expand and check a config (resolve != 0: return the resolved
 * tree, else the composed one). NULL with err on failure. */
cfg_node *host_config_load(const char *const *inputs, int n, int resolve, cfg_error *err);

/* The command line as main() got it (ddp's launcher runs it again). */
extern char **host_argv;

int host_cmd_config(int argc, char **argv);
/* fit, validate, test or predict (stage) with the rest of the command line. */
int host_cmd_run(const char *stage, int argc, char **argv);
/* The registry from the search path (--plugins dirs, first config). 0, or
 * -1 when a plugin failed to load (printed). */
struct host_registry;
int host_load_registry(struct host_registry *reg, const char *const *dirs, size_t ndirs, const char *first_config);
int host_cmd_plugins(int argc, char **argv);
/* A stage's command line with --multirun (or another sweep option), and
 * the sweep it asks for (cmd_sweep.c). */
int host_sweep_requested(int argc, char **argv);
int host_cmd_sweep(const char *stage, int argc, char **argv);
int host_cmd_inspect(int argc, char **argv);
/* The run browser: runs [DIR] | runs show V [DIR] | runs diff A B [DIR]
 * (cmd_runs.c, runs_diff.c), and report DIR [-o FILE] (cmd_report.c). */
int host_cmd_runs(int argc, char **argv);
int host_runs_diff(const char *a, const char *b, const char *dir);
int host_cmd_report(int argc, char **argv);

#endif
