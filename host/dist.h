/* dist.h: distributed data parallel, the host's side. Where the group
 * comes from (torchrun's or SLURM's environment, or `devices: N` with
 * strategy ddp, for which the host starts N copies of itself), joining it
 * (c10d Gloo through the tensor layer's lt_dist_*), and the words for
 * failures: every message names the rank, a failing rank leaves its
 * message in the group's store so that the others can say why they stop. */
#ifndef HOST_DIST_H
#define HOST_DIST_H

#include "config/node.h"

#include <lighter/lighter.h>

typedef struct host_dist {
  int active; /* in a group of more than one process */
  int rank, world, local_rank, local_world, node_rank;
  char addr[256];
  int port;
  const char *launcher; /* "torchrun", "slurm", "lighter-host", "the environment" */
  char store_prefix[64]; /* torchrun's agent store: "/worker/attempt_N" */
  int serve_store;       /* this rank runs the TCPStore server */
  double timeout_s;      /* every collective (DDPStrategy timeout; default 1800) */
  double bucket_mb;      /* gradient buckets (DDPStrategy bucket_cap_mb; default 25) */
  int find_unused;       /* the reducer looks for unused parameters (Lightning's default 0; 1: DDPStrategy's
                          * find_unused_parameters: true or "ddp_find_unused_parameters_true") */
  lt_dist *pg;
} host_dist;

/* Lightning's strategy name: 1 ddp (ddp, ddp_spawn, ddp_fork, ...: every
 * launch here is a set of processes), 0 auto, -1 single_device, -2 not
 * available here. The Trainer's check and the launch plan both ask this. */
int host_strategy_kind(const char *name);

/* Seconds in one unit of datetime.timedelta's argument name ("weeks",
 * "days", "hours", "minutes", "seconds", "milliseconds", "microseconds"),
 * or -1 for another name. */
double host_timedelta_unit(const char *name);

/* The group of this process (zero when not distributed). */
extern host_dist host_dist_self;

/* Reads the environment and the config's trainer (strategy, devices,
 * num_nodes) before anything heavy is loaded. Returns 0 and fills d
 * (d->active when this process is one rank of a group), or the number of
 * local processes to start (> 0, the caller spawns them: devices, when
 * devices x num_nodes > 1 and no launcher made this process a rank), or -1 after
 * printing why the combination cannot run (exit 2). */
int host_dist_plan(const cfg_node *root, host_dist *d);

/* Starts n copies of this command as ranks node_rank*n .. node_rank*n+n-1
 * of d's group, forwards SIGINT/SIGTERM to them, reaps them and returns
 * the worst exit status (a signal counts as 128 + its number). A rank that
 * fails is named at once; ranks still running timeout_s + 5 s later are
 * terminated (SIGTERM, then SIGKILL). */
int host_dist_spawn(char **argv, int n, const host_dist *d);

/* Joins the group (the tensor layer must be loaded). 0, or 1 printed. */
int host_dist_join(host_dist *d);
void host_dist_leave(host_dist *d);

/* printf-style failure: printed as "lighter-host: [rank R] ..." in a
 * group (plain otherwise) and left in the store for the other ranks;
 * returns 1. */
__attribute__((format(printf, 1, 2))) int host_failf(const char *fmt, ...);

/* After a collective failed: what is known of the other ranks (the first
 * message a rank left, or that none did), into buf. */
void host_dist_peers(char *buf, size_t len);

#endif
