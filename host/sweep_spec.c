/* sweep_spec.c: Hydra's sweep syntax (see sweep_spec.h). A value is a
 * sweep when it has a comma outside quotes and brackets ("a,b" and
 * [1,2],[3,4] are; '[1,2]' and "a,b" quoted inside the value are not), or
 * is one of the sweep functions as a whole: range(stop), range(start,
 * stop[, step]) (ints or floats, end excluded, as Hydra's), choice(a, b),
 * and for random search uniform(lo, hi) and loguniform(lo, hi). */
#include "sweep_spec.h"

#include "config/emit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failf(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(char *why, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, len, fmt, ap);
  va_end(ap);
  return -1;
}

/* ---- splitting a value --------------------------------------------------- */

/* A list of texts that grows. */
typedef struct texts {
  char **v;
  size_t n, cap;
} texts;

static void texts_add(texts *t, char *s) {
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 8;
    t->v = realloc(t->v, t->cap * sizeof *t->v);
    if (!t->v) abort();
  }
  t->v[t->n++] = s;
}

static void texts_free(texts *t) {
  for (size_t i = 0; i < t->n; i++) free(t->v[i]);
  free(t->v);
  memset(t, 0, sizeof *t);
}

/* s[0..n) without surrounding blanks, with "\," read as a comma. */
static char *element(const char *s, size_t n) {
  while (n && isspace((unsigned char)*s)) s++, n--;
  while (n && isspace((unsigned char)s[n - 1])) n--;
  char *out = malloc(n + 1), *o = out;
  if (!out) abort();
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n && s[i + 1] == ',') i++;
    *o++ = s[i];
  }
  *o = 0;
  return out;
}

/* Splits s at its top-level commas into out (each element trimmed): the
 * commas inside '...', "...", (), [] and {} and the escaped ones (\,)
 * do not count. Returns how many elements (1: no top-level comma). */
static size_t split_top(const char *s, texts *out) {
  int depth = 0;
  char quote = 0;
  const char *start = s;
  for (const char *p = s; *p; p++) {
    if (quote) {
      if (*p == '\\' && quote == '"' && p[1]) p++;
      else if (*p == quote) quote = 0;
    } else if (*p == '\\' && p[1]) {
      p++;
    } else if (*p == '\'' || *p == '"') {
      quote = *p;
    } else if (strchr("([{", *p)) {
      depth++;
    } else if (strchr(")]}", *p)) {
      depth -= depth > 0;
    } else if (*p == ',' && depth == 0) {
      texts_add(out, element(start, (size_t)(p - start)));
      start = p + 1;
    }
  }
  texts_add(out, element(start, strlen(start)));
  return out->n;
}

/* The sweep functions Hydra users write; interval and friends are not here. */
typedef enum sweep_fn { FN_NONE, FN_RANGE, FN_CHOICE, FN_UNIFORM, FN_LOGUNIFORM } sweep_fn;

/* Whether s is NAME(...) as a whole (its parenthesis closes at the end):
 * the function and, in *args, the text between the parentheses. */
static sweep_fn function_of(const char *s, char **args) {
  static const struct {
    const char *name;
    sweep_fn fn;
  } fns[] = {{"range", FN_RANGE}, {"choice", FN_CHOICE}, {"uniform", FN_UNIFORM}, {"loguniform", FN_LOGUNIFORM}};
  for (size_t k = 0; k < sizeof fns / sizeof *fns; k++) {
    size_t nl = strlen(fns[k].name), n = strlen(s);
    if (strncmp(s, fns[k].name, nl)) continue;
    const char *p = s + nl;
    while (*p == ' ') p++;
    if (*p != '(' || n < 2 || s[n - 1] != ')') continue;
    int depth = 0;
    for (const char *q = p; *q; q++) {
      depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
      if (!depth && q[1]) return FN_NONE; /* (a),(b): not one call */
    }
    *args = strndup(p + 1, (size_t)(s + n - 1 - (p + 1)));
    return fns[k].fn;
  }
  return FN_NONE;
}

/* ---- numbers ------------------------------------------------------------- */

