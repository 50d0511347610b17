/* runner.c: `lighter-host fit|validate|test|predict`: the command line,
 * the config (seed first), the model with its LighterModule fields, the
 * trainer and the data module, the loggers and the run folder (the first
 * logger's save_dir/name/version_N with the raw and resolved configs), then
 * the trainer. Exit: 0 ok, 1 a failure while running, 2 usage or config, 3 a
 * plugin could not be loaded, 130 interrupted. */
#include "alloc.h"
#include "callback_keys.h"
#include "cmd.h"
#include "config/compose.h"
#include "config/emit.h"
#include "dist.h"
#include "loggers.h"
#include "run_path.h"
#include "tensor_layer.h"
#include "trainer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>


/* The node at a "a::b::c" path of root, or NULL. */
static cfg_node *cfg_lookup_path(cfg_node *root, const char *path) {
  size_t n;
  char **parts = cfg_path_split(path, &n);
  cfg_node *d = cfg_lookup(root, parts, n, NULL);
  cfg_path_free(parts, n);
  return d;
}

/* A usage or config error: said (naming the rank under ddp) and exit status 2. */
#define fail2(...) (host_failf(__VA_ARGS__), 2)

/* The component at path, which must be of kind; NULL after an error. */
static host_object *need(host_build *b, const char *path, lt_kind kind, const char *what, int *rc) {
  host_object *o = host_build_get(b, path);
  if (!o) {
    cfg_error_print(stderr, b->err, cfg_use_color(stderr));
    *rc = 2;
    return NULL;
  }
  if (o->comp->kind != kind || !o->self) {
    *rc = fail2("'%s' is %s; it must be %s", path, o->comp->target, what);
    return NULL;
  }
  return o;
}

static const char *last_part(const char *t) {
  const char *dot = strrchr(t, '.');
  return dot ? dot + 1 : t;
}

/* The metrics at path: one metric, a MetricCollection, or a list / dict of
 * metrics (named by class, or by key). */
static int metrics_at(host_build *b, const char *path, host_metrics *m) {
  cfg_node *n = cfg_lookup_path(b->root, path);
  if (!n || n->kind == CFG_NULL) return 0;
  int rc = 0;
  if (cfg_is_component(n)) {
    host_object *o = need(b, path, LT_KIND_METRIC, "a torchmetrics metric", &rc);
    if (!o) return rc;
    const lt_metric_ops *ops = o->comp->ops;
    m->top = o->self, m->top_ops = ops;
    if (HOST_HAS(ops, lt_metric_ops, members)) {
      const char *names[HOST_MAX_METRICS];
      size_t k = ops->members(o->self, m->self, m->ops, names, HOST_MAX_METRICS);
      for (size_t i = 0; i < k && i < HOST_MAX_METRICS; i++) m->name[m->n++] = names[i];
    } else {
      m->self[0] = o->self, m->ops[0] = ops, m->n = 1;
      m->name[0] = HOST_HAS(ops, lt_metric_ops, name) ? ops->name(o->self) : last_part(o->comp->target);
    }
    return 0;
  }
  if (n->kind != CFG_LIST && n->kind != CFG_DICT)
    return fail2("'%s' must be a metric, a list of metrics or a mapping of names to metrics", path);
  for (size_t i = 0; i < n->n && m->n < HOST_MAX_METRICS; i++) {
    char idx[24];
    snprintf(idx, sizeof idx, "%zu", i);
    char *kp = cfg_path_append(path, n->kind == CFG_DICT ? n->keys[i] : idx);
    host_object *o = need(b, kp, LT_KIND_METRIC, "a torchmetrics metric", &rc);
    free(kp);
    if (!o) return rc;
    const lt_metric_ops *ops = o->comp->ops;
    m->self[m->n] = o->self, m->ops[m->n] = ops;
    m->name[m->n++] = n->kind == CFG_DICT ? n->keys[i] : HOST_HAS(ops, lt_metric_ops, name) ? ops->name(o->self)
                                                                                        : last_part(o->comp->target);
  }
  return 0;
}

