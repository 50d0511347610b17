/* yaml.c: libyaml's event stream to config trees. Keeps line:column for
 * every node, expands anchors/aliases (and << merge keys) by copying,
 * refuses duplicate keys, multiple documents and alias bombs, and types
 * plain scalars with YAML 1.2's core schema plus PyYAML's yes/no/on/off
 * booleans (so 1e-3 is a float, as a user means it). */
#include "yaml.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define MAX_DEPTH 200
#define MAX_NODES 2000000
/* libyaml's (and YAML's) limit on an implicit key, in characters. */
#define MAX_KEY 1024

typedef struct anchor {
  char *name;
  cfg_node *node; /* a copy, owned: the original may be merged away or freed */
} anchor;

typedef struct loader {
  yaml_parser_t p;
  const char *name;
  const char *text; /* the input, for locations libyaml does not give */
  size_t len;
  cfg_error *err;
  anchor *anchors;
  size_t nanchors, capanchors;
  long nodes;
} loader;

static cfg_loc loc_of(loader *L, yaml_mark_t m) {
  cfg_loc l = {L->name, (int)m.line + 1, (int)m.column + 1};
  return l;
}

static int match_word(const char *s, const char *const *words) {
  for (; *words; words++)
    if (!strcmp(s, *words)) return 1;
  return 0;
}

cfg_node *cfg_scalar_plain(const char *s, cfg_loc loc) {
  static const char *nulls[] = {"", "~", "null", "Null", "NULL", NULL};
  /* PyYAML (which Lighter's configs are written for) also reads yes/no/on/off
   * as booleans; so do we. */
  static const char *trues[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", NULL};
  static const char *falses[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", NULL};
  if (match_word(s, nulls)) return cfg_new(CFG_NULL, loc);
  if (match_word(s, trues)) return cfg_new_bool(1, loc);
  if (match_word(s, falses)) return cfg_new_bool(0, loc);
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  /* integers: decimal, 0x, 0o (every character a digit of its base) */
  if (*p >= '0' && *p <= '9') {
    int base = 10;
    const char *digits = p;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o') && p[2]) base = p[1] == 'x' ? 16 : 8, digits = p + 2;
    int all = 1;
    for (const char *q = digits; *q; q++)
      all &= base == 16 ? isxdigit((unsigned char)*q) != 0 : base == 8 ? (*q >= '0' && *q <= '7') : (*q >= '0' && *q <= '9');
    if (all) {
      errno = 0;
      char *end;
      long long v;
      if (base == 10) {
        v = strtoll(s, &end, 10); /* with its sign, so INT64_MIN fits */
      } else {
        v = strtoll(digits, &end, base);
        if (*s == '-') v = -v;
      }
      if (errno != ERANGE) return cfg_new_int(v, loc);
      goto as_float;
    }
  }
as_float:
  if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF"))
    return cfg_new_float(*s == '-' ? -INFINITY : INFINITY, loc);
  if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) return cfg_new_float(NAN, loc);
  {
    /* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
    const char *q = p;
    int digits = 0;
    while (*q >= '0' && *q <= '9') q++, digits++;
    if (*q == '.') {
      q++;
      while (*q >= '0' && *q <= '9') q++, digits++;
    }
    if (digits && (*q == 'e' || *q == 'E')) {
      q++;
      if (*q == '+' || *q == '-') q++;
      int ed = 0;
      while (*q >= '0' && *q <= '9') q++, ed++;
      if (!ed) digits = 0;
    }
    if (digits && *q == 0) return cfg_new_float(strtod(s, NULL), loc);
  }
  return cfg_new_string(s, loc);
}

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

/* Refuses a tag, shown as written ("!!x" for YAML's own prefix). */
static void bad_tag(loader *L, const char *tag, cfg_loc loc, const char *on, const char *allowed) {
  int own = !strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX));
  cfg_fail(L->err, loc, NULL, "unsupported YAML tag '%s%s' on a %s (only %s)", own ? "!!" : "",
           own ? tag + strlen(YAML_TAG_PREFIX) : tag, on, allowed);
  cfg_hint(L->err, "a config holds plain data: remove the tag (a component is a mapping with a _target_ key)");
}

/* A collection's tag: none, "!" or its own kind; anything else (such as
 * !!python/object/apply:os.system) was silently dropped before, and would
 * mean something else to PyYAML, so it is an error. */
static int collection_tag_ok(loader *L, const char *tag, const char *kind, cfg_loc loc) {
  if (!tag || !strcmp(tag, "!")) return 1;
  if (!strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX)) && !strcmp(tag + strlen(YAML_TAG_PREFIX), kind))
    return 1;
  bad_tag(L, tag, loc, !strcmp(kind, "map") ? "mapping" : "list", !strcmp(kind, "map") ? "!!map" : "!!seq");
  return 0;
}

