/* term_format.c: the model summary and the results table in Lightning
 * 2.2's text layout (what it prints without the rich package), so that a
 * user sees on the terminal what Lightning shows, and a script that read
 * Lightning's table reads ours. */
#include "term_format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void host_fmt_count(int64_t n, char *out, size_t len) {
  static const char *const labels[] = {" ", "K", "M", "B", "T"};
  int digits = n > 0 ? (int)floor(log10((double)n)) + 1 : 1;
  int groups = (digits + 2) / 3;
  if (groups > 5) groups = 5;
  double v = (double)n * pow(10.0, -3.0 * (groups - 1));
  if (groups - 1 < 1 || v >= 100) {
    /* Python's f"{int(v):,d}": thousands separated by commas */
    char digits_s[32], grouped[48];
    int k = snprintf(digits_s, sizeof digits_s, "%lld", (long long)v), j = 0;
    for (int i = 0; i < k; i++) {
      if (i && (k - i) % 3 == 0) grouped[j++] = ',';
      grouped[j++] = digits_s[i];
    }
    grouped[j] = 0;
    snprintf(out, len, "%s %s", grouped, labels[groups - 1]);
  } else {
    snprintf(out, len, "%.1f %s", v, labels[groups - 1]);
  }
}

void host_fmt_pyfloat(double v, char *out, size_t len) {
  if (isnan(v)) {
    snprintf(out, len, "nan");
    return;
  }
  if (isinf(v)) {
    snprintf(out, len, "%sinf", v < 0 ? "-" : "");
    return;
  }
  char buf[64];
  for (int p = 1; p <= 17; p++) { /* the shortest that reads back */
    snprintf(buf, sizeof buf, "%.*g", p, v);
    if (strtod(buf, NULL) == v) break;
  }
  /* Python: positional from 1e-4 up to 1e16, else exponent with at least
   * two exponent digits (as %g), and a ".0" on a whole number */
  double a = fabs(v);
  if (a != 0 && (a < 1e-4 || a >= 1e16)) { /* always an exponent there, the shortest mantissa */
    for (int p = 0; p <= 16; p++) {
      snprintf(buf, sizeof buf, "%.*e", p, v);
      if (strtod(buf, NULL) == v) break;
    }
    snprintf(out, len, "%s", buf);
    return;
  }
  if (strchr(buf, 'e')) { /* %g chose an exponent that Python does not: write it out */
    int digits = 0;
    for (const char *c = buf; *c && *c != 'e'; c++) digits += *c >= '0' && *c <= '9';
    int exp10 = a > 0 ? (int)floor(log10(a)) : 0, dec = digits - 1 - exp10;
    snprintf(buf, sizeof buf, "%.*f", dec > 0 ? dec : 0, v);
  }
  snprintf(out, len, "%s%s", buf, strpbrk(buf, ".e") ? "" : ".0");
}

static void repeat(FILE *f, const char *s, int n) {
  for (int i = 0; i < n; i++) fputs(s, f);
}

/* s left-aligned in a field of w characters (Python's "{:<w}"). */
static void left(FILE *f, const char *s, int w) { fprintf(f, "%-*s", w, s); }

