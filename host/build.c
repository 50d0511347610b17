/* build.c: the builder. host_build_check walks a resolved config and checks
 * every component against its parameter spec before anything is created;
 * host_build_get then creates components in dependency order: parameters
 * that are components are built first, "@ref"s share one instance per
 * path, "%" copies (already separate nodes) give new ones. Values reach a
 * plugin as lt_value arrays in spec order, defaults filled in. */
#include "build.h"

#include "cmd.h"
#include "config/expr.h"
#include "module_names.h"

#include "config/compose.h"
#include "config/yaml.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kSpecial[] = {"_target_", "_args_", "_mode_", "_requires_"};

static int is_special(const char *k) {
  for (size_t i = 0; i < sizeof kSpecial / sizeof kSpecial[0]; i++)
    if (!strcmp(k, kSpecial[i])) return 1;
  return 0;
}


static const char *type_words(const lt_param *p) {
  switch (p->type) {
  case LT_P_BOOL: return "true or false";
  case LT_P_INT: return "an integer";
  case LT_P_FLOAT: return "a number";
  case LT_P_STRING: return "a string";
  case LT_P_LIST: return "a list";
  case LT_P_DICT: return "a mapping";
  case LT_P_COMPONENT: return "a component";
  case LT_P_TENSOR: return "a tensor (or a list of numbers)";
  default: return "a value";
  }
}

/* The node a parameter gets: by name, or positional through _args_. A
 * varargs parameter gets the rest of _args_ as a list that borrows its
 * items: release it with release_varargs. */
static cfg_node *param_node(const cfg_node *d, const lt_component *c, size_t i, cfg_loc *kloc) {
  long at = cfg_dict_find(d, c->params[i].name);
  if (at >= 0) {
    if (kloc) *kloc = d->key_locs[at];
    return d->items[at];
  }
  cfg_node *args = cfg_dict_get(d, "_args_");
  if (args && args->kind == CFG_LIST && i < args->n) {
    if (kloc) *kloc = args->items[i]->loc;
    if (c->params[i].flags & LT_PF_VARARGS) {
      cfg_node *l = cfg_new(CFG_LIST, args->items[i]->loc);
      l->flags = CFG_F_BORROWS;
      for (size_t k = i; k < args->n; k++) cfg_list_append(l, args->items[k]);
      return l;
    }
    return args->items[i];
  }
  return NULL;
}

static void release_varargs(cfg_node *n) {
  if (n && (n->flags & CFG_F_BORROWS)) {
    n->n = 0;
    cfg_free(n);
  }
}

static int check_value(const host_registry *reg, const lt_component *c, const lt_param *p, cfg_node *v,
                       const char *path, cfg_error *err);

/* A number against its parameter's range (LT_PF_MIN / MIN_EXCL / MAX). A
 * number with a range must also be finite: inf passed "at least 0" (lr:
 * .inf trained on NaN) while NaN was refused. 0, or -1 with err set. */
static int check_range(const lt_component *c, const lt_param *p, double x, cfg_loc loc, const char *path, cfg_error *err) {
  unsigned fl = p->flags & (LT_PF_MIN | LT_PF_MAX | LT_PF_MIN_EXCL);
  if (!fl) return 0;
  int bad = ((fl & LT_PF_MIN) && !(x >= p->min)) || ((fl & LT_PF_MIN_EXCL) && !(x > p->min)) ||
            ((fl & LT_PF_MAX) && !(x <= p->max));
  if (!bad && !isinf(x)) return 0;
  char range[96];
  if ((fl & LT_PF_MAX) && (fl & LT_PF_MIN)) snprintf(range, sizeof range, "between %g and %g", p->min, p->max);
  else if ((fl & LT_PF_MAX) && (fl & LT_PF_MIN_EXCL)) snprintf(range, sizeof range, "greater than %g and at most %g", p->min, p->max);
  else if (fl & LT_PF_MAX) snprintf(range, sizeof range, "at most %g", p->max);
  else snprintf(range, sizeof range, "%s %g", fl & LT_PF_MIN_EXCL ? "greater than" : "at least", p->min);
  if (isinf(x))
    cfg_fail(err, loc, path, "parameter '%s' of %s must be a finite number (%s), got %s", p->name, c->target, range,
             x > 0 ? "inf" : "-inf");
  else
    cfg_fail(err, loc, path, "parameter '%s' of %s must be %s, got %g", p->name, c->target, range, x);
  return -1;
}
static int check_tree(const host_registry *reg, cfg_node *n, const char *path, cfg_error *err);

