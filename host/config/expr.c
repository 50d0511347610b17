/* expr.c: tokenizer, parser and evaluator of "$..." expressions. Python's
 * semantics where they matter to configs: true division, floor division and
 * modulo signs, int overflow is an error (not a wrap), and/or return an
 * operand, comparisons chain. Every error names the column. */
#include "expr.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
  E_NUM, E_STR, E_CONST, E_LIST, E_DICT, E_REF, E_NAME, E_NEG, E_POS, E_NOT, E_BIN, E_CMP, E_AND, E_OR,
  E_IF, E_CALL, E_ATTR, E_INDEX
} ekind;

typedef struct enode enode;
struct enode {
  ekind k;
  int pos;      /* column offset in the source */
  int op;       /* E_BIN / E_CMP operator token */
  int raw;      /* E_REF: % */
  cfg_node *lit; /* E_NUM, E_STR, E_CONST */
  char *name;   /* E_REF path, E_NAME, E_ATTR */
  enode **kids;
  int *ops; /* E_CMP: operator between kids */
  size_t n;
  int ref_start, ref_len; /* E_REF: span in the source */
  int height;             /* levels from here down, this node included */
};

/* The deepest tree evaluation walks. The parser's recursion is bounded on
 * its own, but a chain such as 1+1+...+1 is parsed by a loop and still nests
 * one level per operator: the parser refuses a chain past this height, so a
 * 300,000-term sum is an error message and not a stack overflow. */
#define MAX_HEIGHT 400

struct cfg_expr {
  enode *root;
  cfg_loc loc;
  const char **refs;
  int *raw;
  int *starts, *lens;
  size_t nrefs;
};

/* ---- tokens ---------------------------------------------------------- */

enum {
  T_END = 0, T_NUM, T_STR, T_NAME, T_REF, T_LP, T_RP, T_LB, T_RB, T_LC, T_RC, T_COMMA, T_DOT, T_COLON,
  T_PLUS, T_MINUS, T_STAR, T_SLASH, T_DSLASH, T_PCT, T_POW, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
  T_AND, T_OR, T_NOT, T_IF, T_ELSE, T_IN, T_NOTIN, T_IS, T_ISNOT
};

typedef struct {
  const char *src;
  int p;       /* cursor */
  int tok, start, end;
  cfg_node *lit;
  char *text;
  int raw;
  cfg_loc loc;
  cfg_error *err;
  int depth;
  cfg_expr *ex;
} P;

static void perr(P *s, int pos, const char *fmt, const char *arg) {
  cfg_loc l = s->loc;
  l.col += pos;
  char msg[512];
  snprintf(msg, sizeof msg, fmt, arg ? arg : "");
  cfg_fail(s->err, l, NULL, "in expression: %s", msg);
}

static int is_id(int c) { return isalnum(c) || c == '_'; }

static int lex(P *s) {
  const char *c = s->src;
  while (c[s->p] == ' ' || c[s->p] == '\t' || c[s->p] == '\n' || c[s->p] == '\r') s->p++;
  s->start = s->p;
  free(s->text);
  s->text = NULL;
  if (s->lit) cfg_free(s->lit), s->lit = NULL;
  char ch = c[s->p];
  if (!ch) return s->tok = T_END;
  /* references: @id or %id, id = name(::name)* with optional leading ::s */
  if ((ch == '@' || ch == '%') && (is_id(c[s->p + 1]) || (c[s->p + 1] == ':' && c[s->p + 2] == ':'))) {
    int prev_operand = s->tok == T_NUM || s->tok == T_STR || s->tok == T_NAME || s->tok == T_REF ||
                       s->tok == T_RP || s->tok == T_RB || s->tok == T_RC;
    if (ch == '@' || !prev_operand) {
      s->raw = ch == '%';
      int q = s->p + 1;
      while (c[q] == ':' && c[q + 1] == ':') q += 2;
      while (is_id(c[q]) || (c[q] == ':' && c[q + 1] == ':' && is_id(c[q + 2]))) q += (c[q] == ':') ? 2 : 1;
      s->text = strndup(c + s->p + 1, (size_t)(q - s->p - 1));
      s->p = q;
      s->end = q;
      return s->tok = T_REF;
    }
  }
  if (isdigit((unsigned char)ch) || (ch == '.' && isdigit((unsigned char)c[s->p + 1]))) {
    int q = s->p, isf = 0;
    while (isdigit((unsigned char)c[q]) || c[q] == '_') q++;
    if (c[q] == '.' && isdigit((unsigned char)c[q + 1])) {
      isf = 1;
      q++;
      while (isdigit((unsigned char)c[q])) q++;
    } else if (c[q] == '.' && !is_id(c[q + 1])) {
      isf = 1;
      q++;
    }
    if ((c[q] == 'e' || c[q] == 'E') && (isdigit((unsigned char)c[q + 1]) || ((c[q + 1] == '-' || c[q + 1] == '+') && isdigit((unsigned char)c[q + 2])))) {
      isf = 1;
      q += 2;
      while (isdigit((unsigned char)c[q])) q++;
    }
    char *t = strndup(c + s->p, (size_t)(q - s->p));
    char *w = t;
    for (char *r = t; *r; r++)
      if (*r != '_') *w++ = *r;
    *w = 0;
    cfg_loc l = s->loc;
    if (isf) {
      s->lit = cfg_new_float(strtod(t, NULL), l);
    } else {
      char *end;
      errno = 0;
      long long v = strtoll(t, &end, 10);
      if (*end || errno == ERANGE) {
        free(t);
        perr(s, s->p, "integer literal too large", NULL);
        return s->tok = -1;
      }
      s->lit = cfg_new_int(v, l);
    }
    free(t);
    s->p = q;
    s->end = q;
    return s->tok = T_NUM;
  }
  if (ch == '"' || ch == '\'') {
    int q = s->p + 1;
    size_t cap = 16, n = 0;
    char *buf = malloc(cap);
    while (c[q] && c[q] != ch) {
      char o = c[q];
      if (o == '\\') {
        q++;
        switch (c[q]) {
        case 'n': o = '\n'; break;
        case 't': o = '\t'; break;
        case 'r': o = '\r'; break;
        case '0': o = '\0'; break;
        case '\\': case '\'': case '"': o = c[q]; break;
        default:
          free(buf);
          perr(s, q - 1, "unknown escape '\\%s' in string", (char[]){c[q] ? c[q] : ' ', 0});
          return s->tok = -1;
        }
      }
      if (n + 2 > cap) buf = realloc(buf, cap *= 2);
      buf[n++] = o;
      q++;
    }
    if (!c[q]) {
      free(buf);
      perr(s, s->p, "unterminated string", NULL);
      return s->tok = -1;
    }
    buf[n] = 0;
    s->lit = cfg_new_string(buf, s->loc);
    free(buf);
    s->p = q + 1;
    s->end = s->p;
    return s->tok = T_STR;
  }
  if (isalpha((unsigned char)ch) || ch == '_') {
    int q = s->p;
    while (is_id(c[q])) q++;
    s->text = strndup(c + s->p, (size_t)(q - s->p));
    s->p = q;
    s->end = q;
    static const struct { const char *w; int t; } kw[] = {
        {"and", T_AND}, {"or", T_OR}, {"not", T_NOT}, {"if", T_IF}, {"else", T_ELSE}, {"in", T_IN}, {"is", T_IS}};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
      if (!strcmp(s->text, kw[i].w)) return s->tok = kw[i].t;
    return s->tok = T_NAME;
  }
  static const struct { const char *op; int t; } ops[] = {
      {"**", T_POW}, {"//", T_DSLASH}, {"==", T_EQ}, {"!=", T_NE}, {"<=", T_LE}, {">=", T_GE},
      {"(", T_LP}, {")", T_RP}, {"[", T_LB}, {"]", T_RB}, {"{", T_LC}, {"}", T_RC}, {",", T_COMMA},
      {".", T_DOT}, {":", T_COLON}, {"+", T_PLUS}, {"-", T_MINUS}, {"*", T_STAR}, {"/", T_SLASH},
      {"%", T_PCT}, {"<", T_LT}, {">", T_GT}};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    size_t l = strlen(ops[i].op);
    if (!strncmp(c + s->p, ops[i].op, l)) {
      s->p += (int)l;
      s->end = s->p;
      return s->tok = ops[i].t;
    }
  }
  char bad[2] = {ch, 0};
  if (ch == '=')
    perr(s, s->p, "'=' is not allowed (assignments never run); use '==' to compare", NULL);
  else
    perr(s, s->p, "unexpected character '%s'", bad);
  return s->tok = -1;
}

