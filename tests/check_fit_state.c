/* check_fit_state.c: the fit's state machine (host/fit_state.c): where each
 * phase leads for each trainer setting and outcome, the counting on its
 * edges against what the real Lightning 2.2.5 keeps for the same schedule;
 * Lightning's `loops` layout written and read back (host/ckpt_loops.c,
 * host/ckpt_progress.c), and a whole fit saved and loaded by the trainer. */
#include "testutil.h"

#include "../host/ckpt_loops.h"
#include "../host/ckpt_progress.h"
#include "../host/build.h"
#include "../host/cmd.h"
#include "../host/fit_state.h"
#include "../host/plugin.h"
#include "../host/tensor_layer.h"
#include "../host/trainer.h"
#include "../host/trainer_impl.h"

#include <unistd.h>

/* ---- a model of the work fit_loop.c does in each phase (the counting) ---- */

typedef struct sim {
  host_fit_machine m;
  host_fit_plan p;
  int acc;                 /* accumulate_grad_batches */
  int epoch_scheduler;     /* an epoch-interval scheduler steps at each epoch's end */
  int val_batches;         /* the validation loop's batches (0: none) */
  host_fit_phase fail_in;  /* this phase's work fails (HOST_FIT_NPHASES: none) */
  host_fit_phase intr_in;  /* this phase's work is interrupted */
  int64_t intr_at_batch;   /* ... at this batch (1-based, TRAIN_BATCH) */
  int64_t request_stop_in; /* a callback asks to stop at the end of this epoch (-1: never) */
  char trace[2048];
} sim;

static void sim_init(sim *s, int64_t epochs, int64_t batches) {
  memset(s, 0, sizeof *s);
  s->p = (host_fit_plan){epochs, 0, -1, batches, -1, 0};
  s->acc = 1;
  s->request_stop_in = -1;
  s->fail_in = s->intr_in = HOST_FIT_NPHASES; /* none */
}

static void sim_val(sim *s) {
  host_tracker *v = &s->m.loops.val;
  host_tracker_reset_current(v);
  for (int i = 0; i < s->val_batches; i++) {
    host_tracker_ready(v), host_tracker_started(v), host_tracker_processed(v), host_tracker_completed(v);
    v->is_last_batch = i + 1 == s->val_batches;
  }
}

static int sim_work(sim *s) {
  host_fit_machine *m = &s->m;
  if (m->phase == s->fail_in) return 1;
  switch (m->phase) {
  case HOST_FIT_SANITY_CHECK:
    if (s->intr_in == HOST_FIT_SANITY_CHECK) return 130;
    sim_val(s);
    m->loops.val = (host_tracker){0}; /* reset after the sanity check */
    return 0;
  case HOST_FIT_EPOCH_START:
    host_loops_epoch_start(&m->loops, 0);
    host_tracker_started(&m->loops.epoch);
    return 0;
  case HOST_FIT_TRAIN_BATCH: {
    host_tracker *b = &m->loops.batch;
    int64_t bi = b->current.ready;
    host_tracker_ready(b), host_tracker_started(b);
    if (bi % s->acc == 0) host_loops_zero_grad(&m->loops);
    int stepped = (bi + 1) % s->acc == 0 || bi + 1 == s->p.batches;
    if (stepped) host_fit_optimizer_step(m);
    if (stepped && s->p.max_steps >= 0 && m->global_step >= s->p.max_steps) m->stop = HOST_STOP_MAX_STEPS;
    host_tracker_processed(b), host_tracker_completed(b);
    b->is_last_batch = bi + 1 == s->p.batches;
    if (stepped) m->loops.batches_that_stepped++;
    if (s->intr_in == HOST_FIT_TRAIN_BATCH && b->current.completed == s->intr_at_batch) m->stop = HOST_STOP_INTERRUPTED;
    return 0;
  }
  case HOST_FIT_VALIDATION: sim_val(s); return 0;
  case HOST_FIT_EPOCH_END:
    if (s->val_batches) sim_val(s);
    if (s->intr_in == HOST_FIT_EPOCH_END) return 130;
    host_tracker_processed(&m->loops.epoch);
    if (s->epoch_scheduler) host_loops_scheduler_step(&m->loops);
    if (s->request_stop_in == m->epoch) m->stop_requested = 1;
    return 0;
  case HOST_FIT_CHECKPOINT: return m->stop == HOST_STOP_INTERRUPTED ? 130 : 0;
  case HOST_FIT_TEARDOWN: return m->failed ? 1 : m->interrupted ? 130 : 0;
  default: return 0;
  }
}

