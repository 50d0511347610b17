/* checkpoint.c: a run's checkpoint, written and read: the network's
 * state_dict (under "network."), epoch, global_step and where the fit loop
 * is (loops), the random state, the optimizer, scheduler and callback
 * states and the config; written atomically by lt_state_save. Loading
 * checks that every tensor fits before it changes anything. */
#include "trainer_impl.h"

#include "callback_keys.h"
#include "ckpt_loops.h"
#include "config/node.h"
#include "ckpt_progress.h"
#include "metrics_csv.h"
#include "module_books.h"
#include "run_path.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t host_module_state(host_run *r, lt_tensor ***t, const char ***names) {
  const lt_module_ops *ops = r->model.network_ops;
  void *net = r->model.network;
  size_t n = host_module_part(ops, net, LT_MODULE_STATE, NULL, NULL, 0);
  *t = calloc(n + 1, sizeof **t);
  *names = calloc(n + 1, sizeof **names);
  host_module_part(ops, net, LT_MODULE_STATE, *t, *names, n);
  return n;
}

/* ---- saving ---- */

/* A checkpoint could not be written: lt_state_save left no temporary and
 * the file it would have replaced as it was. */
static int save_failed(const char *path) {
  const char *why = lt_last_error();
  int full = strstr(why, strerror(ENOSPC)) || strstr(why, strerror(EDQUOT));
  return FAIL("cannot save checkpoint '%s': %s (the previous one is intact); %s", path, why,
              host_write_advice(full ? ENOSPC : EIO));
}

/* state_dict: the network's tensors, detached, under "network.". */
static void put_state_dict(host_run *r, lt_state *ck) {
  lt_state *sd = lt_state_new_dict();
  lt_tensor **t;
  const char **names;
  size_t n = host_module_state(r, &t, &names);
  for (size_t i = 0; i < n; i++) {
    char key[512];
    snprintf(key, sizeof key, "network.%s", names[i]);
    lt_state_set_tensor(sd, key, lt_tensor_detach(t[i]));
  }
  free(t), free(names);
  lt_state_set_state(ck, "state_dict", sd);
  lt_state_free(sd);
}

/* loops: Lightning's progress counters (ckpt_loops.c); within an epoch
 * also, under lighter_host, the epoch's loss so far and the training
 * metrics' states, so that our resume goes on with the same epoch values
 * (Lightning reads only its own keys). */
static void put_loops(host_run *r, lt_state *ck) {
  const host_loop_state *s = &r->loop;
  lt_state *loops = lt_state_new_dict();
  host_loops l = s->fit.loops;
  /* Written from on_train_batch_end (ModelCheckpoint every n steps, or its
   * last.ckpt): the batch is processed, its optimizer step done, only the
   * later hooks remain. It counts as completed, so that Lightning (which
   * would run a batch again that is not) goes on after it, as we do. */
  host_counts *bc = &l.batch.current, *bt = &l.batch.total;
  if (bc->processed > bc->completed) bc->completed = bc->processed, bt->completed = bt->processed;
  host_loops_put(&l, loops);
  int in_epoch = host_fit_in_epoch(&s->fit.loops);
  lt_state *ours = lt_state_new_dict();
  lt_state_set_double(ours, "loss_sum", in_epoch ? s->loss_sum : 0);
  lt_state_set_int(ours, "loss_count", in_epoch ? s->loss_count : 0);
  lt_state *ms = lt_state_new_list();
  const host_metrics *m = &r->model.metrics[HOST_MODE_TRAIN];
  for (int i = 0; in_epoch && i < m->n; i++) {
    lt_tensor *st[16];
    size_t k = m->ops[i]->states(m->self[i], st, 16);
    lt_state *one = lt_state_new_list();
    for (size_t j = 0; j < k && j < 16; j++) lt_state_set_tensor(one, NULL, lt_tensor_clone(st[j]));
    lt_state_set_state(ms, NULL, one);
    lt_state_free(one);
  }
  lt_state_set_state(ours, "train_metric_states", ms);
  lt_state_free(ms);
  lt_state_set_state(loops, "lighter_host", ours);
  lt_state_free(ours);
  lt_state_set_state(ck, "loops", loops);
  lt_state_free(loops);
}

/* Whether the trainer has a ModelCheckpoint of its own (then it names the
 * checkpoints; without one the trainer does, as Lightning's default one). */
static int has_model_checkpoint(const host_run *r) {
  for (int i = 0; i < r->callbacks.n; i++)
    if (strstr(r->callbacks.name[i], "ModelCheckpoint")) return 1;
  return 0;
}

