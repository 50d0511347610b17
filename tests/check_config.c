/* check_config.c: the config system, one case per rule: YAML loading with
 * locations, composition and operators, command-line overrides, @ % $
 * references, the expression language, special keys, and the exact error
 * messages (file:line:col, key path, suggestions). */
#define _GNU_SOURCE 1 /* open_memstream */
#include "testutil.h"

#include "../host/cmd.h"
#include "../host/config/compose.h"
#include "../host/config/emit.h"
#include "../host/config/resolve.h"
#include "../host/config/yaml.h"

#include <sys/stat.h>
#include <unistd.h>

static char tmp[64];
static cfg_error err;

static void cfg_setup(void) {
  strcpy(tmp, "/tmp/lt_cfg_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp));
  ck_assert_int_eq(chdir(tmp), 0);
  memset(&err, 0, sizeof err);
}

static void cfg_teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  ck_assert_int_eq(chdir("/"), 0);
  ck_assert_int_eq(system(cmd), 0);
  cfg_sources_free();
  cfg_intern_free();
}

static void put_file(const char *name, const char *text) {
  FILE *f = fopen(name, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

/* Compose (and with resolve, expand + resolve) the inputs. */
static cfg_node *load(int resolve, const char *const *in, int n) {
  memset(&err, 0, sizeof err);
  cfg_node *r = host_config_load(in, n, resolve, &err);
  return r;
}
#define LOAD(resolve, ...) \
  load(resolve, (const char *const[]){__VA_ARGS__}, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)))

static char *emit(const cfg_node *n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cfg_emit(f, n);
  fclose(f);
  return buf;
}

/* The tree prints exactly as want. */
#define EXPECT_YAML(node, want)                                                  \
  do {                                                                           \
    cfg_node *n_ = (node);                                                       \
    ck_assert_msg(n_ != NULL, "load failed: %s (%s)", err.msg, err.hint);         \
    char *y_ = emit(n_);                                                         \
    ck_assert_msg(!strcmp(y_, want), "got:\n%s\nwanted:\n%s", y_, want);          \
    free(y_);                                                                    \
    cfg_free(n_);                                                                \
  } while (0)

/* Loading failed with this message at file:line:col. */
#define EXPECT_CFG_ERROR(node, f_, l_, c_, needle)                                              \
  do {                                                                                          \
    cfg_node *n_ = (node);                                                                      \
    ck_assert_msg(n_ == NULL, "expected an error containing '%s'", needle);                      \
    ck_assert_msg(strstr(err.msg, needle), "error '%s' lacks '%s'", err.msg, needle);            \
    ck_assert_str_eq(err.loc.file ? err.loc.file : "", f_);                                     \
    ck_assert_msg(err.loc.line == (l_) && err.loc.col == (c_), "at %d:%d, expected %d:%d (%s)",   \
                  err.loc.line, err.loc.col, l_, c_, err.msg);                                  \
  } while (0)
#define EXPECT_HINT(needle) ck_assert_msg(strstr(err.hint, needle), "hint '%s' lacks '%s'", err.hint, needle)

/* ---- loading --------------------------------------------------------- */

START_TEST(test_scalars_and_locations) {
  put_file("a.yaml", "i: 3\nf: 1e-3\ng: 2.5\nneg: -0x10\nt: true\ny: yes\nn: null\nt2: ~\n"
                     "s: hello\nq: \"1\"\nstr: !!str 12\nfl: !!float 2\ninf: -.inf\n");
  cfg_node *r = LOAD(0, "a.yaml");
  ck_assert_ptr_nonnull(r);
  ck_assert_int_eq(cfg_dict_get(r, "i")->kind, CFG_INT);
  ck_assert(cfg_dict_get(r, "f")->kind == CFG_FLOAT && cfg_dict_get(r, "f")->f == 1e-3);
  ck_assert_int_eq(cfg_dict_get(r, "neg")->i, -16);
  ck_assert_int_eq(cfg_dict_get(r, "y")->kind, CFG_BOOL);
  ck_assert_int_eq(cfg_dict_get(r, "t2")->kind, CFG_NULL);
  ck_assert_int_eq(cfg_dict_get(r, "q")->kind, CFG_STRING);
  ck_assert_int_eq(cfg_dict_get(r, "str")->kind, CFG_STRING);
  ck_assert_int_eq(cfg_dict_get(r, "fl")->kind, CFG_FLOAT);
  cfg_node *g = cfg_dict_get(r, "g");
  ck_assert_str_eq(g->loc.file, "a.yaml");
  ck_assert_int_eq(g->loc.line, 3);
  ck_assert_int_eq(g->loc.col, 4);
  ck_assert_int_eq(r->key_locs[cfg_dict_find(r, "g")].line, 3);
  cfg_free(r);
}
END_TEST

