/* node.h: the config tree. Every node keeps where it came from (file, line,
 * column) so that any later error can point at the line. Dicts keep their
 * key order. The same tree serves raw (as composed), resolved (references
 * substituted, expressions evaluated) and value (expression results) uses. */
#ifndef HOST_CONFIG_NODE_H
#define HOST_CONFIG_NODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cfg_kind {
  CFG_NULL,
  CFG_BOOL,
  CFG_INT,
  CFG_FLOAT,
  CFG_STRING,
  CFG_LIST,
  CFG_DICT,
  CFG_REF,  /* resolved tree: "@a::b" to something built later (s = absolute path) */
  CFG_EXPR, /* resolved tree: "$..." that needs built objects (s = source) */
  CFG_OBJECT /* expression value: a host object (ptr) */
} cfg_kind;

/* file is interned (see cfg_intern) and lives until cfg_intern_free. */
typedef struct cfg_loc {
  const char *file;
  int line, col;
} cfg_loc;

#define CFG_F_RESOLVED 1u /* the resolver is done with this subtree */
#define CFG_F_REMOVED 2u  /* a disabled component: dropped from its parent */
#define CFG_F_BORROWS 4u  /* a list whose items belong to another node */

typedef struct cfg_node cfg_node;
struct cfg_node {
  cfg_kind kind;
  cfg_loc loc;
  int quoted; /* a YAML scalar that was quoted */
  unsigned flags; /* CFG_F_* (resolver bookkeeping) */
  int64_t i;  /* CFG_INT, CFG_BOOL */
  double f;   /* CFG_FLOAT */
  char *s;    /* CFG_STRING, CFG_REF, CFG_EXPR (owned) */
  void *ptr;  /* CFG_OBJECT (borrowed) */
  /* CFG_LIST and CFG_DICT */
  size_t n, cap;
  cfg_node **items; /* owned */
  char **keys;      /* CFG_DICT, owned */
  cfg_loc *key_locs;
  /* CFG_DICT with CFG_INDEX_MIN keys or more: an open-addressing hash of the
   * keys (slot = item index + 1, 0 = empty), so that lookups stay O(1) in
   * dicts of 100k keys; the arrays above keep the order. Owned. */
  size_t *slots;
  size_t nslots;
};

#define CFG_INDEX_MIN 8

/* String comparisons made so far by dict lookups (cfg_dict_find) and the
 * tables of file names and source texts: lets a test check that composing n
 * keys, n overrides or n references costs O(n), not O(n^2), without timing
 * anything. */
extern unsigned long cfg_name_compares;

const char *cfg_intern(const char *s);
/* The hash behind dict indexes and the name tables. */
size_t cfg_hash(const char *s);
void cfg_intern_free(void);

cfg_node *cfg_new(cfg_kind kind, cfg_loc loc);
cfg_node *cfg_new_string(const char *s, cfg_loc loc);
cfg_node *cfg_new_int(int64_t i, cfg_loc loc);
cfg_node *cfg_new_float(double f, cfg_loc loc);
cfg_node *cfg_new_bool(int b, cfg_loc loc);
void cfg_free(cfg_node *n);
cfg_node *cfg_copy(const cfg_node *n);
const char *cfg_kind_name(cfg_kind k);

/* Dicts: lookup returns the index or -1. set replaces in place or appends
 * (the node is owned by the dict afterwards). Edit a dict's keys only
 * through these functions: they keep its hash index in step. */
long cfg_dict_find(const cfg_node *d, const char *key);
cfg_node *cfg_dict_get(const cfg_node *d, const char *key);
void cfg_dict_set(cfg_node *d, const char *key, cfg_loc key_loc, cfg_node *v);
void cfg_dict_remove(cfg_node *d, size_t index);
void cfg_list_append(cfg_node *l, cfg_node *v);
void cfg_list_remove(cfg_node *l, size_t index);
/* Takes the item out without freeing it. */
cfg_node *cfg_take(cfg_node *container, size_t index);

/* A component is a dict with a _target_ key; contains_component looks
 * anywhere below. */
int cfg_is_component(const cfg_node *n);
int cfg_contains_component(const cfg_node *n);

/* A float as text: the shortest digits that read back the same, fixed
 * notation for exponents -4..15, else d.ddde+XX. As Python's repr when yaml
 * is 0 ("1e+16", "nan"); as YAML when it is not ("1.0e+16", ".nan"), with a
 * dot in the mantissa so PyYAML (YAML 1.1) also reads a float. */
void cfg_float_text(double d, int yaml, char *buf, size_t len);

/* How many nodes the tree has (itself included). */
long cfg_count(const cfg_node *n);

/* Structural equality (locations ignored). */
int cfg_equal(const cfg_node *a, const cfg_node *b);

/* Path text "a::b::0" from components. */
void cfg_path_join(char *buf, size_t len, const char *const *parts, size_t n);

#endif