/* Runs the machine to its end; the phases it went through, abbreviated. */
static host_fit_phase sim_run(sim *s) {
  static const char *const abbrev[HOST_FIT_NPHASES] = {"C", "S", "Y", "T", "E", "b", "v", "e", "k", "t", "D", "done",
                                                       "failed", "interrupted"};
  size_t at = 0;
  for (int guard = 0; guard < 500; guard++) {
    at += (size_t)snprintf(s->trace + at, sizeof s->trace - at, "%s", abbrev[s->m.phase]);
    if (s->m.phase >= HOST_FIT_DONE) return s->m.phase;
    int rc = sim_work(s);
    host_fit_enter(&s->m, host_fit_next(&s->m, &s->p, rc), rc);
  }
  ck_abort_msg("the machine did not end: %s", s->trace);
  return HOST_FIT_FAILED;
}

START_TEST(test_phases_plain) {
  sim s;
  sim_init(&s, 2, 3);
  s.p.sanity_check = 1;
  ck_assert_int_eq(sim_run(&s), HOST_FIT_DONE);
  ck_assert_str_eq(s.trace, "CSYTEbbbekEbbbektDdone");
  ck_assert_int_eq(s.m.epoch, 2);
  ck_assert_int_eq(s.m.global_step, 6);
  ck_assert_str_eq(host_fit_phase_name(HOST_FIT_EPOCH_END), "epoch end");
}
END_TEST

/* val_check_interval 2 of 5 batches: after batches 2 and 4, not after the last. */
START_TEST(test_phases_validation_within_epoch) {
  sim s;
  sim_init(&s, 1, 5);
  s.p.val_every = 2;
  ck_assert_int_eq(sim_run(&s), HOST_FIT_DONE);
  ck_assert_str_eq(s.trace, "CSTEbbvbbvbektDdone");
}
END_TEST

/* max_steps ends the epoch early; its end and checkpoint still run. */
START_TEST(test_phases_max_steps) {
  sim s;
  sim_init(&s, -1, 4);
  s.p.max_steps = 6;
  ck_assert_int_eq(sim_run(&s), HOST_FIT_DONE);
  ck_assert_str_eq(s.trace, "CSTEbbbbekEbbektDdone");
  ck_assert_int_eq(s.m.global_step, 6);
  ck_assert_int_eq(s.m.epoch, 2);
  /* resumed with the steps done: straight to the end of training */
  sim r;
  sim_init(&r, -1, 4);
  r.p.max_steps = 6;
  r.m.global_step = 6, r.m.epoch = 2;
  ck_assert_int_eq(sim_run(&r), HOST_FIT_DONE);
  ck_assert_str_eq(r.trace, "CSTtDdone");
}
END_TEST

