/* compose.c: the merge rules Lighter users know from sparkwheel. Dicts merge
 * recursively, lists extend, anything else replaces; "=key" replaces,
 * "~key" deletes (null: the key; a list: those indices or keys); a file's
 * top-level "a::b" keys update that path. Command-line overrides are the
 * same operations on one path, their values parsed as YAML flow. */
#include "compose.h"

#include "yaml.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char **cfg_path_split(const char *path, size_t *n) {
  size_t count = 1;
  for (const char *p = path; (p = strstr(p, "::")); p += 2) count++;
  char **parts = malloc(count * sizeof *parts);
  if (!parts) abort();
  size_t k = 0;
  const char *start = path;
  while (1) {
    const char *sep = strstr(start, "::");
    size_t len = sep ? (size_t)(sep - start) : strlen(start);
    parts[k] = malloc(len + 1);
    if (!parts[k]) abort();
    memcpy(parts[k], start, len);
    parts[k++][len] = 0;
    if (!sep) break;
    start = sep + 2;
  }
  *n = k;
  return parts;
}

void cfg_path_free(char **parts, size_t n) {
  for (size_t i = 0; i < n; i++) free(parts[i]);
  free(parts);
}

/* A list index: decimal, negative counts from the end. */
static int list_index(const cfg_node *l, const char *s, size_t *out) {
  if (!*s) return 0;
  char *end;
  long v = strtol(s, &end, 10);
  if (*end) return 0;
  if (v < 0) v += (long)l->n;
  if (v < 0 || (size_t)v >= l->n) return 0;
  *out = (size_t)v;
  return 1;
}

static cfg_node *child(cfg_node *n, const char *part) {
  if (!n) return NULL;
  if (n->kind == CFG_DICT) return cfg_dict_get(n, part);
  size_t i;
  if (n->kind == CFG_LIST && list_index(n, part, &i)) return n->items[i];
  return NULL;
}

cfg_node *cfg_lookup(cfg_node *root, char *const *parts, size_t n, size_t *depth) {
  cfg_node *cur = root;
  size_t d = 0;
  for (; d < n && cur; d++) {
    cfg_node *c = child(cur, parts[d]);
    if (!c) break;
    cur = c;
  }
  if (depth) *depth = d;
  return d == n ? cur : NULL;
}

/* "no key 'x' in a::b" with suggestions, for a miss at parts[depth]. */
static void miss(cfg_error *err, cfg_node *root, char *const *parts, size_t depth, cfg_loc loc,
                 const char *what) {
  char path[512], parent[512];
  cfg_path_join(path, sizeof path, (const char *const *)parts, depth + 1);
  cfg_path_join(parent, sizeof parent, (const char *const *)parts, depth);
  cfg_node *at = depth ? cfg_lookup(root, parts, depth, NULL) : root;
  if (at && at->kind == CFG_LIST)
    cfg_fail(err, loc, path, "%s: '%s' has no item %s (it holds %zu)", what, parent, parts[depth], at->n);
  else if (at && at->kind != CFG_DICT)
    cfg_fail(err, loc, path, "%s: '%s' is a %s, not a mapping", what, parent, cfg_kind_name(at->kind));
  else if (depth)
    cfg_fail(err, loc, path, "%s: no key '%s' in '%s'", what, parts[depth], parent);
  else
    cfg_fail(err, loc, path, "%s: no top-level key '%s'", what, parts[depth]);
  char sug[512];
  if (at && at->kind == CFG_DICT) {
    if (cfg_suggest_keys(parts[depth], at, sug, sizeof sug))
      cfg_hint(err, "did you mean %s?", sug);
    else if (at->n) {
      size_t used = 0;
      sug[0] = 0;
      for (size_t i = 0; i < at->n && i < 8 && used < sizeof sug; i++)
        used += (size_t)snprintf(sug + used, sizeof sug - used, "%s'%s'", i ? ", " : "", at->keys[i]);
      cfg_hint(err, "existing keys: %s%s", sug, at->n > 8 ? ", ..." : "");
    }
  }
}

char *cfg_path_append(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = malloc(la + lb + 3);
  if (!s) abort();
  if (la) {
    memcpy(s, a, la);
    memcpy(s + la, "::", 2);
    memcpy(s + la + 2, b, lb + 1);
  } else {
    memcpy(s, b, lb + 1);
  }
  return s;
}