/* A number argument: 1 an integer (into *i), 2 a float, 0 not a number. */
static int number(const char *s, long long *i, double *d) {
  if (!*s) return 0;
  char *end;
  errno = 0;
  *d = strtod(s, &end);
  if (*end || errno == ERANGE || !isfinite(*d)) return 0;
  if (strpbrk(s, ".eEnN")) return 2;
  *i = strtoll(s, &end, 10);
  return *end || errno == ERANGE ? 2 : 1;
}

/* v as a YAML float with at most digits significant digits. */
static char *float_text(double v, int digits) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.*g", digits, v);
  double r = strtod(buf, NULL);
  if (r == 0) r = 0; /* no "-0.0" */
  cfg_float_text(r, 1, buf, sizeof buf);
  return strdup(buf);
}

/* range(stop) | range(start, stop) | range(start, stop, step) into p's values. */
static int range_values(host_sweep_param *p, const texts *a, const char *arg, char *why, size_t len) {
  if (a->n < 1 || a->n > 3 || (a->n == 1 && !*a->v[0]))
    return failf(why, len, "'%s': range takes 1 to 3 numbers: range(stop), range(start,stop) or "
                           "range(start,stop,step), e.g. range(1,4) for 1,2,3", arg);
  long long iv[3] = {0, 0, 1};
  double dv[3] = {0, 0, 1};
  int all_int = 1;
  for (size_t k = 0; k < a->n; k++) {
    size_t at = a->n == 1 ? 1 : k;
    int kind = number(a->v[k], &iv[at], &dv[at]);
    if (!kind)
      return failf(why, len, "'%s': range's arguments are numbers, not '%s'; e.g. range(1,4) or range(0,1,0.25)", arg,
                   a->v[k]);
    all_int &= kind == 1;
  }
  if (dv[2] == 0) return failf(why, len, "'%s': range's step is 0; give a step other than 0, e.g. range(1,10,2)", arg);
  for (long k = 0;; k++) {
    double v = dv[0] + (double)k * dv[2];
    long long w = iv[0] + k * iv[2];
    int more = all_int ? (iv[2] > 0 ? w < iv[1] : w > iv[1])
                       : (dv[2] > 0 ? v < dv[1] - 1e-9 * fabs(dv[2]) : v > dv[1] + 1e-9 * fabs(dv[2]));
    if (!more) break;
    if (p->nvalues == HOST_SWEEP_MAX_VALUES)
      return failf(why, len, "'%s': more than %d values; give a larger step", arg, HOST_SWEEP_MAX_VALUES);
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", w);
    char *text = all_int ? strdup(buf) : float_text(v, 12);
    p->values = realloc(p->values, (p->nvalues + 1) * sizeof *p->values);
    if (!p->values || !text) abort();
    p->values[p->nvalues++] = text;
  }
  if (!p->nvalues)
    return failf(why, len, "'%s': the range is empty (its end is excluded; a step below 0 counts down), e.g. "
                           "range(1,4) is 1,2,3", arg);
  return 0;
}

/* uniform(lo, hi) / loguniform(lo, hi). */
static int interval(host_sweep_param *p, const texts *a, const char *name, const char *arg, char *why, size_t len) {
  long long i;
  if (a->n != 2 || !number(a->v[0], &i, &p->lo) || !number(a->v[1], &i, &p->hi) || !(p->lo < p->hi))
    return failf(why, len, "'%s': %s takes two numbers, low below high, e.g. %s(0.001,0.1)", arg, name, name);
  if (p->kind == HOST_SWEEP_LOGUNIFORM && p->lo <= 0)
    return failf(why, len, "'%s': loguniform's low must be above 0, e.g. loguniform(0.0001,0.1)", arg);
  return 0;
}

/* ---- parameters ---------------------------------------------------------- */

long host_sweep_find(const host_sweep_spec *spec, const char *key) {
  for (size_t i = 0; i < spec->n; i++)
    if (!strcmp(spec->params[i].key, key)) return (long)i;
  return -1;
}

static void param_free(host_sweep_param *p) {
  for (size_t i = 0; i < p->nvalues; i++) free(p->values[i]);
  free(p->values), free(p->key), free(p->source);
  memset(p, 0, sizeof *p);
}

