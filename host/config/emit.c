/* emit.c: prints config trees as block YAML, quoting exactly the strings
 * that would otherwise read back as something else. */
#include "emit.h"

#include "yaml.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int needs_quotes(const char *s) {
  if (!*s || !strcmp(s, "<<")) return 1;
  /* NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR break lines in YAML */
  if (strstr(s, "\xc2\x85") || strstr(s, "\xe2\x80\xa8") || strstr(s, "\xe2\x80\xa9")) return 1;
  if (strchr("-?:,[]{}#&*!|>'\"%@`$ ", s[0]) && !(s[0] == '-' && s[1] && s[1] != ' ' && s[1] != '-')) return 1;
  if (s[0] == '@' || s[0] == '$' || s[0] == '%') return 1;
  size_t n = strlen(s);
  if (s[n - 1] == ' ' || s[n - 1] == ':') return 1;
  if (strstr(s, ": ") || strstr(s, " #")) return 1;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == 0x7f) return 1;
  cfg_loc l = {0};
  cfg_node *t = cfg_scalar_plain(s, l);
  int other = t->kind != CFG_STRING;
  cfg_free(t);
  return other;
}

void cfg_emit_quoted(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\t': fputs("\\t", f); break;
    case '\r': fputs("\\r", f); break;
    default:
      if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\x%02x", *p);
      else if (p[0] == 0xc2 && p[1] == 0x85) fputs("\\N", f), p++;
      else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) fputs(p[2] == 0xa8 ? "\\L" : "\\P", f), p += 2;
      else fputc(*p, f);
    }
  }
  fputc('"', f);
}

static void str(FILE *f, const char *s) {
  if (needs_quotes(s)) cfg_emit_quoted(f, s);
  else fputs(s, f);
}

static void scalar(FILE *f, const cfg_node *n) {
  switch (n->kind) {
  case CFG_NULL: fputs("null", f); break;
  case CFG_BOOL: fputs(n->i ? "true" : "false", f); break;
  case CFG_INT: fprintf(f, "%lld", (long long)n->i); break;
  case CFG_FLOAT: {
    char buf[64];
    cfg_float_text(n->f, 1, buf, sizeof buf);
    fputs(buf, f);
    break;
  }
  case CFG_STRING: str(f, n->s); break;
  case CFG_REF: {
    fputs("\"@", f);
    fputs(n->s, f);
    fputc('"', f);
    break;
  }
  case CFG_EXPR: {
    size_t len = strlen(n->s) + 2;
    char *t = malloc(len);
    snprintf(t, len, "$%s", n->s);
    str(f, t);
    free(t);
    break;
  }
  case CFG_OBJECT: fputs("\"<object>\"", f); break;
  default: break;
  }
}

static void indent(FILE *f, int n) {
  for (int i = 0; i < n; i++) fputc(' ', f);
}

static void block(FILE *f, const cfg_node *n, int ind, int inline_first);

static int is_container(const cfg_node *n) { return (n->kind == CFG_DICT || n->kind == CFG_LIST) && n->n > 0; }

static void value_after_key(FILE *f, const cfg_node *v, int ind) {
  if (is_container(v)) {
    fputc('\n', f);
    block(f, v, v->kind == CFG_LIST ? ind : ind + 2, 0);
  } else {
    fputc(' ', f);
    if (v->kind == CFG_DICT) fputs("{}", f);
    else if (v->kind == CFG_LIST) fputs("[]", f);
    else scalar(f, v);
    fputc('\n', f);
  }
}

/* inline_first: the first line continues after "- ". */
static void block(FILE *f, const cfg_node *n, int ind, int inline_first) {
  for (size_t i = 0; i < n->n; i++) {
    if (!(inline_first && i == 0)) indent(f, ind);
    if (n->kind == CFG_DICT) {
      str(f, n->keys[i]);
      fputc(':', f);
      value_after_key(f, n->items[i], ind);
    } else {
      fputs("- ", f);
      const cfg_node *v = n->items[i];
      if (is_container(v)) {
        block(f, v, ind + 2, 1);
      } else {
        if (v->kind == CFG_DICT) fputs("{}", f);
        else if (v->kind == CFG_LIST) fputs("[]", f);
        else scalar(f, v);
        fputc('\n', f);
      }
    }
  }
}

void cfg_emit(FILE *f, const cfg_node *root) {
  if (is_container(root)) block(f, root, 0, 0);
  else if (root->kind == CFG_DICT) fputs("{}\n", f);
  else {
    scalar(f, root);
    fputc('\n', f);
  }
}

/* In flow style a plain string cannot hold a flow indicator anywhere. */
static void flow_str(FILE *f, const char *s) {
  if (strpbrk(s, ",[]{}")) cfg_emit_quoted(f, s);
  else str(f, s);
}

void cfg_emit_flow(FILE *f, const cfg_node *n) {
  if (n->kind != CFG_LIST && n->kind != CFG_DICT) {
    if (n->kind == CFG_STRING) flow_str(f, n->s);
    else scalar(f, n);
    return;
  }
  fputc(n->kind == CFG_LIST ? '[' : '{', f);
  for (size_t i = 0; i < n->n; i++) {
    if (i) fputs(", ", f);
    if (n->kind == CFG_DICT) flow_str(f, n->keys[i]), fputs(": ", f);
    cfg_emit_flow(f, n->items[i]);
  }
  fputc(n->kind == CFG_LIST ? ']' : '}', f);
}