/* Whether this fit checkpoints as Lightning's default ModelCheckpoint. */
static int default_checkpointing(const host_run *r) {
  return r->cfg->enable_checkpointing && !r->cfg->fast_dev_run && r->stage == HOST_FIT && !has_model_checkpoint(r);
}

/* The state Lightning's default ModelCheckpoint keeps (no monitor: the
 * latest epoch's file is the best), under its key; --ckpt_path best and
 * Lightning's default callback find it there. */
static void put_default_state(const host_run *r, lt_state *cbs) {
  lt_state *o = lt_state_new_dict();
  char dir[1600];
  snprintf(dir, sizeof dir, "%s/checkpoints", r->run_dir);
  lt_state_set_none(o, "monitor");
  lt_state_set_none(o, "best_model_score");
  lt_state_set_string(o, "best_model_path", r->loop.default_ckpt);
  lt_state_set_none(o, "current_score");
  lt_state_set_string(o, "dirpath", dir);
  lt_state *k = lt_state_new_dict();
  lt_state_set_state(o, "best_k_models", k);
  lt_state_free(k);
  lt_state_set_string(o, "kth_best_model_path", "");
  float inf = INFINITY;
  lt_tensor *t = lt_tensor_from_data(&inf, NULL, 0, LT_FLOAT32);
  if (t) lt_state_set_tensor(o, "kth_value", t);
  lt_state_set_string(o, "last_model_path", "");
  char key[400];
  host_callback_state_key("ModelCheckpoint", NULL, key, sizeof key);
  lt_state_set_state(cbs, key, o);
  lt_state_free(o);
}

/* optimizer_states, lr_schedulers, callbacks (the states each keeps). */
static void put_states(host_run *r, lt_state *ck) {
  const host_model_parts *m = &r->model;
  lt_state *opts = lt_state_new_list(), *scheds = lt_state_new_list(), *cbs = lt_state_new_dict();
  if (m->optimizer && HOST_HAS(m->optimizer_ops, lt_optimizer_ops, state_save)) {
    lt_state *o = lt_state_new_dict();
    if (m->optimizer_ops->state_save(m->optimizer, o) == LT_OK) lt_state_set_state(opts, NULL, o);
    lt_state_free(o);
  }
  if (m->scheduler && HOST_HAS(m->scheduler_ops, lt_scheduler_ops, state_save)) {
    lt_state *o = lt_state_new_dict();
    if (m->scheduler_ops->state_save(m->scheduler, o) == LT_OK) lt_state_set_state(scheds, NULL, o);
    lt_state_free(o);
  }
  for (int i = 0; i < r->callbacks.n; i++)
    if (HOST_HAS(r->callbacks.ops[i], lt_callback_ops, state_save)) {
      lt_state *o = lt_state_new_dict();
      if (r->callbacks.ops[i]->state_save(r->callbacks.self[i], o) == LT_OK) lt_state_set_state(cbs, r->callbacks.key[i], o);
      lt_state_free(o);
    }
  if (default_checkpointing(r) && *r->loop.default_ckpt) put_default_state(r, cbs);
  lt_state_set_state(ck, "callbacks", cbs);
  lt_state_set_state(ck, "optimizer_states", opts);
  lt_state_set_state(ck, "lr_schedulers", scheds);
  lt_state_free(cbs), lt_state_free(opts), lt_state_free(scheds);
}

/* A config value as Python would hold it: None, bool, int, float, str,
 * list, dict; a reference or an expression that needed built objects as
 * its text ("@model::network", "$..."). */
static void put_value(lt_state *d, const char *key, const cfg_node *n) {
  switch (n->kind) {
  case CFG_NULL: lt_state_set_none(d, key); break;
  case CFG_BOOL: lt_state_set_bool(d, key, (int)n->i); break;
  case CFG_INT: lt_state_set_int(d, key, n->i); break;
  case CFG_FLOAT: lt_state_set_double(d, key, n->f); break;
  case CFG_STRING: lt_state_set_string(d, key, n->s); break;
  case CFG_REF:
  case CFG_EXPR: {
    char text[2048];
    snprintf(text, sizeof text, "%s%s", n->kind == CFG_REF ? "@" : "$", n->s ? n->s : "");
    lt_state_set_string(d, key, text);
    break;
  }
  case CFG_LIST:
  case CFG_DICT: {
    lt_state *c = n->kind == CFG_LIST ? lt_state_new_list() : lt_state_new_dict();
    for (size_t i = 0; i < n->n; i++)
      if (!(n->items[i]->flags & CFG_F_REMOVED)) put_value(c, n->kind == CFG_DICT ? n->keys[i] : NULL, n->items[i]);
    lt_state_set_state(d, key, c);
    lt_state_free(c);
    break;
  }
  default: lt_state_set_none(d, key); break;
  }
}

