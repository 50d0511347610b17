/* cmd_sweep.c: `lighter-host fit|validate|test|predict CONFIG.yaml...
 * --multirun [key=a,b | key=range(a,b[,step]) | ...] [-j N] [--trials N
 * --seed S] [--sweep_dir DIR]`: Hydra's multirun. The command line and the
 * config's sweep: section give the swept keys; the trials are their grid
 * (Hydra's order) or N seeded random draws. Before anything runs every
 * trial's config is composed and checked as a run would (a bad value or
 * a typo'd key is exit 2, naming the trial); then sweep_exec.c runs them,
 * -j at once, each with its share of the cores, and the table of results
 * ends the command. Running the same command again finds the same sweep
 * folder: finished trials are skipped, the others resume from last.ckpt.
 * Exit: 0 all finished, 1 a trial failed, 2 usage or config, 3 a plugin
 * could not be loaded, 130 interrupted. */
#define _GNU_SOURCE /* sched_getaffinity */
#include "build.h"
#include "builtin.h"
#include "cmd.h"
#include "config/compose.h"
#include "sweep.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The sweep's own options (the rest go to every trial). */
typedef struct sweep_opts {
  int multirun;
  long jobs, trials;
  unsigned long long seed;
  const char *sweep_dir;
  const char **dirs; /* --plugins, for the checks */
  int ndirs;
} sweep_opts;

/* The options that only a sweep has: their presence makes a command line
 * a sweep. */
typedef enum sweep_opt { OPT_NONE = -1, OPT_MULTIRUN, OPT_JOBS, OPT_TRIALS, OPT_SEED, OPT_SWEEP_DIR } sweep_opt;
static const struct {
  const char *name;
  sweep_opt opt;
} sweep_only[] = {{"--multirun", OPT_MULTIRUN}, {"-m", OPT_MULTIRUN},     {"-j", OPT_JOBS},
                  {"--jobs", OPT_JOBS},         {"--trials", OPT_TRIALS}, {"--seed", OPT_SEED},
                  {"--sweep_dir", OPT_SWEEP_DIR}, {"--sweep-dir", OPT_SWEEP_DIR}};

/* Which sweep option a is, with *eq its value when given in a (after '=',
 * or right after -j). */
static sweep_opt sweep_option(const char *a, const char **eq) {
  *eq = NULL;
  if (!strncmp(a, "-j", 2) && a[2] && a[2] != '-') return *eq = a + 2, OPT_JOBS; /* -j2 */
  for (size_t i = 0; i < sizeof sweep_only / sizeof *sweep_only; i++) {
    size_t n = strlen(sweep_only[i].name);
    if (strncmp(a, sweep_only[i].name, n) || (a[n] && (a[n] != '=' || sweep_only[i].opt == OPT_MULTIRUN))) continue;
    *eq = a[n] ? a + n + 1 : NULL;
    return sweep_only[i].opt;
  }
  return OPT_NONE;
}

int host_sweep_requested(int argc, char **argv) {
  const char *eq;
  for (int i = 0; i < argc; i++)
    if (sweep_option(argv[i], &eq) != OPT_NONE) return 1;
  return 0;
}

static void usage(FILE *f, const char *stage) {
  fprintf(f,
          "usage: lighter-host %s CONFIG.yaml... --multirun [key=a,b,c | key=range(start,stop[,step]) |\n"
          "       key=choice(a,b) | key=uniform(lo,hi) | key=loguniform(lo,hi)]... [overrides] [run options]\n"
          "       [-j N] [--trials N [--seed S]] [--sweep_dir DIR]\n"
          "  --multirun, -m   run every combination of the swept values (and of the config's sweep: section)\n"
          "  -j N, --jobs N   N trials at once, each with LT_NUM_THREADS=1,cores/N (default 1)\n"
          "  --trials N       random search: N trials drawn from the values (seeded by --seed S, default 0)\n"
          "  --sweep_dir DIR  the sweep folder (default <default_root_dir>/multirun/<config>-<id>)\n"
          "Running the same sweep again skips the finished trials and resumes the others from last.ckpt.\n",
          stage);
}

