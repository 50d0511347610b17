/* report.h: the pieces of `lighter-host report DIR -o FILE` (cmd_report.c):
 * one self-contained HTML page (no network, no file beside it) with a
 * chart per logged key, every run's curve over steps in a colour of its
 * own, a readout of the values under the pointer, the sweep tables and
 * the runs table. The data go into the page as JSON that the built-in
 * script (host/report/page.js) draws as SVG. */
#ifndef HOST_REPORT_H
#define HOST_REPORT_H

#include "runs.h"
#include "runs_metrics.h"

#include <stdio.h>

/* The page's script and stylesheet (report_assets.c), NUL-terminated. */
extern const char host_report_js[];
extern const char host_report_css[];

/* Run i's colour as "#rrggbb": ten well-separated colours, then hues
 * spaced by the golden angle. */
void host_report_color(size_t i, char out[8]);

/* s as HTML text (& < > " ' escaped). */
void host_html_text(FILE *f, const char *s);
/* s as a JSON string that is also safe inside a <script> element. */
void host_json_string(FILE *f, const char *s);

/* The logged keys of all runs (metrics[i] is run i's file, zeroed when it
 * has none) in chart order: train, val, test, predict, then the rest; by
 * name within each, a key's /step before its /epoch. Returns a new array
 * of borrowed names; *n its length. */
const char **host_report_keys(const host_metrics_file *metrics, size_t nruns, size_t *n);

/* The page's data as JSON: {"runs": [{name, color, label, status}],
 * "charts": [{key, series: [{run, x: [steps], y: [values or null]}]}]}. */
void host_report_json(FILE *f, const host_runs *runs, const host_metrics_file *metrics, const char *const *keys,
                      size_t nkeys);

#endif
