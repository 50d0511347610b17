/* ckpt_progress.h: where a checkpoint says the fit loop stopped. */
#ifndef HOST_CKPT_PROGRESS_H
#define HOST_CKPT_PROGRESS_H

#include "fit_state.h"

#include <lighter/lighter.h>

/* The most epochs, steps or batches a checkpoint may claim: more than any
 * run reaches (2^53 steps of a microsecond are 285 years), and small enough
 * that epoch + 1 and every count after it cannot overflow. */
#define HOST_PROGRESS_MAX ((int64_t)1 << 53)

typedef struct host_progress {
  int64_t epoch, global_step;
  int64_t batch_next; /* mid-epoch: the next batch of epoch; -1: the epoch was done */
  int64_t loss_count; /* mid-epoch: the epoch's batches whose loss is in loss_sum */
  double loss_sum;
  int lightning;      /* loops in Lightning's layout: its counters are in loops */
  host_loops loops;
} host_progress;

/* Reads where checkpoint ck stopped: from Lightning's loops (fit_loop's
 * counters; the epoch and its next batch derived from them, as Lightning
 * resumes: an epoch begun and not processed goes on after its batch
 * current.processed) with our loops.lighter_host {loss_count, loss_sum}
 * when it is ours, or from an older checkpoint of ours, epoch, global_step
 * and loops {batch_next, loss_count, loss_sum} (a missing field keeps its
 * default: 0, or -1 for batch_next). Checks them: integers where integers belong, none
 * negative, none past HOST_PROGRESS_MAX, loss_count within the epoch's
 * batches, loss_sum finite. 0, or -1 with why ("epoch is a string, not an
 * integer") for "checkpoint PATH is damaged: WHY". */
int host_progress_read(const lt_state *ck, host_progress *p, char *why, size_t len);

#endif