/* ---- parser ---------------------------------------------------------- */

static enode *mk(ekind k, int pos) {
  enode *e = calloc(1, sizeof *e);
  if (!e) abort();
  e->k = k;
  e->pos = pos;
  e->height = 1;
  return e;
}

static void add(enode *e, enode *kid) {
  e->kids = realloc(e->kids, (e->n + 1) * sizeof *e->kids);
  if (!e->kids) abort();
  e->kids[e->n++] = kid;
  if (kid->height >= e->height) e->height = kid->height + 1;
}

/* With an explicit stack: freeing must never be what overflows the real
 * one, whatever tree a future parser change lets through. */
static void efree(enode *e) {
  enode **todo = NULL;
  size_t n = 0, cap = 0;
  while (e) {
    if (n + e->n > cap) {
      cap = 2 * (n + e->n) + 16;
      todo = realloc(todo, cap * sizeof *todo);
      if (!todo) abort();
    }
    for (size_t i = 0; i < e->n; i++) todo[n++] = e->kids[i];
    free(e->kids);
    free(e->ops);
    free(e->name);
    cfg_free(e->lit);
    free(e);
    e = n ? todo[--n] : NULL;
  }
  free(todo);
}

/* A node a loop built (a chain of operators, calls, indexing): within
 * MAX_HEIGHT, or freed with an error at the operator that went past it. */
static enode *bounded(P *s, enode *e) {
  if (e->height <= MAX_HEIGHT) return e;
  char limit[16];
  snprintf(limit, sizeof limit, "%d", MAX_HEIGHT);
  perr(s, e->pos,
       "expression nested too deeply: more than %s levels (each operator of a chain such as 1+1+...+1 "
       "is one level); split it into several keys and combine those",
       limit);
  efree(e);
  return NULL;
}

static enode *p_expr(P *s);

static const char *tokname(int t) {
  static const char *n[] = {"end of expression", "number", "string", "name", "reference", "'('", "')'", "'['",
                            "']'", "'{'", "'}'", "','", "'.'", "':'", "'+'", "'-'", "'*'", "'/'", "'//'",
                            "'%'", "'**'", "'=='", "'!='", "'<'", "'<='", "'>'", "'>='", "'and'", "'or'",
                            "'not'", "'if'", "'else'", "'in'", "'not in'", "'is'", "'is not'"};
  return t >= 0 && t < (int)(sizeof n / sizeof n[0]) ? n[t] : "?";
}

static int expect(P *s, int t) {
  if (s->tok != t) {
    char msg[128];
    snprintf(msg, sizeof msg, "expected %s but found %s", tokname(t), s->tok < 0 ? "an error" : tokname(s->tok));
    if (s->tok >= 0) perr(s, s->start, "%s", msg);
    return 0;
  }
  return lex(s) >= 0;
}

static void add_ref(P *s, enode *e) {
  cfg_expr *x = s->ex;
  x->refs = realloc(x->refs, (x->nrefs + 1) * sizeof *x->refs);
  x->raw = realloc(x->raw, (x->nrefs + 1) * sizeof *x->raw);
  x->starts = realloc(x->starts, (x->nrefs + 1) * sizeof *x->starts);
  x->lens = realloc(x->lens, (x->nrefs + 1) * sizeof *x->lens);
  x->refs[x->nrefs] = e->name;
  x->raw[x->nrefs] = e->raw;
  x->starts[x->nrefs] = e->ref_start;
  x->lens[x->nrefs] = e->ref_len;
  x->nrefs++;
}

