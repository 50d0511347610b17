/* resolve.c: % macros, @ references and $ expressions over a composed
 * config, as sparkwheel defines them: "@::x" is the sibling x of the key
 * that holds the reference and each further "::" goes one level up; @
 * results are shared, % results are fresh copies; cycles are shown as a
 * chain; a disabled component vanishes from its parent. */
#include "resolve.h"

#include "compose.h"
#include "yaml.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_STACK 256

typedef struct path {
  char **p;
  size_t n, cap;
} path;

static void ppush(path *a, const char *s) {
  if (a->n == a->cap) {
    a->cap = a->cap ? 2 * a->cap : 8;
    a->p = realloc(a->p, a->cap * sizeof *a->p);
    if (!a->p) abort();
  }
  a->p[a->n++] = strdup(s);
}
static void ppop(path *a) { free(a->p[--a->n]); }
static void pfree(path *a) {
  while (a->n) ppop(a);
  free(a->p);
  a->p = NULL;
  a->cap = 0;
}
static char *ptext(char *const *p, size_t n) {
  size_t len = 1;
  for (size_t i = 0; i < n; i++) len += strlen(p[i]) + 2;
  char *s = malloc(len);
  cfg_path_join(s, len, (const char *const *)p, n);
  return s;
}

typedef struct extfile {
  struct extfile *next;
  char *name;
  cfg_node *root;
} extfile;

typedef struct R {
  cfg_node *root;
  cfg_error *err;
  const cfg_resolve_opts *opts;
  char *stack[MAX_STACK]; /* chain of what is being expanded/resolved */
  size_t depth;
  extfile *files;
  cfg_loc ref_loc; /* the reference being followed, where a cycle closes */
  long copied;      /* nodes made by copies: bounded against blow-ups */
} R;

#define MAX_COPIED 2000000

/* A copy made by a reference, within the budget. */
static cfg_node *budget_copy(R *r, const cfg_node *n, cfg_loc loc, const char *at) {
  r->copied += cfg_count(n);
  if (r->copied > MAX_COPIED) {
    cfg_fail(r->err, loc, at, "references copy more than %d values in all (a reference blow-up?)", MAX_COPIED);
    return NULL;
  }
  return cfg_copy(n);
}

static int push(R *r, const char *what, cfg_loc loc, const char *at) {
  for (size_t i = 0; i < r->depth; i++)
    if (!strcmp(r->stack[i], what)) {
      size_t len = strlen(what) + 16;
      for (size_t k = i; k < r->depth; k++) len += strlen(r->stack[k]) + 4;
      char *chain = malloc(len);
      chain[0] = 0;
      for (size_t k = i; k < r->depth; k++) {
        strcat(chain, r->stack[k]);
        strcat(chain, " -> ");
      }
      strcat(chain, what);
      if (r->ref_loc.file) loc = r->ref_loc;
      cfg_fail(r->err, loc, at, "reference cycle: %s", chain);
      free(chain);
      return -1;
    }
  if (r->depth == MAX_STACK) {
    cfg_fail(r->err, loc, at, "references nested more than %d deep", MAX_STACK);
    return -1;
  }
  r->stack[r->depth++] = strdup(what);
  return 0;
}
static void pop(R *r) { free(r->stack[--r->depth]); }

/* A reference "::x", "a::b::0" relative to base (the key path holding it).
 * Returns 0 and fills out, or -1 with an error. */