/* Interrupted after batch 2: checkpoint (last.ckpt within the epoch), teardown. */
START_TEST(test_phases_interrupted) {
  sim s;
  sim_init(&s, 3, 4);
  s.intr_in = HOST_FIT_TRAIN_BATCH, s.intr_at_batch = 2;
  ck_assert_int_eq(sim_run(&s), HOST_FIT_INTERRUPTED);
  ck_assert_str_eq(s.trace, "CSTEbbkDinterrupted");
  ck_assert(host_fit_in_epoch(&s.m.loops));
  ck_assert_int_eq(s.m.loops.batch.current.completed, 2);
  ck_assert_int_eq(s.m.loops.epoch.current.completed, 0);
  /* in the epoch's validation: the checkpoint is within the epoch, at its last batch */
  sim v;
  sim_init(&v, 3, 2);
  v.val_batches = 1, v.intr_in = HOST_FIT_EPOCH_END;
  ck_assert_int_eq(sim_run(&v), HOST_FIT_INTERRUPTED);
  ck_assert_str_eq(v.trace, "CSTEbbekDinterrupted");
  ck_assert(host_fit_in_epoch(&v.m.loops));
  /* in the sanity check: nothing to save, straight to teardown */
  sim y;
  sim_init(&y, 3, 2);
  y.p.sanity_check = 1, y.intr_in = HOST_FIT_SANITY_CHECK;
  ck_assert_int_eq(sim_run(&y), HOST_FIT_INTERRUPTED);
  ck_assert_str_eq(y.trace, "CSYDinterrupted");
}
END_TEST

/* A failure anywhere goes to teardown, then failed. */
START_TEST(test_phases_failures) {
  static const host_fit_phase where[] = {HOST_FIT_SETUP, HOST_FIT_EPOCH_START, HOST_FIT_TRAIN_BATCH, HOST_FIT_EPOCH_END,
                                         HOST_FIT_CHECKPOINT, HOST_FIT_TRAIN_END};
  static const char *const trace[] = {"CSDfailed",     "CSTEDfailed",    "CSTEbDfailed",
                                      "CSTEbeDfailed", "CSTEbekDfailed", "CSTEbektDfailed"};
  for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
    sim s;
    sim_init(&s, 1, 1);
    s.fail_in = where[i];
    ck_assert_int_eq(sim_run(&s), HOST_FIT_FAILED);
    ck_assert_msg(!strcmp(s.trace, trace[i]), "failing in %s: %s",
                  host_fit_phase_name(where[i]), s.trace);
  }
}
END_TEST

/* A callback's stop ends training after the epoch, once min_epochs are done. */
START_TEST(test_phases_stop_requested) {
  sim s;
  sim_init(&s, 10, 1);
  s.p.min_epochs = 3;
  s.request_stop_in = 0;
  ck_assert_int_eq(sim_run(&s), HOST_FIT_DONE);
  ck_assert_str_eq(s.trace, "CSTEbekEbekEbektDdone");
  ck_assert_int_eq(s.m.epoch, 3);
  /* max_time: the epoch that ran out is the last; its number stays */
  sim t;
  sim_init(&t, 10, 2);
  t.m.stop = HOST_STOP_NONE;
  t.p.max_epochs = 10;
  for (int guard = 0; t.m.phase != HOST_FIT_TRAIN_BATCH && guard < 10; guard++) {
    int rc = sim_work(&t);
    host_fit_enter(&t.m, host_fit_next(&t.m, &t.p, rc), rc);
  }
  sim_work(&t);
  t.m.stop = HOST_STOP_MAX_TIME;
  host_fit_enter(&t.m, host_fit_next(&t.m, &t.p, 0), 0);
  ck_assert_int_eq(t.m.phase, HOST_FIT_EPOCH_END);
  sim_work(&t), host_fit_enter(&t.m, host_fit_next(&t.m, &t.p, 0), 0);
  sim_work(&t), host_fit_enter(&t.m, host_fit_next(&t.m, &t.p, 0), 0);
  ck_assert_int_eq(t.m.phase, HOST_FIT_TRAIN_END);
  ck_assert_int_eq(t.m.epoch, 0);
}
END_TEST

/* The counts of Lightning 2.2.5's last.ckpt after 2 epochs x 6 batches, 2
 * validation batches, an epoch scheduler (from the real Lightning). */
