/* tb_hparams.c: the config as the hyperparameters of TensorBoard's hparams
 * plugin, key for key and value for value as Lightning 2.2's
 * TensorBoardLogger.log_hyperparams makes them from the same dict (what
 * hparams.yaml holds): nested dicts flatten into "model/optimizer/lr";
 * bool, int, float and str stay (and reach TensorBoard as a number or a
 * string); anything else becomes its Python str(): null "None", a list
 * "[{'_target_': 'torch.nn.Flatten'}, 0.5]". References and expressions
 * that the resolved config keeps are the strings hparams.yaml shows
 * ("@model::optimizer", "$@model::network.parameters()").
 *
 * Left as is: a flattened key that repeats another (a dict key "a/b" beside
 * a: {b: ..}) is listed twice, where Python's dict keeps the last value at
 * the first place; non-ASCII characters that Python's repr would escape are
 * kept as they are. */
#include "tb_hparams.h"

#include <stdlib.h>
#include <string.h>

/* Python's repr() of a str: single quotes unless it holds one and no double
 * quote; backslash, that quote and control characters escaped. */
static void repr_str(FILE *f, const char *s) {
  char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
  fputc(q, f);
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == (unsigned char)q || *c == '\\') fprintf(f, "\\%c", *c);
    else if (*c == '\n') fputs("\\n", f);
    else if (*c == '\r') fputs("\\r", f);
    else if (*c == '\t') fputs("\\t", f);
    else if (*c < 0x20 || *c == 0x7f) fprintf(f, "\\x%02x", *c);
    else fputc(*c, f);
  }
  fputc(q, f);
}

/* The text of a value that reads as a str in hparams.yaml (a string, a
 * reference "@a::b", an expression "$..."), or NULL for other kinds. */
static const char *str_prefix(const cfg_node *n) {
  return n->kind == CFG_STRING ? "" : n->kind == CFG_REF ? "@" : n->kind == CFG_EXPR ? "$" : NULL;
}

/* str(v): a str is itself, anything else its repr (malloc'd). */
static char *py_str(const cfg_node *n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) abort();
  const char *prefix = str_prefix(n);
  if (prefix) fprintf(f, "%s%s", prefix, n->s);
  else if (n->kind == CFG_OBJECT) fputs("<object>", f);
  else host_py_repr(f, n);
  if (fclose(f) != 0 || !buf) abort();
  return buf;
}

void host_py_repr(FILE *f, const cfg_node *n) {
  char num[64];
  switch (n->kind) {
  case CFG_NULL: fputs("None", f); break;
  case CFG_BOOL: fputs(n->i ? "True" : "False", f); break;
  case CFG_INT: fprintf(f, "%lld", (long long)n->i); break;
  case CFG_FLOAT: cfg_float_text(n->f, 0, num, sizeof num), fputs(num, f); break;
  case CFG_STRING:
  case CFG_REF:
  case CFG_EXPR:
  case CFG_OBJECT: {
    char *s = py_str(n);
    repr_str(f, s);
    free(s);
    break;
  }
  case CFG_LIST:
  case CFG_DICT:
    fputc(n->kind == CFG_LIST ? '[' : '{', f);
    for (size_t i = 0; i < n->n; i++) {
      if (i) fputs(", ", f);
      if (n->kind == CFG_DICT) repr_str(f, n->keys[i]), fputs(": ", f);
      host_py_repr(f, n->items[i]);
    }
    fputc(n->kind == CFG_LIST ? ']' : '}', f);
    break;
  }
}

static void add(host_hparams *h, const char *name, const cfg_node *v) {
  if (h->n == h->cap) {
    h->cap = h->cap ? h->cap * 2 : 64;
    if (!(h->v = realloc(h->v, h->cap * sizeof *h->v))) abort();
  }
  host_hparam *p = &h->v[h->n++];
  memset(p, 0, sizeof *p);
  if (!(p->name = strdup(name))) abort();
  if (v->kind == CFG_INT || v->kind == CFG_BOOL || v->kind == CFG_FLOAT) {
    p->kind = HOST_HPARAM_NUMBER;
    p->number = v->kind == CFG_FLOAT ? v->f : (double)v->i;
  } else {
    p->kind = HOST_HPARAM_STRING;
    p->text = py_str(v);
  }
}

static void flatten(const cfg_node *d, const char *parent, host_hparams *h) {
  for (size_t i = 0; i < d->n; i++) {
    size_t len = strlen(parent) + strlen(d->keys[i]) + 2;
    char *key = malloc(len);
    if (!key) abort();
    snprintf(key, len, "%s%s%s", parent, *parent ? "/" : "", d->keys[i]);
    if (d->items[i]->kind == CFG_DICT) flatten(d->items[i], key, h);
    else add(h, key, d->items[i]);
    free(key);
  }
}

void host_hparams_flatten(const cfg_node *config, host_hparams *out) {
  memset(out, 0, sizeof *out);
  if (config && config->kind == CFG_DICT) flatten(config, "", out);
}

void host_hparams_free(host_hparams *h) {
  for (size_t i = 0; i < h->n; i++) free(h->v[i].name), free(h->v[i].text);
  free(h->v);
  memset(h, 0, sizeof *h);
}