static int merge_value(cfg_node *parent, const char *name, cfg_loc kloc, cfg_node *v, const char *path,
                       cfg_error *err);

/* A value inserted where nothing was: its operator keys still apply (as to
 * an empty mapping). Consumes v. */
static cfg_node *fresh(cfg_node *v, const char *path, cfg_error *err) {
  if (v->kind != CFG_DICT) return v;
  cfg_node *d = cfg_new(CFG_DICT, v->loc);
  if (cfg_merge(d, v, path, 0, err) != 0) {
    cfg_free(d);
    return NULL;
  }
  return d;
}

/* ~name: delete the key (v null) or items of it (v a list). */
static int delete_op(cfg_node *dst, const char *name, cfg_loc kloc, cfg_node *v, const char *path,
                     cfg_error *err) {
  char *full = cfg_path_append(path, name);
  int rc = -1;
  long at = cfg_dict_find(dst, name);
  if (at < 0) {
    cfg_fail(err, kloc, full, "cannot delete '%s': there is no such key", name);
    char sug[512];
    if (cfg_suggest_keys(name, dst, sug, sizeof sug)) cfg_hint(err, "did you mean %s?", sug);
    goto out;
  }
  if (v->kind == CFG_NULL) {
    cfg_dict_remove(dst, (size_t)at);
    rc = 0;
    goto out;
  }
  if (v->kind != CFG_LIST || v->n == 0) {
    cfg_fail(err, v->loc, full, "~%s takes null (delete the key), or a non-empty list of indices or keys", name);
    goto out;
  }
  cfg_node *target = dst->items[at];
  if (target->kind == CFG_LIST) {
    char *del = calloc(target->n ? target->n : 1, 1);
    for (size_t i = 0; i < v->n; i++) {
      cfg_node *ix = v->items[i];
      long k = ix->kind == CFG_INT ? (long)ix->i : 0;
      if (ix->kind != CFG_INT) {
        cfg_fail(err, ix->loc, full, "~%s on a list takes item indices, not a %s", name, cfg_kind_name(ix->kind));
        free(del);
        goto out;
      }
      if (k < 0 ? k + (long)target->n < 0 : (size_t)k >= target->n) {
        cfg_fail(err, ix->loc, full, "cannot delete item %ld of '%s': it holds %zu item%s", k, name, target->n,
                 target->n == 1 ? "" : "s");
        free(del);
        goto out;
      }
      del[k < 0 ? k + (long)target->n : k] = 1;
    }
    for (size_t i = target->n; i-- > 0;)
      if (del[i]) cfg_list_remove(target, i);
    free(del);
  } else if (target->kind == CFG_DICT) {
    for (size_t i = 0; i < v->n; i++) {
      cfg_node *k = v->items[i];
      long ki = k->kind == CFG_STRING ? cfg_dict_find(target, k->s) : -1;
      if (ki < 0) {
        cfg_fail(err, k->loc, full, "cannot delete key %s%s%s of '%s': no such key", k->kind == CFG_STRING ? "'" : "",
                 k->kind == CFG_STRING ? k->s : "(not a string)", k->kind == CFG_STRING ? "'" : "", name);
        char sug[512];
        if (k->kind == CFG_STRING && cfg_suggest_keys(k->s, target, sug, sizeof sug))
          cfg_hint(err, "did you mean %s?", sug);
        goto out;
      }
      cfg_dict_remove(target, (size_t)ki);
    }
  } else {
    cfg_fail(err, v->loc, full, "~%s with a list deletes items of a list or keys of a mapping, but '%s' is a %s",
             name, name, cfg_kind_name(target->kind));
    goto out;
  }
  rc = 0;
out:
  free(full);
  return rc;
}

/* Default rule for name := v in dict parent: merge dicts, extend lists,
 * replace the rest. Consumes v. */