static enode *p_atom(P *s) {
  int pos = s->start;
  enode *e = NULL;
  switch (s->tok) {
  case T_NUM:
  case T_STR:
    e = mk(s->tok == T_NUM ? E_NUM : E_STR, pos);
    e->lit = s->lit;
    s->lit = NULL;
    if (lex(s) < 0) return efree(e), NULL;
    /* adjacent string literals concatenate, as in Python */
    while (e->k == E_STR && s->tok == T_STR) {
      size_t a = strlen(e->lit->s), b = strlen(s->lit->s);
      e->lit->s = realloc(e->lit->s, a + b + 1);
      memcpy(e->lit->s + a, s->lit->s, b + 1);
      if (lex(s) < 0) return efree(e), NULL;
    }
    return e;
  case T_REF:
    e = mk(E_REF, pos);
    e->name = s->text;
    s->text = NULL;
    e->raw = s->raw;
    e->ref_start = s->start;
    e->ref_len = s->end - s->start;
    add_ref(s, e);
    if (lex(s) < 0) return efree(e), NULL;
    return e;
  case T_NAME: {
    const char *t = s->text;
    if (!strcmp(t, "True") || !strcmp(t, "False") || !strcmp(t, "None") || !strcmp(t, "true") ||
        !strcmp(t, "false") || !strcmp(t, "null")) {
      e = mk(E_CONST, pos);
      e->lit = (t[0] == 'N' || t[0] == 'n') ? cfg_new(CFG_NULL, s->loc) : cfg_new_bool(t[0] == 'T' || t[0] == 't', s->loc);
    } else {
      e = mk(E_NAME, pos);
      e->name = strdup(t);
    }
    if (lex(s) < 0) return efree(e), NULL;
    return e;
  }
  case T_LP: {
    if (lex(s) < 0) return NULL;
    if (s->tok == T_RP) { /* () is an empty tuple: a list here */
      lex(s);
      return mk(E_LIST, pos);
    }
    e = p_expr(s);
    if (!e) return NULL;
    if (s->tok == T_COMMA) { /* a tuple */
      enode *l = mk(E_LIST, pos);
      add(l, e);
      while (s->tok == T_COMMA) {
        if (lex(s) < 0) return efree(l), NULL;
        if (s->tok == T_RP) break;
        enode *k = p_expr(s);
        if (!k) return efree(l), NULL;
        add(l, k);
      }
      e = l;
    }
    if (!expect(s, T_RP)) return efree(e), NULL;
    return e;
  }
  case T_LB:
  case T_LC: {
    int dict = s->tok == T_LC, close = dict ? T_RC : T_RB;
    e = mk(dict ? E_DICT : E_LIST, pos);
    if (lex(s) < 0) return efree(e), NULL;
    while (s->tok != close) {
      enode *k = p_expr(s);
      if (!k) return efree(e), NULL;
      add(e, k);
      if (dict) {
        if (!expect(s, T_COLON)) return efree(e), NULL;
        enode *v = p_expr(s);
        if (!v) return efree(e), NULL;
        add(e, v);
      }
      if (s->tok == T_COMMA) {
        if (lex(s) < 0) return efree(e), NULL;
      } else if (s->tok != close) {
        expect(s, close);
        return efree(e), NULL;
      }
    }
    lex(s);
    return e;
  }
  default:
    if (s->tok >= 0) perr(s, pos, "expected a value but found %s", tokname(s->tok));
    return NULL;
  }
}

static enode *p_postfix(P *s) {
  enode *e = p_atom(s);
  while (e && (s->tok == T_LP || s->tok == T_DOT || s->tok == T_LB)) {
    int pos = s->start;
    if (s->tok == T_DOT) {
      if (lex(s) < 0 || s->tok != T_NAME) {
        if (s->tok >= 0) perr(s, s->start, "expected a name after '.'", NULL);
        return efree(e), NULL;
      }
      enode *a = mk(E_ATTR, pos);
      a->name = s->text;
      s->text = NULL;
      add(a, e);
      e = a;
      if (lex(s) < 0) return efree(e), NULL;
    } else if (s->tok == T_LP) {
      enode *c = mk(E_CALL, pos);
      add(c, e);
      e = c;
      if (lex(s) < 0) return efree(e), NULL;
      while (s->tok != T_RP) {
        enode *a = p_expr(s);
        if (!a) return efree(e), NULL;
        add(c, a);
        if (s->tok == T_COMMA) {
          if (lex(s) < 0) return efree(e), NULL;
        } else if (s->tok != T_RP) {
          expect(s, T_RP);
          return efree(e), NULL;
        }
      }
      lex(s);
    } else {
      enode *ix = mk(E_INDEX, pos);
      add(ix, e);
      e = ix;
      if (lex(s) < 0) return efree(e), NULL;
      enode *i = p_expr(s);
      if (!i) return efree(e), NULL;
      add(ix, i);
      if (!expect(s, T_RB)) return efree(e), NULL;
    }
    e = bounded(s, e);
  }
  return e;
}

static enode *p_unary(P *s);

static enode *p_power(P *s) {
  enode *b = p_postfix(s);
  if (b && s->tok == T_POW) {
    int pos = s->start;
    if (lex(s) < 0) return efree(b), NULL;
    if (++s->depth > 200) {
      perr(s, pos, "expression nested too deeply", NULL);
      return efree(b), NULL;
    }
    enode *x = p_unary(s);
    s->depth--;
    if (!x) return efree(b), NULL;
    enode *e = mk(E_BIN, pos);
    e->op = T_POW;
    add(e, b);
    add(e, x);
    return e;
  }
  return b;
}

static enode *p_unary(P *s) {
  if (s->tok == T_MINUS || s->tok == T_PLUS) {
    int pos = s->start, neg = s->tok == T_MINUS;
    if (++s->depth > 200) {
      perr(s, pos, "expression nested too deeply", NULL);
      return NULL;
    }
    if (lex(s) < 0) return NULL;
    enode *x = p_unary(s);
    s->depth--;
    if (!x) return NULL;
    enode *e = mk(neg ? E_NEG : E_POS, pos);
    add(e, x);
    return e;
  }
  return p_power(s);
}

static enode *binary(P *s, enode *(*sub)(P *), const int *ops) {
  enode *a = sub(s);
  while (a) {
    int match = 0;
    for (const int *o = ops; *o; o++)
      if (s->tok == *o) match = 1;
    if (!match) break;
    int op = s->tok, pos = s->start;
    if (lex(s) < 0) return efree(a), NULL;
    enode *b = sub(s);
    if (!b) return efree(a), NULL;
    enode *e = mk(E_BIN, pos);
    e->op = op;
    add(e, a);
    add(e, b);
    a = bounded(s, e);
  }
  return a;
}

static enode *p_term(P *s) {
  static const int ops[] = {T_STAR, T_SLASH, T_DSLASH, T_PCT, 0};
  return binary(s, p_unary, ops);
}
static enode *p_sum(P *s) {
  static const int ops[] = {T_PLUS, T_MINUS, 0};
  return binary(s, p_term, ops);
}

static enode *p_compare(P *s) {
  enode *a = p_sum(s);
  if (!a) return NULL;
  enode *c = NULL;
  while (1) {
    int op = s->tok, pos = s->start;
    if (op == T_NOT) { /* not in */
      if (lex(s) < 0 || s->tok != T_IN) {
        if (s->tok >= 0) perr(s, pos, "expected 'in' after 'not' here", NULL);
        efree(c ? c : a);
        return NULL;
      }
      op = T_NOTIN;
    } else if (op == T_IS) {
      if (lex(s) < 0) return efree(c ? c : a), NULL;
      if (s->tok == T_NOT) op = T_ISNOT;
      else {
        s->p = s->start; /* re-read the operand */
        s->tok = T_IS;
      }
    } else if (!(op == T_EQ || op == T_NE || op == T_LT || op == T_LE || op == T_GT || op == T_GE || op == T_IN)) {
      break;
    }
    if (!c) {
      c = mk(E_CMP, pos);
      add(c, a);
    }
    if (lex(s) < 0) return efree(c), NULL;
    enode *b = p_sum(s);
    if (!b) return efree(c), NULL;
    c->ops = realloc(c->ops, c->n * sizeof *c->ops);
    c->ops[c->n - 1] = op;
    add(c, b);
    if (!(c = bounded(s, c))) return NULL;
  }
  return c ? c : a;
}