static int abs_ref(R *r, const char *ref, char *const *base, size_t nbase, path *out, cfg_loc loc,
                   const char *at, char sigil) {
  size_t up = 0;
  const char *p = ref;
  while (!strncmp(p, "::", 2)) up++, p += 2;
  if (up > nbase) {
    cfg_fail(r->err, loc, at, "'%c%s' goes %zu level%s up from '%s', above the top of the config", sigil, ref, up,
             up == 1 ? "" : "s", at && *at ? at : "(top)");
    return -1;
  }
  if (!*p) {
    cfg_fail(r->err, loc, at, "'%c%s' names no key", sigil, ref);
    return -1;
  }
  size_t n;
  char **parts = cfg_path_split(p, &n);
  for (size_t i = 0; i < n; i++)
    if (!parts[i][0]) {
      cfg_fail(r->err, loc, at, "'%c%s' has an empty key in its path", sigil, ref);
      cfg_path_free(parts, n);
      return -1;
    }
  /* Relative: drop `up` trailing parts of where it is written. */
  for (size_t i = 0; up && i + up < nbase; i++) ppush(out, base[i]);
  for (size_t i = 0; i < n; i++) ppush(out, parts[i]);
  cfg_path_free(parts, n);
  return 0;
}

/* Is s a well-formed reference id (after the sigil)? */
static int valid_id(const char *s) {
  while (!strncmp(s, "::", 2)) s += 2;
  if (!*s) return 0;
  for (; *s; s++) {
    if (!strncmp(s, "::", 2)) {
      s++;
      if (!(isalnum((unsigned char)s[1]) || s[1] == '_')) return 0;
      continue;
    }
    if (!(isalnum((unsigned char)*s) || *s == '_')) return 0;
  }
  return 1;
}

static void miss_ref(R *r, cfg_node *root, path *t, cfg_loc loc, const char *at, char sigil, const char *where) {
  size_t depth;
  cfg_lookup(root, t->p, t->n, &depth);
  cfg_node *parent = depth ? cfg_lookup(root, t->p, depth, NULL) : root;
  char *full = ptext(t->p, t->n);
  char *found = ptext(t->p, depth);
  if (parent && parent->kind == CFG_DICT)
    cfg_fail(r->err, loc, at, "unknown reference '%c%s'%s: no key '%s' in %s%s%s", sigil, full, where, t->p[depth],
             depth ? "'" : "the top level", depth ? found : "", depth ? "'" : "");
  else
    cfg_fail(r->err, loc, at, "unknown reference '%c%s'%s: '%s' is a %s", sigil, full, where, found,
             parent ? cfg_kind_name(parent->kind) : "?");
  char sug[512];
  if (parent && parent->kind == CFG_DICT && cfg_suggest_keys(t->p[depth], parent, sug, sizeof sug)) {
    /* suggest full paths */
    char *pre = ptext(t->p, depth);
    char out[700];
    size_t used = 0;
    out[0] = 0;
    const char *c = sug;
    while ((c = strchr(c, '\'')) != NULL) {
      const char *e = strchr(c + 1, '\'');
      if (!e) break;
      used += (size_t)snprintf(out + used, sizeof out - used, "%s'%c%s%s%.*s'", used ? ", " : "", sigil, pre,
                               depth ? "::" : "", (int)(e - c - 1), c + 1);
      c = e + 1;
    }
    cfg_hint(r->err, "did you mean %s?", out);
    free(pre);
  }
  free(full);
  free(found);
}

/* Replace the node at parts with v (parent must exist). */
static void install(cfg_node *root, char *const *parts, size_t n, cfg_node *v) {
  cfg_node *parent = n > 1 ? cfg_lookup(root, parts, n - 1, NULL) : root;
  if (parent->kind == CFG_DICT) {
    long i = cfg_dict_find(parent, parts[n - 1]);
    cfg_free(parent->items[i]);
    parent->items[i] = v;
  } else {
    long i = strtol(parts[n - 1], NULL, 10);
    if (i < 0) i += (long)parent->n;
    cfg_free(parent->items[i]);
    parent->items[i] = v;
  }
}

/* ---- % macros -------------------------------------------------------- */

static cfg_node *expand_at(R *r, cfg_node *root, const char *file, path *at);

static int is_yaml_name(const char *s, size_t n) {
  return (n > 5 && !strncasecmp(s + n - 5, ".yaml", 5)) || (n > 4 && !strncasecmp(s + n - 4, ".yml", 4));
}

