/* error.c: recording and printing config errors, the source-line registry
 * behind the caret display, and edit-distance suggestions. */
#include "error.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cfg_fail(cfg_error *e, cfg_loc loc, const char *path, const char *fmt, ...) {
  if (!e || e->set) return;
  e->set = 1;
  e->loc = loc;
  snprintf(e->path, sizeof e->path, "%s", path ? path : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  e->hint[0] = 0;
}

void cfg_hint(cfg_error *e, const char *fmt, ...) {
  if (!e) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->hint, sizeof e->hint, fmt, ap);
  va_end(ap);
}

int cfg_use_color(FILE *f) {
  const char *nc = getenv("NO_COLOR");
  if (nc && *nc) return 0;
  return isatty(fileno(f));
}

/* Source texts by name, in an open-addressing table: every command-line
 * override is a source of its own, and with a list 30,000 of them took
 * seconds to add. A source keeps its own copy of its name, so the tables of
 * interned names and of sources can be freed in either order. */
typedef struct source {
  const char *name; /* points into text[], after the source */
  size_t len;
  char text[];
} source;
static source **g_sources;
static size_t g_nsources, g_capsources;

static source **source_slot(source **table, size_t cap, const char *name) {
  size_t mask = cap - 1, j = cfg_hash(name) & mask;
  while (table[j] && (cfg_name_compares++, strcmp(table[j]->name, name))) j = (j + 1) & mask;
  return &table[j];
}

void cfg_source_add(const char *name, const char *text, size_t len) {
  if (2 * (g_nsources + 1) > g_capsources) {
    size_t cap = g_capsources ? 2 * g_capsources : 64;
    source **t = calloc(cap, sizeof *t);
    if (!t) return;
    for (size_t i = 0; i < g_capsources; i++)
      if (g_sources[i]) *source_slot(t, cap, g_sources[i]->name) = g_sources[i];
    free(g_sources);
    g_sources = t;
    g_capsources = cap;
  }
  size_t nlen = strlen(name) + 1;
  source *s = malloc(sizeof *s + len + 1 + nlen);
  if (!s) return;
  s->len = len;
  memcpy(s->text, text, len);
  s->text[len] = 0;
  memcpy(s->text + len + 1, name, nlen);
  s->name = s->text + len + 1;
  source **slot = source_slot(g_sources, g_capsources, name);
  if (*slot) free(*slot); /* a file read again: its newer text */
  else g_nsources++;
  *slot = s;
}

void cfg_sources_free(void) {
  for (size_t i = 0; i < g_capsources; i++) free(g_sources[i]);
  free(g_sources);
  g_sources = NULL;
  g_nsources = g_capsources = 0;
}

static const char *source_line(const char *name, int line, size_t *len) {
  if (!name || !g_capsources) return NULL;
  const source *s = *source_slot(g_sources, g_capsources, name);
  if (!s) return NULL;
  const char *p = s->text, *end = s->text + s->len;
  for (int l = 1; l < line && p < end; l++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return NULL;
    p = nl + 1;
  }
  if (p >= end && line > 1) return NULL;
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  *len = nl ? (size_t)(nl - p) : (size_t)(end - p);
  return p;
}

void cfg_error_print(FILE *f, const cfg_error *e, int color) {
  const char *bold = color ? "\033[1m" : "", *red = color ? "\033[1;31m" : "",
             *cyan = color ? "\033[36m" : "", *green = color ? "\033[32m" : "",
             *off = color ? "\033[0m" : "";
  if (e->loc.file && e->loc.line > 0)
    fprintf(f, "%s%s:%d:%d:%s %serror:%s %s\n", bold, e->loc.file, e->loc.line, e->loc.col, off, red,
            off, e->msg);
  else if (e->loc.file)
    fprintf(f, "%s%s:%s %serror:%s %s\n", bold, e->loc.file, off, red, off, e->msg);
  else
    fprintf(f, "%serror:%s %s\n", red, off, e->msg);
  if (e->path[0]) fprintf(f, "  at key %s%s%s\n", cyan, e->path, off);
  size_t len = 0;
  const char *line = e->loc.file && e->loc.line > 0 ? source_line(e->loc.file, e->loc.line, &len) : NULL;
  if (line) {
    if (len > 200) len = 200;
    fprintf(f, "  %5d | %.*s\n", e->loc.line, (int)len, line);
    int col = e->loc.col > 0 ? e->loc.col : 1;
    fprintf(f, "        | ");
    for (int i = 1; i < col && (size_t)i <= len; i++) fputc(line[i - 1] == '\t' ? '\t' : ' ', f);
    fprintf(f, "%s^%s\n", green, off);
  }
  if (e->hint[0]) fprintf(f, "  %s\n", e->hint);
}

static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return (size_t)-1;
  size_t row[65];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t cur = row[j];
      size_t sub = prev + (a[i - 1] != b[j - 1]);
      size_t del = row[j] + 1, ins = row[j - 1] + 1;
      row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
      prev = cur;
    }
  }
  return row[lb];
}

int cfg_suggest(const char *word, const char *const *cands, size_t n, char *out, size_t outlen) {
  size_t best[3] = {0};
  size_t bestd[3] = {(size_t)-1, (size_t)-1, (size_t)-1};
  size_t wl = strlen(word);
  size_t limit = wl <= 3 ? 1 : wl <= 6 ? 2 : 3;
  for (size_t i = 0; i < n; i++) {
    if (!cands[i] || !strcmp(cands[i], word)) continue;
    size_t d = edit_distance(word, cands[i]);
    /* A candidate that contains the word (or the reverse) is close too. */
    if (d > limit && wl >= 3 && (strstr(cands[i], word) || strstr(word, cands[i])) && strlen(cands[i]) >= 3)
      d = limit;
    if (d > limit) continue;
    for (int k = 0; k < 3; k++)
      if (d < bestd[k]) {
        for (int m = 2; m > k; m--) best[m] = best[m - 1], bestd[m] = bestd[m - 1];
        best[k] = i, bestd[k] = d;
        break;
      }
  }
  int count = 0;
  size_t used = 0;
  out[0] = 0;
  for (int k = 0; k < 3; k++)
    if (bestd[k] != (size_t)-1) count++;
  for (int k = 0; k < count && used < outlen; k++)
    used += (size_t)snprintf(out + used, outlen - used, "%s'%s'", k == 0 ? "" : k == count - 1 ? " or " : ", ",
                             cands[best[k]]);
  return count;
}

int cfg_suggest_keys(const char *word, const cfg_node *dict, char *out, size_t outlen) {
  out[0] = 0;
  if (!dict || dict->kind != CFG_DICT) return 0;
  return cfg_suggest(word, (const char *const *)dict->keys, dict->n, out, outlen);
}