void host_print_summary(FILE *f, const host_summary_row *rows, size_t n, int64_t total, int64_t trainable,
                        int bytes_per_param) {
  enum { NCOL = 5 };
  static const char *const head[NCOL] = {" ", "Name", "Type", "Params", "Mode"};
  char (*cells)[NCOL][64] = calloc(n ? n : 1, sizeof *cells);
  if (!cells) return;
  int w[NCOL];
  for (int c = 0; c < NCOL; c++) w[c] = (int)strlen(head[c]);
  for (size_t i = 0; i < n; i++) {
    snprintf(cells[i][0], 64, "%zu", i);
    snprintf(cells[i][1], 64, "%s", rows[i].name);
    snprintf(cells[i][2], 64, "%s", rows[i].type);
    host_fmt_count(rows[i].params, cells[i][3], 64);
    snprintf(cells[i][4], 64, "%s", rows[i].training ? "train" : "eval");
    for (int c = 0; c < NCOL; c++)
      if ((int)strlen(cells[i][c]) > w[c]) w[c] = (int)strlen(cells[i][c]);
  }
  int width = 3 * (NCOL + 1);
  for (int c = 0; c < NCOL; c++) width += w[c];
  fputc('\n', f);
  for (int c = 0; c < NCOL; c++) fputs(c ? " | " : "", f), left(f, head[c], w[c]);
  fputc('\n', f);
  repeat(f, "-", width);
  for (size_t i = 0; i < n; i++) {
    fputc('\n', f);
    for (int c = 0; c < NCOL; c++) fputs(c ? " | " : "", f), left(f, cells[i][c], w[c]);
  }
  fputc('\n', f);
  repeat(f, "-", width);
  char num[64];
  const int64_t counts[3] = {trainable, total - trainable, total};
  static const char *const what[3] = {"Trainable params", "Non-trainable params", "Total params"};
  for (int k = 0; k < 3; k++) {
    host_fmt_count(counts[k], num, sizeof num);
    fputc('\n', f), left(f, num, 10), fputs(what[k], f);
  }
  snprintf(num, sizeof num, "%.3f", (double)total * bytes_per_param / 1e6);
  fputc('\n', f), left(f, num, 10), fputs("Total estimated model params size (MB)\n", f);
  free(cells);
}

static int term_columns(FILE *f) {
  const char *env = getenv("COLUMNS");
  int c = env ? atoi(env) : 0;
  struct winsize ws;
  if (c <= 0 && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0) c = ws.ws_col;
  return c > 0 ? c : 120;
}

/* a and b each centred in w characters (Python's "{:^w}{:^w}", the odd
 * space on the right), the line stripped on the right, and a newline. */
static void line2(FILE *f, const char *a, const char *b, int w) {
  char buf[2048];
  int la = (int)strlen(a), lb = (int)strlen(b), pa = w > la ? w - la : 0, pb = w > lb ? w - lb : 0;
  int k = snprintf(buf, sizeof buf, "%*s%s%*s%*s%s%*s", pa / 2, "", a, pa - pa / 2, "", pb / 2, "", b, pb - pb / 2, "");
  if (k >= (int)sizeof buf) k = (int)sizeof buf - 1;
  while (k > 0 && buf[k - 1] == ' ') k--;
  fprintf(f, "%.*s\n", k, buf);
}

static int by_key(const void *a, const void *b) {
  return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

void host_print_results(FILE *f, const char *stage, const char *const *keys, const double *values, size_t n, int cols) {
  if (!n) return;
  if (cols <= 0) cols = term_columns(f);
  const char *const **order = malloc(n * sizeof *order);
  if (!order) return;
  for (size_t i = 0; i < n; i++) order[i] = &keys[i];
  qsort(order, n, sizeof *order, by_key);
  const char *dl = "DataLoader 0";
  int w = (int)strlen(dl);
  for (size_t i = 0; i < n; i++)
    if ((int)strlen(keys[i]) > w) w = (int)strlen(keys[i]);
  if (w < 25) w = 25;
  if (w > cols / 2) w = cols / 2;
  char title[64], num[64];
  snprintf(title, sizeof title, "%s metric", stage);
  repeat(f, "\u2500", cols);
  fputc('\n', f);
  line2(f, title, dl, w);
  repeat(f, "\u2500", cols);
  fputc('\n', f);
  int half = cols / 2;
  for (size_t i = 0; i < n; i++) {
    const char *key = *order[i];
    host_fmt_pyfloat(values[order[i] - keys], num, sizeof num);
    if ((int)strlen(key) > half) { /* a long name goes on over lines, as in Lightning's table */
      for (; (int)strlen(key) > half; key += half) {
        char part[512];
        snprintf(part, sizeof part, "%.*s", half, key);
        line2(f, part, num, w);
      }
      line2(f, key, " ", w);
    } else {
      line2(f, key, num, w);
    }
  }
  repeat(f, "\u2500", cols);
  fputc('\n', f);
  free(order);
}