static cfg_node *file_root(R *r, const char *name, cfg_loc loc, const char *at) {
  for (extfile *f = r->files; f; f = f->next)
    if (!strcmp(f->name, name)) return f->root;
  cfg_error sub = {0};
  cfg_node *root = cfg_yaml_load_file(name, &sub);
  if (!root) {
    if (sub.loc.line)
      cfg_fail(r->err, loc, at, "cannot read '%s' for a %% reference: %s (%s:%d:%d)", name, sub.msg, name,
               sub.loc.line, sub.loc.col);
    else
      cfg_fail(r->err, loc, at, "cannot read '%s' for a %% reference: %s", name, sub.msg);
    return NULL;
  }
  extfile *f = calloc(1, sizeof *f);
  f->name = strdup(name);
  f->root = root;
  f->next = r->files;
  r->files = f;
  return root;
}

/* The expanded copy of what "%ref" (written at base in file) names. */
static cfg_node *macro(R *r, const char *ref, cfg_node *root, const char *file, path *base, cfg_loc loc) {
  char *at = ptext(base->p, base->n);
  cfg_node *res = NULL;
  path t = {0};
  const char *sep = strstr(ref, "::");
  size_t pre = sep ? (size_t)(sep - ref) : strlen(ref);
  cfg_node *troot = root;
  const char *tfile = file;
  if (is_yaml_name(ref, pre)) {
    char *fname = strndup(ref, pre);
    troot = file_root(r, fname, loc, at);
    tfile = troot ? cfg_intern(fname) : NULL;
    free(fname);
    if (!troot) goto out;
    if (sep) {
      size_t n;
      char **parts = cfg_path_split(sep + 2, &n);
      for (size_t i = 0; i < n; i++) ppush(&t, parts[i]);
      cfg_path_free(parts, n);
    }
  } else {
    if (!valid_id(ref)) {
      cfg_fail(r->err, loc, at, "'%%%s' is not a valid reference (keys of letters, digits, _ and -, joined by ::)", ref);
      goto out;
    }
    if (abs_ref(r, ref, base->p, base->n, &t, loc, at, '%') != 0) goto out;
  }
  {
    char *key = ptext(t.p, t.n);
    size_t klen = strlen(key) + strlen(tfile ? tfile : "") + 4;
    char *tag = malloc(klen);
    snprintf(tag, klen, "%%%s%s%s", tfile && tfile != file ? tfile : "", tfile && tfile != file ? "::" : "", key);
    free(key);
    if (!cfg_lookup(troot, t.p, t.n, NULL)) {
      miss_ref(r, troot, &t, loc, at, '%', tfile && tfile != file ? " in that file" : "");
      free(tag);
      goto out;
    }
    if (push(r, tag, loc, at) != 0) {
      free(tag);
      goto out;
    }
    free(tag);
    cfg_node *n = expand_at(r, troot, tfile, &t);
    pop(r);
    if (n) res = budget_copy(r, n, loc, at);
  }
out:
  pfree(&t);
  free(at);
  return res;
}

static cfg_node *expand_at(R *r, cfg_node *root, const char *file, path *at) {
  cfg_node *n = at->n ? cfg_lookup(root, at->p, at->n, NULL) : root;
  if (!n) return NULL;
  if (n->kind == CFG_STRING && n->s[0] == '%') {
    cfg_node *c = macro(r, n->s + 1, root, file, at, n->loc);
    if (!c) return NULL;
    install(root, at->p, at->n, c);
    return c;
  }
  for (size_t i = 0; i < n->n; i++) {
    char idx[24];
    if (n->kind == CFG_DICT) ppush(at, n->keys[i]);
    else snprintf(idx, sizeof idx, "%zu", i), ppush(at, idx);
    cfg_node *c = expand_at(r, root, file, at);
    ppop(at);
    if (!c) return NULL;
  }
  return n;
}