START_TEST(test_counts_as_lightning) {
  sim s;
  sim_init(&s, 2, 6);
  s.val_batches = 2, s.epoch_scheduler = 1, s.p.sanity_check = 1;
  /* stop at the second epoch's checkpoint, where last.ckpt is written */
  for (int guard = 0; guard < 100; guard++) {
    if (s.m.phase == HOST_FIT_CHECKPOINT && s.m.epoch == 1) break;
    int rc = sim_work(&s);
    host_fit_enter(&s.m, host_fit_next(&s.m, &s.p, rc), rc);
  }
  const host_loops *l = &s.m.loops;
  ck_assert_int_eq(l->epoch.current.ready, 2);
  ck_assert_int_eq(l->epoch.current.started, 2);
  ck_assert_int_eq(l->epoch.current.processed, 2);
  ck_assert_int_eq(l->epoch.current.completed, 1);
  ck_assert_int_eq(l->batch.current.completed, 6);
  ck_assert_int_eq(l->batch.total.completed, 12);
  ck_assert(l->batch.is_last_batch);
  ck_assert_int_eq(l->scheduler.current.completed, 1);
  ck_assert_int_eq(l->scheduler.total.completed, 2);
  ck_assert_int_eq(l->opt_step.current.ready, 6);
  ck_assert_int_eq(l->opt_step.total.completed, 12);
  ck_assert_int_eq(l->opt_zero_grad.total.started, 12);
  ck_assert_int_eq(l->batches_that_stepped, 12);
  ck_assert_int_eq(l->val.current.completed, 2);
  ck_assert_int_eq(l->val.total.completed, 2);
  ck_assert(!host_fit_in_epoch(l));
  /* accumulate_grad_batches 4 of 6: steps after batches 4 and 6 */
  sim a;
  sim_init(&a, 1, 6);
  a.acc = 4;
  sim_run(&a);
  ck_assert_int_eq(a.m.global_step, 2);
  ck_assert_int_eq(a.m.loops.opt_zero_grad.total.completed, 2);
}
END_TEST

/* a and b hold the same counts (named where they differ). */
static void expect_loops_eq(const host_loops *a, const host_loops *b) {
  const host_tracker *ta[9] = {&a->epoch, &a->batch, &a->scheduler, &a->opt_step, &a->opt_zero_grad,
                               &a->val, &a->validate, &a->test, &a->predict};
  const host_tracker *tb[9] = {&b->epoch, &b->batch, &b->scheduler, &b->opt_step, &b->opt_zero_grad,
                               &b->val, &b->validate, &b->test, &b->predict};
  for (int i = 0; i < 9; i++) {
    const host_counts *c[4] = {&ta[i]->total, &tb[i]->total, &ta[i]->current, &tb[i]->current};
    for (int k = 0; k < 4; k += 2)
      ck_assert_msg(c[k]->ready == c[k + 1]->ready && c[k]->started == c[k + 1]->started &&
                        c[k]->processed == c[k + 1]->processed && c[k]->completed == c[k + 1]->completed,
                    "tracker %d %s: %lld %lld %lld %lld vs %lld %lld %lld %lld", i, k ? "current" : "total",
                    (long long)c[k]->ready, (long long)c[k]->started, (long long)c[k]->processed,
                    (long long)c[k]->completed, (long long)c[k + 1]->ready, (long long)c[k + 1]->started,
                    (long long)c[k + 1]->processed, (long long)c[k + 1]->completed);
    ck_assert_int_eq(ta[i]->is_last_batch, tb[i]->is_last_batch);
  }
  ck_assert_int_eq(a->batches_that_stepped, b->batches_that_stepped);
}

/* ---- Lightning's layout ---- */

static int64_t get_path(const lt_state *st, const char *const *keys, int n) {
  lt_state *cur = lt_state_get_state(st, keys[0]);
  for (int i = 1; i < n - 1; i++) {
    lt_state *next = lt_state_get_state(cur, keys[i]);
    lt_state_free(cur);
    cur = next;
    ck_assert_msg(cur != NULL, "no %s", keys[i]);
  }
  int64_t v = -1;
  ck_assert_int_eq(lt_state_get_int(cur, keys[n - 1], &v), LT_OK);
  lt_state_free(cur);
  return v;
}
#define GET(st, ...) get_path(st, (const char *const[]){__VA_ARGS__}, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)))

