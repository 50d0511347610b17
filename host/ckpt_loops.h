/* ckpt_loops.h: the loops' progress (fit_state.h) as a checkpoint's
 * `loops` holds it in Lightning 2.2's layout, written and read back. */
#ifndef HOST_CKPT_LOOPS_H
#define HOST_CKPT_LOOPS_H

#include "fit_state.h"

#include <lighter/lighter.h>

/* loops = {fit_loop: {...}, validate_loop, test_loop, predict_loop} into out (a dict). */
void host_loops_put(const host_loops *l, lt_state *out);

/* Reads the counters of loops (a dict with fit_loop, as Lightning writes
 * it; a missing tracker reads as zeros). 0, or -1 with why ("loops'
 * fit_loop.epoch_progress.current.ready is a string, not an integer") when
 * a counter is not an integer from 0 to max. */
int host_loops_read(const lt_state *loops, host_loops *l, int64_t max, char *why, size_t len);

#endif