const char *const host_model_fields[HOST_NMODEL_FIELDS] = {"network",       "criterion",    "optimizer",  "scheduler",
                                                            "train_metrics", "val_metrics", "test_metrics"};

int host_model_field(const char *key) {
  for (int i = 0; i < HOST_NMODEL_FIELDS; i++)
    if (!strcmp(key, host_model_fields[i])) return i;
  return -1;
}


static int check_component(const host_registry *reg, cfg_node *d, const char *path, cfg_error *err) {
  cfg_node *t = cfg_dict_get(d, "_target_");
  const host_entry *e = host_registry_find(reg, t->s);
  if (!e) {
    cfg_fail(err, t->loc, path, "unknown component '%s'", t->s);
    char sug[512];
    if (host_registry_suggest(reg, t->s, sug, sizeof sug)) cfg_hint(err, "did you mean %s?", sug);
    else cfg_hint(err, "no plugin provides it (`lighter-host plugins` lists what is there)");
    return -1;
  }
  const lt_component *c = e->comp;
  cfg_node *args = cfg_dict_get(d, "_args_");
  int varargs = c->nparams && (c->params[c->nparams - 1].flags & LT_PF_VARARGS);
  if (args && args->kind == CFG_LIST && args->n > c->nparams && !varargs) {
    cfg_fail(err, args->items[c->nparams]->loc, path, "%s takes at most %zu positional arguments (_args_), got %zu",
             c->target, c->nparams, args->n);
    return -1;
  }
  for (size_t i = 0; i < d->n; i++) {
    const char *k = d->keys[i];
    if (is_special(k)) continue;
    size_t pi = 0;
    while (pi < c->nparams && strcmp(c->params[pi].name, k)) pi++;
    char *kp = cfg_path_append(path, k);
    if (pi == c->nparams && c->kind == LT_KIND_MODEL && host_model_field(k) >= 0) {
      /* a LighterModule field: built when the trainer asks for it */
      int rc = check_tree(reg, d->items[i], kp, err);
      free(kp);
      if (rc) return -1;
      continue;
    }
    if (pi == c->nparams) {
      cfg_fail(err, d->key_locs[i], kp, "%s has no parameter '%s'", c->target, k);
      /* a model also takes the LighterModule fields */
      size_t nn = c->nparams + (c->kind == LT_KIND_MODEL ? HOST_NMODEL_FIELDS : 0);
      const char **names = malloc((nn + 1) * sizeof *names);
      for (size_t q = 0; q < c->nparams; q++) names[q] = c->params[q].name;
      for (size_t q = c->nparams; q < nn; q++) names[q] = host_model_fields[q - c->nparams];
      char sug[512];
      if (cfg_suggest(k, names, nn, sug, sizeof sug)) cfg_hint(err, "did you mean %s?", sug);
      else cfg_hint(err, "`lighter-host inspect %s` lists its parameters", c->target);
      free(names);
      free(kp);
      return -1;
    }
    if (args && args->kind == CFG_LIST && pi < args->n) {
      cfg_fail(err, d->key_locs[i], kp, "'%s' of %s is given twice: by name and as _args_ item %zu", k, c->target,
               pi);
      free(kp);
      return -1;
    }
    free(kp);
  }
  for (size_t i = 0; i < c->nparams; i++) {
    const lt_param *p = &c->params[i];
    cfg_loc kloc;
    cfg_node *v = param_node(d, c, i, &kloc);
    char *kp = cfg_path_append(path, p->name);
    int rc = 0;
    if (!v) {
      if (p->flags & LT_PF_REQUIRED) {
        cfg_fail(err, d->loc, path, "%s needs parameter '%s' (%s): %s", c->target, p->name, type_words(p),
                 p->doc ? p->doc : "");
        rc = -1;
      }
    } else {
      rc = check_value(reg, c, p, v, kp, err);
      release_varargs(v);
    }
    free(kp);
    if (rc) return -1;
  }
  return 0;
}

int host_param_check(const host_registry *reg, const lt_component *c, const lt_param *p, cfg_node *v,
                     const char *path, cfg_error *err) {
  return check_value(reg, c, p, v, path, err);
}