static int merge_value(cfg_node *parent, const char *name, cfg_loc kloc, cfg_node *v, const char *path,
                       cfg_error *err) {
  char *full = cfg_path_append(path, name);
  cfg_node *old = cfg_dict_get(parent, name);
  int rc = 0;
  if (old && old->kind == CFG_DICT && v->kind == CFG_DICT) {
    rc = cfg_merge(old, v, full, 0, err);
  } else if (old && old->kind == CFG_LIST && v->kind == CFG_LIST) {
    for (size_t i = 0; i < v->n; i++) {
      cfg_node *item = fresh(v->items[i], full, err);
      v->items[i] = NULL;
      if (!item) {
        rc = -1;
        break;
      }
      cfg_list_append(old, item);
    }
    for (size_t i = 0; i < v->n; i++) cfg_free(v->items[i]);
    v->n = 0;
    cfg_free(v);
  } else {
    cfg_node *f = fresh(v, full, err);
    if (!f) rc = -1;
    else cfg_dict_set(parent, name, kloc, f);
  }
  free(full);
  return rc;
}

/* A file's top-level "a::b[::c]" key: apply op to that path. */
static int path_update(cfg_node *root, char op, const char *key, cfg_loc kloc, cfg_node *v, cfg_error *err) {
  size_t n;
  char **parts = cfg_path_split(key, &n);
  int rc = -1;
  size_t depth;
  cfg_node *parent = n > 1 ? cfg_lookup(root, parts, n - 1, &depth) : root;
  char parent_path[512];
  cfg_path_join(parent_path, sizeof parent_path, (const char *const *)parts, n - 1);
  if (!parent) {
    miss(err, root, parts, depth, kloc, "cannot update path");
    cfg_free(v);
    goto out;
  }
  const char *last = parts[n - 1];
  if (parent->kind == CFG_LIST) {
    size_t i;
    if (!list_index(parent, last, &i)) {
      miss(err, root, parts, n - 1, kloc, "cannot update path");
      cfg_free(v);
      goto out;
    }
    if (op == '~') {
      if (v->kind != CFG_NULL) {
        cfg_fail(err, v->loc, key, "~ on a list item takes null");
        cfg_free(v);
        goto out;
      }
      cfg_list_remove(parent, i);
      cfg_free(v);
      rc = 0;
      goto out;
    }
    /* Merge or replace the item through a one-key dict. */
    cfg_node *tmp = cfg_new(CFG_DICT, parent->loc);
    cfg_dict_set(tmp, "item", kloc, cfg_take(parent, i));
    if (op == '=') {
      cfg_dict_set(tmp, "item", kloc, v);
      rc = 0;
    } else {
      rc = merge_value(tmp, "item", kloc, v, parent_path, err);
    }
    /* put it back at i */
    cfg_node *item = cfg_take(tmp, 0);
    cfg_free(tmp);
    cfg_list_append(parent, item);
    memmove(parent->items + i + 1, parent->items + i, (parent->n - 1 - i) * sizeof *parent->items);
    parent->items[i] = item;
    goto out;
  }
  if (parent->kind != CFG_DICT) {
    cfg_fail(err, kloc, key, "cannot update path: '%s' is a %s, not a mapping", parent_path,
             cfg_kind_name(parent->kind));
    cfg_free(v);
    goto out;
  }
  if (op == '~') {
    rc = delete_op(parent, last, kloc, v, parent_path, err);
    cfg_free(v);
  } else if (op == '=') {
    cfg_dict_set(parent, last, kloc, v);
    rc = 0;
  } else {
    rc = merge_value(parent, last, kloc, v, parent_path, err);
  }
out:
  cfg_path_free(parts, n);
  return rc;
}