static void r_free(R *r) {
  while (r->depth) pop(r);
  while (r->files) {
    extfile *f = r->files->next;
    cfg_free(r->files->root);
    free(r->files->name);
    free(r->files);
    r->files = f;
  }
}

int cfg_expand_macros(cfg_node *root, cfg_error *err) {
  R r = {0};
  r.root = root;
  r.err = err;
  path at = {0};
  cfg_node *n = expand_at(&r, root, root->loc.file, &at);
  pfree(&at);
  r_free(&r);
  return n ? 0 : -1;
}

/* ---- @ references and $ expressions ---------------------------------- */

static cfg_node *resolve_at(R *r, path *at);

typedef struct ectx {
  R *r;
  path *base;
  cfg_node *tmp; /* the value handed out last (owned) */
} ectx;

static const cfg_node *target_value(R *r, path *t, cfg_loc loc, const char *at, char sigil, int *deferred) {
  r->ref_loc = loc;
  /* A path through a reference not yet resolved ("@a::x" where a is "@b"):
   * resolve that part first, so the order of keys does not matter. */
  for (size_t k = 1; k < t->n; k++) {
    cfg_node *mid = cfg_lookup(r->root, t->p, k, NULL);
    if (!mid) break;
    if (mid->kind == CFG_STRING && (mid->s[0] == '@' || mid->s[0] == '$') && !(mid->flags & CFG_F_RESOLVED)) {
      path pre = {0};
      for (size_t i = 0; i < k; i++) ppush(&pre, t->p[i]);
      cfg_node *done = resolve_at(r, &pre);
      pfree(&pre);
      if (!done) return NULL;
    }
  }
  if (!cfg_lookup(r->root, t->p, t->n, NULL)) {
    miss_ref(r, r->root, t, loc, at, sigil, "");
    return NULL;
  }
  cfg_node *v = resolve_at(r, t);
  r->ref_loc = loc;
  if (!v) return NULL;
  if (v->flags & CFG_F_REMOVED) return v; /* reads as null */
  if (cfg_contains_component(v)) *deferred = 1;
  return v;
}

static const cfg_node *expr_ref(void *ctx, const char *ref, int raw, cfg_loc loc, int *deferred, cfg_error *err) {
  ectx *c = ctx;
  (void)err;
  static const cfg_node null_node = {.kind = CFG_NULL};
  char *at = ptext(c->base->p, c->base->n);
  path t = {0};
  const cfg_node *v = NULL;
  if (abs_ref(c->r, ref, c->base->p, c->base->n, &t, loc, at, raw ? '%' : '@') == 0)
    v = target_value(c->r, &t, loc, at, raw ? '%' : '@', deferred);
  if (v && (v->flags & CFG_F_REMOVED)) v = &null_node; /* a disabled component reads as None */
  pfree(&t);
  free(at);
  return v;
}

static char *abs_map(void *ctx, const char *ref) {
  ectx *c = ctx;
  path t = {0};
  size_t up = 0;
  const char *p = ref;
  while (!strncmp(p, "::", 2)) up++, p += 2;
  for (size_t i = 0; up && i + up < c->base->n; i++) ppush(&t, c->base->p[i]);
  char *pre = ptext(t.p, t.n);
  pfree(&t);
  char *out = malloc(strlen(pre) + strlen(p) + 3);
  sprintf(out, "%s%s%s", pre, *pre ? "::" : "", p);
  free(pre);
  return out;
}