static cfg_node *tagged_scalar(loader *L, const char *tag, const char *v, cfg_loc loc) {
  const char *t = strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX)) ? tag : tag + strlen(YAML_TAG_PREFIX);
  if (!strcmp(t, "str")) return cfg_new_string(v, loc);
  if (strcmp(t, "int") && strcmp(t, "float") && strcmp(t, "bool") && strcmp(t, "null")) {
    bad_tag(L, tag, loc, "value", "!!str, !!int, !!float, !!bool, !!null");
    return NULL;
  }
  cfg_node *n = cfg_scalar_plain(v, loc);
  if (!strcmp(t, "float") && n->kind == CFG_INT) n->kind = CFG_FLOAT, n->f = (double)n->i;
  cfg_kind want = !strcmp(t, "int") ? CFG_INT : !strcmp(t, "float") ? CFG_FLOAT : !strcmp(t, "bool") ? CFG_BOOL : CFG_NULL;
  if (n->kind != want) {
    cfg_fail(L->err, loc, NULL, "'%s' is not a valid !!%s", v, t);
    cfg_free(n);
    return NULL;
  }
  return n;
}

/* libyaml gives a bad byte by its offset only (its mark stays at 1:1), so
 * the line and column (in characters, as libyaml counts) are counted here. */
static void reader_error(loader *L) {
  size_t off = L->p.problem_offset < L->len ? L->p.problem_offset : L->len;
  cfg_loc loc = {L->name, 1, 1};
  for (size_t i = 0; i < off; i++) {
    if (L->text[i] == '\n') loc.line++, loc.col = 1;
    else if (((unsigned char)L->text[i] & 0xC0) != 0x80) loc.col++;
  }
  const char *what = L->p.problem ? L->p.problem : "unreadable text";
  if (L->p.problem_value >= 0)
    cfg_fail(L->err, loc, NULL, "%s (0x%02X): a config file must be UTF-8 text", what, (unsigned)L->p.problem_value);
  else
    cfg_fail(L->err, loc, NULL, "%s: a config file must be UTF-8 text", what);
}

/* libyaml refuses an implicit key longer than MAX_KEY characters with a
 * puzzling "mapping values are not allowed" or "could not find expected
 * ':'" at the colon. On such an error the keys on that line are measured;
 * 1 (and the error set) when one of them is past the limit. */
static int long_key(loader *L, size_t line0) {
  const char *p = L->text, *end = L->text + L->len;
  for (size_t l = 0; l < line0 && p < end; l++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return 0;
    p = nl + 1;
  }
  const char *eol = memchr(p, '\n', (size_t)(end - p));
  if (!eol) eol = end;
  /* Each "text:" on the line (after indentation, "- ", "{", "[" or ",") is
   * a key; the first one past the limit is the culprit. */
  const char *key = p;
  size_t chars = 0;
  int found = 0;
  for (const char *q = p; q < eol && !found; q++) {
    if (*q == ':' && (q + 1 == eol || q[1] == ' ' || q[1] == '\r')) {
      found = chars > MAX_KEY;
      if (!found) key = q + 1, chars = 0;
    } else if (*q == ',' || *q == '{' || *q == '[' || ((*q == ' ' || *q == '-') && !chars)) {
      key = q + 1, chars = 0;
    } else if (((unsigned char)*q & 0xC0) != 0x80) {
      chars++;
    }
  }
  if (!found) return 0;
  cfg_loc loc = {L->name, (int)line0 + 1, 1};
  for (const char *q = p; q < key; q++) loc.col += ((unsigned char)*q & 0xC0) != 0x80;
  cfg_fail(L->err, loc, NULL, "a key of %zu characters: YAML allows at most %d in a key", chars, MAX_KEY);
  cfg_hint(L->err, "shorten the key (a long text belongs in a value)");
  return 1;
}

