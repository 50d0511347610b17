/* metrics_csv.c: metrics.csv in Lightning's layout (the columns epoch,
 * step and every key sorted by name, as CSVLogger sorts them; a row per
 * group of values logged together), written so that a failed write (a full disk, an I/O
 * error) never leaves a torn last row: each row goes out in one write() to
 * the file opened for appending, and when that write is short or fails the
 * file is cut back (ftruncate) to where the row began. When a new key
 * appears, the file is rewritten with the wider header through a temporary
 * file that is renamed over it, or removed if it cannot be completed.
 * The same rows then go to the TensorBoardLoggers' event files
 * (tb_writer.c), so that both hold the same keys at the same steps. */
#include "metrics_csv.h"

#include "dist.h"
#include "tb_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A value's cell: 9 significant digits (a float32 reads back exactly). */
#define CELL_FORMAT "%.9g"

double host_log_cell_value(double v) {
  char cell[40];
  snprintf(cell, sizeof cell, CELL_FORMAT, v);
  return strtod(cell, NULL);
}

const char *host_write_advice(int err) {
  if (err == ENOSPC || err == EDQUOT)
    return "free space on that disk (or log elsewhere: trainer::default_root_dir), then resume the run with "
           "--ckpt_path last";
  return "check that the folder exists and is writable, then resume the run with --ckpt_path last";
}

/* A growing text buffer. */
typedef struct text {
  char *s;
  size_t len, cap;
} text;

static void text_addf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_addf(text *t, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    if (t->s && t->len + (size_t)n < t->cap) {
      t->len += (size_t)n;
      return;
    }
    t->cap = (t->cap + (size_t)n + 1) * 2;
    if (!(t->s = realloc(t->s, t->cap))) abort();
  }
}

/* The file's columns in Lightning's order: epoch, step and every key
 * sorted by name, as CSVLogger sorts them. Column c is key cols[c], or
 * COL_EPOCH / COL_STEP. */
#define COL_EPOCH ((size_t)-1)
#define COL_STEP ((size_t)-2)

static const char *col_name(const host_log *l, size_t c) {
  return c == COL_EPOCH ? "epoch" : c == COL_STEP ? "step" : l->keys[c];
}

/* The nkeys + 2 columns, sorted (a malloc'd array). */
static size_t *columns(const host_log *l) {
  size_t n = l->nkeys + 2, *cols = malloc(n * sizeof *cols);
  if (!cols) abort();
  cols[0] = COL_EPOCH, cols[1] = COL_STEP;
  for (size_t k = 0; k < l->nkeys; k++) cols[k + 2] = k;
  for (size_t i = 1; i < n; i++) /* insertion sort: tens of keys */
    for (size_t j = i; j > 0 && strcmp(col_name(l, cols[j - 1]), col_name(l, cols[j])) > 0; j--) {
      size_t c = cols[j];
      cols[j] = cols[j - 1], cols[j - 1] = c;
    }
  return cols;
}

/* Row r of the log in the columns cols, with its newline (a row without
 * an epoch leaves its cell empty). */
static void format_row(const host_log *l, size_t r, const size_t *cols, text *t) {
  t->len = 0;
  for (size_t c = 0; c < l->nkeys + 2; c++) {
    if (c) text_addf(t, ",");
    if (cols[c] == COL_EPOCH) {
      if (l->epochs[r] >= 0) text_addf(t, "%lld", (long long)l->epochs[r]);
    } else if (cols[c] == COL_STEP) {
      text_addf(t, "%lld", (long long)l->steps[r]);
    } else {
      double v = l->values[r * l->cap_keys + cols[c]];
      if (!isnan(v)) text_addf(t, CELL_FORMAT, v);
    }
  }
  text_addf(t, "\n");
}

int host_write_all(int fd, const void *data, size_t len) {
  const char *buf = data;
  while (len) {
    ssize_t w = write(fd, buf, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = ENOSPC;
      return -1;
    }
    buf += w, len -= (size_t)w;
  }
  return 0;
}

/* The failure of a write to path with errno err; later flushes do nothing. */
static int failed(host_log *l, const char *path, int err, const char *kept) {
  l->failed = 1;
  return host_failf("cannot write '%s': %s; %s; %s", path, strerror(err), kept, host_write_advice(err));
}