void host_sweep_spec_free(host_sweep_spec *spec) {
  for (size_t i = 0; i < spec->n; i++) param_free(&spec->params[i]);
  free(spec->params);
  memset(spec, 0, sizeof *spec);
}

/* p's values from a sweep text: a comma list or a sweep function. 1 when
 * value is a sweep, 0 when it is one plain value, -1 with why. arg: the
 * argument as written, for messages. */
static int parse_values(host_sweep_param *p, const char *value, const char *arg, char *why, size_t len) {
  texts el = {0};
  char *args = NULL;
  int rc = 1;
  sweep_fn fn = FN_NONE;
  if (split_top(value, &el) > 1) {
    for (size_t i = 0; i < el.n && rc > 0; i++) {
      char *inner = NULL;
      if (!*el.v[i])
        rc = failf(why, len, "'%s': value %zu of the sweep is empty; write key=a,b,c with a value between every two "
                             "commas (quote a value that holds a comma: key='\"a,b\"',c)", arg, i + 1);
      else if (function_of(el.v[i], &inner) != FN_NONE)
        rc = failf(why, len, "'%s': '%s' cannot be one value of a comma list; sweep it alone (key=%s) or list the "
                             "values", arg, el.v[i], el.v[i]);
      free(inner);
    }
    if (rc > 0) p->values = el.v, p->nvalues = el.n, el.v = NULL, el.n = 0;
  } else if ((fn = function_of(el.v[0], &args)) != FN_NONE) {
    texts a = {0};
    split_top(args, &a);
    if (fn == FN_RANGE) {
      rc = range_values(p, &a, arg, why, len) ? -1 : 1;
    } else if (fn == FN_CHOICE) {
      for (size_t i = 0; i < a.n && rc > 0; i++)
        if (!*a.v[i]) rc = failf(why, len, "'%s': choice's value %zu is empty; e.g. choice(adam,sgd)", arg, i + 1);
      if (rc > 0) p->values = a.v, p->nvalues = a.n, a.v = NULL, a.n = 0;
    } else {
      p->kind = fn == FN_UNIFORM ? HOST_SWEEP_UNIFORM : HOST_SWEEP_LOGUNIFORM;
      rc = interval(p, &a, fn == FN_UNIFORM ? "uniform" : "loguniform", arg, why, len) ? -1 : 1;
    }
    texts_free(&a);
  } else {
    rc = 0;
  }
  free(args);
  texts_free(&el);
  return rc;
}

/* Adds p (consumed) to spec; a key swept twice is an error. */
static int add_param(host_sweep_spec *spec, host_sweep_param *p, char *why, size_t len) {
  long at = host_sweep_find(spec, p->key);
  if (at >= 0) {
    failf(why, len, "'%s' is swept twice ('%s' and '%s'); give it once", p->key, spec->params[at].source, p->source);
    param_free(p);
    return -1;
  }
  spec->params = realloc(spec->params, (spec->n + 1) * sizeof *spec->params);
  if (!spec->params) abort();
  spec->params[spec->n++] = *p;
  return 0;
}

/* key[=...] of an argument: op, the path, where its value starts. */
static int split_key(const char *arg, char *op, char **key, const char **value) {
  *op = arg[0] == '=' || arg[0] == '+' ? arg[0] : 0;
  const char *k = arg + (*op ? 1 : 0);
  if (*op == '+' && *k == '+') k++; /* Hydra's ++key: add or override */
  const char *eq = strchr(k, '=');
  if (!eq || eq == k) return 0;
  *key = strndup(k, (size_t)(eq - k));
  *value = eq + 1;
  return 1;
}

int host_sweep_parse_arg(host_sweep_spec *spec, const char *arg, char *why, size_t len) {
  char op, *key = NULL;
  const char *value;
  if (!split_key(arg, &op, &key, &value)) return 0;
  host_sweep_param p = {.key = key, .op = op, .origin = HOST_SWEEP_FROM_ARGS};
  int rc = parse_values(&p, value, arg, why, len);
  if (rc <= 0) {
    param_free(&p);
    return rc;
  }
  p.source = strdup(value);
  return add_param(spec, &p, why, len) ? -1 : 1;
}