START_TEST(test_loops_layout_round_trip) {
  host_tensor_api_use(lt_api_get()); /* the host's files reach the tensor layer through its table */
  host_loops l = {0};
  l.epoch.current = l.epoch.total = (host_counts){3, 3, 2, 2};
  l.batch.current = (host_counts){5, 5, 5, 5}, l.batch.total = (host_counts){29, 29, 29, 29};
  l.opt_step.total = (host_counts){14, 0, 0, 14};
  l.batches_that_stepped = 14;
  l.val.current = (host_counts){4, 4, 4, 4};
  l.val.is_last_batch = 1;
  lt_state *loops = lt_state_new_dict();
  host_loops_put(&l, loops);
  ck_assert_int_eq(GET(loops, "fit_loop", "epoch_progress", "current", "processed"), 2);
  ck_assert_int_eq(GET(loops, "fit_loop", "epoch_loop.batch_progress", "total", "started"), 29);
  ck_assert_int_eq(GET(loops, "fit_loop", "epoch_loop.automatic_optimization.optim_progress", "optimizer", "step",
                       "total", "completed"), 14);
  ck_assert_int_eq(GET(loops, "fit_loop", "epoch_loop.state_dict", "_batches_that_stepped"), 14);
  ck_assert_int_eq(GET(loops, "test_loop", "batch_progress", "current", "ready"), 0);
  /* through a file, as torch.save writes it, and back */
  char path[] = "/tmp/lt_loops_XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  lt_state *ck = lt_state_new_dict();
  lt_state_set_int(ck, "epoch", 2);
  lt_state_set_int(ck, "global_step", 14);
  lt_state_set_state(ck, "loops", loops);
  ck_assert_int_eq(lt_state_save(ck, path), LT_OK);
  lt_state *back = lt_state_load(path);
  unlink(path);
  ck_assert_ptr_nonnull(back);
  host_progress p;
  char why[512] = "";
  ck_assert_msg(host_progress_read(back, &p, why, sizeof why) == 0, "%s", why);
  ck_assert(p.lightning);
  expect_loops_eq(&p.loops, &l);
  /* epoch 2 begun and not processed: it goes on at batch 5 */
  ck_assert_int_eq(p.epoch, 2);
  ck_assert_int_eq(p.batch_next, 5);
  ck_assert_int_eq(p.global_step, 14);
  lt_state_free(back), lt_state_free(ck), lt_state_free(loops);
}
END_TEST

/* Lightning's own end-of-epoch counts: the next epoch starts. */
START_TEST(test_loops_read_epoch_end_and_errors) {
  host_tensor_api_use(lt_api_get());
  host_loops l = {0};
  l.epoch.current = l.epoch.total = (host_counts){2, 2, 2, 1};
  l.opt_step.total = (host_counts){12, 0, 0, 12};
  lt_state *ck = lt_state_new_dict(), *loops = lt_state_new_dict();
  host_loops_put(&l, loops);
  lt_state_set_state(ck, "loops", loops);
  host_progress p;
  char why[512] = "";
  ck_assert_msg(host_progress_read(ck, &p, why, sizeof why) == 0, "%s", why);
  ck_assert_int_eq(p.epoch, 1);
  ck_assert_int_eq(p.batch_next, -1);
  ck_assert_int_eq(p.global_step, 12);
  /* a counter of the wrong type or out of range: named with its path */
  lt_state *fit = lt_state_get_state(loops, "fit_loop"), *ep = lt_state_get_state(fit, "epoch_progress");
  lt_state *cur = lt_state_get_state(ep, "current");
  lt_state_set_string(cur, "ready", "2");
  lt_state_set_state(ep, "current", cur), lt_state_set_state(fit, "epoch_progress", ep);
  lt_state_set_state(loops, "fit_loop", fit), lt_state_set_state(ck, "loops", loops);
  ck_assert_int_eq(host_progress_read(ck, &p, why, sizeof why), -1);
  ck_assert_str_eq(why, "loops' fit_loop.epoch_progress.current.ready is a string, not an integer");
  lt_state_set_int(cur, "ready", -3);
  lt_state_set_state(ep, "current", cur), lt_state_set_state(fit, "epoch_progress", ep);
  lt_state_set_state(loops, "fit_loop", fit), lt_state_set_state(ck, "loops", loops);
  ck_assert_int_eq(host_progress_read(ck, &p, why, sizeof why), -1);
  ck_assert_str_eq(why, "loops' fit_loop.epoch_progress.current.ready is -3 (counts go from 0 to 9007199254740992)");
  lt_state_set_int(fit, "epoch_progress", 1);
  lt_state_set_state(loops, "fit_loop", fit), lt_state_set_state(ck, "loops", loops);
  ck_assert_int_eq(host_progress_read(ck, &p, why, sizeof why), -1);
  ck_assert_str_eq(why, "loops' fit_loop.epoch_progress is an integer, not a dict");
  lt_state_free(cur), lt_state_free(ep), lt_state_free(fit), lt_state_free(loops), lt_state_free(ck);
}
END_TEST


