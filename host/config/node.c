/* node.c: building, copying, comparing and editing config trees. */
#include "node.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fprintf(stderr, "lighter-host: out of memory\n");
    abort();
  }
  return q;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = xrealloc(NULL, n);
  memcpy(d, s, n);
  return d;
}

/* Interned file names: a small list; configs name few files. */
typedef struct interned {
  struct interned *next;
  char s[];
} interned;
static interned *g_interned;

const char *cfg_intern(const char *s) {
  if (!s) return NULL;
  for (interned *i = g_interned; i; i = i->next)
    if (!strcmp(i->s, s)) return i->s;
  size_t n = strlen(s) + 1;
  interned *i = xrealloc(NULL, sizeof *i + n);
  memcpy(i->s, s, n);
  i->next = g_interned;
  g_interned = i;
  return i->s;
}

void cfg_intern_free(void) {
  while (g_interned) {
    interned *n = g_interned->next;
    free(g_interned);
    g_interned = n;
  }
}

cfg_node *cfg_new(cfg_kind kind, cfg_loc loc) {
  cfg_node *n = xrealloc(NULL, sizeof *n);
  memset(n, 0, sizeof *n);
  n->kind = kind;
  n->loc = loc;
  return n;
}

cfg_node *cfg_new_string(const char *s, cfg_loc loc) {
  cfg_node *n = cfg_new(CFG_STRING, loc);
  n->s = xstrdup(s);
  return n;
}

cfg_node *cfg_new_int(int64_t i, cfg_loc loc) {
  cfg_node *n = cfg_new(CFG_INT, loc);
  n->i = i;
  return n;
}

cfg_node *cfg_new_float(double f, cfg_loc loc) {
  cfg_node *n = cfg_new(CFG_FLOAT, loc);
  n->f = f;
  return n;
}

cfg_node *cfg_new_bool(int b, cfg_loc loc) {
  cfg_node *n = cfg_new(CFG_BOOL, loc);
  n->i = b != 0;
  return n;
}

void cfg_free(cfg_node *n) {
  if (!n) return;
  for (size_t i = 0; i < n->n; i++) {
    cfg_free(n->items[i]);
    if (n->keys) free(n->keys[i]);
  }
  free(n->items);
  free(n->keys);
  free(n->key_locs);
  free(n->s);
  free(n);
}

cfg_node *cfg_copy(const cfg_node *n) {
  if (!n) return NULL;
  cfg_node *c = cfg_new(n->kind, n->loc);
  c->quoted = n->quoted;
  c->flags = n->flags & ~CFG_F_REMOVED; /* a copy of a disabled item reads as itself */
  c->i = n->i;
  c->f = n->f;
  c->ptr = n->ptr;
  if (n->s) c->s = xstrdup(n->s);
  for (size_t i = 0; i < n->n; i++) {
    if (n->kind == CFG_DICT)
      cfg_dict_set(c, n->keys[i], n->key_locs[i], cfg_copy(n->items[i]));
    else
      cfg_list_append(c, cfg_copy(n->items[i]));
  }
  return c;
}