char *host_sweep_flow_text(const cfg_node *n) {
  char *buf = NULL;
  size_t blen = 0;
  FILE *f = open_memstream(&buf, &blen);
  if (!f) abort();
  cfg_emit_flow(f, n);
  fclose(f);
  return buf;
}

/* One key of the sweep: section into p: a list of values, a sweep text
 * ("range(1,3)", "0.1,0.01") or one plain value. 0, or -1 with why. */
static int section_param(host_sweep_param *p, const char *key, const cfg_node *v, char *why, size_t len) {
  const char *k = key;
  if (*k == '=' || *k == '+') p->op = *k++;
  if (p->op == '+' && *k == '+') k++;
  p->key = strdup(k);
  p->source = host_sweep_flow_text(v);
  char arg[600];
  snprintf(arg, sizeof arg, "sweep::%s: %s", key, p->source);
  if (!*k || strchr(k, '='))
    return failf(why, len, "'%s': a key of the sweep: section is an override path, e.g. model::optimizer::lr", arg);
  if (v->kind == CFG_DICT)
    return failf(why, len, "'%s': give a list of values or a sweep such as \"range(1,3)\" or \"0.1,0.01\", not a "
                           "mapping", arg);
  if (v->kind == CFG_LIST) {
    if (!v->n) return failf(why, len, "'%s': an empty list; give at least one value", arg);
    p->values = calloc(v->n, sizeof *p->values);
    if (!p->values) abort();
    for (size_t i = 0; i < v->n; i++) p->values[p->nvalues++] = host_sweep_flow_text(v->items[i]);
    return 0;
  }
  int rc = v->kind == CFG_STRING ? parse_values(p, v->s, arg, why, len) : 0;
  if (rc < 0) return -1;
  if (!rc) { /* one plain value */
    p->values = malloc(sizeof *p->values);
    if (!p->values) abort();
    p->values[p->nvalues++] = v->kind == CFG_STRING ? strdup(v->s) : strdup(p->source);
  }
  return 0;
}

int host_sweep_parse_section(host_sweep_spec *spec, const cfg_node *section, char *why, size_t len) {
  if (!section || section->kind == CFG_NULL) return 0;
  if (section->kind != CFG_DICT)
    return failf(why, len, "the config's sweep: section must be a mapping of keys to values, e.g. "
                           "sweep: {model::optimizer::lr: [0.1, 0.01], trainer::max_epochs: \"range(1,3)\"}");
  host_sweep_spec mine = {0};
  for (size_t i = 0; i < section->n; i++) {
    host_sweep_param p = {.origin = HOST_SWEEP_FROM_SECTION};
    int rc = section_param(&p, section->keys[i], section->items[i], why, len);
    if (!rc && host_sweep_find(spec, p.key) >= 0) { /* the command line sweeps it: the command line wins */
      param_free(&p);
      continue;
    }
    if (rc) param_free(&p);
    if (rc || add_param(&mine, &p, why, len)) {
      host_sweep_spec_free(&mine);
      return -1;
    }
  }
  /* the section's parameters come first (Hydra: the config's sweeper
   * params, then the command line's) */
  host_sweep_param *all = malloc((mine.n + spec->n + 1) * sizeof *all);
  if (!all) abort();
  if (mine.n) memcpy(all, mine.params, mine.n * sizeof *all);
  if (spec->n) memcpy(all + mine.n, spec->params, spec->n * sizeof *all);
  free(spec->params), free(mine.params);
  spec->params = all;
  spec->n += mine.n;
  return 0;
}

/* ---- trials ---------------------------------------------------------------- */

/* splitmix64: a small generator that gives the same draws everywhere. */
static uint64_t next_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* uniform in [0, n) without modulo bias */
static uint64_t below(uint64_t *s, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
  while ((x = next_u64(s)) >= limit) {
  }
  return x % n;
}

static double unit(uint64_t *s) { return (double)(next_u64(s) >> 11) * 0x1.0p-53; }

void host_sweep_trials_free(char ***rows, size_t ntrials, size_t nparams) {
  for (size_t t = 0; rows && t < ntrials; t++) {
    for (size_t p = 0; p < nparams; p++) free(rows[t][p]);
    free(rows[t]);
  }
  free(rows);
}

