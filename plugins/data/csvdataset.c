/* csvdataset.c: lighter.datasets.CSVDataset: a table in a CSV or TSV file
 * (delimiter from the extension unless given; "quoted, fields" allowed)
 * with a header row (or columns named by number). feature_columns (names or
 * numbers; default: every column but the target and id) become "input"
 * (float [F]); target_column becomes "target" (a scalar of target_dtype);
 * id_column becomes "id" (int64). Parsed once at create: a bad row, a cell
 * that is not a number, or one its dtype cannot hold (past float range, or
 * a fraction for an int64 target) is an error naming file:line and the
 * column, never a silent inf or truncation. */
#include "data.h"

#include <ctype.h>
#include <float.h>
#include <math.h>

typedef struct csv {
  double *x;     /* rows * nf */
  double *y;     /* rows (NULL without a target) */
  int64_t *id;   /* rows (NULL without ids) */
  int64_t rows, nf;
  lt_dtype xdt, ydt;
} csv;

static void csv_destroy(void *self) {
  csv *m = self;
  if (!m) return;
  free(m->x), free(m->y), free(m->id);
  free(m);
}

/* Splits line (NUL-terminated, modified in place) into at most max fields. */
static int split(char *line, char delim, char **f, int max) {
  int n = 0;
  char *p = line;
  for (;;) {
    if (n == max) return -1;
    char *out = p;
    f[n++] = out;
    if (*p == '"') { /* quoted: "" is a quote */
      p++;
      while (*p) {
        if (*p == '"' && p[1] == '"') *out++ = '"', p += 2;
        else if (*p == '"') { p++; break; }
        else *out++ = *p++;
      }
      while (*p && *p != delim) p++;
    } else {
      while (*p && *p != delim) *out++ = *p++;
    }
    int more = *p == delim;
    if (*p) p++;
    *out = 0;
    if (!more) return n;
  }
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
  return s;
}

/* The column a spec names (header name, or number); -1 with err. */
static int column(const lt_value *v, char **head, int ncols, int has_header, const char *what, char *err, size_t errlen) {
  if (v->type == LT_P_INT) {
    if (v->i >= 0 && v->i < ncols) return (int)v->i;
    snprintf(err, errlen, "%s %lld is not a column (the file has %d)", what, (long long)v->i, ncols);
    return -1;
  }
  for (int c = 0; has_header && v->type == LT_P_STRING && c < ncols; c++)
    if (!strcmp(trim(head[c]), v->s)) return c;
  if (v->type == LT_P_STRING) {
    size_t at = (size_t)snprintf(err, errlen, "%s '%s' is not a column; the header has:", what, v->s);
    for (int c = 0; has_header && c < ncols && at < errlen; c++)
      at += (size_t)snprintf(err + at, errlen - at, "%s '%s'", c ? "," : "", head[c]);
    /* A long name fills err: nothing more is written past its end. */
    if (!has_header && at < errlen) snprintf(err + at, errlen - at, " no header (header: false): name columns by number");
  } else {
    snprintf(err, errlen, "%s must be a column name or number", what);
  }
  return -1;
}

/* s as a number: 0, -1 when it is not one, 1 when it is past a double's
 * range (strtod's inf with ERANGE; a written "inf" is taken as it is). */
static int number(const char *s, double *out) {
  char *end;
  while (isspace((unsigned char)*s)) s++;
  if (!*s) return -1;
  errno = 0;
  *out = strtod(s, &end);
  int over = errno == ERANGE && isinf(*out);
  while (isspace((unsigned char)*end)) end++;
  return *end ? -1 : over;
}

/* Why v cannot be held as dt (NULL when it can): a float32 past FLT_MAX
 * would become inf, an int64 must be a whole number in range. */
static const char *unfit(double v, lt_dtype dt) {
  if (dt == LT_FLOAT32 && isfinite(v) && fabs(v) > FLT_MAX) return "out of range for float32";
  if (dt == LT_INT64 && !(v >= -0x1p63 && v < 0x1p63)) return "not an integer in int64's range";
  if (dt == LT_INT64 && v != (double)(int64_t)v) return "not an integer"; /* the cast needs the range first */
  return NULL;
}

/* Parses row's cells of the feature, target and id columns into m at
 * m->rows; LT_OK, or an error naming path:line and the column. */