static int write_text(const char *dir, const char *name, const char *text) {
  char path[1400];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f)) {
    fprintf(stderr, "lighter-host: cannot write '%s': %s\n", path, strerror(errno));
    return 1;
  }
  return 0;
}

/* The run folder is this process's while it runs: an flock on
 * DIR/.lighter-run.lock (released by the kernel when the process ends,
 * whatever way). 0, or 2 after saying who holds it. */
static int lock_run_dir(host_run *r) {
  char path[1600], who[32] = "";
  snprintf(path, sizeof path, "%s/.lighter-run.lock", r->run_dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail2("cannot lock the run folder '%s': %s", r->run_dir, strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ssize_t n = read(fd, who, sizeof who - 1);
    who[n > 0 ? n : 0] = 0;
    close(fd);
    return fail2("the run folder '%s' is in use by another lighter-host run (pid %s); give another version, or "
                 "none for a new version_N", r->run_dir, *who ? who : "unknown");
  }
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%ld", (long)getpid());
  if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)len) != len) { /* only the message above reads it */
  }
  r->run_lock_fd = fd;
  return 0;
}

/* Lightning's lr_scheduler config: {scheduler, interval, frequency, monitor}. */
static int scheduler_config(host_run *r, cfg_node *n) {
  cfg_node *iv = cfg_dict_get(n, "interval"), *fq = cfg_dict_get(n, "frequency"), *mo = cfg_dict_get(n, "monitor");
  if (!cfg_dict_get(n, "scheduler"))
    return fail2("model::scheduler: a scheduler config needs 'scheduler' (and may have interval, frequency, "
                 "monitor)");
  if (iv && (iv->kind != CFG_STRING || (strcmp(iv->s, "epoch") && strcmp(iv->s, "step"))))
    return fail2("model::scheduler::interval must be 'epoch' or 'step'");
  r->model.sched_per_step = iv && !strcmp(iv->s, "step");
  r->model.sched_frequency = fq && fq->kind == CFG_INT && fq->i > 0 ? fq->i : 1;
  if (mo && mo->kind == CFG_STRING) snprintf(r->model.sched_monitor, sizeof r->model.sched_monitor, "%s", mo->s);
  return 0;
}

/* Callback i's state key (Lightning's); a second callback with the same
 * key keeps ours, "<target>#i", so that no state overwrites another. */
static void state_key(host_run *r, int i, const cfg_node *node) {
  char *key = r->callbacks.key[i];
  host_callback_state_key(r->callbacks.name[i], node, key, sizeof r->callbacks.key[i]);
  for (int j = 0; j < i; j++)
    if (!strcmp(r->callbacks.key[j], key)) snprintf(key, sizeof r->callbacks.key[i], "%s#%d", r->callbacks.name[i], i);
}

/* The trainer and its callbacks. */
static int prepare_trainer(host_run *r, host_build *b) {
  int rc = 0;
  if (!cfg_dict_get(b->root, "trainer")) return fail2("the config has no 'trainer' (%s)", HOST_TRAINER_TARGETS);
  host_object *t = need(b, "trainer", LT_KIND_OTHER, "a Trainer (" HOST_TRAINER_TARGETS ")", &rc);
  if (!t) return rc;
  if (!host_is_trainer(t->comp->target))
    return fail2("'trainer' is %s; it must be a Trainer (%s)", t->comp->target, HOST_TRAINER_TARGETS);
  r->cfg = t->self;
  cfg_node *cb = cfg_lookup_path(b->root, "trainer::callbacks");
  if (cb && cb->kind != CFG_NULL) {
    if (cb->kind != CFG_LIST) return fail2("trainer::callbacks must be a list of callbacks");
    for (size_t i = 0; i < cb->n && r->callbacks.n < 32; i++) {
      char path[64];
      snprintf(path, sizeof path, "trainer::callbacks::%zu", i);
      host_object *o = need(b, path, LT_KIND_CALLBACK, "a callback (pytorch_lightning.callbacks.*)", &rc);
      if (!o) return rc;
      r->callbacks.self[r->callbacks.n] = o->self;
      r->callbacks.ops[r->callbacks.n] = o->comp->ops;
      r->callbacks.name[r->callbacks.n] = o->comp->target;
      state_key(r, r->callbacks.n++, cfg_lookup_path(b->root, path));
    }
  }
  return 0;
}