/* A whole number from lo up for option name; -1 after saying what to write. */
static long long whole(const char *name, const char *v, long long lo, const char *example) {
  char *end = NULL;
  errno = 0;
  long long n = v && *v ? strtoll(v, &end, 10) : -1;
  if (!v || !*v || *end || errno || n < lo) {
    fprintf(stderr, "lighter-host: %s takes a whole number, %lld or more (got '%s'); e.g. %s\n", name, lo,
            v ? v : "nothing", example);
    return -1;
  }
  return n;
}

/* A run's options, passed on to every trial: -1 for none of them, else
 * whether it takes the next argument as its value. */
static int run_option(const char *a) {
  static const struct {
    const char *name;
    int value;
  } opts[] = {{"--ckpt_path", 1},    {"--ckpt-path", 1},    {"--init_weights", 1},       {"--init-weights", 1},
              {"--plugins", 1},      {"--weights_only", 0}, {"--weights-only", 0},       {"--verbose", 0},
              {"--return_predictions", 0}, {"--return-predictions", 0}};
  size_t alen = strcspn(a, "=");
  for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
    if (alen == strlen(opts[i].name) && !strncmp(a, opts[i].name, alen)) return opts[i].value && !a[alen];
  return -1;
}

/* The sweep's options into o, the rest into s (configs, overrides, run
 * options). -1 to go on, else the exit status. */
static int parse_args(host_sweep *s, sweep_opts *o, int argc, char **argv) {
  o->jobs = 1;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *eq;
    sweep_opt k = sweep_option(a, &eq);
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout, s->stage);
      return 0;
    }
    if (k != OPT_NONE && k != OPT_MULTIRUN && !eq) {
      if (i + 1 >= argc) return fprintf(stderr, "lighter-host: %s needs a value (--help shows them)\n", a), 2;
      eq = argv[++i];
    }
    long long v = 0;
    switch (k) {
    case OPT_MULTIRUN: o->multirun = 1; break;
    case OPT_JOBS: v = o->jobs = (long)whole("-j", eq, 1, "-j 2 runs two trials at once"); break;
    case OPT_TRIALS: v = o->trials = (long)whole("--trials", eq, 1, "--trials 8 --seed 1"); break;
    case OPT_SEED: v = (long long)(o->seed = (unsigned long long)whole("--seed", eq, 0, "--seed 1")); break;
    case OPT_SWEEP_DIR: o->sweep_dir = eq; break;
    case OPT_NONE: break;
    }
    if (v < 0) return 2;
    if (k != OPT_NONE) continue;
    int takes = !strncmp(a, "--", 2) ? run_option(a) : 0;
    if (takes < 0) {
      return fprintf(stderr, "lighter-host %s: unknown option '%s' (--help lists a sweep's options; a run's are "
                             "--ckpt_path, --weights_only, --init_weights, --verbose, --return_predictions, "
                             "--plugins)\n", s->stage, a), 2;
    } else if (!strncmp(a, "--", 2)) {
      s->options[s->noptions++] = a;
      if (takes && i + 1 < argc) {
        if (!strcmp(a, "--plugins")) o->dirs[o->ndirs++] = argv[i + 1];
        s->options[s->noptions++] = argv[++i];
      }
    } else if (cfg_is_override(a)) {
      s->overrides[s->noverrides++] = a;
    } else {
      s->configs[s->nconfigs++] = a;
    }
  }
  if (!o->multirun)
    return fprintf(stderr, "lighter-host: -j, --trials, --seed and --sweep_dir are options of a sweep: add --multirun "
                           "(-m), e.g. lighter-host %s cfg.yaml --multirun model::optimizer::lr=0.1,0.01 -j 2\n",
                   s->stage), 2;
  if (!s->nconfigs) return usage(stderr, s->stage), 2;
  return -1;
}

