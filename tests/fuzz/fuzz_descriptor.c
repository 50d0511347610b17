/* fuzz_descriptor.c: libFuzzer target for what the host does with a plugin
 * descriptor as dlsym hands it over (host/plugin_check.c), and then with a
 * config that uses its components (host/build.c's checks against their
 * parameter specs). The input is read as a descriptor: counts, kinds,
 * types, flags, ranges (NaN and infinities included), kind tables with any
 * .size, NULL or present pointers, and strings (names, defaults, choices,
 * parameter values as YAML). Pointers are never invalid: the host cannot
 * defend against a plugin that hands it garbage addresses, only against
 * garbage data. Anything may be refused; nothing may crash, leak or hang.
 *   make fuzz   (FUZZ_SECONDS each target); inputs that once crashed live
 *   in tests/corpus/fuzz/descriptor and are replayed by make test. */
#include "../../host/build.h"
#include "../../host/config/resolve.h"
#include "../../host/config/yaml.h"
#include "../../host/plugin.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const methods[] = {"parameters"};

enum { MAX_COMPONENTS = 4, MAX_PARAMS = 6, MAX_STR = 48, MAX_OPS = 16 };

typedef struct reader {
  const uint8_t *p;
  size_t n;
  char *pool; /* strings, each NUL-terminated */
  size_t used, cap;
} reader;

static unsigned u8(reader *r) {
  if (!r->n) return 0;
  r->n--;
  return *r->p++;
}

/* A string of up to MAX_STR bytes (its length comes first), or NULL. */
static const char *str(reader *r, int may_be_null) {
  unsigned len = u8(r);
  if (may_be_null && len == 0xff) return NULL;
  len %= MAX_STR + 1;
  if (r->used + len + 1 > r->cap) return "";
  char *s = r->pool + r->used;
  for (unsigned i = 0; i < len; i++) s[i] = (char)u8(r);
  s[len] = 0;
  r->used += len + 1;
  return s;
}

static double number(reader *r) {
  static const double special[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, 1e308, -1e308, 0.5};
  unsigned b = u8(r);
  return b < 8 ? special[b] : (double)(int8_t)u8(r);
}

static lt_status create(const lt_value *a, void **s, char *e, size_t n) {
  (void)a, (void)e, (void)n;
  *s = NULL;
  return LT_OK;
}
static void nothing(void) {}

typedef struct fuzz_plugin {
  lt_plugin d;
  lt_component comps[MAX_COMPONENTS];
  lt_param params[MAX_COMPONENTS][MAX_PARAMS];
  struct {
    size_t size;
    void (*fn[MAX_OPS])(void);
  } ops[MAX_COMPONENTS];
} fuzz_plugin;

static void read_param(reader *r, lt_param *p) {
  p->name = str(r, 1);
  p->type = (lt_ptype)(int8_t)u8(r);
  p->kind = (lt_kind)(u8(r) % (LT__KIND_COUNT + 2));
  p->dflt = str(r, 1);
  p->flags = u8(r) & 63u;
  p->min = number(r);
  p->max = number(r);
  p->choices = u8(r) & 1 ? str(r, 0) : NULL;
  p->doc = NULL;
}

static void read_component(reader *r, fuzz_plugin *f, size_t i) {
  lt_component *c = &f->comps[i];
  unsigned flags = u8(r);
  c->target = str(r, 1);
  c->kind = (lt_kind)(int8_t)u8(r);
  c->nparams = u8(r) % (MAX_PARAMS + 1);
  c->params = flags & 1 && c->nparams ? NULL : f->params[i];
  c->create = flags & 2 ? NULL : create;
  c->destroy = NULL;
  f->ops[i].size = (size_t)u8(r) | (size_t)u8(r) << 8;
  for (size_t k = 0; k < MAX_OPS; k++) f->ops[i].fn[k] = flags & (4u << (k % 4)) ? nothing : NULL;
  c->ops = flags & 64 ? NULL : &f->ops[i];
  for (size_t k = 0; k < c->nparams; k++) read_param(r, &f->params[i][k]);
}

/* A config using component c: {x: {_target_: c, <each param>: <a YAML value>}}. */
static cfg_node *config_for(reader *r, const lt_component *c) {
  cfg_node *comp = cfg_new(CFG_DICT, (cfg_loc){0});
  cfg_dict_set(comp, "_target_", (cfg_loc){0}, cfg_new_string(c->target, (cfg_loc){0}));
  for (size_t k = 0; k < c->nparams; k++) {
    if (!(u8(r) & 1)) continue; /* left out: the default, or "required" */
    const char *text = str(r, 0);
    cfg_error e = {0};
    cfg_node *v = cfg_yaml_parse("<value>", text, strlen(text), 1, &e);
    if (v && cfg_dict_find(comp, c->params[k].name) < 0) cfg_dict_set(comp, c->params[k].name, (cfg_loc){0}, v);
    else cfg_free(v);
  }
  cfg_node *root = cfg_new(CFG_DICT, (cfg_loc){0});
  cfg_dict_set(root, "x", (cfg_loc){0}, comp);
  return root;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static fuzz_plugin f;
  memset(&f, 0, sizeof f);
  reader r = {data, size, malloc(size + 4096), 0, size + 4096};
  f.d.abi_major = LT_ABI_MAJOR, f.d.abi_minor = LT_ABI_MINOR;
  f.d.name = str(&r, 1);
  f.d.version = str(&r, 1);
  f.d.ncomponents = u8(&r) % (MAX_COMPONENTS + 1);
  f.d.components = f.d.ncomponents || u8(&r) & 1 ? f.comps : NULL;
  for (size_t i = 0; i < f.d.ncomponents; i++) read_component(&r, &f, i);
  FILE *null = fopen("/dev/null", "w");
  if (host_plugin_check_descriptor(&f.d, "fuzz.so", null) == 0) {
    host_registry reg;
    memset(&reg, 0, sizeof reg);
    host_plugin plugin = {(char *)"fuzz.so", NULL, &f.d, NULL, NULL};
    host_entry entries[MAX_COMPONENTS];
    reg.plugins = &plugin, reg.nplugins = 1, reg.entries = entries;
    for (size_t i = 0; i < f.d.ncomponents; i++) entries[reg.nentries++] = (host_entry){&f.comps[i], 0};
    for (size_t i = 0; i < f.d.ncomponents; i++) {
      cfg_node *root = config_for(&r, &f.comps[i]);
      cfg_error e = {0};
      /* as runner.c does: the builder's checks take a resolved tree (the
       * resolver refuses a _target_ that is not a name, for one) */
      cfg_resolve_opts opts = {methods, 1};
      if (cfg_expand_macros(root, &e) == 0 && cfg_resolve(root, &opts, &e) == 0) host_build_check(&reg, root, &e);
      cfg_free(root);
      (void)host_kind_name(f.comps[i].kind), (void)host_kind_needs_ops(f.comps[i].kind);
    }
  }
  fclose(null);
  cfg_sources_free();
  cfg_intern_free();
  free(r.pool);
  return 0;
}