const char *cfg_kind_name(cfg_kind k) {
  static const char *names[] = {"null", "bool",       "int",        "float",  "string",
                                "list", "dict",       "reference",  "expression", "object"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static void grow(cfg_node *c) {
  if (c->n < c->cap) return;
  c->cap = c->cap ? c->cap * 2 : 4;
  c->items = xrealloc(c->items, c->cap * sizeof *c->items);
  if (c->kind == CFG_DICT) {
    c->keys = xrealloc(c->keys, c->cap * sizeof *c->keys);
    c->key_locs = xrealloc(c->key_locs, c->cap * sizeof *c->key_locs);
  }
}

long cfg_dict_find(const cfg_node *d, const char *key) {
  if (!d || d->kind != CFG_DICT) return -1;
  for (size_t i = 0; i < d->n; i++)
    if (!strcmp(d->keys[i], key)) return (long)i;
  return -1;
}

cfg_node *cfg_dict_get(const cfg_node *d, const char *key) {
  long i = cfg_dict_find(d, key);
  return i < 0 ? NULL : d->items[i];
}

void cfg_dict_set(cfg_node *d, const char *key, cfg_loc key_loc, cfg_node *v) {
  long i = cfg_dict_find(d, key);
  if (i >= 0) {
    cfg_free(d->items[i]);
    d->items[i] = v;
    d->key_locs[i] = key_loc;
    return;
  }
  grow(d);
  d->keys[d->n] = xstrdup(key);
  d->key_locs[d->n] = key_loc;
  d->items[d->n++] = v;
}

cfg_node *cfg_take(cfg_node *c, size_t index) {
  cfg_node *v = c->items[index];
  if (c->keys) free(c->keys[index]);
  size_t rest = c->n - index - 1;
  memmove(c->items + index, c->items + index + 1, rest * sizeof *c->items);
  if (c->keys) {
    memmove(c->keys + index, c->keys + index + 1, rest * sizeof *c->keys);
    memmove(c->key_locs + index, c->key_locs + index + 1, rest * sizeof *c->key_locs);
  }
  c->n--;
  return v;
}

void cfg_dict_remove(cfg_node *d, size_t index) { cfg_free(cfg_take(d, index)); }
void cfg_list_remove(cfg_node *l, size_t index) { cfg_free(cfg_take(l, index)); }

void cfg_list_append(cfg_node *l, cfg_node *v) {
  grow(l);
  l->items[l->n++] = v;
}

int cfg_is_component(const cfg_node *n) {
  return n && n->kind == CFG_DICT && cfg_dict_find(n, "_target_") >= 0;
}

int cfg_contains_component(const cfg_node *n) {
  if (!n) return 0;
  if (cfg_is_component(n) || n->kind == CFG_REF || n->kind == CFG_EXPR || n->kind == CFG_OBJECT)
    return 1;
  for (size_t i = 0; i < n->n; i++)
    if (cfg_contains_component(n->items[i])) return 1;
  return 0;
}

void cfg_float_text(double d, int yaml, char *buf, size_t len) {
  if (isnan(d)) {
    snprintf(buf, len, yaml ? ".nan" : "nan");
    return;
  }
  if (isinf(d)) {
    snprintf(buf, len, "%s%s", d > 0 ? "" : "-", yaml ? ".inf" : "inf");
    return;
  }
  char sci[40];
  int prec = 0;
  for (; prec <= 16; prec++) {
    snprintf(sci, sizeof sci, "%.*e", prec, d);
    if (strtod(sci, NULL) == d) break;
  }
  int e10 = atoi(strchr(sci, 'e') + 1);
  if (e10 >= -4 && e10 < 16) {
    snprintf(buf, len, "%.*f", prec - e10 > 0 ? prec - e10 : 0, d);
    if (!strchr(buf, '.')) strncat(buf, ".0", len - strlen(buf) - 1);
  } else {
    snprintf(buf, len, "%.*s%se%c%02d", (int)(strchr(sci, 'e') - sci), sci, yaml && !prec ? ".0" : "",
             e10 < 0 ? '-' : '+', abs(e10));
  }
}

long cfg_count(const cfg_node *n) {
  long c = 1;
  for (size_t i = 0; i < n->n; i++) c += cfg_count(n->items[i]);
  return c;
}

int cfg_equal(const cfg_node *a, const cfg_node *b) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind) {
    /* 1 == 1.0 == True as in Python */
    int an = a->kind == CFG_INT || a->kind == CFG_FLOAT || a->kind == CFG_BOOL;
    int bn = b->kind == CFG_INT || b->kind == CFG_FLOAT || b->kind == CFG_BOOL;
    if (an && bn) {
      if (a->kind != CFG_FLOAT && b->kind != CFG_FLOAT) return a->i == b->i;
      return (a->kind == CFG_FLOAT ? a->f : (double)a->i) == (b->kind == CFG_FLOAT ? b->f : (double)b->i);
    }
    return 0;
  }
  switch (a->kind) {
  case CFG_NULL: return 1;
  case CFG_BOOL:
  case CFG_INT: return a->i == b->i;
  case CFG_FLOAT: return a->f == b->f;
  case CFG_STRING:
  case CFG_REF:
  case CFG_EXPR: return !strcmp(a->s, b->s);
  case CFG_OBJECT: return a->ptr == b->ptr;
  case CFG_LIST:
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++)
      if (!cfg_equal(a->items[i], b->items[i])) return 0;
    return 1;
  case CFG_DICT: /* as Python: the order of keys does not matter */
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++)
      if (!cfg_equal(a->items[i], cfg_dict_get(b, a->keys[i]))) return 0;
    return 1;
  }
  return 0;
}

void cfg_path_join(char *buf, size_t len, const char *const *parts, size_t n) {
  size_t used = 0;
  buf[0] = 0;
  for (size_t i = 0; i < n && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "::" : "", parts[i]);
}