/* Which overrides are sweeps: s->spec and s->arg_param. -1 to go on, else 2. */
static int parse_sweeps(host_sweep *s) {
  char why[1200];
  for (int i = 0; i < s->noverrides; i++) {
    size_t before = s->spec.n;
    int rc = host_sweep_parse_arg(&s->spec, s->overrides[i], why, sizeof why);
    if (rc < 0) return fprintf(stderr, "lighter-host: %s\n", why), 2;
    s->arg_param[i] = rc ? (long)before : -1;
  }
  return -1;
}

/* The config's sweep: section, whose parameters come before the command
 * line's (s->arg_param moves with them). -1 to go on, else 2. */
static int parse_section(host_sweep *s, const cfg_node *base) {
  char why[1200];
  const cfg_node *section = cfg_dict_get(base, "sweep");
  s->has_section = section != NULL;
  size_t before = s->spec.n;
  if (host_sweep_parse_section(&s->spec, section, why, sizeof why))
    return fprintf(stderr, "lighter-host: the config's sweep: section: %s\n", why), 2;
  for (int i = 0; i < s->noverrides; i++)
    if (s->arg_param[i] >= 0) s->arg_param[i] += (long)(s->spec.n - before);
  return -1;
}

/* Hydra refuses to override a key the config lacks unless it is written
 * +key: so does a sweep (a typo would otherwise make every trial the same
 * run). -1 to go on, or 2 after saying what to write. */
static int check_keys(const host_sweep *s, cfg_node *base) {
  for (size_t p = 0; p < s->spec.n; p++) {
    const host_sweep_param *q = &s->spec.params[p];
    if (q->op == '+') continue;
    size_t n, depth = 0;
    char **parts = cfg_path_split(q->key, &n);
    cfg_node *found = cfg_lookup(base, parts, n, &depth);
    if (!found) {
      cfg_node *at = depth ? cfg_lookup(base, parts, depth, NULL) : base;
      char sug[600] = "";
      if (at && at->kind == CFG_DICT && depth < n) cfg_suggest_keys(parts[depth], at, sug, sizeof sug);
      fprintf(stderr, "lighter-host: '%s=%s'%s: the config has no '%s'%s%s%s; to sweep a key the config lacks, write "
                      "+%s=%s (Hydra's rule)\n", q->key, q->source,
              q->origin == HOST_SWEEP_FROM_SECTION ? " (the config's sweep: section)" : "", q->key,
              *sug ? " (did you mean " : "", sug, *sug ? "?)" : "", q->key, q->source);
    }
    cfg_path_free(parts, n);
    if (!found) return 2;
  }
  return -1;
}

/* The keys of the configured loggers' save_dir (moved into each trial's
 * folder with default_root_dir). */
static void logger_dirs(host_sweep *s, const cfg_node *base) {
  const cfg_node *t = cfg_dict_get(base, "trainer");
  const cfg_node *l = t && t->kind == CFG_DICT ? cfg_dict_get(t, "logger") : NULL;
  size_t n = l && l->kind == CFG_LIST ? l->n : 1;
  s->save_dirs = calloc(n, sizeof *s->save_dirs);
  if (!s->save_dirs) abort();
  for (size_t i = 0; l && i < n; i++) {
    const cfg_node *one = l->kind == CFG_LIST ? l->items[i] : l;
    if (!one || one->kind != CFG_DICT || !cfg_dict_get(one, "save_dir")) continue;
    char key[64];
    if (l->kind == CFG_LIST) snprintf(key, sizeof key, "trainer::logger::%zu::save_dir", i);
    else snprintf(key, sizeof key, "trainer::logger::save_dir");
    s->save_dirs[s->nsave_dirs++] = strdup(key);
  }
}

/* Every trial's config, composed, resolved and checked against the
 * components' specs as its run will: 0, 2 (config) or 3 (plugins). */