static int next(loader *L, yaml_event_t *ev) {
  if (yaml_parser_parse(&L->p, ev)) return 1;
  if (L->p.error == YAML_READER_ERROR) {
    reader_error(L);
    return 0;
  }
  const char *problem = L->p.problem ? L->p.problem : "";
  if ((strstr(problem, "mapping values are not allowed") || strstr(problem, "could not find expected ':'") ||
       strstr(problem, "did not find expected ',' or")) &&
      long_key(L, L->p.problem_mark.line))
    return 0;
  cfg_loc loc = {L->name, (int)L->p.problem_mark.line + 1, (int)L->p.problem_mark.column + 1};
  if (L->p.context)
    cfg_fail(L->err, loc, NULL, "YAML syntax error: %s %s", problem, L->p.context);
  else
    cfg_fail(L->err, loc, NULL, "YAML syntax error: %s", L->p.problem ? L->p.problem : "invalid YAML");
  return 0;
}

static void add_anchor(loader *L, const char *name, cfg_node *n) {
  if (L->nanchors == L->capanchors) {
    L->capanchors = L->capanchors ? 2 * L->capanchors : 8;
    L->anchors = realloc(L->anchors, L->capanchors * sizeof *L->anchors);
    if (!L->anchors) abort();
  }
  L->anchors[L->nanchors].name = strdup(name);
  L->anchors[L->nanchors++].node = cfg_copy(n);
}

static cfg_node *parse_node(loader *L, yaml_event_t *ev, int depth);

/* Merge keys (<<: *base or <<: [*a, *b]) add the keys a mapping lacks. */
static int apply_merge(loader *L, cfg_node *map, cfg_node *src, cfg_loc loc) {
  if (src->kind == CFG_LIST) {
    for (size_t i = 0; i < src->n; i++)
      if (!apply_merge(L, map, src->items[i], loc)) return 0;
    return 1;
  }
  if (src->kind != CFG_DICT) {
    cfg_fail(L->err, loc, NULL, "a << merge key needs a mapping or a list of mappings, got a %s",
             cfg_kind_name(src->kind));
    return 0;
  }
  for (size_t i = 0; i < src->n; i++)
    if (cfg_dict_find(map, src->keys[i]) < 0) cfg_dict_set(map, src->keys[i], src->key_locs[i], cfg_copy(src->items[i]));
  return 1;
}

static cfg_node *parse_mapping(loader *L, yaml_event_t *start, int depth) {
  cfg_node *map = cfg_new(CFG_DICT, loc_of(L, start->start_mark));
  cfg_node *merges = cfg_new(CFG_LIST, map->loc);
  cfg_loc merge_loc = map->loc;
  while (1) {
    yaml_event_t kev;
    if (!next(L, &kev)) goto fail;
    if (kev.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&kev);
      break;
    }
    cfg_loc kloc = loc_of(L, kev.start_mark);
    if (kev.type != YAML_SCALAR_EVENT) {
      cfg_fail(L->err, kloc, NULL, "mapping keys must be plain strings, not %s",
               kev.type == YAML_ALIAS_EVENT ? "aliases" : "collections");
      yaml_event_delete(&kev);
      goto fail;
    }
    char *key = strdup((const char *)kev.data.scalar.value);
    int is_merge = kev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(key, "<<");
    yaml_event_delete(&kev);
    yaml_event_t vev;
    if (!next(L, &vev)) {
      free(key);
      goto fail;
    }
    cfg_node *v = parse_node(L, &vev, depth + 1);
    yaml_event_delete(&vev);
    if (!v) {
      free(key);
      goto fail;
    }
    if (is_merge) {
      cfg_list_append(merges, v);
      merge_loc = kloc;
      free(key);
      continue;
    }
    long dup = cfg_dict_find(map, key);
    if (dup >= 0) {
      cfg_fail(L->err, kloc, NULL, "duplicate key '%s' (first at line %d)", key, map->key_locs[dup].line);
      cfg_hint(L->err, "YAML keeps only one; remove one of them or use =%s to replace on purpose", key);
      free(key);
      cfg_free(v);
      goto fail;
    }
    cfg_dict_set(map, key, kloc, v);
    free(key);
  }
  if (merges->n) {
    /* As PyYAML: merged keys come first, the mapping's own keys after (and
     * win over them). */
    cfg_node *merged = cfg_new(CFG_DICT, map->loc);
    for (size_t i = 0; i < merges->n; i++)
      if (!apply_merge(L, merged, merges->items[i], merge_loc)) {
        cfg_free(merged);
        goto fail;
      }
    /* Moved over in order, replacing in place as a Python dict would (not
     * taken one by one from the front: that shifts the rest every time). */
    for (size_t i = 0; i < map->n; i++) {
      cfg_dict_set(merged, map->keys[i], map->key_locs[i], map->items[i]);
      map->items[i] = NULL;
    }
    cfg_free(map);
    map = merged;
  }
  cfg_free(merges);
  return map;
