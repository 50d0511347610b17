/* term_format.h: what Lightning prints, laid out as Lightning 2.2 lays it
 * out: the model summary table with its totals, and the results table of
 * validate / test ("Test metric | DataLoader 0"), with numbers written as
 * Python writes them. Pure formatting: the trainer gathers the rows. */
#ifndef HOST_TERM_FORMAT_H
#define HOST_TERM_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A count as Lightning's get_human_readable_count: "123  ", "1.2 K", "50.9 K", "2.0 M". */
void host_fmt_count(int64_t n, char *out, size_t len);

/* A double as Python's repr of a float: the shortest text that reads back
 * to the same value ("0.3515625", "2.0329697132110596", "1.0", "1e-05", "nan"). */
void host_fmt_pyfloat(double v, char *out, size_t len);

/* One top-level module of the summary. */
typedef struct host_summary_row {
  const char *name, *type;
  int64_t params;
  int training; /* its mode: 1 train, 0 eval */
} host_summary_row;

/* The model summary to f: the table (index, Name, Type, Params, Mode), a
 * rule, then the trainable / non-trainable / total counts and the size in
 * MB of bytes_per_param-byte parameters. */
void host_print_summary(FILE *f, const host_summary_row *rows, size_t n, int64_t total, int64_t trainable,
                        int bytes_per_param);

/* The results table of a stage ("Test", "Validate") to f: keys sorted,
 * each with its value, centred in columns as Lightning's text table, with
 * rules as wide as the terminal (cols; <= 0: $COLUMNS, the terminal of f,
 * or 120). Nothing for no keys. */
void host_print_results(FILE *f, const char *stage, const char *const *keys, const double *values, size_t n, int cols);

#endif