static lt_status parse_row(csv *m, char **f, char **head, int has_header, const int *fcol, int nfc, int tcol, int icol,
                           const char *path, int line_no, char *err, size_t errlen) {
  for (int k = 0; k < nfc + 2; k++) {
    int c = k < nfc ? fcol[k] : k == nfc ? tcol : icol;
    if (c < 0) continue;
    double v;
    int got = number(f[c], &v);
    lt_dtype dt = k < nfc ? m->xdt : k == nfc ? m->ydt : LT_INT64;
    const char *why = got < 0 ? "not a number" : got > 0 ? "out of range (it would become inf)" : unfit(v, dt);
    if (why && k > nfc) {
      snprintf(err, errlen, "%s:%d: id '%s' is not an integer", path, line_no, f[c]);
      return LT_ERR_FORMAT;
    }
    if (why) {
      snprintf(err, errlen, "%s:%d: %scolumn %d%s%s%s is '%s', %s%s", path, line_no, k == nfc ? "target " : "", c,
               has_header ? " ('" : "", has_header ? head[c] : "", has_header ? "')" : "", f[c], why,
               got == 0 && k == nfc && dt == LT_INT64 ? " (target_dtype is int64)" : "");
      return LT_ERR_FORMAT;
    }
    if (k < nfc) m->x[m->rows * nfc + k] = v;
    else if (k == nfc) m->y[m->rows] = v;
    else m->id[m->rows] = (int64_t)v;
  }
  return LT_OK;
}

static lt_status csv_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const char *path = lt_arg_str(args, "path");
  const char *d = lt_arg_is_null(args, "delimiter") ? NULL : lt_arg_str(args, "delimiter");
  size_t plen = strlen(path);
  char delim = !d ? (plen > 4 && !strcmp(path + plen - 4, ".tsv") ? '\t' : ',') : d[0];
  if (d && strlen(d) != 1 && strcmp(d, "\\t")) {
    snprintf(err, errlen, "delimiter must be one character");
    return LT_ERR_INVALID;
  }
  if (d && !strcmp(d, "\\t")) delim = '\t';
  unsigned char *buf;
  size_t len;
  if (data_read_file(path, &buf, &len, err, errlen)) return LT_ERR_IO;
  char *text = realloc(buf, len + 1);
  if (!text) {
    free(buf);
    return LT_ERR_NOMEM;
  }
  text[len] = 0;
  csv *m = calloc(1, sizeof *m);
  if (m) { /* before the rows: each cell is checked against its dtype */
    const char *xdt = lt_arg_str(args, "dtype"), *ydt = lt_arg_str(args, "target_dtype");
    m->xdt = !strcmp(xdt, "float64") ? LT_FLOAT64 : LT_FLOAT32;
    m->ydt = !strcmp(ydt, "int64") ? LT_INT64 : !strcmp(ydt, "float64") ? LT_FLOAT64 : LT_FLOAT32;
  }
  const lt_value *features = lt_arg(args, "feature_columns"), *target = lt_arg(args, "target_column");
  const lt_value *id = lt_arg(args, "id_column");
  char *f[1024], *head[1024];
  int ncols = -1, has_header = (int)lt_arg_int(args, "header"), line_no = 0, fcol[1024], nfc = 0, tcol = -1, icol = -1;
  lt_status rc = m ? LT_OK : LT_ERR_NOMEM;
  int64_t cap = 0;
  for (char *line = text, *next; rc == LT_OK && line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    line_no++;
    size_t ll = strlen(line);
    if (ll && line[ll - 1] == '\r') line[--ll] = 0;
    /* Blank lines are skipped; others keep their trailing whitespace: in a
     * TSV it may be an empty last field. */
    const char *q = line;
    while (isspace((unsigned char)*q)) q++;
    if (!*q) continue;
    int n = split(line, delim, f, 1024);
    if (n < 0) {
      snprintf(err, errlen, "%s:%d: more than 1024 columns", path, line_no);
      rc = LT_ERR_FORMAT;
      break;
    }
    if (ncols < 0) { /* the first row: the header, or the column count */
      ncols = n;
      for (int c = 0; c < n; c++) head[c] = f[c];
      if ((!target->is_null && (tcol = column(target, head, n, has_header, "target_column", err, errlen)) < 0) ||
          (!id->is_null && (icol = column(id, head, n, has_header, "id_column", err, errlen)) < 0)) {
        rc = LT_ERR_INVALID;
        break;
      }
      if (features->is_null) {
        for (int c = 0; c < n; c++)
          if (c != tcol && c != icol) fcol[nfc++] = c;
      } else if (features->n > 1024) {
        snprintf(err, errlen, "feature_columns has %zu items; a table has at most 1024 columns", features->n);
        rc = LT_ERR_INVALID;
      } else {
        for (size_t k = 0; k < features->n && rc == LT_OK; k++) {
          char what[48];
          snprintf(what, sizeof what, "feature_columns item %zu", k);
          if ((fcol[nfc++] = column(&features->items[k], head, n, has_header, what, err, errlen)) < 0) rc = LT_ERR_INVALID;
        }
      }
      if (rc != LT_OK) break;
      m->nf = nfc;
      if (has_header) continue; /* head[] points into text, alive until the end */
    }
    if (n != ncols) {
      snprintf(err, errlen, "%s:%d: %d fields, but the %s has %d (delimiter '%s')", path, line_no, n,
               has_header ? "header" : "first row", ncols, delim == '\t' ? "\\t" : (char[]){delim, 0});
      rc = LT_ERR_FORMAT;
      break;
    }
    if (m->rows == cap) {
      cap = cap ? cap * 2 : 1024;
      double *x = realloc(m->x, (size_t)(cap * (nfc ? nfc : 1)) * sizeof *x), *y = realloc(m->y, (size_t)cap * sizeof *y);
      int64_t *id = realloc(m->id, (size_t)cap * sizeof *id);
      if (x) m->x = x;
      if (y) m->y = y;
      if (id) m->id = id;
      if (!x || !y || !id) {
        rc = LT_ERR_NOMEM;
        break;
      }
    }
    if ((rc = parse_row(m, f, head, has_header, fcol, nfc, tcol, icol, path, line_no, err, errlen)) != LT_OK) break;
    m->rows++;
  }
  if (rc == LT_OK && m->rows == 0) {
    snprintf(err, errlen, "%s has no data rows", path);
    rc = LT_ERR_FORMAT;
  }
  free(text);
  if (rc != LT_OK) {
    csv_destroy(m);
    return rc;
  }
  if (tcol < 0) free(m->y), m->y = NULL;
  if (icol < 0) free(m->id), m->id = NULL;
  *self = m;
  return LT_OK;
}