fail:
  cfg_free(merges);
  cfg_free(map);
  return NULL;
}

static cfg_node *parse_node(loader *L, yaml_event_t *ev, int depth) {
  cfg_loc loc = loc_of(L, ev->start_mark);
  if (depth > MAX_DEPTH) {
    cfg_fail(L->err, loc, NULL, "nesting deeper than %d levels", MAX_DEPTH);
    return NULL;
  }
  if (++L->nodes > MAX_NODES) {
    cfg_fail(L->err, loc, NULL, "more than %d nodes (an alias bomb?)", MAX_NODES);
    return NULL;
  }
  cfg_node *n = NULL;
  const char *anchor_name = NULL;
  switch (ev->type) {
  case YAML_ALIAS_EVENT: {
    const char *a = (const char *)ev->data.alias.anchor;
    for (size_t i = L->nanchors; i-- > 0;)
      if (!strcmp(L->anchors[i].name, a)) {
        L->nodes += cfg_count(L->anchors[i].node);
        if (L->nodes > MAX_NODES) {
          cfg_fail(L->err, loc, NULL, "more than %d nodes after expanding aliases (an alias bomb?)", MAX_NODES);
          return NULL;
        }
        n = cfg_copy(L->anchors[i].node);
        n->loc = loc;
        return n;
      }
    cfg_fail(L->err, loc, NULL, "unknown anchor '*%s' (anchors must be defined, with &%s, before use)", a, a);
    return NULL;
  }
  case YAML_SCALAR_EVENT: {
    const char *v = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    if (tag && strcmp(tag, "!")) {
      n = tagged_scalar(L, tag, v, loc);
      if (!n) return NULL;
    } else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
      n = cfg_scalar_plain(v, loc);
    } else {
      n = cfg_new_string(v, loc);
      n->quoted = 1;
    }
    anchor_name = (const char *)ev->data.scalar.anchor;
    break;
  }
  case YAML_SEQUENCE_START_EVENT: {
    if (!collection_tag_ok(L, (const char *)ev->data.sequence_start.tag, "seq", loc)) return NULL;
    n = cfg_new(CFG_LIST, loc);
    anchor_name = (const char *)ev->data.sequence_start.anchor;
    while (1) {
      yaml_event_t iev;
      if (!next(L, &iev)) {
        cfg_free(n);
        return NULL;
      }
      if (iev.type == YAML_SEQUENCE_END_EVENT) {
        yaml_event_delete(&iev);
        break;
      }
      cfg_node *item = parse_node(L, &iev, depth + 1);
      yaml_event_delete(&iev);
      if (!item) {
        cfg_free(n);
        return NULL;
      }
      cfg_list_append(n, item);
    }
    break;
  }
  case YAML_MAPPING_START_EVENT:
    if (!collection_tag_ok(L, (const char *)ev->data.mapping_start.tag, "map", loc)) return NULL;
    anchor_name = (const char *)ev->data.mapping_start.anchor;
    n = parse_mapping(L, ev, depth);
    if (!n) return NULL;
    break;
  default:
    cfg_fail(L->err, loc, NULL, "unexpected YAML event");
    return NULL;
  }
  if (anchor_name) add_anchor(L, anchor_name, n);
  return n;
}