/* The model and its fields: network, criterion, optimizer, scheduler, metrics. */
static int prepare_model(host_run *r, host_build *b) {
  int rc = 0;
  if (!cfg_dict_get(b->root, "model")) return fail2("the config has no 'model'");
  if (!(r->model.obj = need(b, "model", LT_KIND_MODEL, "a model (lighter.SupervisedModule or a LighterModule plugin)", &rc)))
    return rc;
  r->model.ops = r->model.obj->comp->ops;
  if (r->model.ops && r->model.ops->size < sizeof(size_t)) r->model.ops = NULL;
  static const struct {
    const char *key;
    lt_kind kind;
    const char *what;
  } fields[4] = {{"model::network", LT_KIND_MODULE, "a module (torch.nn.*)"},
                 {"model::criterion", LT_KIND_LOSS, "a loss (torch.nn.*Loss)"},
                 {"model::optimizer", LT_KIND_OPTIMIZER, "an optimizer (torch.optim.*)"},
                 {"model::scheduler", LT_KIND_SCHEDULER, "a scheduler (torch.optim.lr_scheduler.*)"}};
  host_object *obj[4] = {NULL};
  for (int i = 0; i < 4; i++) {
    cfg_node *n = cfg_lookup_path(b->root, fields[i].key);
    if (!n || n->kind == CFG_NULL) continue;
    const char *path = fields[i].key;
    if (i == 3 && !cfg_is_component(n) && n->kind == CFG_DICT) { /* Lightning's lr_scheduler config */
      if ((rc = scheduler_config(r, n))) return rc;
      path = "model::scheduler::scheduler";
    }
    if (!(obj[i] = need(b, path, fields[i].kind, fields[i].what, &rc))) return rc;
  }
  if (!r->model.sched_frequency) r->model.sched_frequency = 1;
  if (!obj[0]) return fail2("model::network is required (a torch.nn module)");
  r->model.network = obj[0]->self, r->model.network_ops = obj[0]->comp->ops;
  if (obj[1]) r->model.criterion = obj[1]->self, r->model.criterion_ops = obj[1]->comp->ops;
  if (obj[2]) r->model.optimizer = obj[2]->self, r->model.optimizer_ops = obj[2]->comp->ops, r->model.optimizer_name = last_part(obj[2]->comp->target);
  if (obj[3]) {
    r->model.scheduler = obj[3]->self, r->model.scheduler_ops = obj[3]->comp->ops, r->model.scheduler_name = last_part(obj[3]->comp->target);
    if (!*r->model.sched_monitor && strstr(obj[3]->comp->target, "ReduceLROnPlateau"))
      snprintf(r->model.sched_monitor, sizeof r->model.sched_monitor, "val/loss/epoch");
  }
  const char *mkeys[3] = {"model::train_metrics", "model::val_metrics", "model::test_metrics"};
  for (int i = 0; i < 3; i++)
    if ((rc = metrics_at(b, mkeys[i], &r->model.metrics[i]))) return rc;
  return 0;
}

/* The data module's four loaders. */
static int prepare_data(host_run *r, host_build *b) {
  int rc = 0;
  cfg_node *dn = cfg_dict_get(b->root, "data");
  if (dn && dn->kind != CFG_NULL) {
    host_object *d = need(b, "data", LT_KIND_DATAMODULE, "a data module (lighter.LighterDataModule)", &rc);
    if (!d) return rc;
    const lt_datamodule_ops *dops = d->comp->ops;
    const char *stages[4] = {"train", "val", "test", "predict"};
    for (int i = 0; i < 4; i++) r->data.self[i] = dops->loader(d->self, stages[i], &r->data.ops[i]);
  }
  return 0;
}