/* Row of the grid point g (the last parameter varies fastest). */
static char **grid_row(const host_sweep_spec *spec, uint64_t g) {
  char **row = calloc(spec->n + 1, sizeof *row);
  if (!row) abort();
  for (size_t p = spec->n; p-- > 0;) {
    const host_sweep_param *q = &spec->params[p];
    row[p] = strdup(q->values[g % q->nvalues]);
    g /= q->nvalues;
  }
  return row;
}

/* A row of independent draws. */
static char **drawn_row(const host_sweep_spec *spec, uint64_t *rng) {
  char **row = calloc(spec->n + 1, sizeof *row);
  if (!row) abort();
  for (size_t p = 0; p < spec->n; p++) {
    const host_sweep_param *q = &spec->params[p];
    if (q->kind == HOST_SWEEP_LIST) row[p] = strdup(q->values[below(rng, q->nvalues)]);
    else if (q->kind == HOST_SWEEP_UNIFORM) row[p] = float_text(q->lo + unit(rng) * (q->hi - q->lo), 6);
    else row[p] = float_text(exp(log(q->lo) + unit(rng) * (log(q->hi) - log(q->lo))), 6);
  }
  return row;
}

char ***host_sweep_trials(const host_sweep_spec *spec, long trials, uint64_t seed, size_t *ntrials, char *why,
                          size_t len) {
  uint64_t grid = 1;
  int lists = 1;
  const char *drawn = NULL;
  for (size_t p = 0; p < spec->n; p++) {
    const host_sweep_param *q = &spec->params[p];
    if (q->kind != HOST_SWEEP_LIST) {
      lists = 0, drawn = drawn ? drawn : q->key;
      continue;
    }
    if (grid * q->nvalues > HOST_SWEEP_MAX_TRIALS && !trials)
      return failf(why, len, "the grid has more than %d trials; sweep fewer values, or draw some with --trials N",
                   HOST_SWEEP_MAX_TRIALS), NULL;
    grid = grid * q->nvalues > HOST_SWEEP_MAX_TRIALS ? HOST_SWEEP_MAX_TRIALS + 1ull : grid * q->nvalues;
  }
  if (trials > 0 && !spec->n)
    return failf(why, len, "--trials %ld needs values to draw from: sweep a key (key=a,b, key=range(1,5), "
                           "key=uniform(0.001,0.1)) on the command line or in the config's sweep: section", trials),
           NULL;
  if (!trials && !lists)
    return failf(why, len, "'%s' is drawn at random (uniform/loguniform): add --trials N (and --seed S) for a "
                           "random search", drawn), NULL;
  if (trials > HOST_SWEEP_MAX_TRIALS || (trials > 0 && lists && (uint64_t)trials > grid))
    return failf(why, len, "--trials %ld: %s; give --trials %llu or fewer, or drop --trials to run the whole grid",
                 trials, lists ? "the grid has fewer points" : "too many trials",
                 lists ? (unsigned long long)grid : (unsigned long long)HOST_SWEEP_MAX_TRIALS), NULL;
  size_t n = trials > 0 ? (size_t)trials : (size_t)grid;
  char ***rows = calloc(n, sizeof *rows);
  if (!rows) abort();
  uint64_t rng = seed;
  if (!trials) {
    for (size_t t = 0; t < n; t++) rows[t] = grid_row(spec, t);
  } else if (lists && grid <= HOST_SWEEP_MAX_TRIALS) { /* distinct grid points: the start of a seeded shuffle */
    uint64_t *idx = malloc(grid * sizeof *idx);
    if (!idx) abort();
    for (uint64_t g = 0; g < grid; g++) idx[g] = g;
    for (size_t t = 0; t < n; t++) {
      uint64_t j = t + below(&rng, grid - t), g = idx[j];
      idx[j] = idx[t], idx[t] = g;
      rows[t] = grid_row(spec, g);
    }
    free(idx);
  } else {
    for (size_t t = 0; t < n; t++) rows[t] = drawn_row(spec, &rng);
  }
  *ntrials = n;
  return rows;
}