cfg_node *cfg_yaml_parse(const char *name, const char *text, size_t len, int value_mode, cfg_error *err) {
  loader L;
  memset(&L, 0, sizeof L);
  L.name = cfg_intern(name);
  L.err = err;
  L.text = text;
  L.len = len;
  if (!yaml_parser_initialize(&L.p)) {
    cfg_fail(err, (cfg_loc){L.name, 0, 0}, NULL, "cannot initialise the YAML parser");
    return NULL;
  }
  yaml_parser_set_input_string(&L.p, (const unsigned char *)text, len);
  cfg_node *root = NULL;
  yaml_event_t ev;
  int docs = 0;
  while (next(&L, &ev)) {
    yaml_event_type_t t = ev.type;
    if (t == YAML_STREAM_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
      cfg_fail(err, loc_of(&L, ev.start_mark), NULL,
               "a second YAML document ('---'): a config file holds one document");
      yaml_event_delete(&ev);
      break;
    }
    if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT ||
        t == YAML_ALIAS_EVENT) {
      root = parse_node(&L, &ev, 0);
      yaml_event_delete(&ev);
      if (!root) break;
      continue;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&L.p);
  for (size_t i = 0; i < L.nanchors; i++) {
    free(L.anchors[i].name);
    cfg_free(L.anchors[i].node);
  }
  free(L.anchors);
  if (err->set) {
    cfg_free(root);
    return NULL;
  }
  cfg_loc top = {L.name, 1, 1};
  if (!root) return value_mode ? cfg_new(CFG_NULL, top) : cfg_new(CFG_DICT, top);
  if (!value_mode && root->kind != CFG_DICT) {
    if (root->kind == CFG_NULL) {
      cfg_free(root);
      return cfg_new(CFG_DICT, top);
    }
    cfg_fail(err, root->loc, NULL, "a config file must be a mapping of keys at the top, not a %s",
             cfg_kind_name(root->kind));
    cfg_free(root);
    return NULL;
  }
  return root;
}

/* What a non-regular file is, for the message. */
static const char *file_kind(mode_t m) {
  return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO (named pipe)" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "a special file";
}

/* Opens a config file for reading, refusing anything but a regular file: a
 * FIFO would block the open (and then the read) until some other process
 * writes to it, a directory or a device is never a config. O_NONBLOCK keeps
 * the open itself from waiting; fstat then decides on what was opened. */
static FILE *open_regular(const char *path, cfg_loc where, cfg_error *err) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    cfg_fail(err, where, NULL, "cannot open config file: %s", strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    cfg_fail(err, where, NULL, "cannot read config file: %s", strerror(errno));
    close(fd);
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    cfg_fail(err, where, NULL, "'%s' is %s, not a regular file; a config must be a YAML file on disk", path,
             file_kind(st.st_mode));
    close(fd);
    return NULL;
  }
  /* A regular file never blocks; clear the flag all the same for stdio. */
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    cfg_fail(err, where, NULL, "cannot open config file: %s", strerror(errno));
    close(fd);
  }
  return f;
}

cfg_node *cfg_yaml_load_file(const char *path, cfg_error *err) {
  cfg_loc where = {cfg_intern(path), 0, 0};
  FILE *f = open_regular(path, where, err);
  if (!f) return NULL;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      if (cap > (256u << 20)) {
        free(buf);
        fclose(f);
        cfg_fail(err, where, NULL, "config file larger than 256 MiB");
        return NULL;
      }
      char *nb = realloc(buf, cap *= 2);
      if (!nb) free(buf);
      buf = nb;
    }
  }
  int rerr = ferror(f);
  fclose(f);
  if (!buf || rerr) {
    free(buf);
    cfg_fail(err, where, NULL, "cannot read config file");
    return NULL;
  }
  if (memchr(buf, 0, len)) {
    free(buf);
    cfg_fail(err, where, NULL, "not a text file (it contains NUL bytes)");
    return NULL;
  }
  cfg_source_add(path, buf, len);
  cfg_node *root = cfg_yaml_parse(path, buf, len, 0, err);
  free(buf);
  return root;
}