static enode *p_not(P *s) {
  if (s->tok == T_NOT) {
    int pos = s->start;
    if (++s->depth > 200) {
      perr(s, pos, "expression nested too deeply", NULL);
      return NULL;
    }
    if (lex(s) < 0) return NULL;
    enode *x = p_not(s);
    s->depth--;
    if (!x) return NULL;
    enode *e = mk(E_NOT, pos);
    add(e, x);
    return e;
  }
  return p_compare(s);
}

static enode *p_and(P *s) {
  enode *a = p_not(s);
  while (a && s->tok == T_AND) {
    int pos = s->start;
    if (lex(s) < 0) return efree(a), NULL;
    enode *b = p_not(s);
    if (!b) return efree(a), NULL;
    enode *e = mk(E_AND, pos);
    add(e, a);
    add(e, b);
    a = bounded(s, e);
  }
  return a;
}

static enode *p_or(P *s) {
  enode *a = p_and(s);
  while (a && s->tok == T_OR) {
    int pos = s->start;
    if (lex(s) < 0) return efree(a), NULL;
    enode *b = p_and(s);
    if (!b) return efree(a), NULL;
    enode *e = mk(E_OR, pos);
    add(e, a);
    add(e, b);
    a = bounded(s, e);
  }
  return a;
}

static enode *p_expr(P *s) {
  if (++s->depth > 200) {
    perr(s, s->start, "expression nested too deeply", NULL);
    return NULL;
  }
  enode *a = p_or(s);
  if (a && s->tok == T_IF) {
    int pos = s->start;
    if (lex(s) < 0) return efree(a), NULL;
    enode *c = p_or(s);
    if (!c) return efree(a), NULL;
    if (!expect(s, T_ELSE)) return efree(a), efree(c), NULL;
    enode *b = p_expr(s);
    if (!b) return efree(a), efree(c), NULL;
    enode *e = mk(E_IF, pos);
    add(e, c);
    add(e, a);
    add(e, b);
    a = e;
  }
  s->depth--;
  return a;
}

cfg_expr *cfg_expr_parse(const char *src, cfg_loc loc, cfg_error *err) {
  cfg_expr *x = calloc(1, sizeof *x);
  if (!x) abort();
  x->loc = loc;
  P s;
  memset(&s, 0, sizeof s);
  s.src = src;
  s.loc = loc;
  s.err = err;
  s.ex = x;
  s.tok = T_END;
  if (lex(&s) >= 0) {
    if (s.tok == T_END)
      perr(&s, 0, "the expression is empty", NULL);
    else
      x->root = p_expr(&s);
    if (x->root && s.tok != T_END) {
      if (s.tok >= 0) perr(&s, s.start, "unexpected %s after a complete expression", tokname(s.tok));
      efree(x->root);
      x->root = NULL;
    }
  }
  free(s.text);
  cfg_free(s.lit);
  if (!x->root) {
    cfg_expr_free(x);
    return NULL;
  }
  return x;
}

void cfg_expr_free(cfg_expr *e) {
  if (!e) return;
  efree(e->root);
  free(e->refs);
  free(e->raw);
  free(e->starts);
  free(e->lens);
  free(e);
}

size_t cfg_expr_refs(const cfg_expr *e, const char ***refs, const int **raw) {
  *refs = e->refs;
  *raw = e->raw;
  return e->nrefs;
}

char *cfg_expr_rewrite(const cfg_expr *e, const char *src, char *(*map)(void *, const char *), void *ctx) {
  size_t cap = strlen(src) + 64, n = 0;
  char *out = malloc(cap);
  int at = 0;
  for (size_t i = 0; i <= e->nrefs; i++) {
    int upto = i < e->nrefs ? e->starts[i] : (int)strlen(src);
    char *rep = i < e->nrefs ? map(ctx, e->refs[i]) : NULL;
    size_t need = (size_t)(upto - at) + (rep ? strlen(rep) + 1 : 0) + 1;
    while (n + need >= cap) out = realloc(out, cap *= 2);
    memcpy(out + n, src + at, (size_t)(upto - at));
    n += (size_t)(upto - at);
    if (i < e->nrefs) {
      out[n++] = e->raw[i] ? '%' : '@';
      if (rep) {
        memcpy(out + n, rep, strlen(rep));
        n += strlen(rep);
      }
      at = e->starts[i] + e->lens[i];
    }
    free(rep);
  }
  out[n] = 0;
  return out;
}

/* ---- evaluation ------------------------------------------------------ */

typedef struct {
  const cfg_expr_env *env;
  cfg_error *err;
  cfg_loc loc;
  int depth;
} EV;

/* The "needs built objects" value: an object with no pointer yet. */
static cfg_node g_deferred = {.kind = CFG_OBJECT};
#define DEFERRED (&g_deferred)

static void vfree(cfg_node *v) {
  if (v != DEFERRED) cfg_free(v);
}

