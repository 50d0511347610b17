/* module_books.c: the books of a plugin module made with lt_module_new
 * (SDK 1.5), kept as torch.nn.Module keeps them: parameters, buffers and
 * children by name in the order they were registered. From them the host
 * answers parameters(), buffers() and state() (PyTorch's state_dict order:
 * a module's parameters, its buffers, then each child's, names prefixed
 * "child."), passes train/eval down, and frees everything it owns. The
 * plugin's own struct follows the books in one allocation, so the plugin's
 * self pointer leads back to them. */
#include "module_books.h"

#include "sdk_services.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOOKS_MAGIC 0x6c74626f6f6b7331ULL /* "ltbooks1" */

typedef enum entry_kind { ENTRY_PARAMETER, ENTRY_BUFFER, ENTRY_CHILD } entry_kind;

typedef struct entry {
  char *name;
  entry_kind kind;
  lt_tensor *t;    /* parameters and buffers: owned */
  lt_child *child; /* children: freed with the module (owned instance or not) */
} entry;

/* One part (parameters, buffers, state) as last listed: the handles and
 * the full names (owned), valid until something is registered. */
typedef struct listing {
  int valid;
  size_t n;
  lt_tensor **t;
  char **names;
} listing;

typedef struct books {
  uint64_t magic;
  entry *e;
  size_t n, cap;
  int training;
  char err[512]; /* the first registering error */
  listing parts[3];
} books;

/* The plugin's struct starts this far after the books (max_align_t aligned). */
enum { BOOKS_SPACE = (sizeof(books) + 15) & ~(size_t)15 };

static books *books_of(void *self) {
  books *b = self ? (books *)(void *)((char *)self - BOOKS_SPACE) : NULL;
  if (!b || b->magic != BOOKS_MAGIC) {
    fprintf(stderr, "lighter-host: a plugin passed a pointer that lt_module_new did not make to a module call "
                    "(lt_register_parameter, lt_add_module, or LT_MODULE's tables); fix the plugin\n");
    abort();
  }
  return b;
}

static void forget_listing(books *b) {
  for (int p = 0; p < 3; p++) {
    listing *l = &b->parts[p];
    for (size_t i = 0; i < l->n; i++) free(l->names[i]);
    free(l->t);
    free(l->names);
    memset(l, 0, sizeof *l);
  }
}

static void fail(books *b, const char *fmt, const char *name, const char *why) {
  if (!b->err[0]) snprintf(b->err, sizeof b->err, fmt, name, why);
}

void *host_module_new(size_t size) {
  books *b = calloc(1, BOOKS_SPACE + (size ? size : 1));
  if (!b) { /* as the host's other allocations: create needs no check */
    fprintf(stderr, "lighter-host: out of memory making a module (%zu bytes)\n", size);
    abort();
  }
  b->magic = BOOKS_MAGIC;
  b->training = 1;
  return (char *)b + BOOKS_SPACE;
}

/* A name the module can take: non-empty, no empty dotted part, not taken. */
static int name_ok(books *b, const char *name, const char *what) {
  const char *why = NULL;
  if (!name || !*name) why = "an empty name";
  else if (name[0] == '.' || name[strlen(name) - 1] == '.' || strstr(name, "..")) why = "an empty part between dots";
  for (size_t i = 0; !why && i < b->n; i++)
    if (!strcmp(b->e[i].name, name)) why = "a name the module already has";
  if (why) {
    char msg[300];
    snprintf(msg, sizeof msg, "%s '%s'", what, name ? name : "(null)");
    fail(b, "%s: %s (each needs its own state_dict key)", msg, why);
  }
  return !why;
}

static entry *append(books *b, const char *name, entry_kind kind) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 8;
    entry *e = realloc(b->e, cap * sizeof *e);
    if (!e) return NULL;
    b->e = e, b->cap = cap;
  }
  char *copy = strdup(name);
  if (!copy) return NULL;
  forget_listing(b);
  entry *e = &b->e[b->n++];
  *e = (entry){copy, kind, NULL, NULL};
  return e;
}

lt_tensor *host_module_register(void *self, lt_module_part part, const char *name, lt_tensor *t) {
  books *b = books_of(self);
  const char *what = part == LT_MODULE_BUFFERS ? "buffer" : "parameter";
  if (!t) {
    char msg[300];
    snprintf(msg, sizeof msg, "%s '%s'", what, name ? name : "(null)");
    fail(b, "%s: %s", msg, lt_last_error()[0] ? lt_last_error() : "no tensor (NULL)");
    return NULL;
  }
  entry *e = name_ok(b, name, what) ? append(b, name, part == LT_MODULE_BUFFERS ? ENTRY_BUFFER : ENTRY_PARAMETER) : NULL;
  if (!e) {
    fail(b, "%s %s", what, "could not be registered");
    lt_tensor_free(t);
    return NULL;
  }
  e->t = lt_tensor_keep(t);
  if (part != LT_MODULE_BUFFERS) lt_tensor_set_requires_grad(t, 1);
  return t;
}

lt_child *host_module_add(void *self, const char *name, lt_child *child) {
  books *b = books_of(self);
  if (!child) {
    char msg[300];
    snprintf(msg, sizeof msg, "module '%s'", name ? name : "(null)");
    fail(b, "%s: %s", msg, lt_last_error()[0] ? lt_last_error() : "no child (NULL)");
    return NULL;
  }
  entry *e = name_ok(b, name, "module") ? append(b, name, ENTRY_CHILD) : NULL;
  if (!e) {
    host_child_free(child);
    return NULL;
  }
  e->child = child;
  return child;
}