START_TEST(test_anchors_merge_multiline) {
  put_file("a.yaml", "base: &b\n  lr: 0.1\n  momentum: 0.9\nsgd:\n  <<: *b\n  lr: 0.5\ncopy: *b\n"
                     "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\n");
  EXPECT_YAML(LOAD(0, "a.yaml"), "base:\n  lr: 0.1\n  momentum: 0.9\nsgd:\n  lr: 0.5\n  momentum: 0.9\n"
                                 "copy:\n  lr: 0.1\n  momentum: 0.9\ntext: \"line one\\nline two\\n\"\nfolded: \"a b\\n\"\n");
}
END_TEST

/* Not a regular file: a directory was "cannot read config file"; a FIFO
 * blocked forever (tested in tests/e2e/corpus.sh, where a hang is bounded
 * by a timeout). */
START_TEST(test_not_regular_files) {
  ck_assert_int_eq(mkdir("dir.yaml", 0755), 0);
  EXPECT_CFG_ERROR(LOAD(0, "dir.yaml"), "dir.yaml", 0, 0, "'dir.yaml' is a directory, not a regular file");
  put_file("ref.yaml", "a: \"%dir.yaml::x\"\n");
  EXPECT_CFG_ERROR(LOAD(0, "ref.yaml"), "ref.yaml", 1, 4, "'dir.yaml' is a directory, not a regular file");
}
END_TEST