static int check_value(const host_registry *reg, const lt_component *c, const lt_param *p, cfg_node *v,
                       const char *path, cfg_error *err) {
  if (v->kind == CFG_EXPR || v->kind == CFG_REF) return 0; /* checked when built */
  if (v->kind == CFG_NULL) {
    if ((p->flags & LT_PF_NULLABLE) || p->type == LT_P_ANY || (p->dflt && !strcmp(p->dflt, "null"))) return 0;
    cfg_fail(err, v->loc, path, "parameter '%s' of %s must be %s, not null", p->name, c->target, type_words(p));
    return -1;
  }
  int ok = 1;
  switch (p->type) {
  case LT_P_BOOL: ok = v->kind == CFG_BOOL; break;
  case LT_P_INT: ok = v->kind == CFG_INT; break;
  case LT_P_FLOAT: ok = v->kind == CFG_INT || v->kind == CFG_FLOAT; break;
  case LT_P_STRING: ok = v->kind == CFG_STRING; break;
  case LT_P_LIST: ok = v->kind == CFG_LIST; break;
  case LT_P_DICT: ok = v->kind == CFG_DICT && !cfg_is_component(v); break;
  case LT_P_COMPONENT: ok = cfg_is_component(v); break;
  case LT_P_TENSOR:
    ok = v->kind == CFG_LIST || v->kind == CFG_INT || v->kind == CFG_FLOAT;
    break;
  default: break;
  }
  if (!ok && p->type == LT_P_INT && v->kind == CFG_FLOAT && v->f == floor(v->f) && fabs(v->f) >= 0x1p63) {
    cfg_fail(err, v->loc, path, "parameter '%s' of %s must be an integer from %lld to %lld; %.17g is past that range",
             p->name, c->target, (long long)INT64_MIN, (long long)INT64_MAX, v->f);
    return -1;
  }
  if (!ok) {
    char val[96] = "";
    if (v->kind == CFG_STRING) snprintf(val, sizeof val, " '%.80s'", v->s);
    cfg_fail(err, v->loc, path, "parameter '%s' of %s must be %s, not %s%s%s", p->name, c->target, type_words(p),
             cfg_is_component(v) ? "a component" : v->kind == CFG_INT ? "an integer" : "a ",
             cfg_is_component(v) || v->kind == CFG_INT ? "" : cfg_kind_name(v->kind), val);
    return -1;
  }
  if ((p->type == LT_P_INT || p->type == LT_P_FLOAT) && check_range(c, p, v->kind == CFG_INT ? (double)v->i : v->f, v->loc, path, err))
    return -1;
  if (p->type == LT_P_STRING && p->choices) {
    char *copy = strdup(p->choices), *save = NULL;
    const char *opts[32];
    size_t n = 0;
    int found = 0;
    for (char *t = strtok_r(copy, "|", &save); t && n < 32; t = strtok_r(NULL, "|", &save)) {
      opts[n++] = t;
      found |= !strcmp(t, v->s);
    }
    if (!found) {
      cfg_fail(err, v->loc, path, "parameter '%s' of %s must be one of %s, got '%s'", p->name, c->target, p->choices,
               v->s);
      char sug[256];
      if (cfg_suggest(v->s, opts, n, sug, sizeof sug)) cfg_hint(err, "did you mean %s?", sug);
    }
    free(copy);
    if (!found) return -1;
  }
  if (!reg) return 0; /* a plugin's own default, checked as it loads: nothing else is known yet */
  if (p->type == LT_P_COMPONENT && p->kind) {
    const host_entry *e = host_registry_find(reg, cfg_dict_get(v, "_target_")->s);
    if (e && e->comp->kind != p->kind) {
      cfg_fail(err, v->loc, path, "parameter '%s' of %s needs a %s, but %s is a %s", p->name, c->target,
               host_kind_name(p->kind), e->comp->target, host_kind_name(e->comp->kind));
      return -1;
    }
  }
  return check_tree(reg, v, path, err);
}

static int check_tree(const host_registry *reg, cfg_node *n, const char *path, cfg_error *err) {
  if (cfg_is_component(n)) {
    /* parameters are checked with their spec, and check_value walks into
     * their values for nested components */
    return check_component(reg, n, path, err);
  }
  for (size_t i = 0; i < n->n; i++) {
    char idx[24];
    snprintf(idx, sizeof idx, "%zu", i);
    char *kp = cfg_path_append(path, n->kind == CFG_DICT ? n->keys[i] : idx);
    int rc = check_tree(reg, n->items[i], kp, err);
    free(kp);
    if (rc) return -1;
  }
  return 0;
}