/* The loggers: the trainer's default CSVLogger, the configured one or
 * list, or none (logger: false; fast_dev_run logs nothing). */
static int prepare_loggers(host_run *r, host_build *b, host_loggers *ls) {
  const host_trainer_cfg *c = r->cfg;
  memset(ls, 0, sizeof *ls);
  if (c->fast_dev_run || !c->logger_default) return 0;
  if (c->logger_default == 1) {
    host_loggers_default(c, ls);
    return 0;
  }
  int rc = 0;
  cfg_node *ln = cfg_lookup_path(b->root, "trainer::logger");
  size_t n = ln && ln->kind == CFG_LIST ? ln->n : 1;
  for (size_t i = 0; i < n; i++) {
    char lp[64];
    if (ln && ln->kind == CFG_LIST) snprintf(lp, sizeof lp, "trainer::logger::%zu", i);
    else snprintf(lp, sizeof lp, "trainer::logger");
    host_object *lo = need(b, lp, LT_KIND_LOGGER, "a logger (pytorch_lightning.loggers.CSVLogger or TensorBoardLogger)", &rc);
    if (!lo) return rc;
    if ((rc = host_loggers_add(ls, lp, lo->comp->target, lo->self))) return rc;
  }
  return 0;
}

/* The run folder (the first logger's version_N, or default_root_dir),
 * locked, with the configs and the loggers' files; under ddp the other
 * ranks learn it from rank 0. */
static int prepare_run_dir(host_run *r, const host_loggers *ls) {
  int rc = 0;
  const host_logger_cfg *lc = ls->n ? ls->cfg[0] : NULL;
  const host_trainer_cfg *c = r->cfg;
  host_stage stage = r->stage;
  r->dist = host_dist_self.active ? &host_dist_self : NULL;
  if (lc && r->dist && r->dist->rank != 0) {
    /* under ddp rank 0 makes the run folder and writes the logs; the others
     * learn where it is (callbacks, predictions and --ckpt_path need it) */
    lt_clear_error();
    if (lt_dist_store_get(r->dist->pg, "run_dir", r->run_dir, sizeof r->run_dir, r->dist->timeout_s) != LT_OK) {
      char peers[1400];
      host_dist_peers(peers, sizeof peers);
      return host_failf("no run folder from rank 0: %s; %s", lt_last_error(), peers);
    }
    r->log.path[0] = 0;
    return 0;
  }
  if (lc) {
    if (host_logger_version_dir(lc, r->run_dir, sizeof r->run_dir))
      return fail2("cannot create the run folder '%s': %s", r->run_dir, strerror(errno));
    if ((rc = lock_run_dir(r))) return rc;
    const char *logs;
    char which[600];
    /* an explicit version that has run before */
    if ((lc->version >= 0 || *lc->version_name) && host_logger_has_run(lc, r->run_dir, &logs)) {
      /* A fresh fit never reuses a run folder silently (Lightning only
       * warns): resuming it (--ckpt_path) or LIGHTER_OVERWRITE_RUN=1 opts in;
       * the other stages keep Lightning's warning, loudly. */
      const char *ow = getenv("LIGHTER_OVERWRITE_RUN");
      if (stage == HOST_FIT && !r->opts.ckpt_path && !(ow && *ow && strcmp(ow, "0")))
        return fail2("the run folder '%s' (%s) already holds a run's %s; a run folder is "
                     "never reused silently: give another version (or none, for a new version_N), resume that run "
                     "with --ckpt_path, or set LIGHTER_OVERWRITE_RUN=1 to replace its logs",
                     r->run_dir, host_logger_describe(lc, which, sizeof which), logs);
      fprintf(stderr, "lighter-host: WARNING: the run folder '%s' is not empty; its metrics.csv, config.yaml and "
                      "hparams.yaml will be replaced (give no version to get a new version_N folder)\n", r->run_dir);
    }
  } else {
    snprintf(r->run_dir, sizeof r->run_dir, "%s", c->default_root_dir);
    if (host_mkdirs(r->run_dir)) return fail2("cannot create '%s': %s", r->run_dir, strerror(errno));
  }
  if (lc && r->opts.raw_yaml &&
      (write_text(r->run_dir, "config.yaml", r->opts.raw_yaml) || write_text(r->run_dir, "hparams.yaml", r->opts.resolved_yaml) ||
       write_text(r->run_dir, "config.resolved.yaml", r->opts.resolved_yaml)))
    return 1;
  static const char *stage_names[] = {"fit", "validate", "test", "predict"};
  if (lc && host_record_start(&r->record, r->run_dir, stage_names[stage], r->b->root, r->opts.argc, r->opts.argv))
    return 1;
  if (lc && (rc = host_loggers_open(r, ls, r->b->root))) return rc;
  if (lc && r->dist && lt_dist_store_set(r->dist->pg, "run_dir", r->run_dir) != LT_OK)
    return host_failf("cannot tell the other ranks the run folder: %s", lt_last_error());
  return 0;
}