int cfg_merge(cfg_node *dst, cfg_node *src, const char *path, int paths, cfg_error *err) {
  int rc = 0;
  for (size_t i = 0; i < src->n && rc == 0; i++) {
    const char *key = src->keys[i];
    cfg_loc kloc = src->key_locs[i];
    cfg_node *v = src->items[i];
    src->items[i] = NULL;
    char op = (key[0] == '=' || key[0] == '~') ? key[0] : 0;
    const char *name = op ? key + 1 : key;
    if (!*name) {
      cfg_fail(err, kloc, path, "'%s' needs a key name after the operator", key);
      cfg_free(v);
      rc = -1;
      break;
    }
    if (paths && strstr(name, "::")) {
      size_t np;
      char **parts = cfg_path_split(name, &np);
      int empty = 0;
      for (size_t k = 0; k < np; k++) empty |= !parts[k][0];
      cfg_path_free(parts, np);
      if (empty) {
        cfg_fail(err, kloc, path, "'%s' has an empty key in its path", key);
        cfg_free(v);
        rc = -1;
        break;
      }
      rc = path_update(dst, op, name, kloc, v, err);
    } else if (op == '~') {
      rc = delete_op(dst, name, kloc, v, path, err);
      cfg_free(v);
    } else if (op == '=') {
      cfg_dict_set(dst, name, kloc, v); /* as written: operators inside stay literal */
    } else {
      rc = merge_value(dst, name, kloc, v, path, err);
    }
  }
  for (size_t i = 0; i < src->n; i++) {
    cfg_free(src->items[i]);
    free(src->keys[i]);
  }
  src->n = 0;
  cfg_free(src);
  return rc;
}

int cfg_is_override(const char *input) {
  if (input[0] == '~' || input[0] == '=') return 1;
  if (!strchr(input, '=')) return 0;
  /* "lr=0.1.yaml" could be a file: it is one if it exists */
  size_t n = strlen(input);
  int yaml = (n > 5 && !strcmp(input + n - 5, ".yaml")) || (n > 4 && !strcmp(input + n - 4, ".yml"));
  return !(yaml && access(input, F_OK) == 0);
}

/* Shift locations of a parsed override value to the column it starts at. */
static void shift(cfg_node *n, int by) {
  if (n->loc.line == 1) n->loc.col += by;
  for (size_t i = 0; i < n->n; i++) {
    if (n->kind == CFG_DICT && n->key_locs[i].line == 1) n->key_locs[i].col += by;
    shift(n->items[i], by);
  }
}

/* The node at parts[0..n), with the mappings on the way made where they are
 * missing, as sparkwheel's CLI adds keys ("trainer::fast_dev_run=true" into
 * a config without it; typos in a component's keys are still caught by its
 * parameter spec, with "did you mean"). NULL when a part on the way is a
 * value, or a list item that is not there. */
static cfg_node *make_parents(cfg_node *root, char *const *parts, size_t n, cfg_loc loc) {
  cfg_node *at = root;
  for (size_t i = 0; i < n && at; i++) {
    size_t li;
    if (at->kind == CFG_LIST) {
      at = list_index(at, parts[i], &li) ? at->items[li] : NULL;
    } else if (at->kind != CFG_DICT) {
      at = NULL;
    } else {
      long k = cfg_dict_find(at, parts[i]);
      if (k >= 0) {
        at = at->items[k];
      } else {
        cfg_node *d = cfg_new(CFG_DICT, loc);
        cfg_dict_set(at, parts[i], loc, d);
        at = d;
      }
    }
  }
  return at && (at->kind == CFG_DICT || at->kind == CFG_LIST) ? at : NULL;
}

/* Python's spellings of YAML's literals, as sparkwheel's CLI reads values
 * with Python: a whole value None, True or False. NULL for any other text. */
static cfg_node *python_literal(const char *vt, cfg_loc vl) {
  if (!strcmp(vt, "None")) return cfg_new(CFG_NULL, vl);
  if (!strcmp(vt, "True") || !strcmp(vt, "False")) return cfg_new_bool(vt[0] == 'T', vl);
  return NULL;
}