/* Rows [0, upto) appended to the file, each in one write. */
static int append_rows(host_log *l, size_t upto) {
  int fd = open(l->path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return failed(l, l->path, errno, "its rows so far are intact");
  off_t end = lseek(fd, 0, SEEK_END);
  text row = {0};
  int rc = 0;
  size_t *cols = columns(l);
  for (size_t r = 0; r < upto && !rc; r++) {
    format_row(l, r, cols, &row);
    if (host_write_all(fd, row.s, row.len) == 0) {
      end += (off_t)row.len;
      continue;
    }
    int err = errno;
    char kept[160];
    int cut = end >= 0 && ftruncate(fd, end) == 0; /* no torn row: back to the last complete one */
    snprintf(kept, sizeof kept, "%s (the row of step %lld is not in it)",
             cut ? "it ends at its last complete row" : "its last row may be incomplete", (long long)l->steps[r]);
    rc = failed(l, l->path, err, kept);
  }
  free(row.s), free(cols);
  if (close(fd) != 0 && !rc) rc = failed(l, l->path, errno, "its last rows may be missing");
  return rc;
}

/* The whole file again, through PATH.tmp: the header with every key, the
 * rows already on disk moved to their columns by name (the new ones
 * empty), then rows [0, upto). */
static int rewrite(host_log *l, size_t upto) {
  char tmp[1700];
  snprintf(tmp, sizeof tmp, "%s.tmp", l->path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return failed(l, tmp, errno, l->on_disk ? "metrics.csv is intact" : "nothing was written");
  FILE *old = l->on_disk ? fopen(l->path, "r") : NULL;
  text t = {0};
  int bad = 0;
  size_t *cols = columns(l), ncols = l->nkeys + 2;
  for (size_t c = 0; c < ncols; c++) text_addf(&t, "%s%s", c ? "," : "", col_name(l, cols[c]));
  text_addf(&t, "\n");
  bad = host_write_all(fd, t.s, t.len);
  char *line = NULL, **cells = calloc(ncols, sizeof *cells);
  size_t cap = 0, *where = NULL, nold = 0; /* old column i is new column where[i] */
  ssize_t n;
  if (!cells) abort();
  for (int first = 1; !bad && old && (n = getline(&line, &cap, old)) > 0; first = 0) {
    if (line[n - 1] == '\n') line[--n] = 0;
    char *rest = line, *cell;
    if (first) { /* the old header: its columns by name (an older file has epoch, step first) */
      while ((cell = strsep(&rest, ","))) {
        if (!(where = realloc(where, (nold + 1) * sizeof *where))) abort();
        where[nold] = ncols;
        for (size_t c = 0; c < ncols; c++)
          if (!strcmp(cell, col_name(l, cols[c]))) where[nold] = c;
        nold++;
      }
      continue;
    }
    for (size_t c = 0; c < ncols; c++) cells[c] = "";
    for (size_t i = 0; (cell = strsep(&rest, ",")) && i < nold; i++)
      if (where[i] < ncols) cells[where[i]] = cell;
    t.len = 0;
    for (size_t c = 0; c < ncols; c++) text_addf(&t, "%s%s", c ? "," : "", cells[c]);
    text_addf(&t, "\n");
    bad = host_write_all(fd, t.s, t.len);
  }
  for (size_t r = 0; !bad && r < upto; r++) {
    format_row(l, r, cols, &t);
    bad = host_write_all(fd, t.s, t.len);
  }
  free(cells), free(where), free(cols);
  int err = errno;
  free(line), free(t.s);
  if (old) fclose(old);
  if (close(fd) != 0 && !bad) bad = 1, err = errno;
  if (!bad && rename(tmp, l->path) != 0) bad = 1, err = errno;
  if (bad) {
    unlink(tmp); /* never a stray temporary */
    return failed(l, l->path, err, l->on_disk ? "it is intact, without the rows of its new columns" : "nothing was written");
  }
  l->on_disk = 1;
  l->disk_keys = l->nkeys;
  return 0;
}

int host_log_flush(host_log *l, int final) {
  if (l->failed) return 1;
  size_t upto = final ? l->nrows : l->nrows ? l->nrows - 1 : 0;
  int rc = 0;
  if (!*l->path) { /* no CSVLogger (or not rank 0) */
  } else if (l->on_disk && l->nkeys == l->disk_keys) {
    rc = upto ? append_rows(l, upto) : 0;
  } else {
    rc = rewrite(l, upto);
  }
  for (int i = 0; i < l->ntb && !rc && upto; i++) /* the same rows to each TensorBoard event file */
    if ((rc = host_tb_write_rows(l->tb[i], l, upto))) l->failed = 1;
  if (rc) return rc;
  /* keep only what is not on disk */
  for (size_t r = upto; r < l->nrows; r++) {
    memmove(l->values + (r - upto) * l->cap_keys, l->values + r * l->cap_keys, l->cap_keys * sizeof *l->values);
    l->steps[r - upto] = l->steps[r];
    l->epochs[r - upto] = l->epochs[r];
    l->times[r - upto] = l->times[r];
  }
  l->nrows -= upto;
  return 0;
}