static cfg_node *resolve_string(R *r, cfg_node *n, path *at) {
  char *here = ptext(at->p, at->n);
  cfg_node *out = NULL;
  if (push(r, here, n->loc, here) != 0) {
    free(here);
    return NULL;
  }
  if (n->s[0] == '@') {
    const char *ref = n->s + 1;
    if (!valid_id(ref)) {
      cfg_fail(r->err, n->loc, here, "'%s' is not a valid reference (keys of letters, digits, _ and -, joined by ::)",
               n->s);
      if (strpbrk(ref, ".(")) cfg_hint(r->err, "to call a method write an expression: \"$%s\"", n->s);
      goto done;
    }
    path t = {0};
    if (abs_ref(r, ref, at->p, at->n, &t, n->loc, here, '@') == 0) {
      int deferred = 0;
      r->ref_loc = n->loc;
      const cfg_node *v = target_value(r, &t, n->loc, here, '@', &deferred);
      if (v && (v->flags & CFG_F_REMOVED)) {
        out = cfg_new(CFG_NULL, n->loc);
      } else if (v && deferred) {
        out = cfg_new(CFG_REF, n->loc);
        out->s = ptext(t.p, t.n);
      } else if (v) {
        out = budget_copy(r, v, n->loc, here);
      }
    }
    pfree(&t);
  } else {
    cfg_loc l = n->loc;
    l.col += 1 + (n->quoted ? 1 : 0);
    cfg_expr *e = cfg_expr_parse(n->s + 1, l, r->err);
    if (e) {
      ectx c = {r, at, NULL};
      cfg_expr_env env = {&c, expr_ref, r->opts ? r->opts->methods : NULL, r->opts ? r->opts->nmethods : 0, NULL};
      int deferred = 0;
      cfg_node *v = cfg_expr_eval(e, &env, &deferred, r->err);
      if (v) {
        v->loc = n->loc;
        out = v;
      } else if (deferred) {
        out = cfg_new(CFG_EXPR, n->loc);
        out->s = cfg_expr_rewrite(e, n->s + 1, abs_map, &c);
      }
      cfg_expr_free(e);
    }
    if (r->err->set && !r->err->path[0]) snprintf(r->err->path, sizeof r->err->path, "%s", here);
  }
done:
  pop(r);
  free(here);
  if (!out) return NULL;
  out->flags |= CFG_F_RESOLVED;
  install(r->root, at->p, at->n, out);
  return out;
}

static const char *kSpecial[] = {"_target_", "_args_", "_disabled_", "_mode_", "_requires_"};

static int check_component(R *r, cfg_node *d, path *at) {
  char *here = ptext(at->p, at->n);
  int rc = -1;
  for (size_t i = 0; i < d->n; i++) {
    const char *k = d->keys[i];
    size_t kl = strlen(k);
    if (kl >= 2 && k[0] == '_' && k[kl - 1] == '_') {
      int known = 0;
      for (size_t s = 0; s < sizeof kSpecial / sizeof kSpecial[0]; s++) known |= !strcmp(k, kSpecial[s]);
      if (!known) {
        cfg_fail(r->err, d->key_locs[i], here, "unknown special key '%s'", k);
        char sug[256];
        if (cfg_suggest(k, kSpecial, sizeof kSpecial / sizeof kSpecial[0], sug, sizeof sug))
          cfg_hint(r->err, "did you mean %s?", sug);
        else
          cfg_hint(r->err, "special keys: _target_, _args_, _disabled_, _mode_, _requires_");
        goto out;
      }
    }
  }
  cfg_node *t = cfg_dict_get(d, "_target_");
  if (t && (t->kind != CFG_STRING || !t->s[0])) {
    cfg_fail(r->err, t->loc, here, "_target_ must be a component name such as torch.nn.Linear, not a %s",
             cfg_kind_name(t->kind));
    goto out;
  }
  cfg_node *m = cfg_dict_get(d, "_mode_");
  if (m) {
    static const char *modes[] = {"default", "callable", "debug"};
    if (m->kind != CFG_STRING || (strcmp(m->s, "default") && strcmp(m->s, "callable") && strcmp(m->s, "debug"))) {
      cfg_fail(r->err, m->loc, here, "_mode_ is '%s'; it must be default, callable or debug",
               m->kind == CFG_STRING ? m->s : cfg_kind_name(m->kind));
      char sug[128];
      if (m->kind == CFG_STRING && cfg_suggest(m->s, modes, 3, sug, sizeof sug)) cfg_hint(r->err, "did you mean %s?", sug);
      goto out;
    }
  }
  cfg_node *a = cfg_dict_get(d, "_args_");
  if (a && a->kind != CFG_LIST) {
    cfg_fail(r->err, a->loc, here, "_args_ must be a list of positional arguments, not a %s", cfg_kind_name(a->kind));
    goto out;
  }
  if ((m || a || cfg_dict_get(d, "_requires_")) && !t) {
    cfg_fail(r->err, d->loc, here, "_mode_, _args_ and _requires_ belong to a component, which needs a _target_");
    goto out;
  }
  long di = cfg_dict_find(d, "_disabled_");
  if (di >= 0) {
    cfg_node *v = d->items[di];
    int off;
    if (v->kind == CFG_BOOL) off = (int)v->i;
    else if (v->kind == CFG_NULL) off = 0;
    else if (v->kind == CFG_STRING && (!strcasecmp(v->s, "true") || !strcasecmp(v->s, "false"))) off = !strcasecmp(v->s, "true");
    else {
      cfg_fail(r->err, v->loc, here, "_disabled_ must be true or false (or an expression giving one), not a %s",
               cfg_kind_name(v->kind));
      goto out;
    }
    cfg_dict_remove(d, (size_t)di);
    if (off) d->flags |= CFG_F_REMOVED;
  }
  rc = 0;
out:
  free(here);
  return rc;
}

