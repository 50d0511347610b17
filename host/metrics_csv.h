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

/* v as its metrics.csv cell reads back (what a reader of the file sees). */
double host_log_cell_value(double v);

/* All of len bytes to fd: 0, or -1 with errno (a short write that made no
 * error is said as a full disk, which is what it means for a file). */
int host_write_all(int fd, const void *buf, size_t len);

/* What to do after a write failed with errno err (a full disk: free space
 * or log elsewhere, then resume): a sentence to end a message with. */
const char *host_write_advice(int err);

#endif