/* ---- a whole fit, saved and loaded by the trainer ---- */

static const char fit_yaml[] =
    "seed: 3\n"
    "trainer:\n"
    "  _target_: pytorch_lightning.Trainer\n"
    "  max_epochs: 2\n"
    "  default_root_dir: %s\n"
    "  limit_train_batches: 3\n"
    "  enable_progress_bar: false\n"
    "  enable_model_summary: false\n"
    "model:\n"
    "  _target_: lighter.SupervisedModule\n"
    "  network: {_target_: torch.nn.Linear, in_features: 6, out_features: 3}\n"
    "  criterion: {_target_: torch.nn.CrossEntropyLoss}\n"
    "  optimizer: {_target_: torch.optim.SGD, params: \"$@model::network.parameters()\", lr: 0.1}\n"
    "data:\n"
    "  _target_: lighter.LighterDataModule\n"
    "  train_dataloader:\n"
    "    _target_: torch.utils.data.DataLoader\n"
    "    batch_size: 8\n"
    "    dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 64, input_shape: [6], num_classes: 3}\n"
    "  val_dataloader:\n"
    "    _target_: torch.utils.data.DataLoader\n"
    "    batch_size: 16\n"
    "    dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 32, input_shape: [6], num_classes: 3}\n";

typedef struct fit_env {
  char dir[64], cfg[128];
  host_registry reg;
  cfg_error err;
  cfg_node *root;
  host_build b;
  host_run r;
} fit_env;

