/* report_data.c: what the report page draws, as JSON (report.h): each
 * run's name, colour and differing overrides, and for each logged key the
 * (step, value) points of every run that logged it, plus the escaping the
 * page's HTML and JSON need. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void host_report_color(size_t i, char out[8]) {
  static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
  const size_t np = sizeof palette / sizeof *palette;
  if (i < np) {
    memcpy(out, palette[i], 8);
    return;
  }
  /* hue by the golden angle, saturation and lightness that read on white */
  double h = fmod((double)(i - np) * 137.508 + 15, 360) / 60, s = 0.65, l = 0.45;
  double c = (1 - fabs(2 * l - 1)) * s, x = c * (1 - fabs(fmod(h, 2) - 1)), m = l - c / 2;
  double rgb[6][3] = {{c, x, 0}, {x, c, 0}, {0, c, x}, {0, x, c}, {x, 0, c}, {c, 0, x}};
  const double *p = rgb[(int)h % 6];
  snprintf(out, 8, "#%02x%02x%02x", (int)lround((p[0] + m) * 255), (int)lround((p[1] + m) * 255),
           (int)lround((p[2] + m) * 255));
}

void host_html_text(FILE *f, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc(*s, f);
    }
  }
}

void host_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') fprintf(f, "\\u%04x", *p); /* never "</script" */
    else fputc(*p, f);
  }
  fputc('"', f);
}

/* train, val, test, predict, then anything else (lr-SGD, user keys) */
static int key_group(const char *k) {
  static const char *const groups[] = {"train/", "val/", "test/", "predict/"};
  for (int i = 0; i < 4; i++)
    if (!strncmp(k, groups[i], strlen(groups[i]))) return i;
  return 4;
}

/* A key's length without a trailing /step or /epoch, and which it had. */
static size_t key_base(const char *k, int *suffix) {
  size_t n = strlen(k);
  *suffix = 0;
  if (n > 5 && !strcmp(k + n - 5, "/step")) return *suffix = 1, n - 5;
  if (n > 6 && !strcmp(k + n - 6, "/epoch")) return *suffix = 2, n - 6;
  return n;
}

static int by_chart_order(const void *pa, const void *pb) {
  const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
  int ga = key_group(a), gb = key_group(b);
  if (ga != gb) return ga - gb;
  int sa, sb;
  size_t na = key_base(a, &sa), nb = key_base(b, &sb);
  int c = strncmp(a, b, na < nb ? na : nb);
  if (c) return c;
  if (na != nb) return na < nb ? -1 : 1;
  return sa != sb ? sa - sb : strcmp(a, b);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **host_report_keys(const host_metrics_file *metrics, size_t nruns, size_t *n) {
  size_t total = 0;
  for (size_t r = 0; r < nruns; r++) total += metrics[r].ncols;
  const char **keys = malloc((total ? total : 1) * sizeof *keys);
  if (!keys) abort();
  *n = 0;
  for (size_t r = 0; r < nruns; r++)
    for (size_t i = 0; i < metrics[r].ncols; i++) keys[(*n)++] = metrics[r].cols[i].key;
  qsort(keys, *n, sizeof *keys, by_name);
  size_t u = 0;
  for (size_t i = 0; i < *n; i++)
    if (!u || strcmp(keys[u - 1], keys[i])) keys[u++] = keys[i];
  *n = u;
  qsort(keys, *n, sizeof *keys, by_chart_order);
  return keys;
}

static void put_number(FILE *f, double v) {
  if (!isfinite(v)) fputs("null", f);
  else if (v == floor(v) && fabs(v) < 1e15) fprintf(f, "%.0f", v);
  else fprintf(f, "%.9g", v);
}

static void put_series(FILE *f, size_t run, const host_metric_series *s) {
  fprintf(f, "{\"run\":%zu,\"x\":[", run);
  int first = 1;
  for (size_t i = 0; i < s->n; i++) /* a point needs its step */
    if (!isnan(s->x[i])) fputs(first ? "" : ",", f), put_number(f, s->x[i]), first = 0;
  fputs("],\"y\":[", f);
  first = 1;
  for (size_t i = 0; i < s->n; i++)
    if (!isnan(s->x[i])) fputs(first ? "" : ",", f), put_number(f, s->y[i]), first = 0;
  fputs("]}", f);
}

static void put_runs(FILE *f, const host_runs *runs) {
  char color[8], label[8192], status[64];
  fputs("\"runs\":[", f);
  for (size_t i = 0; i < runs->n; i++) {
    host_report_color(i, color);
    host_runs_override_diff(runs, i, label, sizeof label);
    host_runs_fmt_status(&runs->v[i], status, sizeof status);
    fputs(i ? ",\n{\"name\":" : "\n{\"name\":", f);
    host_json_string(f, runs->v[i].name);
    fprintf(f, ",\"color\":\"%s\",\"label\":", color);
    host_json_string(f, label);
    fputs(",\"status\":", f);
    host_json_string(f, status);
    fputc('}', f);
  }
  fputs("]", f);
}

void host_report_json(FILE *f, const host_runs *runs, const host_metrics_file *metrics, const char *const *keys,
                      size_t nkeys) {
  fputc('{', f);
  put_runs(f, runs);
  fputs(",\n\"charts\":[", f);
  for (size_t k = 0; k < nkeys; k++) {
    fputs(k ? ",\n{\"key\":" : "\n{\"key\":", f);
    host_json_string(f, keys[k]);
    fputs(",\"series\":[", f);
    int first = 1;
    for (size_t r = 0; r < runs->n; r++) {
      const host_metric_series *s = host_metrics_file_find(&metrics[r], keys[k]);
      if (!s || !s->n) continue;
      fputs(first ? "" : ",", f), first = 0;
      put_series(f, r, s);
    }
    fputs("]}", f);
  }
  fputs("]}", f);
}
