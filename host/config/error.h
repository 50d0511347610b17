/* error.h: config errors that point at the line: file:line:col, the key
 * path, the source line with a caret, and "did you mean" suggestions. The
 * first error wins, so one mistake gives one message. */
#ifndef HOST_CONFIG_ERROR_H
#define HOST_CONFIG_ERROR_H

#include "node.h"

#include <stdarg.h>
#include <stdio.h>

typedef struct cfg_error {
  int set;
  cfg_loc loc;
  char path[512];
  char msg[1024];
  char hint[768];
} cfg_error;

/* Record an error unless one is already recorded. path may be NULL. */
void cfg_fail(cfg_error *e, cfg_loc loc, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Add (or replace) the hint line of the recorded error. */
void cfg_hint(cfg_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print as a person reads it; colour only when asked (see cfg_use_color). */
void cfg_error_print(FILE *f, const cfg_error *e, int color);
/* Colour on a TTY unless NO_COLOR is set. */
int cfg_use_color(FILE *f);

/* Source texts, so errors can show the offending line. name is interned. */
void cfg_source_add(const char *name, const char *text, size_t len);
void cfg_sources_free(void);

/* "did you mean": up to 3 candidates within a small edit distance of word,
 * written as 'a', 'b' or 'c' into out; returns how many. */
int cfg_suggest(const char *word, const char *const *cands, size_t n, char *out, size_t outlen);
/* The same over a dict's keys. */
int cfg_suggest_keys(const char *word, const cfg_node *dict, char *out, size_t outlen);

#endif