int host_build_check(const host_registry *reg, cfg_node *root, cfg_error *err) {
  return check_tree(reg, root, "", err);
}

/* ---- creating ------------------------------------------------------------ */

typedef struct arena {
  void **blocks;
  size_t n;
  cfg_node **nodes; /* expression results that values point into */
  size_t nn;
} arena;

static void keep_node(arena *a, cfg_node *n) {
  a->nodes = realloc(a->nodes, (a->nn + 1) * sizeof *a->nodes);
  if (!a->nodes) abort();
  a->nodes[a->nn++] = n;
}

static void *amalloc(arena *a, size_t size) {
  void *p = calloc(1, size ? size : 1);
  if (!p) abort();
  a->blocks = realloc(a->blocks, (a->n + 1) * sizeof *a->blocks);
  a->blocks[a->n++] = p;
  return p;
}

static void afree(arena *a) {
  for (size_t i = 0; i < a->n; i++) free(a->blocks[i]);
  free(a->blocks);
  for (size_t i = 0; i < a->nn; i++) cfg_free(a->nodes[i]);
  free(a->nodes);
}

/* ---- expressions over built objects ---------------------------------------
 * A CFG_OBJECT value is a built component (i == 0, ptr: host_object) or a
 * tensor (i == 1, ptr: lt_tensor, borrowed from its module). */

typedef struct ectx {
  host_build *b;
  arena *a;
} ectx;

static cfg_node *object_node(arena *a, void *ptr, int tensor, cfg_loc loc) {
  cfg_node *n = cfg_new(CFG_OBJECT, loc);
  n->ptr = ptr;
  n->i = tensor;
  keep_node(a, n);
  return n;
}

static cfg_node *node_at(host_build *b, const char *path);

static const cfg_node *expr_ref(void *ctx, const char *ref, int raw, cfg_loc loc, int *deferred, cfg_error *err) {
  ectx *c = ctx;
  (void)deferred;
  cfg_node *n = node_at(c->b, ref);
  if (!n) {
    cfg_fail(err, loc, NULL, "unknown reference '%c%s'", raw ? '%' : '@', ref);
    return NULL;
  }
  if (n->kind == CFG_REF) ref = n->s, n = node_at(c->b, ref);
  if (n && cfg_is_component(n)) {
    host_object *o = host_build_get(c->b, ref);
    return o ? object_node(c->a, o, 0, loc) : NULL;
  }
  return n;
}

static cfg_node *call_method(void *ctx, const cfg_node *obj, const char *name, cfg_node *const *args, size_t nargs,
                             cfg_loc loc, cfg_error *err) {
  ectx *c = ctx;
  (void)args;
  if (obj->i != 0) {
    cfg_fail(err, loc, NULL, "a tensor has no method '%s' here", name);
    return NULL;
  }
  host_object *o = obj->ptr;
  if (nargs) {
    cfg_fail(err, loc, NULL, "%s() takes no arguments", name);
    return NULL;
  }
  const lt_module_ops *ops = o->comp->ops;
  int module = o->comp->kind == LT_KIND_MODULE && o->self && ops &&
               HOST_HAS(ops, lt_module_ops, parameters);
  if (!module) {
    cfg_fail(err, loc, NULL, "'%s' (%s, kind %s%s) has no %s(): only modules have parameters", o->path,
             o->comp->target, host_kind_name(o->comp->kind), o->is_factory ? ", _mode_: callable" : "", name);
    return NULL;
  }
  cfg_node *list = cfg_new(CFG_LIST, loc);
  size_t (*view)(void *, lt_tensor **, const char **, size_t) = ops->parameters;
  if (!strcmp(name, "buffers"))
    view = ops->size >= offsetof(lt_module_ops, buffers) + sizeof ops->buffers ? ops->buffers : NULL;
  if (!view) return list;
  size_t n = view(o->self, NULL, NULL, 0);
  lt_tensor **t = calloc(n + 1, sizeof *t);
  const char **names = calloc(n + 1, sizeof *names);
  view(o->self, t, names, n);
  for (size_t i = 0; i < n; i++) {
    cfg_node *tn = cfg_new(CFG_OBJECT, loc);
    tn->ptr = t[i];
    tn->i = 1;
    if (!strcmp(name, "named_parameters")) {
      cfg_node *pair = cfg_new(CFG_LIST, loc);
      cfg_list_append(pair, cfg_new_string(names[i] ? names[i] : "", loc));
      cfg_list_append(pair, tn);
      cfg_list_append(list, pair);
    } else {
      cfg_list_append(list, tn);
    }
  }
  free(t);
  free(names);
  (void)c;
  return list;
}

