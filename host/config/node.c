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

unsigned long cfg_name_compares;

size_t cfg_hash(const char *s) {
  /* FNV-1a: keys and names are short and written by the user, not by an
   * adversary. */
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)h;
}

/* Interned file names, in an open-addressing table: a config names few
 * files, but every command-line override is a "file" of its own, and with a
 * list 30,000 overrides took seconds to intern. */
static char **g_interned;
static size_t g_ninterned, g_capinterned;

static char **intern_slot(char **table, size_t cap, const char *s) {
  size_t mask = cap - 1, j = cfg_hash(s) & mask;
  while (table[j] && (cfg_name_compares++, strcmp(table[j], s))) j = (j + 1) & mask;
  return &table[j];
}

const char *cfg_intern(const char *s) {
  if (!s) return NULL;
  if (2 * (g_ninterned + 1) > g_capinterned) {
    size_t cap = g_capinterned ? 2 * g_capinterned : 64;
    char **t = xrealloc(NULL, cap * sizeof *t);
    memset(t, 0, cap * sizeof *t);
    for (size_t i = 0; i < g_capinterned; i++)
      if (g_interned[i]) *intern_slot(t, cap, g_interned[i]) = g_interned[i];
    free(g_interned);
    g_interned = t;
    g_capinterned = cap;
  }
  char **slot = intern_slot(g_interned, g_capinterned, s);
  if (!*slot) {
    *slot = xstrdup(s);
    g_ninterned++;
  }
  return *slot;
}

void cfg_intern_free(void) {
  for (size_t i = 0; i < g_capinterned; i++) free(g_interned[i]);
  free(g_interned);
  g_interned = NULL;
  g_ninterned = g_capinterned = 0;
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
  free(n->slots);
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

/* ---- the key index ---------------------------------------------------
 * A linear search made composing a 20k-key file take 12 s (every insert
 * searched for a duplicate first). Dicts of CFG_INDEX_MIN keys or more keep
 * an open-addressing table over their key array instead; small ones, the
 * common case, stay a plain scan. */

static void index_put(cfg_node *d, size_t i) {
  size_t mask = d->nslots - 1, j = cfg_hash(d->keys[i]) & mask;
  while (d->slots[j]) j = (j + 1) & mask;
  d->slots[j] = i + 1;
}

/* (Re)build at a load of at most 1/4; appends rebuild it past 1/2, so a
 * probe stays short and the rebuilds cost O(1) per key on average. */
static void index_build(cfg_node *d) {
  free(d->slots);
  d->slots = NULL;
  d->nslots = 0;
  if (d->kind != CFG_DICT || d->n < CFG_INDEX_MIN) return;
  size_t want = 32;
  while (want < 4 * d->n) want *= 2;
  d->slots = xrealloc(NULL, want * sizeof *d->slots);
  memset(d->slots, 0, want * sizeof *d->slots);
  d->nslots = want;
  for (size_t i = 0; i < d->n; i++) index_put(d, i);
}

/* The key just appended at d->n - 1. */
static void index_appended(cfg_node *d) {
  if (d->n < CFG_INDEX_MIN) return;
  if (!d->slots || 2 * d->n > d->nslots) index_build(d);
  else index_put(d, d->n - 1);
}

long cfg_dict_find(const cfg_node *d, const char *key) {
  if (!d || d->kind != CFG_DICT) return -1;
  /* Built here after a removal dropped it (see cfg_take). The index is a
   * cache, so a lookup may fill it; every dict is allocated writable. */
  if (!d->slots && d->n >= CFG_INDEX_MIN) index_build((cfg_node *)d);
  if (!d->slots) {
    for (size_t i = 0; i < d->n; i++) {
      cfg_name_compares++;
      if (!strcmp(d->keys[i], key)) return (long)i;
    }
    return -1;
  }
  size_t mask = d->nslots - 1;
  for (size_t j = cfg_hash(key) & mask; d->slots[j]; j = (j + 1) & mask) {
    cfg_name_compares++;
    if (!strcmp(d->keys[d->slots[j] - 1], key)) return (long)(d->slots[j] - 1);
  }
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
  index_appended(d);
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
  /* The positions after it moved: the index is dropped and rebuilt by the
   * next lookup, so removing many keys in a row (sweeping disabled
   * components) does not rebuild it each time. */
  free(c->slots);
  c->slots = NULL;
  c->nslots = 0;
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
