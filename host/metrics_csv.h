/* metrics_csv.h: the log's rows into metrics.csv, never leaving a torn row. */
#ifndef HOST_METRICS_CSV_H
#define HOST_METRICS_CSV_H

#include "trainer.h"

/* Appends the log's complete rows (all of them when final; all but the
 * newest, which may still get values, otherwise) to l->path and drops
 * them from memory; a new key rewrites the file with the wider header.
 * 0, or 1 after printing what failed, which rows are kept and what to do
 * (the file then ends at its last complete row, and later calls do
 * nothing). */
int host_log_flush(host_log *l, int final);

/* What to do after a write failed with errno err (a full disk: free space
 * or log elsewhere, then resume): a sentence to end a message with. */
const char *host_write_advice(int err);

#endif