int cfg_apply_override(cfg_node *root, const char *text, int index, cfg_error *err) {
  char name[32];
  snprintf(name, sizeof name, "<override %d>", index);
  cfg_source_add(name, text, strlen(text));
  cfg_loc loc = {cfg_intern(name), 1, 1};
  char op = (text[0] == '=' || text[0] == '~') ? text[0] : 0;
  const char *p = op ? text + 1 : text;
  const char *eq = op == '~' ? NULL : strchr(p, '=');
  if (op == '~' && strchr(p, '=')) {
    cfg_fail(err, loc, NULL, "a delete override is ~a::b, without '=': '%s'", text);
    return -1;
  }
  if (op != '~' && !eq) {
    cfg_fail(err, loc, NULL, "an override is a::b=value, =a::b=value or ~a::b: '%s'", text);
    return -1;
  }
  size_t plen = eq ? (size_t)(eq - p) : strlen(p);
  char *path = strndup(p, plen);
  if (!plen || strstr(path, "::::") || !strncmp(path, "::", 2) || (plen >= 2 && !strcmp(path + plen - 2, "::"))) {
    loc.col = (int)(p - text) + 1;
    cfg_fail(err, loc, NULL, "override '%s' has an empty key in its path", text);
    free(path);
    return -1;
  }
  size_t n;
  char **parts = cfg_path_split(path, &n);
  int rc = -1;
  size_t depth;
  cfg_node *parent = n > 1 ? cfg_lookup(root, parts, n - 1, &depth) : root;
  loc.col = (int)(p - text) + 1;
  if (!parent && op != '~') parent = make_parents(root, parts, n - 1, loc);
  if (!parent) {
    if (op != '~') cfg_lookup(root, parts, n - 1, &depth);
    miss(err, root, parts, depth, loc, op == '~' ? "cannot delete" : "cannot override");
    goto out;
  }
  const char *last = parts[n - 1];
  size_t li;
  int exists = parent->kind == CFG_DICT ? cfg_dict_find(parent, last) >= 0
               : parent->kind == CFG_LIST ? list_index(parent, last, &li)
                                          : 0;
  if (parent->kind != CFG_DICT && parent->kind != CFG_LIST) {
    miss(err, root, parts, n - 1, loc, "cannot override");
    goto out;
  }
  /* a new key of a mapping is added (merged into nothing); a list item or
   * a key to delete must be there */
  if (!exists && (op == '~' || parent->kind == CFG_LIST)) {
    miss(err, root, parts, n - 1, loc, op == '~' ? "cannot delete" : "cannot override");
    goto out;
  }
  cfg_node *v;
  if (op == '~') {
    v = cfg_new(CFG_NULL, loc);
  } else {
    const char *vt = eq + 1;
    /* "@a::b", "%a::b" and "$expr" are references and expressions, kept as
     * strings (YAML reserves '@' and would refuse them). */
    if (vt[0] == '@' || vt[0] == '%' || vt[0] == '$') {
      cfg_loc vl = {loc.file, 1, (int)(vt - text) + 1};
      v = cfg_new_string(vt, vl);
    } else if ((v = python_literal(vt, (cfg_loc){loc.file, 1, (int)(vt - text) + 1})) != NULL) {
      /* None, True, False */
    } else {
      v = cfg_yaml_parse(name, vt, strlen(vt), 1, err);
      if (!v) {
        /* locations of syntax errors are inside the value (an error at its
         * end may be reported on the line after it) */
        if (err->loc.line == 1) err->loc.col += (int)(vt - text);
        else err->loc.line = 1, err->loc.col = (int)strlen(text) + 1;
        goto out;
      }
      shift(v, (int)(vt - text));
    }
  }
  rc = path_update(root, op, path, loc, v, err);
out:
  cfg_path_free(parts, n);
  free(path);
  return rc;
}

cfg_node *cfg_compose(const char *const *inputs, int n, cfg_error *err) {
  cfg_loc top = {NULL, 0, 0};
  cfg_node *root = cfg_new(CFG_DICT, top);
  int overrides = 0;
  for (int i = 0; i < n; i++) {
    const char *in = inputs[i];
    int rc;
    if (cfg_is_override(in)) {
      rc = cfg_apply_override(root, in, ++overrides, err);
    } else {
      size_t len = strlen(in);
      int yaml = (len > 5 && !strcmp(in + len - 5, ".yaml")) || (len > 4 && !strcmp(in + len - 4, ".yml"));
      if (!yaml) {
        cfg_loc l = {cfg_intern(in), 0, 0};
        cfg_fail(err, l, NULL,
                 "'%s' is neither a YAML file (.yaml or .yml) nor an override (a::b=value, =a::b=value, ~a::b)", in);
        rc = -1;
      } else {
        cfg_node *doc = cfg_yaml_load_file(in, err);
        if (!root->loc.file && doc) root->loc = doc->loc;
        rc = doc ? cfg_merge(root, doc, "", 1, err) : -1;
      }
    }
    if (rc != 0) {
      cfg_free(root);
      return NULL;
    }
  }
  return root;
}