START_TEST(test_load_errors) {
  put_file("dup.yaml", "a: 1\nb: 2\na: 3\n");
  EXPECT_CFG_ERROR(LOAD(0, "dup.yaml"), "dup.yaml", 3, 1, "duplicate key 'a' (first at line 1)");
  put_file("two.yaml", "a: 1\n---\nb: 2\n");
  EXPECT_CFG_ERROR(LOAD(0, "two.yaml"), "two.yaml", 2, 1, "a second YAML document");
  put_file("list.yaml", "- 1\n- 2\n");
  EXPECT_CFG_ERROR(LOAD(0, "list.yaml"), "list.yaml", 1, 1, "must be a mapping of keys at the top, not a list");
  put_file("syntax.yaml", "a:\n  b: [1, 2\nc: 3\n");
  EXPECT_CFG_ERROR(LOAD(0, "syntax.yaml"), "syntax.yaml", 3, 2, "YAML syntax error");
  EXPECT_CFG_ERROR(LOAD(0, "missing.yaml"), "missing.yaml", 0, 0, "cannot open config file: No such file or directory");
  EXPECT_CFG_ERROR(LOAD(0, "notes.txt"), "notes.txt", 0, 0, "is neither a YAML file (.yaml or .yml) nor an override");
  put_file("alias.yaml", "a: *nope\n");
  EXPECT_CFG_ERROR(LOAD(0, "alias.yaml"), "alias.yaml", 1, 4, "unknown anchor '*nope'");
  put_file("tag.yaml", "a: !!python/object x\n");
  EXPECT_CFG_ERROR(LOAD(0, "tag.yaml"), "tag.yaml", 1, 4, "unsupported YAML tag");
  put_file("bomb.yaml", "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                        "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n");
  ck_assert_ptr_null(LOAD(0, "bomb.yaml"));
  ck_assert_ptr_nonnull(strstr(err.msg, "alias bomb"));
  /* Found by the fuzzer: an anchor defined inside a merged mapping. */
  put_file("merge.yaml", "a: &a {x: 1}\nb:\n  <<: &a {x: 2}\nc:\n  <<: *a\n  y: 3\n");
  EXPECT_YAML(LOAD(0, "merge.yaml"), "a:\n  x: 1\nb:\n  x: 2\nc:\n  x: 2\n  y: 3\n");
  /* numbers at the edges, and floats that PyYAML must read as floats */
  put_file("num.yaml", "min: -9223372036854775808\nhex: 0x 5\nbig: 1e16\nsmall: 1.5e-5\nline: \"a\\u2028b\"\n\"<<\": x\n");
  EXPECT_YAML(LOAD(0, "num.yaml"), "min: -9223372036854775808\nhex: 0x 5\nbig: 1.0e+16\nsmall: 1.5e-05\n"
                                   "line: \"a\\Lb\"\n\"<<\": x\n");
  put_file("empty.yaml", "# nothing\n");
  EXPECT_YAML(LOAD(0, "empty.yaml"), "{}\n");
}
END_TEST

/* Inputs that were read wrongly or with an unhelpful message (issue 20). */
START_TEST(test_load_refusals) {
  /* Tags on collections were dropped silently: PyYAML would build objects. */
  put_file("seq_tag.yaml", "a: 1\nb: !!python/object/apply:os.system [\"ls\"]\n");
  EXPECT_CFG_ERROR(LOAD(0, "seq_tag.yaml"), "seq_tag.yaml", 2, 4,
                   "unsupported YAML tag '!!python/object/apply:os.system' on a list (only !!seq)");
  EXPECT_HINT("a config holds plain data: remove the tag");
  put_file("map_tag.yaml", "c: !custom {x: 1}\n");
  EXPECT_CFG_ERROR(LOAD(0, "map_tag.yaml"), "map_tag.yaml", 1, 4, "unsupported YAML tag '!custom' on a mapping");
  put_file("own_tags.yaml", "a: !!map {x: !!seq [1]}\n");
  EXPECT_YAML(LOAD(0, "own_tags.yaml"), "a:\n  x:\n  - 1\n");
  /* A bad byte was reported at 1:1 (libyaml gives only its offset). */
  put_file("utf8.yaml", "a: 1\nb: 2\nc: \"\xc3\xa9\"\nd: \"x\xffy\"\n");
  EXPECT_CFG_ERROR(LOAD(0, "utf8.yaml"), "utf8.yaml", 4, 6, "invalid leading UTF-8 octet (0xFF)");
  /* A key past YAML's 1024 characters got "mapping values are not allowed". */
  FILE *f = fopen("key.yaml", "w");
  fputs("a: 1\nb:\n  c: 2\n  ", f);
  for (int i = 0; i < 2000000; i++) fputc('k', f);
  fputs(": 1\n", f);
  fclose(f);
  EXPECT_CFG_ERROR(LOAD(0, "key.yaml"), "key.yaml", 4, 3, "a key of 2000000 characters: YAML allows at most 1024");
}
END_TEST

/* ---- composition ------------------------------------------------------ */

START_TEST(test_merge_rules) {
  put_file("a.yaml", "m:\n  x: 1\n  y: [1, 2]\n  z: {k: v}\n  s: old\n");
  put_file("b.yaml", "m:\n  y: [3]\n  z: {j: w}\n  s: [now, a, list]\n  w: new\n");
  EXPECT_YAML(LOAD(0, "a.yaml", "b.yaml"),
              "m:\n  x: 1\n  y:\n  - 1\n  - 2\n  - 3\n  z:\n    k: v\n    j: w\n  s:\n  - now\n  - a\n  - list\n  w: new\n");
}
END_TEST

START_TEST(test_operators) {
  put_file("a.yaml", "m:\n  x: 1\n  y: [a, b, c, d]\n  z: {k: v, j: w, i: u}\n  keep: 1\n");
  put_file("b.yaml", "m:\n  =z: {only: this}\n  ~y: [0, -1]\n  ~x: null\n");
  EXPECT_YAML(LOAD(0, "a.yaml", "b.yaml"), "m:\n  y:\n  - b\n  - c\n  z:\n    only: this\n  keep: 1\n");
  put_file("c.yaml", "m:\n  ~z: [k, i]\n");
  EXPECT_YAML(LOAD(0, "a.yaml", "c.yaml"),
              "m:\n  x: 1\n  y:\n  - a\n  - b\n  - c\n  - d\n  z:\n    j: w\n  keep: 1\n");
  /* top-level path keys */
  put_file("d.yaml", "m::x: 5\n=m::y: [z]\n~m::keep: null\nm::z::k: changed\n");
  EXPECT_YAML(LOAD(0, "a.yaml", "d.yaml"), "m:\n  x: 5\n  y:\n  - z\n  z:\n    k: changed\n    j: w\n    i: u\n");
  put_file("e.yaml", "m:\n  ~kep: null\n");
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "e.yaml"), "e.yaml", 2, 3, "cannot delete 'kep': there is no such key");
  EXPECT_HINT("did you mean 'keep'?");
  put_file("f.yaml", "m:\n  ~y: [9]\n");
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "f.yaml"), "f.yaml", 2, 8, "cannot delete item 9 of 'y': it holds 4 items");
  put_file("g.yaml", "m:\n  ~x: 3\n");
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "g.yaml"), "g.yaml", 2, 7, "~x takes null");
  put_file("h.yaml", "m::nope::x: 1\n");
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "h.yaml"), "h.yaml", 1, 1, "cannot update path: no key 'nope' in 'm'");
}
END_TEST