static int to_value(host_build *b, const lt_param *p, cfg_node *v, const char *path, lt_value *out, arena *a);

static host_object *build_node(host_build *b, cfg_node *d, const char *path);

static int any_value(host_build *b, cfg_node *v, const char *path, lt_value *out, arena *a) {
  static const lt_param any = {"", LT_P_ANY, (lt_kind)0, NULL, LT_PF_NULLABLE, 0, 0, NULL, NULL};
  return to_value(b, &any, v, path, out, a);
}

/* A built component (or factory) as a plugin receives it. */
static void component_value(const host_object *o, lt_value *out) {
  out->type = LT_P_COMPONENT;
  out->component = o->self;
  out->component_kind = o->comp->kind;
  out->component_type = o->comp;
  if (o->is_factory) out->factory = &o->factory;
}

static int to_value(host_build *b, const lt_param *p, cfg_node *v, const char *path, lt_value *out, arena *a) {
  memset(out, 0, sizeof *out);
  if (v->kind == CFG_REF) {
    host_object *o = host_build_get(b, v->s);
    if (!o) return -1;
    if (p->kind && o->comp->kind != p->kind) {
      cfg_fail(b->err, v->loc, path, "'@%s' is a %s (%s), but parameter '%s' needs a %s", v->s,
               host_kind_name(o->comp->kind), o->comp->target, p->name, host_kind_name(p->kind));
      return -1;
    }
    component_value(o, out);
    return 0;
  }
  if (v->kind == CFG_EXPR) {
    cfg_expr *e = cfg_expr_parse(v->s, v->loc, b->err);
    if (!e) return -1;
    ectx c = {b, a};
    cfg_expr_env env = {&c, expr_ref, host_methods, host_nmethods, call_method};
    int deferred = 0;
    cfg_node *r = cfg_expr_eval(e, &env, &deferred, b->err);
    cfg_expr_free(e);
    if (!r) {
      if (!b->err->path[0]) snprintf(b->err->path, sizeof b->err->path, "%s", path);
      return -1;
    }
    keep_node(a, r);
    return to_value(b, p, r, path, out, a);
  }
  if (v->kind == CFG_OBJECT) {
    if (v->i == 1) {
      out->type = LT_P_TENSOR;
      out->tensor = v->ptr;
      return 0;
    }
    host_object *o = v->ptr;
    component_value(o, out);
    return 0;
  }
  if (cfg_is_component(v)) {
    host_object *o = build_node(b, v, path);
    if (!o) return -1;
    component_value(o, out);
    return 0;
  }
  switch (v->kind) {
  case CFG_NULL: out->type = LT_P_ANY; out->is_null = 1; return 0;
  case CFG_BOOL: out->type = LT_P_BOOL; out->i = v->i; out->f = (double)v->i; return 0;
  case CFG_INT:
    out->type = p->type == LT_P_FLOAT ? LT_P_FLOAT : LT_P_INT;
    out->i = v->i;
    out->f = (double)v->i;
    return 0;
  case CFG_FLOAT: out->type = LT_P_FLOAT; out->f = v->f; return 0;
  case CFG_STRING: out->type = LT_P_STRING; out->s = v->s; return 0;
  case CFG_LIST:
  case CFG_DICT: {
    out->type = v->kind == CFG_LIST ? LT_P_LIST : LT_P_DICT;
    lt_value *items = amalloc(a, v->n * sizeof *items);
    for (size_t i = 0; i < v->n; i++) {
      char idx[24];
      snprintf(idx, sizeof idx, "%zu", i);
      char *kp = cfg_path_append(path, v->kind == CFG_DICT ? v->keys[i] : idx);
      int rc = any_value(b, v->items[i], kp, &items[i], a);
      free(kp);
      if (rc) return -1;
    }
    out->items = items;
    out->keys = v->kind == CFG_DICT ? (const char *const *)v->keys : NULL;
    out->n = v->n;
    return 0;
  }
  default:
    cfg_fail(b->err, v->loc, path, "cannot pass a %s to a component", cfg_kind_name(v->kind));
    return -1;
  }
}