static int64_t csv_len(void *self) { return ((csv *)self)->rows; }

static int csv_get(void *self, int64_t i, lt_tensor **out, const char **names, int max, char *err, size_t errlen) {
  csv *m = self;
  if (data_index(&i, m->rows, err, errlen) || max < 3) return -1;
  int n = 0;
  out[n] = lt_tensor_to_dtype(lt_tensor_from_data(m->x + i * m->nf, LT_SHAPE(m->nf), LT_FLOAT64), m->xdt);
  names[n++] = "input";
  if (m->y) out[n] = lt_tensor_to_dtype(lt_tensor_scalar(m->y[i], LT_FLOAT64), m->ydt), names[n++] = "target";
  if (m->id) out[n] = lt_tensor_scalar((double)m->id[i], LT_INT64), names[n++] = "id";
  for (int k = 0; k < n; k++)
    if (!out[k]) {
      data_tensor_error(err, errlen, "lighter.datasets.CSVDataset", "making the tensors of row", i);
      for (int j = 0; j < n; j++) lt_tensor_free(out[j]);
      return -1;
    }
  return n;
}

static const lt_dataset_ops ops = {.size = sizeof(lt_dataset_ops), .len = csv_len, .get = csv_get,
                                   .thread_safe = data_yes};

static const lt_param params[] = {
    LT_PARAM_REQ("path", LT_P_STRING, "the CSV or TSV file (gzipped is fine)"),
    {"delimiter", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "field separator (default: tab for .tsv, else comma; \"\\\\t\" for tab)"},
    LT_PARAM("header", LT_P_BOOL, "true", "the first row names the columns"),
    {"feature_columns", LT_P_LIST, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "columns of the input (names or numbers; default: all but target and id)"},
    {"target_column", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "column of the target (name or number)"},
    {"id_column", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "column of integer ids (name or number)"},
    LT_PARAM_CHOICE("dtype", "float32", "float32|float64", "dtype of the input"),
    LT_PARAM_CHOICE("target_dtype", "float32", "float32|float64|int64", "dtype of the target (int64 for classes)"),
};

static const lt_component components[] = {
    {"lighter.datasets.CSVDataset", LT_KIND_DATASET, "Rows of a CSV/TSV table as samples.", params, LT_COUNT_OF(params),
     csv_create, csv_destroy, &ops},
};

LT_PLUGIN_DEFINE("lighter.datasets.CSVDataset", LT_VERSION_STRING, "lighter.datasets.CSVDataset", "BSD-3-Clause",
                 components, NULL);