int host_run_prepare(host_run *r, host_build *b, host_stage stage) {
  int rc = 0;
  r->b = b;
  r->stage = stage;
  if ((rc = prepare_trainer(r, b)) || (rc = prepare_model(r, b)) || (rc = prepare_data(r, b))) return rc;
  host_loggers ls;
  if ((rc = prepare_loggers(r, b, &ls))) return rc;
  return prepare_run_dir(r, &ls);
}

/* ---- the command ----------------------------------------------------------- */

static void on_signal(int sig) {
  (void)sig;
  if (host_interrupted) _exit(130); /* a second ^C: now */
  host_interrupted = 1;
}

/* ^C and SIGTERM set host_interrupted from the first instruction of a run
 * on: a signal that came while the config, the plugins or libtorch were
 * loading is seen at the next phase boundary below. (A shell script's
 * background job starts with SIGINT ignored: without this a ^C before the
 * trainer started was lost and the run finished with status 0.) */
static void catch_interrupts(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* 130 after saying so when a signal came while `doing`; 0 otherwise. */
static int interrupted_while(const char *doing) {
  if (!host_interrupted) return 0;
  host_failf("interrupted while %s; nothing was trained or saved", doing);
  return 130;
}

static char *emit_text(const cfg_node *n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return NULL;
  cfg_emit(f, n);
  fclose(f);
  return buf;
}

/* a (alen bytes before any '=') is the option spelled name or alt. */
static int is_option(const char *a, size_t alen, const char *name, const char *alt) {
  return (alen == strlen(name) && !strncmp(a, name, alen)) || (alen == strlen(alt) && !strncmp(a, alt, alen));
}

/* An option's value: after its '=' (eq), else the next argument (i moves
 * past it); NULL, saying why, when there is none. */
static const char *option_value(const char *eq, int argc, char **argv, int *i, const char *why) {
  if (eq) return eq + 1;
  if (*i + 1 < argc) return argv[++*i];
  fprintf(stderr, "lighter-host: %s\n", why);
  return NULL;
}

/* The command's arguments: options into opts, config files and overrides
 * into inputs[*n], --plugins folders into dirs[*nd]. -1 to go on, or the
 * exit status (0 after --help, 2 after saying what is wrong). */
static int parse_args(const char *stage_name, int argc, char **argv, host_run_opts *opts, const char **inputs, int *n,
                      const char **dirs, int *nd) {
  opts->verbose = 1; /* Lightning's verbose: the results table of validate / test */
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *eq = strchr(a, '=');
    size_t alen = eq && !strncmp(a, "--", 2) ? (size_t)(eq - a) : strlen(a);
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      printf("usage: lighter-host %s CONFIG.yaml... [overrides] [--ckpt_path last|best|PATH] [--weights_only]\n"
             "       [--init_weights PATH] [--verbose[=false]] [--return_predictions] [--plugins DIR]...\n"
             "overrides: a::b=value (set), =a::b=value (replace), ~a::b (delete)\n",
             stage_name);
      return 0;
    } else if (is_option(a, alen, "--ckpt_path", "--ckpt-path")) {
      if (!(opts->ckpt_path = option_value(eq, argc, argv, &i, "--ckpt_path needs a value (last, best or a path)")))
        return 2;
    } else if (!strcmp(a, "--weights_only") || !strcmp(a, "--weights-only")) {
      opts->weights_only = 1;
    } else if (is_option(a, alen, "--init_weights", "--init-weights")) {
      if (!(opts->init_weights = option_value(eq, argc, argv, &i, "--init_weights needs a checkpoint or state-dict file")))
        return 2;
    } else if (!strncmp(a, "--verbose", alen > 9 ? alen : 9)) {
      const char *v = eq && alen == 9 ? eq + 1 : "true";
      int yes = !strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "1");
      if (!yes && strcmp(v, "false") && strcmp(v, "False") && strcmp(v, "0")) {
        fprintf(stderr, "lighter-host: --verbose takes true or false, not '%s'\n", v);
        return 2;
      }
      opts->verbose = yes;
    } else if (!strcmp(a, "--return_predictions") || !strcmp(a, "--return-predictions")) {
      opts->return_predictions = 1;
    } else if (!strcmp(a, "--plugins")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "lighter-host: --plugins needs a folder\n");
        return 2;
      }
      dirs[(*nd)++] = argv[++i];
    } else if (!strncmp(a, "--", 2)) {
      fprintf(stderr, "lighter-host %s: unknown option '%s' (options: --ckpt_path, --weights_only, --init_weights, "
                      "--verbose, --return_predictions, --plugins)\n", stage_name, a);
      return 2;
    } else {
      inputs[(*n)++] = a;
    }
  }
  if (opts->ckpt_path && opts->init_weights) {
    fprintf(stderr, "lighter-host: give --ckpt_path (resume a run) or --init_weights (a new run from weights), "
                    "not both\n");
    return 2;
  }
  return -1;
}