static host_object *find_built(host_build *b, const char *path) {
  for (size_t i = 0; i < b->nobjects; i++)
    if (!strcmp(b->objects[i]->path, path)) return b->objects[i];
  return NULL;
}

/* lt_arg's report of a name the spec does not have: the first is kept
 * (copied: it may be the plugin's own buffer) and fails the create. */
typedef struct unknown_arg {
  char name[96];
} unknown_arg;

static void note_unknown_arg(void *host, const char *name) {
  unknown_arg *u = host;
  if (!u->name[0]) snprintf(u->name, sizeof u->name, "%s", name);
}

/* Make one instance of the component dict d (checked already): its
 * arguments (building the components they need), then create(). */
static int make_instance(host_build *b, cfg_node *d, const char *path, const host_entry *e, void **out) {
  const lt_component *c = e->comp;
  arena a = {0};
  /* the head lt_arg reads sits right before the args (plugin.h) */
  lt__args_head *head = amalloc(&a, sizeof *head + c->nparams * sizeof(lt_value));
  lt_value *args = (lt_value *)(head + 1);
  unknown_arg unknown = {""};
  *head = (lt__args_head){LT__ARGS_MAGIC, c, c->nparams, &unknown, note_unknown_arg};
  /* Defaults parsed from the spec; args point into them until create returns. */
  cfg_node **dflts = amalloc(&a, (c->nparams + 1) * sizeof *dflts);
  int rc = 0;
  for (size_t i = 0; i < c->nparams && rc == 0; i++) {
    const lt_param *p = &c->params[i];
    cfg_node *v = param_node(d, c, i, NULL);
    char *kp = cfg_path_append(path, p->name);
    if (!v && p->dflt) {
      cfg_error sub = {0};
      dflts[i] = cfg_yaml_parse("<default>", p->dflt, strlen(p->dflt), 1, &sub);
      if (!dflts[i]) {
        cfg_fail(b->err, d->loc, kp, "plugin bug: the default '%s' of %s's parameter '%s' is not valid YAML: %s",
                 p->dflt, c->target, p->name, sub.msg);
        rc = -1;
      }
      v = dflts[i];
    }
    if (rc == 0) {
      if (v) rc = to_value(b, p, v, kp, &args[i], &a);
      else args[i].type = LT_P_ANY, args[i].is_null = 1;
      /* a $ expression's number meets the range only now */
      if (rc == 0 && v && v->kind == CFG_EXPR && (args[i].type == LT_P_INT || args[i].type == LT_P_FLOAT) &&
          (p->type == LT_P_INT || p->type == LT_P_FLOAT))
        rc = check_range(c, p, args[i].type == LT_P_INT ? (double)args[i].i : args[i].f, v->loc, kp, b->err);
    }
    if (v != dflts[i]) release_varargs(v);
    free(kp);
  }
  if (rc == 0 && host_kind_needs_ops(c->kind) && (!c->ops || *(const size_t *)c->ops < sizeof(size_t))) {
    /* the host would call through this table at the first step or hook */
    cfg_fail(b->err, d->loc, path, "%s (kind %s, plugin %s) has %s: the plugin is incomplete (set lt_component.ops "
             "to its kind's table, starting with .size)", c->target, host_kind_name(c->kind), b->reg->plugins[e->plugin].path,
             c->ops ? "an operations table without a size" : "no operations table");
    rc = -1;
  }
  if (rc == 0) {
    char msg[512] = "";
    const char *plugin = b->reg->plugins[e->plugin].path;
    host_crash_push(plugin, c->target, "create");
    lt_status s = c->create(args, out, msg, sizeof msg);
    host_crash_pop();
    if (s != LT_OK) {
      msg[sizeof msg - 1] = 0;
      cfg_fail(b->err, d->loc, path, "%s could not be created: %s", c->target, msg[0] ? msg : lt__status_text(s));
      rc = -1;
    } else if (unknown.name[0]) {
      cfg_fail(b->err, d->loc, path, "plugin bug: %s (plugin %s) asked for an argument '%s' that its parameter spec does "
               "not have; fix the name in its create (lt_arg) or add the parameter", c->target, plugin, unknown.name);
      if (c->destroy) c->destroy(*out);
      *out = NULL;
      rc = -1;
    } else if (host_module_names_check(c, plugin, *out, msg, sizeof msg)) {
      cfg_fail(b->err, d->loc, path, "%s", msg);
      if (c->destroy) c->destroy(*out);
      *out = NULL;
      rc = -1;
    }
  }
  for (size_t k = 0; k < c->nparams; k++) cfg_free(dflts[k]);
  afree(&a);
  return rc;
}