/* hyper_parameters: the run's resolved config as a dict, under the name
 * Lightning gives the hyperparameters a module saves from its arguments. */
static void put_hparams(host_run *r, lt_state *ck) {
  lt_state_set_string(ck, "hparams_name", "kwargs");
  const cfg_node *root = r->b ? r->b->root : NULL;
  if (root && root->kind == CFG_DICT) {
    put_value(ck, "hyper_parameters", root);
  } else {
    lt_state *hp = lt_state_new_dict();
    lt_state_set_state(ck, "hyper_parameters", hp);
    lt_state_free(hp);
  }
}

static int save_checkpoint(host_run *r, const char *path, int weights_only) {
  if (host_hook(r, LT_HOOK_ON_SAVE_CHECKPOINT, HOST_MODE_NONE, -1, NULL)) return 1;
  lt_state *ck = lt_state_new_dict();
  lt_state_set_int(ck, "epoch", r->loop.fit.epoch);
  lt_state_set_int(ck, "global_step", r->loop.fit.global_step);
  lt_state_set_string(ck, "pytorch-lightning_version", HOST_LIGHTNING_VERSION);
  put_loops(r, ck);
  lt_state *rng = lt_state_new_dict();
  lt_tensor *gen = lt_rng_state_get();
  if (gen) lt_state_set_tensor(rng, "torch", gen);
  lt_state_set_state(ck, "rng_states", rng);
  lt_state_free(rng);
  lt_state_set_string(ck, "lighter_host_version", LT_VERSION_STRING);
  put_state_dict(r, ck);
  if (!weights_only) put_states(r, ck); /* ModelCheckpoint(save_weights_only=True): not these */
  put_hparams(r, ck);
  lt_status rc = lt_state_save(ck, path);
  lt_state_free(ck);
  return rc != LT_OK ? save_failed(path) : 0;
}

/* Everything a checkpoint makes (detached views, step tensors) is freed here. */
int host_ckpt_save(host_run *r, const char *path, int weights_only) {
  if (!host_ddp_rank0(r)) return 0; /* under ddp, rank 0 writes */
  char why[PATH_MAX * 3];
  if (host_run_path_check(r->run_dir, path, why, sizeof why)) return FAIL("cannot save checkpoint: %s", why);
  lt_scope *s = lt_scope_begin();
  int rc = save_checkpoint(r, path, weights_only);
  lt_scope_end(s);
  return rc;
}

/* Lightning's default checkpointing, at an epoch's end: dir/epoch=E-step=S.ckpt
 * (the one before it removed: save_top_k 1) and last.ckpt a link to it
 * (save_last="link"; relative, so that the run folder can move). */
static int save_default(host_run *r, const char *dir, const char *last) {
  char name[128], path[1800];
  snprintf(name, sizeof name, "epoch=%lld-step=%lld.ckpt", (long long)r->loop.fit.epoch,
           (long long)r->loop.fit.global_step);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char previous[sizeof r->loop.default_ckpt];
  snprintf(previous, sizeof previous, "%s", r->loop.default_ckpt);
  snprintf(r->loop.default_ckpt, sizeof r->loop.default_ckpt, "%s", path); /* its state names it (as Lightning's) */
  int rc = host_ckpt_save(r, path, 0);
  if (rc) {
    snprintf(r->loop.default_ckpt, sizeof r->loop.default_ckpt, "%s", previous);
    return rc;
  }
  /* the link replaced in one rename, then the file it pointed to removed:
   * last.ckpt always names a whole checkpoint */
  char tmp[1800];
  snprintf(tmp, sizeof tmp, "%s/.last.ckpt.link", dir);
  unlink(tmp);
  if (symlink(name, tmp) != 0 || rename(tmp, last) != 0) {
    unlink(tmp);
    rc = host_ckpt_save(r, last, 0); /* no links here: a copy, as Lightning falls back to */
  }
  if (!rc && *previous && strcmp(previous, path)) unlink(previous);
  return rc;
}

int host_ckpt_save_last(host_run *r) {
  if (!r->cfg->enable_checkpointing || r->cfg->fast_dev_run || r->stage != HOST_FIT) return 0;
  char dir[1600], path[1700];
  r->loop.saved_last = 1;
  if (!host_ddp_rank0(r)) return 0;
  snprintf(dir, sizeof dir, "%s/checkpoints", r->run_dir);
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/last.ckpt", dir);
  /* within an epoch (interrupted) last.ckpt is a file of its own */
  if (r->loop.fit.phase == HOST_FIT_CHECKPOINT && !host_fit_in_epoch(&r->loop.fit.loops) && default_checkpointing(r))
    return save_default(r, dir, path);
  return host_ckpt_save(r, path, 0);
}