/* The config (raw, and resolved into *root), the plugins it names and the
 * built-ins, checked against their specs. 0, 2 (config) or 3 (plugin). */
static int load_inputs(const char **inputs, int n, const char **dirs, int nd, cfg_node **raw, cfg_node **root,
                       host_registry *reg, cfg_error *err) {
  *raw = host_config_load(inputs, n, 0, err);
  *root = *raw ? host_config_load(inputs, n, 1, err) : NULL;
  if (!*root) {
    cfg_error_print(stderr, err, cfg_use_color(stderr));
    return 2;
  }
  int rc = 0;
  const char *first = NULL;
  for (int i = 0; i < n && !first; i++)
    if (!strchr(inputs[i], '=') && inputs[i][0] != '~') first = inputs[i];
  if (host_load_registry(reg, dirs, (size_t)nd, first) != 0) rc = 3;
  host_registry_add_builtin(reg);
  if (!rc && host_build_check(reg, *root, err) != 0) {
    cfg_error_print(stderr, err, cfg_use_color(stderr));
    rc = 2;
  }
  return rc;
}

/* The config's seed (0 without one) into libtorch's generator. */
static int apply_seed(const cfg_node *root) {
  cfg_node *seed = cfg_dict_get(root, "seed");
  if (seed && seed->kind != CFG_INT && seed->kind != CFG_NULL) {
    fprintf(stderr, "lighter-host: seed must be an integer\n");
    return 2;
  }
  lt_manual_seed(seed && seed->kind == CFG_INT ? (uint64_t)seed->i : 0);
  return 0;
}