START_TEST(test_overrides) {
  put_file("a.yaml", "t:\n  epochs: 10\n  cbs: [a]\n  opt: {lr: 0.1}\nl: [1, 2, 3]\n");
  EXPECT_YAML(LOAD(0, "a.yaml", "t::epochs=2", "l::1=20", "t::cbs=[b, c]", "t::opt={momentum: 0.9}"),
              "t:\n  epochs: 2\n  cbs:\n  - a\n  - b\n  - c\n  opt:\n    lr: 0.1\n    momentum: 0.9\nl:\n- 1\n- 20\n- 3\n");
  EXPECT_YAML(LOAD(0, "a.yaml", "=t::opt={eps: 1}", "=t::new=\"x y\"", "~l", "t::epochs=null"),
              "t:\n  epochs: null\n  cbs:\n  - a\n  opt:\n    eps: 1\n  new: x y\n");
  cfg_node *r = LOAD(0, "a.yaml", "t::epochs=0.01", "=t::b=true", "=t::s='3'");
  ck_assert_int_eq(cfg_dict_get(cfg_dict_get(r, "t"), "epochs")->kind, CFG_FLOAT);
  ck_assert_int_eq(cfg_dict_get(cfg_dict_get(r, "t"), "b")->kind, CFG_BOOL);
  ck_assert_int_eq(cfg_dict_get(cfg_dict_get(r, "t"), "s")->kind, CFG_STRING);
  cfg_free(r);
  /* new keys are added, parents too, as sparkwheel's CLI does (a typo in a
   * component's parameters is caught by its spec); Python's None / True /
   * False spellings are YAML's null / true / false */
  EXPECT_YAML(LOAD(0, "a.yaml", "t::epoch=3", "x=1", "trainer::fast_dev_run=True", "t::opt::lr=None",
                   "u::v::w=False"),
              "t:\n  epochs: 10\n  cbs:\n  - a\n  opt:\n    lr: null\n  epoch: 3\nl:\n- 1\n- 2\n- 3\nx: 1\n"
              "trainer:\n  fast_dev_run: true\nu:\n  v:\n    w: false\n");
  r = LOAD(0, "a.yaml", "t::s=Nonesuch", "t::q='None'");
  ck_assert_int_eq(cfg_dict_get(cfg_dict_get(r, "t"), "s")->kind, CFG_STRING);
  ck_assert_int_eq(cfg_dict_get(cfg_dict_get(r, "t"), "q")->kind, CFG_STRING);
  cfg_free(r);
  /* but not through a value, nor past a list's end */
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "t::epochs::x=1"), "<override 1>", 1, 1, "cannot override");
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "x=1", "~t::nope"), "<override 2>", 1, 2, "cannot delete: no key 'nope' in 't'");
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "~t::nope"), "<override 1>", 1, 2, "cannot delete: no key 'nope' in 't'");
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "l::7=1"), "<override 1>", 1, 1, "'l' has no item 7 (it holds 3)");
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "t::epochs=[1, 2"), "<override 1>", 1, 16, "YAML syntax error");
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "t::::x=1"), "<override 1>", 1, 1, "empty key");
  EXPECT_CFG_ERROR(LOAD(0, "a.yaml", "~t::x=1"), "<override 1>", 1, 1, "without '='");
}
END_TEST

/* ---- references -------------------------------------------------------- */

START_TEST(test_at_references) {
  put_file("a.yaml", "vars: {lr: 0.1, sizes: [8, 16]}\n"
                     "model:\n  _target_: M\n  lr: \"@vars::lr\"\n  size: \"@vars::sizes::1\"\n"
                     "  head:\n    width: \"@::::size\"\n    up: \"@::::::vars::lr\"\n"
                     "opt:\n  _target_: O\n  net: \"@model\"\n  alias: \"@vars\"\n");
  EXPECT_YAML(LOAD(1, "a.yaml"), "vars:\n  lr: 0.1\n  sizes:\n  - 8\n  - 16\n"
                                 "model:\n  _target_: M\n  lr: 0.1\n  size: 16\n  head:\n    width: 16\n    up: 0.1\n"
                                 "opt:\n  _target_: O\n  net: \"@model\"\n  alias:\n    lr: 0.1\n    sizes:\n    - 8\n    - 16\n");
  put_file("b.yaml", "vars: {lr: 0.1}\nm:\n  lr: \"@vars::lrr\"\n");
  EXPECT_CFG_ERROR(LOAD(1, "b.yaml"), "b.yaml", 3, 7, "unknown reference '@vars::lrr': no key 'lrr' in 'vars'");
  EXPECT_HINT("did you mean '@vars::lr'?");
  /* the order of keys does not matter for a path through a reference */
  put_file("order.yaml", "c: \"@a::x\"\na: \"@b\"\nb: {x: 1}\n");
  EXPECT_YAML(LOAD(1, "order.yaml"), "c: 1\na:\n  x: 1\nb:\n  x: 1\n");
  put_file("c.yaml", "a: \"@::::x\"\n");
  EXPECT_CFG_ERROR(LOAD(1, "c.yaml"), "c.yaml", 1, 4, "above the top of the config");
  put_file("d.yaml", "a: \"@b.c()\"\nb: 1\n");
  EXPECT_CFG_ERROR(LOAD(1, "d.yaml"), "d.yaml", 1, 4, "'@b.c()' is not a valid reference");
  EXPECT_HINT("\"$@b.c()\"");
  /* a reference given on the command line (YAML itself reserves '@') */
  EXPECT_YAML(LOAD(1, "b.yaml", "m::lr=@vars::lr"), "vars:\n  lr: 0.1\nm:\n  lr: 0.1\n");
  /* unresolved mode still checks references */
  EXPECT_CFG_ERROR(LOAD(0, "b.yaml"), "b.yaml", 3, 7, "unknown reference '@vars::lrr'");
}
END_TEST

