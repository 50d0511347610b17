/* runs_metrics.h: a run's metrics.csv read back by column, for `runs show`,
 * `runs diff` and `report`: each logged key's (step, value) points in file
 * order and its last non-empty cell as written. The file is Lightning's
 * CSVLogger layout (host/metrics_csv.c writes it): a header of column
 * names, then rows with empty cells for keys not logged in that row;
 * fields may be quoted as Python's csv module quotes them. */
#ifndef HOST_RUNS_METRICS_H
#define HOST_RUNS_METRICS_H

#include <stddef.h>

typedef struct host_metric_series {
  const char *key; /* the column's name (points into the file's text) */
  size_t n, cap;   /* points: the non-empty cells */
  double *x, *y;   /* the row's step (NAN when the row has none), the value (NAN when not a number) */
  const char *last; /* the last non-empty cell as written */
  double last_step;
} host_metric_series;

typedef struct host_metrics_file {
  char *text; /* the file, its fields cut out in place (owned) */
  host_metric_series *cols; /* every column but epoch and step, in the file's order */
  size_t ncols, nrows;
} host_metrics_file;

/* Reads path. 0, or -1 with why in err (path and what); free m with
 * host_metrics_file_free either way. */
int host_metrics_file_read(const char *path, host_metrics_file *m, char *err, size_t len);
/* Parses text (len bytes, taken over: freed with m) named name in errors. */
int host_metrics_file_parse(const char *name, char *text, size_t len, host_metrics_file *m, char *err, size_t errlen);
const host_metric_series *host_metrics_file_find(const host_metrics_file *m, const char *key);
void host_metrics_file_free(host_metrics_file *m);

/* A whole file as text (NUL-terminated, one byte to spare; owned), its
 * length in *len; NULL with why in err. */
char *host_read_text(const char *path, size_t *len, char *err, size_t errlen);
/* Cuts the CSV field at *p out in place (a quoted one unquoted, "" as ")
 * and moves *p past it; *row_end says whether it ended its row. The text
 * must have a byte to spare after end (host_read_text's has). */
char *host_csv_field(char **p, char *end, int *row_end);

#endif