int host_cmd_run(const char *stage_name, int argc, char **argv) {
  catch_interrupts();
  host_alloc_tune();
  host_record_process_start();
  host_stage stage = !strcmp(stage_name, "fit") ? HOST_FIT : !strcmp(stage_name, "validate") ? HOST_VALIDATE
                     : !strcmp(stage_name, "test")                                          ? HOST_TEST
                                                                                            : HOST_PREDICT;
  const char **inputs = calloc((size_t)argc + 1, sizeof *inputs), **dirs = calloc((size_t)argc + 1, sizeof *dirs);
  int n = 0, nd = 0;
  host_run r;
  memset(&r, 0, sizeof r);
  r.opts.argc = argc, r.opts.argv = argv;
  int prc = parse_args(stage_name, argc, argv, &r.opts, inputs, &n, dirs, &nd);
  if (prc >= 0) {
    free(inputs), free(dirs);
    return prc;
  }
  if (!n) {
    fprintf(stderr, "usage: lighter-host %s CONFIG.yaml... [overrides] [options] (--help for more)\n", stage_name);
    free(inputs), free(dirs);
    return 2;
  }
  int rc = 0;
  cfg_error err = {0};
  cfg_node *raw = NULL, *root = NULL;
  host_registry reg = {0};
  char lerr[1024];
  const lt_api *api = NULL;
  host_build b = {0};
  rc = load_inputs(inputs, n, dirs, nd, &raw, &root, &reg, &err);
  if (!rc) rc = interrupted_while("reading the config and the plugins");
  /* ddp: under torchrun / SLURM this process is one rank; with devices: N
   * and no launcher, this process starts the N ranks and waits for them */
  host_dist dist;
  memset(&dist, 0, sizeof dist);
  if (!rc) {
    int spawn = host_dist_plan(root, &dist);
    if (spawn < 0) {
      rc = 2;
    } else if (spawn > 0) {
      rc = host_dist_spawn(host_argv, spawn, &dist);
      host_registry_free(&reg);
      cfg_free(raw), cfg_free(root);
      free(inputs), free(dirs);
      return rc;
    }
  }
  if (!rc && !(api = host_tensor_layer_load(lerr, sizeof lerr))) rc = (fprintf(stderr, "lighter-host: %s\n", lerr), 1);
  if (!rc && host_plugins_bind(&reg, api, stderr) != 0) rc = 3;
  if (!rc && dist.active && host_dist_join(&dist)) rc = 1;
  if (!rc) rc = interrupted_while("loading libtorch");
  if (!rc) rc = apply_seed(root);
  char *raw_text = NULL, *resolved_text = NULL;
  if (!rc) {
    raw_text = emit_text(raw);
    resolved_text = emit_text(root);
    r.opts.raw_yaml = raw_text, r.opts.resolved_yaml = resolved_text;
    host_build bb = {&reg, api, root, NULL, 0, &err};
    b = bb;
    rc = host_run_prepare(&r, &b, stage);
    if (!rc) rc = interrupted_while("building the components");
  }
  if (!rc) rc = host_ckpt_resolve(&r);
  if (!rc) {
    signal(SIGXFSZ, SIG_IGN); /* a file size limit fails the write (EFBIG) instead of killing the run */
    rc = host_trainer_run(&r);
    if (!rc && host_interrupted) {
      host_failf("interrupted as the run ended; its results are complete");
      rc = 130;
    }
  }
  r.record.last_step = r.loop.fit.global_step, r.record.last_epoch = r.loop.fit.epoch;
  host_record_finish(&r.record, rc == HOST_EXIT_OK ? HOST_REC_FINISHED : rc == HOST_EXIT_INTERRUPTED ? HOST_REC_INTERRUPTED : HOST_REC_FAILED, rc);
  host_run_free(&r);
  host_build_free(&b);
  host_dist_leave(&dist);
  free(raw_text), free(resolved_text);
  cfg_free(raw), cfg_free(root);
  host_registry_free(&reg);
  free(inputs), free(dirs);
  return rc;
}