START_TEST(test_macros) {
  put_file("other.yaml", "shared:\n  aug: {p: 0.5}\n");
  put_file("a.yaml", "m:\n  train: [{_target_: Acc, k: \"@vars::k\"}]\n  val: \"%::train\"\n  test: \"%m::train\"\n"
                     "  aug: \"%other.yaml::shared::aug\"\nvars: {k: 3}\n");
  EXPECT_YAML(LOAD(1, "a.yaml", "vars::k=5", "m::train::0::k=7"),
              "m:\n  train:\n  - _target_: Acc\n    k: 7\n  val:\n  - _target_: Acc\n    k: 7\n"
              "  test:\n  - _target_: Acc\n    k: 7\n  aug:\n    p: 0.5\nvars:\n  k: 5\n");
  put_file("cyc.yaml", "a: \"%b\"\nb: {x: \"%a\"}\n");
  EXPECT_CFG_ERROR(LOAD(1, "cyc.yaml"), "cyc.yaml", 1, 4, "reference cycle: %b -> %a -> %b");
  put_file("bad.yaml", "a: \"%other.yaml::shared::nope\"\n");
  EXPECT_CFG_ERROR(LOAD(1, "bad.yaml"), "bad.yaml", 1, 4, "unknown reference '%shared::nope' in that file");
  put_file("nofile.yaml", "a: \"%gone.yaml::x\"\n");
  EXPECT_CFG_ERROR(LOAD(1, "nofile.yaml"), "nofile.yaml", 1, 4, "cannot read 'gone.yaml' for a % reference");
}
END_TEST

START_TEST(test_cycles) {
  put_file("a.yaml", "x: \"@y\"\ny: \"$@z + 1\"\nz: \"@x\"\n");
  EXPECT_CFG_ERROR(LOAD(1, "a.yaml"), "a.yaml", 3, 4, "reference cycle: x -> y -> z -> x");
  put_file("b.yaml", "m:\n  _target_: M\n  self: \"@m\"\n");
  EXPECT_CFG_ERROR(LOAD(1, "b.yaml"), "b.yaml", 3, 9, "reference cycle: m -> m::self -> m");
}
END_TEST

/* ---- expressions --------------------------------------------------------- */

static const struct {
  const char *expr, *want;
} exprs[] = {
    {"1 + 2 * 3", "7"},
    {"7 / 2", "3.5"},
    {"7 // 2", "3"},
    {"-7 // 2", "-4"},
    {"-7 % 3", "2"},
    {"7.5 % -2", "-0.5"},
    {"2 ** 10", "1024"},
    {"2 ** -1", "0.5"},
    {"(1 + 2) * 3", "9"},
    {"1 < 2 < 3", "True"},
    {"1 < 3 < 2", "False"},
    {"1 == 1.0", "True"},
    {"'ab' + 'cd'", "abcd"},
    {"'ab' * 2", "abab"},
    {"[1, 2] + [3]", "[1, 2, 3]"},
    {"not 0 and 3", "3"},
    {"0 or 'x'", "x"},
    {"'yes' if 2 > 1 else 'no'", "yes"},
    {"None is None", "True"},
    {"'b' in 'abc'", "True"},
    {"3 not in [1, 2]", "True"},
    {"min(3, 1, 2) + max([4, 9])", "10"},
    {"abs(-2.5)", "2.5"},
    {"int(3.9) + int('4')", "7"},
    {"float('1e-3')", "0.001"},
    {"str(0.1) + str(True) + str(None)", "0.1TrueNone"},
    {"len('héllo') + len([1, 2])", "7"},
    {"round(2.5) + round(3.5)", "6"},
    {"round(3.14159, 2)", "3.14"},
    {"@vars::n * 2 + @vars::lr", "8.5"},
    {"@vars::list[1]", "20"},
    {"%vars::n - 1", "3"},
    {"@::sib", "sibling"},
    {"[x for x in 1]", NULL},
    {"'ab' * 4611686018427387904", NULL},
    {"len('' * 4611686018427387904) + len([] * 4611686018427387904)", "0"},
    {"[[[0] * 1000] * 1000] * 1000", NULL},
    {"len([[0] * 1000] * 1000)", "1000"},
    {"1 / @vars::z if @vars::z != 0 else 0", "0"},
    {"@vars::z != 0 and 1 / @vars::z", "False"},
    {"str(1e5) + ' ' + str(1e16) + ' ' + str(1.5e-5) + ' ' + str(0.1 + 0.2)", "100000.0 1e+16 1.5e-05 0.30000000000000004"},
    {"round(1234, -2) + round(15, -1)", "1220"},
    {"-6.0 % 3", "0.0"},
    {"7.0 // 0.1", "69.0"},
    {"1 == True", "True"},
    {"'héllo'[1]", "é"},
};