static cfg_node *node_at(host_build *b, const char *path) {
  size_t n;
  char **parts = cfg_path_split(path, &n);
  cfg_node *d = *path ? cfg_lookup(b->root, parts, n, NULL) : b->root;
  cfg_path_free(parts, n);
  return d;
}

/* lt_factory for _mode_: callable: each call makes a new instance. */
static void *factory_create(const lt_factory *f, char *err, size_t errlen) {
  host_object *o = f->host;
  host_build *b = o->build;
  cfg_node *d = node_at(b, o->path);
  const host_entry *e = host_registry_find(b->reg, f->target);
  cfg_error sub = {0};
  cfg_error *saved = b->err;
  b->err = &sub;
  void *self = NULL;
  int rc = d && e ? make_instance(b, d, o->path, e, &self) : -1;
  b->err = saved;
  if (rc != 0) {
    snprintf(err, errlen, "%s", sub.set ? sub.msg : "the component is gone");
    return NULL;
  }
  return self;
}

static void factory_destroy(const lt_factory *f, void *instance) {
  host_object *o = f->host;
  if (instance && o->comp->destroy) {
    host_crash_push(o->plugin, o->comp->target, "destroy");
    o->comp->destroy(instance);
    host_crash_pop();
  }
}

static host_object *build_node(host_build *b, cfg_node *d, const char *path) {
  host_object *done = find_built(b, path);
  if (done) return done;
  if (check_component(b->reg, d, path, b->err) != 0) return NULL;
  const host_entry *e = host_registry_find(b->reg, cfg_dict_get(d, "_target_")->s);
  const lt_component *c = e->comp;
  cfg_node *req = cfg_dict_get(d, "_requires_");
  if (req) { /* build what it requires first */
    cfg_node *list = req->kind == CFG_LIST ? req : NULL;
    size_t n = list ? list->n : 1;
    for (size_t i = 0; i < n; i++) {
      cfg_node *r = list ? list->items[i] : req;
      if (r->kind == CFG_REF && !host_build_get(b, r->s)) return NULL;
    }
  }
  cfg_node *mode = cfg_dict_get(d, "_mode_");
  int callable = mode && !strcmp(mode->s, "callable");
  void *self = NULL;
  if (!callable && make_instance(b, d, path, e, &self) != 0) return NULL;
  b->objects = realloc(b->objects, (b->nobjects + 1) * sizeof *b->objects);
  host_object *o = calloc(1, sizeof *o);
  if (!b->objects || !o) abort();
  b->objects[b->nobjects++] = o;
  o->path = strdup(path);
  o->comp = c;
  o->plugin = b->reg->plugins[e->plugin].path;
  o->self = self;
  o->build = b;
  o->is_factory = callable;
  if (callable) {
    o->factory.target = c->target;
    o->factory.kind = c->kind;
    o->factory.create = factory_create;
    o->factory.destroy = factory_destroy;
    o->factory.host = o;
  }
  return o;
}

host_object *host_build_get(host_build *b, const char *path) {
  host_object *done = find_built(b, path);
  if (done) return done;
  cfg_node *d = node_at(b, path);
  /* a reference ("@a::b") stands for what it names */
  for (int hops = 0; d && d->kind == CFG_REF && hops < 64; hops++) {
    if ((done = find_built(b, d->s))) return done;
    path = d->s;
    d = node_at(b, path);
  }
  if (!d || !cfg_is_component(d)) {
    cfg_fail(b->err, b->root->loc, path, "'%s' is not a component (no _target_)", path);
    return NULL;
  }
  return build_node(b, d, path);
}

void host_build_free(host_build *b) {
  for (size_t i = b->nobjects; i-- > 0;) {
    host_object *o = b->objects[i];
    if (o->self && o->comp->destroy) {
      host_crash_push(o->plugin, o->comp->target, "destroy");
      o->comp->destroy(o->self);
      host_crash_pop();
    }
    free(o->path);
    free(o);
  }
  free(b->objects);
  b->objects = NULL;
  b->nobjects = 0;
}