/* The child's module table, or NULL for children that hold no tensors. */
static const lt_module_ops *module_ops(const lt_child *c) {
  const lt_module_ops *ops = c->component->kind == LT_KIND_MODULE ? c->component->ops : NULL;
  return ops && ops->size >= sizeof(size_t) ? ops : NULL;
}

size_t host_module_part(const lt_module_ops *ops, void *self, lt_module_part part, lt_tensor **t, const char **names,
                        size_t max) {
  int has_buffers = HOST_HAS(ops, lt_module_ops, buffers);
  switch (part) {
  case LT_MODULE_PARAMETERS: return ops->parameters ? ops->parameters(self, t, names, max) : 0;
  case LT_MODULE_BUFFERS: return has_buffers ? ops->buffers(self, t, names, max) : 0;
  default:
    if (HOST_HAS(ops, lt_module_ops, state)) return ops->state(self, t, names, max);
    size_t np = ops->parameters ? ops->parameters(self, t, names, max) : 0;
    size_t nb = has_buffers ? ops->buffers(self, t ? t + (np < max ? np : max) : NULL,
                                           names ? names + (np < max ? np : max) : NULL, np < max ? max - np : 0)
                            : 0;
    return np + nb;
  }
}

/* A child's part through its own table (none for children that hold no
 * tensors). */
static size_t child_part(const lt_child *c, lt_module_part part, lt_tensor **t, const char **names, size_t max) {
  const lt_module_ops *ops = module_ops(c);
  return ops ? host_module_part(ops, c->self, part, t, names, max) : 0;
}

static int push(listing *l, size_t *cap, lt_tensor *t, const char *prefix, const char *name) {
  if (l->n == *cap) {
    size_t c = *cap ? 2 * *cap : 16;
    lt_tensor **nt = realloc(l->t, c * sizeof *nt);
    if (nt) l->t = nt;
    char **nn = realloc(l->names, c * sizeof *nn);
    if (nn) l->names = nn;
    if (!nt || !nn) return -1;
    *cap = c;
  }
  size_t len = strlen(prefix) + 1 + strlen(name ? name : "") + 1;
  char *full = malloc(len);
  if (!full) return -1;
  snprintf(full, len, "%s%s%s", prefix, *prefix ? "." : "", name ? name : "");
  l->t[l->n] = t;
  l->names[l->n++] = full;
  return 0;
}

/* Own entries of the kinds of part, then (for each child in order) its own. */
static int list_part(books *b, lt_module_part part, listing *l) {
  size_t cap = 0;
  int rc = 0;
  for (size_t i = 0; i < b->n && !rc; i++) {
    entry_kind k = b->e[i].kind;
    int mine = (k == ENTRY_PARAMETER && part != LT_MODULE_BUFFERS) || (k == ENTRY_BUFFER && part != LT_MODULE_PARAMETERS);
    if (mine && part == LT_MODULE_STATE && k == ENTRY_BUFFER) continue; /* after every parameter */
    if (mine) rc = push(l, &cap, b->e[i].t, "", b->e[i].name);
  }
  for (size_t i = 0; part == LT_MODULE_STATE && i < b->n && !rc; i++)
    if (b->e[i].kind == ENTRY_BUFFER) rc = push(l, &cap, b->e[i].t, "", b->e[i].name);
  for (size_t i = 0; i < b->n && !rc; i++) {
    if (b->e[i].kind != ENTRY_CHILD) continue;
    const lt_child *c = b->e[i].child;
    size_t n = child_part(c, part, NULL, NULL, 0);
    lt_tensor **t = calloc(n + 1, sizeof *t);
    const char **names = calloc(n + 1, sizeof *names);
    if (!t || !names) rc = -1;
    else child_part(c, part, t, names, n);
    for (size_t k = 0; k < n && !rc; k++) rc = push(l, &cap, t[k], b->e[i].name, names[k]);
    free(t);
    free((void *)names);
  }
  l->valid = !rc;
  return rc;
}

size_t host_module_tensors(void *self, lt_module_part part, lt_tensor **out, const char **names, size_t max) {
  books *b = books_of(self);
  if ((int)part < 0 || (int)part > 2) return 0;
  listing *l = &b->parts[part];
  if (!l->valid && list_part(b, part, l) != 0) {
    forget_listing(b);
    return 0;
  }
  for (size_t i = 0; i < l->n && i < max; i++) {
    if (out) out[i] = l->t[i];
    if (names) names[i] = l->names[i];
  }
  return l->n;
}

void host_module_train(void *self, int mode) {
  books *b = books_of(self);
  b->training = mode;
  for (size_t i = 0; i < b->n; i++) {
    const lt_module_ops *ops = b->e[i].kind == ENTRY_CHILD ? module_ops(b->e[i].child) : NULL;
    if (ops && ops->train) ops->train(b->e[i].child->self, mode);
  }
}

int host_module_training(void *self) { return books_of(self)->training; }

void host_module_free(void *self) {
  if (!self) return;
  books *b = books_of(self);
  for (size_t i = b->n; i-- > 0;) { /* children last made, first freed */
    if (b->e[i].kind == ENTRY_CHILD) host_child_free(b->e[i].child);
    else lt_tensor_free(b->e[i].t);
    free(b->e[i].name);
  }
  forget_listing(b);
  free(b->e);
  b->magic = 0;
  free(b);
}

lt_status host_module_done(void *self, void **out, char *err, size_t errlen) {
  books *b = books_of(self);
  if (b->err[0]) {
    snprintf(err, errlen, "%s", b->err);
    host_module_free(self);
    return LT_FAIL;
  }
  *out = self;
  return LT_OK;
}