START_TEST(test_expressions) {
  char yaml[256];
  const char *src = exprs[_i].expr;
  snprintf(yaml, sizeof yaml, "vars: {n: 4, lr: 0.5, z: 0, list: [10, 20]}\nout:\n  sib: sibling\n  v: \"$%s\"\n", src);
  put_file("e.yaml", yaml);
  cfg_node *r = LOAD(1, "e.yaml");
  if (!exprs[_i].want) {
    ck_assert_msg(r == NULL, "'%s' should fail", src);
    return;
  }
  ck_assert_msg(r != NULL, "'%s': %s", src, err.msg);
  char *got = cfg_value_str(cfg_dict_get(cfg_dict_get(r, "out"), "v"));
  ck_assert_msg(!strcmp(got, exprs[_i].want), "'%s' gave %s, expected %s", src, got, exprs[_i].want);
  free(got);
  cfg_free(r);
}
END_TEST

START_TEST(test_expression_errors) {
  static const struct {
    const char *expr, *msg, *hint;
    int col;
  } cases[] = {
      {"1 +", "expected a value but found end of expression", NULL, 4},
      {"1 / 0", "division by zero", NULL, 3},
      {"2 ** 64", "integer overflow in **", NULL, 3},
      {"9223372036854775807 + 1", "integer overflow in '+'", NULL, 21},
      {"foo(1)", "unknown function 'foo'", NULL, 1},
      {"mx(1, 2)", "unknown function 'mx'", "did you mean 'max'", 1},
      {"Ture", "unknown name 'Ture'", "did you mean 'True'", 1},
      {"x = 1", "'=' is not allowed", NULL, 3},
      {"1 = 1", "'=' is not allowed", NULL, 3},
      {"__import__('os')", "unknown function '__import__'", NULL, 1},
      {"'a' < 1", "'<' not supported between 'str' and 'int'", NULL, 5},
      {"'abc", "unterminated string", NULL, 1},
      {"@vars::n.parameters()", "a int has no method 'parameters'", NULL, 9},
      {"1 2", "unexpected number after a complete expression", NULL, 3},
      {"", "the expression is empty", NULL, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char yaml[256];
    snprintf(yaml, sizeof yaml, "vars: {n: 4}\nv: \"$%s\"\n", cases[i].expr);
    put_file("e.yaml", yaml);
    cfg_node *r = LOAD(1, "e.yaml");
    ck_assert_msg(r == NULL, "'%s' should fail", cases[i].expr);
    ck_assert_msg(strstr(err.msg, cases[i].msg), "'%s': '%s' lacks '%s'", cases[i].expr, err.msg, cases[i].msg);
    /* v: "$ starts at column 4; the expression at column 6 */
    ck_assert_msg(err.loc.line == 2 && err.loc.col == 5 + cases[i].col, "'%s': at %d:%d, expected 2:%d", cases[i].expr,
                  err.loc.line, err.loc.col, 5 + cases[i].col);
    ck_assert_str_eq(err.path, "v");
    if (cases[i].hint) EXPECT_HINT(cases[i].hint);
  }
}
END_TEST

/* A chain such as 1+1+...+1 nests one level per operator; 300,000 terms
 * overflowed the stack when the tree was freed after the depth error. */
START_TEST(test_expression_chain) {
  FILE *f = fopen("sum.yaml", "w");
  fputs("v: \"$1", f);
  for (int i = 0; i < 300000; i++) fputs("+1", f);
  fputs("\"\n", f);
  fclose(f);
  /* the 400th '+' (at 2 * 400 - 1 in the expression, which starts at column 6) */
  EXPECT_CFG_ERROR(LOAD(1, "sum.yaml"), "sum.yaml", 1, 6 + 799, "expression nested too deeply: more than 400 levels");
  ck_assert_str_eq(err.path, "v");
  f = fopen("ok.yaml", "w");
  fputs("v: \"$1", f);
  for (int i = 0; i < 399; i++) fputs("+1", f);
  fputs("\"\n", f);
  fclose(f);
  cfg_node *r = LOAD(1, "ok.yaml");
  ck_assert_msg(r != NULL, "%s", err.msg);
  ck_assert_int_eq(cfg_dict_get(r, "v")->i, 400);
  cfg_free(r);
}
END_TEST

START_TEST(test_deferred_expressions) {
  put_file("a.yaml", "model:\n  _target_: M\n  network: {_target_: Net}\n"
                     "  optimizer:\n    _target_: Adam\n    params: \"$@::::network.parameters()\"\n"
                     "    lr: \"$0.1 * 2\"\n    n: \"$len(@model::network.parameters())\"\n");
  EXPECT_YAML(LOAD(1, "a.yaml"), "model:\n  _target_: M\n  network:\n    _target_: Net\n  optimizer:\n"
                                 "    _target_: Adam\n    params: \"$@model::network.parameters()\"\n    lr: 0.2\n"
                                 "    n: \"$len(@model::network.parameters())\"\n");
  put_file("b.yaml", "net: {_target_: Net}\np: \"$@net.paramters()\"\n");
  EXPECT_CFG_ERROR(LOAD(1, "b.yaml"), "b.yaml", 2, 10, "unknown method 'paramters'");
  EXPECT_HINT("did you mean 'parameters'?");
}
END_TEST

/* ---- special keys -------------------------------------------------------- */

START_TEST(test_special_keys) {
  put_file("a.yaml", "vars: {debug: false}\ncbs:\n  - {_target_: A}\n  - {_target_: B, _disabled_: true}\n"
                     "  - {_target_: C, _disabled_: \"$not @vars::debug\"}\n"
                     "m:\n  w: {_target_: W, _disabled_: \"True\"}\n  keep: {_target_: K, _disabled_: false, _mode_: callable}\n"
                     "  ref: \"@m::w\"\n");
  EXPECT_YAML(LOAD(1, "a.yaml"), "vars:\n  debug: false\ncbs:\n- _target_: A\n"
                                 "m:\n  keep:\n    _target_: K\n    _mode_: callable\n  ref: null\n");
  put_file("dis.yaml", "c: {_target_: T, _disabled_: true}\nq: \"$@c is None\"\nr: \"$@c\"\n");
  EXPECT_YAML(LOAD(1, "dis.yaml"), "q: true\nr: null\n");
  put_file("b.yaml", "m: {_target_: M, _mode_: calable}\n");
  EXPECT_CFG_ERROR(LOAD(1, "b.yaml"), "b.yaml", 1, 26, "_mode_ is 'calable'; it must be default, callable or debug");
  EXPECT_HINT("did you mean 'callable'?");
  put_file("c.yaml", "m: {_targt_: M}\n");
  EXPECT_CFG_ERROR(LOAD(1, "c.yaml"), "c.yaml", 1, 5, "unknown special key '_targt_'");
  EXPECT_HINT("did you mean '_target_'");
  put_file("d.yaml", "m: {_target_: M, _args_: 3}\n");
  EXPECT_CFG_ERROR(LOAD(1, "d.yaml"), "d.yaml", 1, 26, "_args_ must be a list");
  put_file("e.yaml", "m: {_target_: M, _requires_: \"@nope\"}\n");
  EXPECT_CFG_ERROR(LOAD(1, "e.yaml"), "e.yaml", 1, 30, "unknown reference '@nope'");
  put_file("f.yaml", "m: {_target_: M, _disabled_: maybe}\n");
  EXPECT_CFG_ERROR(LOAD(1, "f.yaml"), "f.yaml", 1, 30, "_disabled_ must be true or false");
  put_file("g.yaml", "m: {_target_: 3}\n");
  EXPECT_CFG_ERROR(LOAD(1, "g.yaml"), "g.yaml", 1, 15, "_target_ must be a component name");
}
END_TEST

/* ---- the printed error ---------------------------------------------------- */

START_TEST(test_error_print) {
  put_file("a.yaml", "vars:\n  lr: 0.1\nopt:\n  lr: \"@vars::lrr\"\n");
  ck_assert_ptr_null(LOAD(1, "a.yaml"));
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cfg_error_print(f, &err, 0);
  fclose(f);
  ck_assert_str_eq(buf, "a.yaml:4:7: error: unknown reference '@vars::lrr': no key 'lrr' in 'vars'\n"
                        "  at key opt::lr\n"
                        "      4 |   lr: \"@vars::lrr\"\n"
                        "        |       ^\n"
                        "  did you mean '@vars::lr'?\n");
  free(buf);
  buf = NULL;
  f = open_memstream(&buf, &len);
  cfg_error_print(f, &err, 1);
  fclose(f);
  ck_assert_ptr_nonnull(strstr(buf, "\033[1;31merror:\033[0m"));
  free(buf);
  setenv("NO_COLOR", "1", 1);
  ck_assert_int_eq(cfg_use_color(stderr), 0);
  unsetenv("NO_COLOR");
}
END_TEST

START_TEST(test_lighter_cifar10_example) {
  const char *dir = getenv("LT_SOURCE_DIR");
  char ex[512], quick[512];
  snprintf(ex, sizeof ex, "%s/configs/lighter_cifar10/example.yaml", dir ? dir : "/work/main");
  snprintf(quick, sizeof quick, "%s/configs/lighter_cifar10/quick.yaml", dir ? dir : "/work/main");
  cfg_node *r = LOAD(1, ex, quick);
  ck_assert_msg(r != NULL, "%s", err.msg);
  ck_assert_int_eq(cfg_dict_get(cfg_dict_get(r, "trainer"), "max_epochs")->i, 1);
  cfg_node *model = cfg_dict_get(r, "model");
  cfg_node *params = cfg_dict_get(cfg_dict_get(model, "optimizer"), "params");
  ck_assert_int_eq(params->kind, CFG_EXPR);
  ck_assert_str_eq(params->s, "@model::network.parameters()");
  ck_assert(cfg_equal(cfg_dict_get(model, "train_metrics"), cfg_dict_get(model, "val_metrics")));
  ck_assert_int_eq(cfg_dict_get(cfg_dict_get(model, "val_metrics"), "metrics")->n, 4);
  cfg_node *data = cfg_dict_get(r, "data");
  ck_assert_int_eq(cfg_dict_get(cfg_dict_get(data, "test_dataloader"), "batch_size")->i, 512);
  ck_assert_int_eq(cfg_dict_get(cfg_dict_get(model, "optimizer"), "lr")->kind, CFG_FLOAT);
  cfg_free(r);
}
END_TEST

/* Composing n keys, n references or n overrides makes O(n) string
 * comparisons (a count, not a time): lookups were linear scans, and 20k keys
 * took 12 s, 30k overrides 21 s. */
START_TEST(test_linear_composition) {
  enum { N = 4000 };
  FILE *f = fopen("big.yaml", "w");
  fputs("vars:\n", f);
  for (int i = 0; i < N; i++) fprintf(f, "  k%d: %d\n", i, i);
  fputs("r0: 0\nm0: 0\n", f);
  for (int i = 1; i < N; i++) fprintf(f, "r%d: \"@r%d\"\nm%d: \"%%m%d\"\nc%d: \"%%vars::k%d\"\n", i, i - 1, i, i - 1, i, i);
  fclose(f);
  static char ov[N][32];
  static const char *in[N + 1];
  in[0] = "big.yaml";
  for (int i = 0; i < N; i++) {
    snprintf(ov[i], sizeof ov[i], "vars::k%d=%d", i, -i);
    in[i + 1] = ov[i];
  }
  for (int resolve = 0; resolve < 2; resolve++) {
    unsigned long before = cfg_name_compares;
    memset(&err, 0, sizeof err);
    cfg_node *r = host_config_load(in, N + 1, resolve, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    unsigned long used = cfg_name_compares - before;
    /* About 5N keys and N overrides, each looked up a few times. Linear
     * scans make about N * N = 16,000,000. */
    ck_assert_msg(used < 100ul * N, "%lu string comparisons for %d keys: a lookup is not O(1)", used, N);
    if (resolve) {
      ck_assert_int_eq(cfg_dict_get(r, "r3999")->i, 0);
      ck_assert_int_eq(cfg_dict_get(r, "c3999")->i, -3999);
    }
    cfg_free(r);
  }
}
END_TEST

Suite *config_suite(void) {
  Suite *s = suite_create("config");
  TCase *tc = tcase_create("config");
  tcase_add_checked_fixture(tc, cfg_setup, cfg_teardown);
  tcase_add_test(tc, test_scalars_and_locations);
  tcase_add_test(tc, test_anchors_merge_multiline);
  tcase_add_test(tc, test_not_regular_files);
  tcase_add_test(tc, test_load_errors);
  tcase_add_test(tc, test_load_refusals);
  tcase_add_test(tc, test_merge_rules);
  tcase_add_test(tc, test_operators);
  tcase_add_test(tc, test_overrides);
  tcase_add_test(tc, test_at_references);
  tcase_add_test(tc, test_macros);
  tcase_add_test(tc, test_cycles);
  tcase_add_loop_test(tc, test_expressions, 0, (int)(sizeof exprs / sizeof exprs[0]));
  tcase_add_test(tc, test_expression_errors);
  tcase_add_test(tc, test_expression_chain);
  tcase_add_test(tc, test_deferred_expressions);
  tcase_add_test(tc, test_special_keys);
  tcase_add_test(tc, test_error_print);
  tcase_add_test(tc, test_lighter_cifar10_example);
  tcase_add_test(tc, test_linear_composition);
  suite_add_tcase(s, tc);
  return s;
}