static cfg_node *fail(EV *v, const enode *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static cfg_node *fail(EV *v, const enode *e, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cfg_loc l = v->loc;
  l.col += e ? e->pos : 0;
  cfg_fail(v->err, l, NULL, "in expression: %s", msg);
  return NULL;
}

static const char *tname(const cfg_node *x) {
  if (x == DEFERRED || x->kind == CFG_OBJECT) return "object";
  switch (x->kind) {
  case CFG_NULL: return "None";
  case CFG_BOOL: return "bool";
  case CFG_INT: return "int";
  case CFG_FLOAT: return "float";
  case CFG_STRING: return "str";
  case CFG_LIST: return "list";
  case CFG_DICT: return "dict";
  default: return "object";
  }
}

static int truthy(const cfg_node *x) {
  switch (x->kind) {
  case CFG_NULL: return 0;
  case CFG_BOOL:
  case CFG_INT: return x->i != 0;
  case CFG_FLOAT: return x->f != 0;
  case CFG_STRING: return x->s[0] != 0;
  case CFG_LIST:
  case CFG_DICT: return x->n != 0;
  default: return 1;
  }
}

static int isnum(const cfg_node *x) { return x->kind == CFG_INT || x->kind == CFG_FLOAT || x->kind == CFG_BOOL; }
static double num(const cfg_node *x) { return x->kind == CFG_FLOAT ? x->f : (double)x->i; }

static void append(char **s, size_t *n, size_t *cap, const char *t) {
  size_t l = strlen(t);
  while (*n + l + 1 > *cap) *s = realloc(*s, *cap *= 2);
  memcpy(*s + *n, t, l + 1);
  *n += l;
}

static void repr_into(const cfg_node *v, char **s, size_t *n, size_t *cap, int quote) {
  char buf[64];
  switch (v->kind) {
  case CFG_NULL: append(s, n, cap, "None"); break;
  case CFG_BOOL: append(s, n, cap, v->i ? "True" : "False"); break;
  case CFG_INT: snprintf(buf, sizeof buf, "%lld", (long long)v->i); append(s, n, cap, buf); break;
  case CFG_FLOAT: cfg_float_text(v->f, 0, buf, sizeof buf); append(s, n, cap, buf); break;
  case CFG_STRING:
    if (quote) append(s, n, cap, "'");
    append(s, n, cap, v->s);
    if (quote) append(s, n, cap, "'");
    break;
  case CFG_LIST:
  case CFG_DICT:
    append(s, n, cap, v->kind == CFG_LIST ? "[" : "{");
    for (size_t i = 0; i < v->n; i++) {
      if (i) append(s, n, cap, ", ");
      if (v->kind == CFG_DICT) {
        append(s, n, cap, "'");
        append(s, n, cap, v->keys[i]);
        append(s, n, cap, "': ");
      }
      repr_into(v->items[i], s, n, cap, 1);
    }
    append(s, n, cap, v->kind == CFG_LIST ? "]" : "}");
    break;
  case CFG_REF: append(s, n, cap, "@"); append(s, n, cap, v->s); break;
  case CFG_EXPR: append(s, n, cap, "$"); append(s, n, cap, v->s); break;
  default: append(s, n, cap, "<object>"); break;
  }
}

char *cfg_value_str(const cfg_node *v) {
  size_t cap = 32, n = 0;
  char *s = malloc(cap);
  s[0] = 0;
  repr_into(v, &s, &n, &cap, 0);
  return s;
}

static cfg_node *ev(EV *v, const enode *e);

static cfg_node *arith(EV *v, const enode *e, int op, cfg_node *a, cfg_node *b) {
  cfg_loc L = v->loc;
  if (a == DEFERRED || b == DEFERRED) return DEFERRED;
  const char *sym = tokname(op);
  /* strings and lists */
  if (op == T_PLUS && a->kind == b->kind && (a->kind == CFG_STRING || a->kind == CFG_LIST)) {
    if (a->kind == CFG_STRING) {
      size_t la = strlen(a->s), lb = strlen(b->s);
      if (la + lb > (1u << 20)) return fail(v, e, "string longer than 1 MiB");
      char *t = malloc(la + lb + 1);
      memcpy(t, a->s, la);
      memcpy(t + la, b->s, lb + 1);
      cfg_node *r = cfg_new_string(t, L);
      free(t);
      return r;
    }
    if (cfg_count(a) + cfg_count(b) > (1l << 20)) return fail(v, e, "list larger than 1 Mi items");
    cfg_node *r = cfg_copy(a);
    for (size_t i = 0; i < b->n; i++) cfg_list_append(r, cfg_copy(b->items[i]));
    return r;
  }
  if (op == T_STAR && ((a->kind == CFG_STRING || a->kind == CFG_LIST) && b->kind == CFG_INT)) {
    int64_t k = b->i < 0 ? 0 : b->i;
    size_t unit = a->kind == CFG_STRING ? strlen(a->s) : a->n;
    if (!unit) k = 0; /* '' * 10**12 is '' at once (found by fuzz_expr: it looped 10**12 times) */
    /* the budget counts every node, nested ones too: [[[0]*1000]*1000]*1000 would be 10**9 */
    size_t nodes = a->kind == CFG_STRING ? unit : (size_t)cfg_count(a);
    if (unit && (uint64_t)k > (1u << 20) / nodes) return fail(v, e, "repetition result larger than 1 Mi items");
    if (a->kind == CFG_STRING) {
      char *t = malloc(unit * (size_t)k + 1);
      for (int64_t i = 0; i < k; i++) memcpy(t + i * unit, a->s, unit);
      t[unit * (size_t)k] = 0;
      cfg_node *r = cfg_new_string(t, L);
      free(t);
      return r;
    }
    cfg_node *r = cfg_new(CFG_LIST, L);
    for (int64_t i = 0; i < k; i++)
      for (size_t j = 0; j < a->n; j++) cfg_list_append(r, cfg_copy(a->items[j]));
    return r;
  }
  if (!isnum(a) || !isnum(b))
    return fail(v, e, "unsupported operand types for %s: '%s' and '%s'", sym, tname(a), tname(b));
  int ints = a->kind != CFG_FLOAT && b->kind != CFG_FLOAT;
  if (ints) {
    int64_t x = a->i, y = b->i, r;
    switch (op) {
    case T_PLUS:
      if (__builtin_add_overflow(x, y, &r)) return fail(v, e, "integer overflow in %s", sym);
      return cfg_new_int(r, L);
    case T_MINUS:
      if (__builtin_sub_overflow(x, y, &r)) return fail(v, e, "integer overflow in %s", sym);
      return cfg_new_int(r, L);
    case T_STAR:
      if (__builtin_mul_overflow(x, y, &r)) return fail(v, e, "integer overflow in %s", sym);
      return cfg_new_int(r, L);
    case T_SLASH:
      if (!y) return fail(v, e, "division by zero");
      return cfg_new_float((double)x / (double)y, L);
    case T_DSLASH:
    case T_PCT: {
      if (!y) return fail(v, e, "integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) return fail(v, e, "integer overflow in %s", sym);
      int64_t q = x / y, m = x % y;
      if (m && ((m < 0) != (y < 0))) q--, m += y; /* floor, as Python */
      return cfg_new_int(op == T_DSLASH ? q : m, L);
    }
    case T_POW:
      if (y >= 0) {
        int64_t acc = 1, base = x;
        for (int64_t k = y; k; k >>= 1) {
          if ((k & 1) && __builtin_mul_overflow(acc, base, &acc)) return fail(v, e, "integer overflow in **");
          if (k > 1 && __builtin_mul_overflow(base, base, &base)) return fail(v, e, "integer overflow in **");
        }
        return cfg_new_int(acc, L);
      }
      if (!x) return fail(v, e, "0 cannot be raised to a negative power");
      return cfg_new_float(pow((double)x, (double)y), L);
    }
  }
  double x = num(a), y = num(b);
  switch (op) {
  case T_PLUS: return cfg_new_float(x + y, L);
  case T_MINUS: return cfg_new_float(x - y, L);
  case T_STAR: return cfg_new_float(x * y, L);
  case T_SLASH:
    if (y == 0) return fail(v, e, "float division by zero");
    return cfg_new_float(x / y, L);
  case T_DSLASH:
  case T_PCT: {
    /* CPython's float_divmod */
    if (y == 0) return fail(v, e, op == T_PCT ? "float modulo by zero" : "float floor division by zero");
    double m = fmod(x, y), div = (x - m) / y, fl;
    if (m) {
      if ((y < 0) != (m < 0)) m += y, div -= 1.0;
    } else {
      m = copysign(0.0, y);
    }
    if (div) {
      fl = floor(div);
      if (div - fl > 0.5) fl += 1.0;
    } else {
      fl = copysign(0.0, x / y);
    }
    return cfg_new_float(op == T_PCT ? m : fl, L);
  }
  case T_POW:
    if (x == 0 && y < 0) return fail(v, e, "0.0 cannot be raised to a negative power");
    if (x < 0 && floor(y) != y) return fail(v, e, "a negative number to a fractional power is complex");
    return cfg_new_float(pow(x, y), L);
  }
  return fail(v, e, "unknown operator");
}

/* -1, 0, 1, or 2 for "not ordered" */
static int order(const cfg_node *a, const cfg_node *b) {
  if (isnum(a) && isnum(b)) {
    if (a->kind != CFG_FLOAT && b->kind != CFG_FLOAT) return a->i < b->i ? -1 : a->i > b->i;
    double x = num(a), y = num(b);
    return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;
  }
  if (a->kind == CFG_STRING && b->kind == CFG_STRING) {
    int c = strcmp(a->s, b->s);
    return c < 0 ? -1 : c > 0;
  }
  if (a->kind == CFG_LIST && b->kind == CFG_LIST) {
    for (size_t i = 0; i < a->n && i < b->n; i++) {
      int c = order(a->items[i], b->items[i]);
      if (c) return c;
    }
    return a->n < b->n ? -1 : a->n > b->n;
  }
  return 2;
}

static cfg_node *compare(EV *v, const enode *e, int op, const cfg_node *a, const cfg_node *b, int *res) {
  cfg_loc L = v->loc;
  switch (op) {
  case T_EQ:
  case T_NE: *res = cfg_equal(a, b) == (op == T_EQ); return cfg_new(CFG_NULL, L);
  case T_IS:
  case T_ISNOT: {
    int same = (a->kind == CFG_NULL && b->kind == CFG_NULL) || (a->kind == CFG_BOOL && b->kind == CFG_BOOL && a->i == b->i);
    *res = same == (op == T_IS);
    return cfg_new(CFG_NULL, L);
  }
  case T_IN:
  case T_NOTIN: {
    int found = 0;
    if (b->kind == CFG_STRING && a->kind == CFG_STRING) found = strstr(b->s, a->s) != NULL;
    else if (b->kind == CFG_LIST) {
      for (size_t i = 0; i < b->n && !found; i++) found = cfg_equal(a, b->items[i]);
    } else if (b->kind == CFG_DICT && a->kind == CFG_STRING) found = cfg_dict_find(b, a->s) >= 0;
    else return fail(v, e, "'in' needs a str, list or dict on the right, not '%s'", tname(b));
    *res = found == (op == T_IN);
    return cfg_new(CFG_NULL, L);
  }
  default: {
    int c = order(a, b);
    if (c == 2) {
      if (isnum(a) && isnum(b)) { /* nan */
        *res = 0;
        return cfg_new(CFG_NULL, L);
      }
      return fail(v, e, "%s not supported between '%s' and '%s'", tokname(op), tname(a), tname(b));
    }
    *res = op == T_LT ? c < 0 : op == T_LE ? c <= 0 : op == T_GT ? c > 0 : c >= 0;
    return cfg_new(CFG_NULL, L);
  }
  }
}

static const char *kBuiltins[] = {"abs", "bool", "float", "int", "len", "max", "min", "round", "str"};

static cfg_node *builtin(EV *v, const enode *e, const char *f, cfg_node **a, size_t n) {
  cfg_loc L = v->loc;
  for (size_t i = 0; i < n; i++)
    if (a[i] == DEFERRED) return DEFERRED;
  if (!strcmp(f, "min") || !strcmp(f, "max")) {
    cfg_node *const *items = a;
    size_t cnt = n;
    if (n == 1 && a[0]->kind == CFG_LIST) items = a[0]->items, cnt = a[0]->n;
    if (!cnt) return fail(v, e, "%s() needs at least one value", f);
    const cfg_node *best = items[0];
    for (size_t i = 1; i < cnt; i++) {
      int c = order(items[i], best);
      if (c == 2) return fail(v, e, "%s() cannot compare '%s' and '%s'", f, tname(items[i]), tname(best));
      if ((f[1] == 'i' && c < 0) || (f[1] == 'a' && c > 0)) best = items[i];
    }
    return cfg_copy(best);
  }
  if (n != 1 && !(n == 2 && !strcmp(f, "round")))
    return fail(v, e, "%s() takes exactly one argument (%zu given)", f, n);
  cfg_node *x = a[0];
  if (!strcmp(f, "abs")) {
    if (x->kind == CFG_FLOAT) return cfg_new_float(fabs(x->f), L);
    if (x->kind == CFG_INT || x->kind == CFG_BOOL) {
      if (x->i == INT64_MIN) return fail(v, e, "integer overflow in abs()");
      return cfg_new_int(x->i < 0 ? -x->i : x->i, L);
    }
    return fail(v, e, "bad operand type for abs(): '%s'", tname(x));
  }
  if (!strcmp(f, "bool")) return cfg_new_bool(truthy(x), L);
  if (!strcmp(f, "len")) {
    if (x->kind == CFG_STRING) {
      int64_t cnt = 0;
      for (const unsigned char *p = (const unsigned char *)x->s; *p; p++) cnt += (*p & 0xC0) != 0x80;
      return cfg_new_int(cnt, L);
    }
    if (x->kind == CFG_LIST || x->kind == CFG_DICT) return cfg_new_int((int64_t)x->n, L);
    return fail(v, e, "object of type '%s' has no len()", tname(x));
  }
  if (!strcmp(f, "str")) {
    char *t = cfg_value_str(x);
    cfg_node *r = cfg_new_string(t, L);
    free(t);
    return r;
  }
  if (!strcmp(f, "int")) {
    if (x->kind == CFG_INT || x->kind == CFG_BOOL) return cfg_new_int(x->i, L);
    if (x->kind == CFG_FLOAT) {
      if (!isfinite(x->f) || fabs(x->f) >= 9.2e18) return fail(v, e, "cannot convert float %g to int", x->f);
      return cfg_new_int((int64_t)x->f, L);
    }
    if (x->kind == CFG_STRING) {
      char *end;
      errno = 0;
      long long r = strtoll(x->s, &end, 10);
      while (*end == ' ') end++;
      if (!*x->s || *end || errno) return fail(v, e, "invalid literal for int(): '%s'", x->s);
      return cfg_new_int(r, L);
    }
    return fail(v, e, "int() argument must be a string or a number, not '%s'", tname(x));
  }
  if (!strcmp(f, "float")) {
    if (isnum(x)) return cfg_new_float(num(x), L);
    if (x->kind == CFG_STRING) {
      char *end;
      double r = strtod(x->s, &end);
      while (*end == ' ') end++;
      if (!*x->s || *end) return fail(v, e, "could not convert string to float: '%s'", x->s);
      return cfg_new_float(r, L);
    }
    return fail(v, e, "float() argument must be a string or a number, not '%s'", tname(x));
  }
  if (!strcmp(f, "round")) {
    if (!isnum(x)) return fail(v, e, "type '%s' doesn't define round()", tname(x));
    if (n == 2) {
      if (a[1]->kind != CFG_INT) return fail(v, e, "round() digits must be an int");
      int64_t nd = a[1]->i;
      if (x->kind != CFG_FLOAT) {
        if (nd >= 0) return cfg_new_int(x->i, L);
        if (nd < -18) return cfg_new_int(0, L);
        int64_t p = 1;
        for (int64_t k = 0; k < -nd; k++) p *= 10;
        int64_t q = x->i / p, rem = x->i % p;
        if (rem < 0) q--, rem += p; /* floor */
        if (2 * rem > p || (2 * rem == p && (q & 1))) q++; /* half to even */
        int64_t out;
        if (__builtin_mul_overflow(q, p, &out)) return fail(v, e, "integer overflow in round()");
        return cfg_new_int(out, L);
      }
      if (nd > 300 || !isfinite(x->f)) return cfg_new_float(x->f, L);
      if (nd < -308) return cfg_new_float(copysign(0.0, x->f), L);
      double m = pow(10.0, (double)nd);
      return cfg_new_float(nearbyint(x->f * m) / m, L);
    }
    if (x->kind != CFG_FLOAT) return cfg_new_int(x->i, L);
    if (!isfinite(x->f) || fabs(x->f) >= 9.2e18) return fail(v, e, "cannot round %g to an int", x->f);
    return cfg_new_int((int64_t)nearbyint(x->f), L); /* half to even, as Python */
  }
  return fail(v, e, "unknown function");
}

static cfg_node *ev_call(EV *v, const enode *e) {
  const enode *f = e->kids[0];
  size_t n = e->n - 1;
  cfg_node **args = calloc(n ? n : 1, sizeof *args);
  cfg_node *r = NULL;
  cfg_node *obj = NULL;
  for (size_t i = 0; i < n; i++)
    if (!(args[i] = ev(v, e->kids[i + 1]))) goto out;
  if (f->k == E_NAME) {
    int known = 0;
    for (size_t i = 0; i < sizeof kBuiltins / sizeof kBuiltins[0]; i++) known |= !strcmp(f->name, kBuiltins[i]);
    if (!known) {
      fail(v, f, "unknown function '%s'", f->name);
      char sug[256];
      if (cfg_suggest(f->name, kBuiltins, sizeof kBuiltins / sizeof kBuiltins[0], sug, sizeof sug))
        cfg_hint(v->err, "did you mean %s?", sug);
      else
        cfg_hint(v->err, "functions: abs, bool, float, int, len, max, min, round, str");
      goto out;
    }
    r = builtin(v, e, f->name, args, n);
  } else if (f->k == E_ATTR) {
    if (!(obj = ev(v, f->kids[0]))) goto out;
    int known = 0;
    for (size_t i = 0; i < v->env->nmethods; i++) known |= !strcmp(f->name, v->env->methods[i]);
    if (obj != DEFERRED && obj->kind != CFG_OBJECT) {
      fail(v, f, "a %s has no method '%s'; methods belong to built components (like @model::network)",
           tname(obj), f->name);
      goto out;
    }
    if (!known) {
      fail(v, f, "unknown method '%s'", f->name);
      char sug[256];
      if (cfg_suggest(f->name, v->env->methods, v->env->nmethods, sug, sizeof sug))
        cfg_hint(v->err, "did you mean %s?", sug);
      else if (v->env->nmethods) {
        size_t used = 0;
        char list[256] = "";
        for (size_t i = 0; i < v->env->nmethods && used < sizeof list; i++)
          used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", v->env->methods[i]);
        cfg_hint(v->err, "methods: %s", list);
      }
      goto out;
    }
    if (obj == DEFERRED || !v->env->call_method) {
      r = DEFERRED;
    } else {
      for (size_t i = 0; i < n; i++)
        if (args[i] == DEFERRED) {
          r = DEFERRED;
          goto out;
        }
      cfg_loc l = v->loc;
      l.col += f->pos;
      r = v->env->call_method(v->env->ctx, obj, f->name, args, n, l, v->err);
    }
  } else {
    fail(v, e, "only functions (abs, int, ...) and methods of components can be called");
  }
out:
  for (size_t i = 0; i < n; i++)
    if (args[i]) vfree(args[i]);
  free(args);
  if (obj) vfree(obj);
  return r;
}

static cfg_node *ev(EV *v, const enode *e) {
  cfg_loc L = v->loc;
  if (++v->depth > MAX_HEIGHT) return fail(v, e, "expression nested too deeply");
  cfg_node *r = NULL, *a = NULL, *b = NULL;
  switch (e->k) {
  case E_NUM:
  case E_STR:
  case E_CONST: r = cfg_copy(e->lit); break;
  case E_LIST:
  case E_DICT: {
    r = cfg_new(e->k == E_LIST ? CFG_LIST : CFG_DICT, L);
    int deferred = 0;
    for (size_t i = 0; i < e->n; i += (e->k == E_DICT ? 2 : 1)) {
      cfg_node *x = ev(v, e->kids[i]);
      if (!x) goto fail_r;
      if (e->k == E_LIST) {
        if (x == DEFERRED) deferred = 1;
        else cfg_list_append(r, x);
        continue;
      }
      cfg_node *y = ev(v, e->kids[i + 1]);
      if (!y) {
        vfree(x);
        goto fail_r;
      }
      if (x == DEFERRED || y == DEFERRED) {
        deferred = 1;
      } else if (x->kind != CFG_STRING) {
        fail(v, e->kids[i], "dict keys must be strings, not '%s'", tname(x));
        vfree(x), vfree(y);
        goto fail_r;
      } else {
        cfg_dict_set(r, x->s, L, y);
        y = NULL;
      }
      vfree(x);
      if (y) vfree(y);
    }
    if (deferred) {
      cfg_free(r);
      r = DEFERRED;
    }
    break;
  fail_r:
    cfg_free(r);
    r = NULL;
    break;
  }
  case E_REF: {
    int deferred = 0;
    cfg_loc l = L;
    l.col += e->pos;
    const cfg_node *x = v->env->ref(v->env->ctx, e->name, e->raw, l, &deferred, v->err);
    if (deferred) r = DEFERRED;
    else if (x) r = cfg_copy(x);
    break;
  }
  case E_NAME: {
    fail(v, e, "unknown name '%s'", e->name);
    static const char *consts[] = {"True", "False", "None"};
    char sug[256];
    if (cfg_suggest(e->name, consts, 3, sug, sizeof sug)) cfg_hint(v->err, "did you mean %s?", sug);
    else cfg_hint(v->err, "names are not variables here: refer to config values with @key::path");
    break;
  }
  case E_NEG:
  case E_POS:
    if (!(a = ev(v, e->kids[0]))) break;
    if (a == DEFERRED) {
      r = DEFERRED;
    } else if (!isnum(a)) {
      fail(v, e, "bad operand type for unary %s: '%s'", e->k == E_NEG ? "-" : "+", tname(a));
    } else if (e->k == E_POS) {
      r = a->kind == CFG_FLOAT ? cfg_new_float(a->f, L) : cfg_new_int(a->i, L);
    } else if (a->kind == CFG_FLOAT) {
      r = cfg_new_float(-a->f, L);
    } else if (a->i == INT64_MIN) {
      fail(v, e, "integer overflow in unary -");
    } else {
      r = cfg_new_int(-a->i, L);
    }
    break;
  case E_NOT:
    if (!(a = ev(v, e->kids[0]))) break;
    r = a == DEFERRED ? DEFERRED : cfg_new_bool(!truthy(a), L);
    break;
  case E_BIN:
    if (!(a = ev(v, e->kids[0]))) break;
    if (!(b = ev(v, e->kids[1]))) break;
    r = arith(v, e, e->op, a, b);
    break;
  case E_AND:
  case E_OR:
    /* Python: the right side runs only when the left does not decide */
    if (!(a = ev(v, e->kids[0]))) break;
    if (a != DEFERRED && truthy(a) == (e->k == E_OR)) {
      r = cfg_copy(a);
      break;
    }
    if (!(b = ev(v, e->kids[1]))) break;
    r = (a == DEFERRED || b == DEFERRED) ? DEFERRED : cfg_copy(b);
    break;
  case E_IF: {
    /* Only the branch taken is evaluated (both when the condition needs
     * built objects, so that both are checked). */
    cfg_node *c = ev(v, e->kids[0]);
    if (!c) break;
    if (c == DEFERRED) {
      a = ev(v, e->kids[1]);
      b = a ? ev(v, e->kids[2]) : NULL;
      if (a && b) r = DEFERRED;
    } else {
      a = ev(v, e->kids[truthy(c) ? 1 : 2]);
      if (a) r = a == DEFERRED ? DEFERRED : cfg_copy(a);
    }
    vfree(c);
    break;
  }
  case E_CMP: {
    int all = 1, deferred = 0;
    cfg_node *prev = ev(v, e->kids[0]);
    if (!prev) break;
    for (size_t i = 1; i < e->n; i++) {
      cfg_node *cur = ev(v, e->kids[i]);
      if (!cur) {
        vfree(prev);
        prev = NULL;
        break;
      }
      if (prev == DEFERRED || cur == DEFERRED) {
        deferred = 1;
      } else {
        int res = 0;
        cfg_node *ok = compare(v, e, e->ops[i - 1], prev, cur, &res);
        if (!ok) {
          vfree(prev), vfree(cur);
          prev = NULL;
          break;
        }
        cfg_free(ok);
        all = all && res;
      }
      vfree(prev);
      prev = cur;
    }
    if (prev) {
      vfree(prev);
      r = deferred ? DEFERRED : cfg_new_bool(all, L);
    }
    break;
  }
  case E_CALL: r = ev_call(v, e); break;
  case E_ATTR:
    if (!(a = ev(v, e->kids[0]))) break;
    if (a == DEFERRED || a->kind == CFG_OBJECT) {
      fail(v, e, "'%s' without a call: only method calls like .%s() are supported", e->name, e->name);
    } else {
      fail(v, e, "a %s has no attribute '%s'", tname(a), e->name);
    }
    break;
  case E_INDEX:
    if (!(a = ev(v, e->kids[0]))) break;
    if (!(b = ev(v, e->kids[1]))) break;
    if (a == DEFERRED || b == DEFERRED) {
      r = DEFERRED;
    } else if ((a->kind == CFG_LIST || a->kind == CFG_STRING) && b->kind == CFG_INT) {
      int64_t len = 0;
      if (a->kind == CFG_LIST) len = (int64_t)a->n;
      else
        for (const unsigned char *p = (const unsigned char *)a->s; *p; p++) len += (*p & 0xC0) != 0x80;
      int64_t i = b->i < 0 ? b->i + len : b->i;
      if (i < 0 || i >= len) {
        fail(v, e, "index %lld out of range (length %lld)", (long long)b->i, (long long)len);
      } else if (a->kind == CFG_LIST) {
        r = cfg_copy(a->items[i]);
      } else { /* the i-th code point */
        const unsigned char *p = (const unsigned char *)a->s;
        for (int64_t k = 0; k < i; p++)
          if ((p[1] & 0xC0) != 0x80) k++;
        const unsigned char *q = p + 1;
        while (*q && (*q & 0xC0) == 0x80) q++;
        char one[8] = {0};
        memcpy(one, p, (size_t)(q - p) < 7 ? (size_t)(q - p) : 7);
        r = cfg_new_string(one, L);
      }
    } else if (a->kind == CFG_DICT && b->kind == CFG_STRING) {
      cfg_node *x = cfg_dict_get(a, b->s);
      if (!x) fail(v, e, "key '%s' not found", b->s);
      else r = cfg_copy(x);
    } else {
      fail(v, e, "a %s cannot be indexed by a %s", tname(a), tname(b));
    }
    break;
  }
  if (a) vfree(a);
  if (b) vfree(b);
  v->depth--;
  return r;
}

cfg_node *cfg_expr_eval(cfg_expr *x, const cfg_expr_env *env, int *deferred, cfg_error *err) {
  EV v = {env, err, x->loc, 0};
  *deferred = 0;
  cfg_node *r = ev(&v, x->root);
  if (r == DEFERRED) {
    *deferred = 1;
    return NULL;
  }
  return r;
}