static int check_trials(const host_sweep *s, const sweep_opts *o) {
  host_registry reg = {0};
  if (host_load_registry(&reg, o->dirs, (size_t)o->ndirs, s->configs[0]) != 0) {
    host_registry_free(&reg);
    return 3;
  }
  int rc = 0;
  for (size_t k = 0; k < s->ntrials && !rc; k++) {
    char **argv = host_sweep_trial_argv(s, k);
    int n = 0;
    while (argv[2 + n] && strncmp(argv[2 + n], "--", 2)) n++; /* configs and overrides: the options come last */
    cfg_error err = {0};
    cfg_node *root = host_config_load((const char *const *)argv + 2, n, 1, &err);
    if (!root || host_build_check(&reg, root, &err) != 0) {
      fprintf(stderr, "lighter-host: trial %zu of the sweep (", k);
      for (size_t p = 0; p < s->spec.n; p++)
        fprintf(stderr, "%s%s=%s", p ? " " : "", s->spec.params[p].key, s->trials[k].values[p]);
      fprintf(stderr, ") has a bad config; nothing was run:\n");
      cfg_error_print(stderr, &err, cfg_use_color(stderr));
      rc = 2;
    }
    cfg_free(root);
    host_sweep_argv_free(argv);
  }
  host_registry_free(&reg);
  return rc;
}