/* A run of the config above (built, not started), in a new version_N of dir. */
static void fit_env_open(fit_env *e) {
  host_tensor_api_use(lt_api_get());
  const char *dirs[1] = {getenv("LT_CORE_PLUGINS") ? getenv("LT_CORE_PLUGINS") : "build/lib/lighter/plugins"};
  if (!*e->dir) {
    strcpy(e->dir, "/tmp/lt_fit_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(e->dir));
    snprintf(e->cfg, sizeof e->cfg, "%s/fit.yaml", e->dir);
    FILE *f = fopen(e->cfg, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, fit_yaml, e->dir);
    fclose(f);
  }
  memset(&e->reg, 0, sizeof e->reg);
  ck_assert_int_eq(host_load_registry(&e->reg, dirs, 1, e->cfg), 0);
  ck_assert_int_eq(host_plugins_bind(&e->reg, lt_api_get(), stderr), 0);
  const char *inputs[1] = {e->cfg};
  e->root = host_config_load(inputs, 1, 1, &e->err);
  ck_assert_msg(e->root != NULL, "%s", e->err.msg);
  ck_assert_int_eq(host_build_check(&e->reg, e->root, &e->err), 0);
  e->b = (host_build){&e->reg, lt_api_get(), e->root, NULL, 0, &e->err};
  memset(&e->r, 0, sizeof e->r);
  ck_assert_int_eq(host_run_prepare(&e->r, &e->b, HOST_FIT), 0);
}

static void fit_env_close(fit_env *e) {
  host_run_free(&e->r);
  host_build_free(&e->b);
  cfg_free(e->root);
  host_registry_free(&e->reg);
}

static lt_tensor *first_weight(host_run *r) {
  lt_tensor *p[2];
  r->model.network_ops->parameters(r->model.network, p, NULL, 2);
  return p[0];
}

START_TEST(test_fit_checkpoint_round_trip) {
  fit_env a = {0}, b = {0};
  fit_env_open(&a);
  ck_assert_int_eq(host_trainer_run(&a.r), 0);
  ck_assert_int_eq(a.r.loop.fit.phase, HOST_FIT_DONE);
  ck_assert_int_eq(a.r.loop.fit.global_step, 6);
  host_loops done = a.r.loop.fit.loops;
  char last[1700];
  snprintf(last, sizeof last, "%s/checkpoints/last.ckpt", a.r.run_dir);
  lt_tensor *w = lt_tensor_clone(first_weight(&a.r));
  /* loaded into a new run: the weights, and the counters where the fit ended */
  strcpy(b.dir, a.dir), strcpy(b.cfg, a.cfg);
  fit_env_open(&b);
  b.r.opts.ckpt_path = last;
  ck_assert_int_eq(host_ckpt_load(&b.r, last, 1), 0);
  ck_assert(scalar_of(lt_tensor_sum(lt_tensor_abs(lt_tensor_sub(w, first_weight(&b.r))), NULL, 0, 0)) == 0);
  ck_assert_int_eq(b.r.loop.start_epoch, 2);
  ck_assert_int_eq(b.r.loop.fit.global_step, 6);
  done.epoch.total.completed--; /* counted after last.ckpt was written ... */
  ck_assert_int_eq(done.epoch.current.completed, done.epoch.current.processed); /* ... and again on resume */
  expect_loops_eq(&b.r.loop.fit.loops, &done);
  /* mid-epoch: the counters, the epoch's loss so far and where it goes on */
  host_loops *l = &b.r.loop.fit.loops;
  host_loops_epoch_start(l, 0);
  host_tracker_started(&l->epoch);
  for (int i = 0; i < 2; i++)
    host_tracker_ready(&l->batch), host_tracker_started(&l->batch), host_tracker_processed(&l->batch),
        host_tracker_completed(&l->batch), host_fit_optimizer_step(&b.r.loop.fit);
  b.r.loop.fit.epoch = 2, b.r.loop.loss_sum = 2.5, b.r.loop.loss_count = 2;
  char mid[1700];
  snprintf(mid, sizeof mid, "%s/mid.ckpt", b.r.run_dir);
  ck_assert_int_eq(host_ckpt_save(&b.r, mid, 0), 0);
  host_loops saved = *l;
  fit_env_close(&b);
  fit_env c = {0};
  strcpy(c.dir, a.dir), strcpy(c.cfg, a.cfg);
  fit_env_open(&c);
  ck_assert_int_eq(host_ckpt_load(&c.r, mid, 1), 0);
  ck_assert_int_eq(c.r.loop.start_epoch, 2);
  ck_assert_int_eq(c.r.loop.start_batch, 2);
  ck_assert_int_eq(c.r.loop.fit.global_step, 8);
  ck_assert_int_eq(c.r.loop.loss_count, 2);
  ck_assert(c.r.loop.loss_sum == 2.5);
  expect_loops_eq(&c.r.loop.fit.loops, &saved);
  fit_env_close(&c);
  fit_env_close(&a);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", a.dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *fit_state_suite(void) {
  Suite *s = suite_create("fit_state");
  LT_TCASE(s, test_phases_plain);
  LT_TCASE(s, test_phases_validation_within_epoch);
  LT_TCASE(s, test_phases_max_steps);
  LT_TCASE(s, test_phases_interrupted);
  LT_TCASE(s, test_phases_failures);
  LT_TCASE(s, test_phases_stop_requested);
  LT_TCASE(s, test_counts_as_lightning);
  LT_TCASE(s, test_loops_layout_round_trip);
  LT_TCASE(s, test_loops_read_epoch_end_and_errors);
  LT_TCASE(s, test_fit_checkpoint_round_trip);
  return s;
}