static cfg_node *resolve_at(R *r, path *at) {
  cfg_node *n = at->n ? cfg_lookup(r->root, at->p, at->n, NULL) : r->root;
  if (!n) return NULL;
  if (n->flags & CFG_F_RESOLVED) return n;
  if (n->kind == CFG_STRING && (n->s[0] == '@' || n->s[0] == '$')) return resolve_string(r, n, at);
  if (n->kind == CFG_STRING && n->s[0] == '%') { /* left by a later override or a copy */
    cfg_fail(r->err, n->loc, NULL, "unexpanded macro '%s'", n->s);
    return NULL;
  }
  if (n->kind == CFG_DICT || n->kind == CFG_LIST) {
    char *key = ptext(at->p, at->n);
    int pushed = at->n > 0;
    if (pushed && push(r, key, n->loc, key) != 0) {
      free(key);
      return NULL;
    }
    free(key);
    for (size_t i = 0; i < n->n; i++) {
      char idx[24];
      if (n->kind == CFG_DICT) ppush(at, n->keys[i]);
      else snprintf(idx, sizeof idx, "%zu", i), ppush(at, idx);
      cfg_node *c = resolve_at(r, at);
      ppop(at);
      if (!c) {
        if (pushed) pop(r);
        return NULL;
      }
    }
    if (pushed) pop(r);
    if (n->kind == CFG_DICT && check_component(r, n, at) != 0) return NULL;
  }
  n->flags |= CFG_F_RESOLVED;
  return n;
}

/* Drop disabled components from their parents. */
static void sweep(cfg_node *n) {
  for (size_t i = n->n; i-- > 0;) {
    if (n->items[i]->flags & CFG_F_REMOVED) {
      if (n->kind == CFG_DICT) cfg_dict_remove(n, i);
      else cfg_list_remove(n, i);
    } else {
      sweep(n->items[i]);
    }
  }
}

int cfg_resolve(cfg_node *root, const cfg_resolve_opts *opts, cfg_error *err) {
  R r = {0};
  r.root = root;
  r.err = err;
  r.opts = opts;
  path at = {0};
  cfg_node *n = resolve_at(&r, &at);
  pfree(&at);
  r_free(&r);
  if (!n) {
    if (!err->set) cfg_fail(err, root->loc, NULL, "config resolution failed");
    return -1;
  }
  if (root->flags & CFG_F_REMOVED) root->flags &= ~CFG_F_REMOVED;
  sweep(root);
  return 0;
}