/* The cores this process may run on. */
static int cores(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

/* Runs at once and their threads: never more than the cores in all. */
static void plan_threads(host_sweep *s, long jobs) {
  int c = cores();
  long todo = 0;
  for (size_t k = 0; k < s->ntrials; k++) todo += s->trials[k].start != HOST_TRIAL_SKIP;
  long at_once = jobs < c ? jobs : c;
  if (at_once > todo) at_once = todo > 0 ? todo : 1;
  if (jobs > c)
    printf("sweep: -j %ld on %d core%s: %ld at once (never more threads than cores)\n", jobs, c, c == 1 ? "" : "s",
           c < todo ? (long)c : at_once);
  s->jobs = (int)at_once;
  const char *env = getenv("LT_NUM_THREADS");
  /* the host's own split, shrunk to the trial's share: 1 libtorch thread
   * (its pool and BLAS's fight) and the share for BLAS, which does the work */
  if (env && *env) snprintf(s->threads, sizeof s->threads, "%s", env);
  else snprintf(s->threads, sizeof s->threads, "1,%ld", c / at_once > 1 ? c / at_once : 1);
}

/* The first config's file name without its folder and .yaml. */
static void sweep_name(host_sweep *s) {
  const char *b = strrchr(s->configs[0], '/');
  snprintf(s->name, sizeof s->name, "%s", b ? b + 1 : s->configs[0]);
  char *dot = strrchr(s->name, '.');
  if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"))) *dot = 0;
}

/* default_root_dir as the files and fixed overrides give it ("." without one). */
static const char *root_dir(const cfg_node *base) {
  const cfg_node *t = cfg_dict_get(base, "trainer");
  const cfg_node *d = t && t->kind == CFG_DICT ? cfg_dict_get(t, "default_root_dir") : NULL;
  return d && d->kind == CFG_STRING && *d->s && !strchr("@$%", d->s[0]) ? d->s : ".";
}

static void print_header(const host_sweep *s) {
  size_t skip = 0, resume = 0;
  for (size_t k = 0; k < s->ntrials; k++)
    skip += s->trials[k].start == HOST_TRIAL_SKIP, resume += s->trials[k].start == HOST_TRIAL_RESUME;
  printf("sweep %s: %zu trial%s (%s", s->name, s->ntrials, s->ntrials == 1 ? "" : "s",
         s->random_trials ? "random search" : "grid");
  for (size_t p = 0; !s->random_trials && p < s->spec.n; p++)
    printf("%s%zu", p ? " x " : " of ", s->spec.params[p].nvalues);
  printf("), %d at once, LT_NUM_THREADS=%s each%s\n  folder %s\n", s->jobs, s->threads,
         getenv("LT_NUM_THREADS") && *getenv("LT_NUM_THREADS") ? " (from the environment)" : "", s->dir);
  if (skip || resume) printf("  %zu finished earlier (skipped), %zu to resume from last.ckpt\n", skip, resume);
  fflush(stdout);
}

static void sweep_free(host_sweep *s) {
  for (size_t k = 0; s->trials && k < s->ntrials; k++) {
    for (size_t p = 0; p < s->spec.n; p++) free(s->trials[k].values[p]);
    free(s->trials[k].values);
  }
  for (size_t i = 0; i < s->nsave_dirs; i++) free(s->save_dirs[i]);
  free(s->save_dirs), free(s->trials), free(s->arg_param);
  free(s->configs), free(s->overrides), free(s->options);
  host_sweep_spec_free(&s->spec);
  if (s->lock_fd > 0) close(s->lock_fd);
}

/* Everything up to running: the spec, its checks, the trials, the folder.
 * -1 to go on, else the exit status. */
static int plan(host_sweep *s, sweep_opts *o, int argc, char **argv) {
  int rc = parse_args(s, o, argc, argv);
  if (rc < 0) rc = parse_sweeps(s);
  if (rc >= 0) return rc;
  /* the config as the files and the fixed overrides make it */
  const char **base_in = calloc((size_t)argc + 1, sizeof *base_in);
  int nb = 0;
  for (int i = 0; i < s->nconfigs; i++) base_in[nb++] = s->configs[i];
  for (int i = 0; i < s->noverrides; i++)
    if (s->arg_param[i] < 0) base_in[nb++] = s->overrides[i];
  cfg_error err = {0};
  cfg_node *base = cfg_compose(base_in, nb, &err);
  free(base_in);
  if (!base) return cfg_error_print(stderr, &err, cfg_use_color(stderr)), 2;
  rc = parse_section(s, base);
  if (rc < 0) rc = check_keys(s, base);
  char why[1200];
  char ***rows = rc < 0 ? host_sweep_trials(&s->spec, o->trials, o->seed, &s->ntrials, why, sizeof why) : NULL;
  if (rc < 0 && !rows) rc = (fprintf(stderr, "lighter-host: %s\n", why), 2);
  if (rc < 0) {
    s->trials = calloc(s->ntrials, sizeof *s->trials);
    if (!s->trials) abort();
    for (size_t k = 0; k < s->ntrials; k++) s->trials[k].values = rows[k];
    free(rows);
    s->random_trials = o->trials, s->seed = o->seed;
    sweep_name(s);
    logger_dirs(s, base);
    rc = host_sweep_dir_path(s, root_dir(base), o->sweep_dir);
    if (!rc) rc = check_trials(s, o);
    if (!rc) rc = host_sweep_dir_open(s);
    rc = rc ? rc : -1;
  }
  cfg_free(base);
  return rc;
}

int host_cmd_sweep(const char *stage, int argc, char **argv) {
  host_sweep s = {.stage = stage, .cmd = host_argv + 1, .ncmd = argc + 1, .lock_fd = -1};
  sweep_opts o = {0};
  s.configs = calloc((size_t)argc + 1, sizeof *s.configs);
  s.overrides = calloc((size_t)argc + 1, sizeof *s.overrides);
  s.options = calloc((size_t)argc + 1, sizeof *s.options);
  s.arg_param = calloc((size_t)argc + 1, sizeof *s.arg_param);
  o.dirs = calloc((size_t)argc + 1, sizeof *o.dirs);
  if (!s.configs || !s.overrides || !s.options || !s.arg_param || !o.dirs) abort();
  int rc = plan(&s, &o, argc, argv);
  if (rc < 0 && !(rc = host_sweep_read_state(&s))) {
    plan_threads(&s, o.jobs);
    rc = host_sweep_write_spec(&s) || host_sweep_write_csv(&s) ? 1 : -1;
  }
  if (rc < 0) {
    print_header(&s);
    rc = host_sweep_exec(&s);
    host_sweep_print_table(&s, stdout);
    for (size_t k = 0; rc == 0 && k < s.ntrials; k++)
      if (s.trials[k].status != HOST_TRIAL_FINISHED) rc = 1;
  }
  free(o.dirs);
  sweep_free(&s);
  cfg_sources_free();
  cfg_intern_free();
  return rc;
}
