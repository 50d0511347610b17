/* sequentiallr.c: torch.optim.lr_scheduler.SequentialLR: runs schedulers
 * one after another, switching at the milestones (e.g. a LinearLR warm-up
 * then CosineAnnealingLR), with PyTorch 1.13's protocol: construction resets
 * the lrs to initial_lr, undoes the step 0 the chained schedulers made and
 * re-runs the first one's; at a milestone the next one starts with its
 * closed form at epoch 0. The chained schedulers must drive the same
 * optimizer and be built for it alone. */
#include "sched.h"

#define SEQ_MAX 16

typedef struct seqlr {
  void *opt;
  const lt_optimizer_ops *ops;
  int ngroups, n;
  void *kid[SEQ_MAX];
  const lt_scheduler_ops *kops[SEQ_MAX];
  int64_t milestones[SEQ_MAX];
  int64_t last_epoch;
  double last[SCHED_MAX_GROUPS];
} seqlr;

static void remember(seqlr *s, int k) {
  for (int g = 0; g < s->ngroups; g++) s->last[g] = s->kops[k]->get_last_lr(s->kid[k], g);
}

static lt_status seq_create(const lt_value *args, void **self, char *err, size_t errlen) {
  const lt_value *list = lt_arg(args, "schedulers"), *ms = lt_arg(args, "milestones"), *o = lt_arg(args, "optimizer");
  if (list->n < 1 || list->n > SEQ_MAX) {
    snprintf(err, errlen, "schedulers must list 1 to %d schedulers, got %zu", SEQ_MAX, list->n);
    return LT_ERR_INVALID;
  }
  if (ms->n != list->n - 1) {
    snprintf(err, errlen, "expects number of schedulers provided to be one more than the number of milestone "
                          "points, but got number of schedulers %zu and the number of milestones to be equal to %zu",
             list->n, ms->n);
    return LT_ERR_INVALID;
  }
  seqlr *s = calloc(1, sizeof *s);
  if (!s) return LT_ERR_NOMEM;
  if (!(s->ops = sched_optimizer(o, &s->ngroups, err, errlen))) {
    free(s);
    return LT_ERR_INVALID;
  }
  s->opt = o->component;
  for (size_t i = 0; i < list->n; i++) {
    const lt_value *v = &list->items[i];
    const lt_scheduler_ops *k = v->component_type ? (const lt_scheduler_ops *)v->component_type->ops : NULL;
    if (!v->component || v->component_kind != LT_KIND_SCHEDULER || !k ||
        !LT_HAS(k, lt_scheduler_ops, set_last_epoch) || !k->get_last_epoch || !k->set_last_epoch) {
      snprintf(err, errlen, "schedulers item %zu is not a scheduler that can be chained (ReduceLROnPlateau cannot)", i);
      free(s);
      return LT_ERR_INVALID;
    }
    s->kid[i] = v->component;
    s->kops[i] = k;
    if (i < ms->n) s->milestones[i] = ms->items[i].i;
  }
  s->n = (int)list->n;
  for (int g = 0; g < s->ngroups; g++) s->ops->set_lr(s->opt, g, sched_initial_lr(s->opt, s->ops, g));
  for (int i = 0; i < s->n; i++) s->kops[i]->set_last_epoch(s->kid[i], s->kops[i]->get_last_epoch(s->kid[i]) - 1);
  if (s->kops[0]->step(s->kid[0], NAN) != LT_OK) {
    snprintf(err, errlen, "%s", lt_last_error());
    free(s);
    return LT_ERR_INVALID;
  }
  remember(s, 0);
  s->last_epoch = lt_arg_int(args, "last_epoch") + 1;
  *self = s;
  return LT_OK;
}

static lt_status seq_step(void *self, double metric) {
  seqlr *s = self;
  (void)metric;
  s->last_epoch++;
  int idx = 0;
  while (idx < s->n - 1 && s->milestones[idx] <= s->last_epoch) idx++; /* bisect_right */
  lt_status rc;
  if (idx > 0 && s->milestones[idx - 1] == s->last_epoch) {
    if (!LT_HAS(s->kops[idx], lt_scheduler_ops, step_to) || !s->kops[idx]->step_to) {
      lt_set_error("SequentialLR: this scheduler cannot restart at a milestone (it has no step_to)", 0);
      return LT_ERR_UNSUPPORTED;
    }
    rc = s->kops[idx]->step_to(s->kid[idx], 0);
  } else {
    rc = s->kops[idx]->step(s->kid[idx], NAN);
  }
  if (rc == LT_OK) remember(s, idx);
  return rc;
}

static double seq_last_lr(void *self, int g) { return ((seqlr *)self)->last[g]; }

static lt_status seq_save(void *self, lt_state *out) {
  seqlr *s = self;
  lt_state *ms = lt_state_new_list(), *kids = lt_state_new_list(), *last = sched_list(s->last, s->ngroups);
  lt_status rc = ms && kids && last ? LT_OK : LT_FAIL;
  for (int i = 0; rc == LT_OK && i < s->n - 1; i++) rc = lt_state_set_int(ms, NULL, s->milestones[i]);
  for (int i = 0; rc == LT_OK && i < s->n; i++) {
    lt_state *k = lt_state_new_dict();
    rc = k && LT_HAS(s->kops[i], lt_scheduler_ops, state_save) && s->kops[i]->state_save
             ? s->kops[i]->state_save(s->kid[i], k)
             : LT_ERR_UNSUPPORTED;
    if (rc == LT_OK) rc = lt_state_set_state(kids, NULL, k);
    lt_state_free(k);
  }
  if (rc == LT_OK) rc = lt_state_set_state(out, "_milestones", ms);
  if (rc == LT_OK) rc = lt_state_set_int(out, "last_epoch", s->last_epoch);
  if (rc == LT_OK) rc = lt_state_set_state(out, "_last_lr", last);
  if (rc == LT_OK) rc = lt_state_set_state(out, "_schedulers", kids);
  lt_state_free(ms), lt_state_free(kids), lt_state_free(last);
  return rc;
}

static lt_status seq_load(void *self, const lt_state *in, char *err, size_t errlen) {
  seqlr *s = self;
  int64_t epoch;
  lt_state *kids = lt_state_get_state(in, "_schedulers");
  lt_status rc = LT_OK;
  if (lt_state_get_int(in, "last_epoch", &epoch) != LT_OK || !kids || !lt_state_is_list(kids) ||
      lt_state_len(kids) != s->n) {
    snprintf(err, errlen, "SequentialLR state needs last_epoch and _schedulers with %d entries", s->n);
    rc = LT_ERR_INVALID;
  }
  if (rc == LT_OK && sched_read_list(in, "_last_lr", s->ngroups, s->last, err, errlen)) rc = LT_ERR_INVALID;
  for (int i = 0; rc == LT_OK && i < s->n; i++) {
    char key[16];
    snprintf(key, sizeof key, "%d", i);
    lt_state *k = lt_state_get_state(kids, key);
    rc = k && LT_HAS(s->kops[i], lt_scheduler_ops, state_load) && s->kops[i]->state_load
             ? s->kops[i]->state_load(s->kid[i], k, err, errlen)
             : LT_ERR_INVALID;
    lt_state_free(k);
  }
  if (rc == LT_OK) s->last_epoch = epoch;
  lt_state_free(kids);
  return rc;
}

static int64_t seq_get_epoch(void *self) { return ((seqlr *)self)->last_epoch; }
static void seq_set_epoch(void *self, int64_t e) { ((seqlr *)self)->last_epoch = e; }

static const lt_scheduler_ops ops = {.size = sizeof(lt_scheduler_ops), .step = seq_step, .get_last_lr = seq_last_lr,
                                     .state_save = seq_save, .state_load = seq_load, .get_last_epoch = seq_get_epoch,
                                     .set_last_epoch = seq_set_epoch};

static const lt_param params[] = {
    SCHED_OPTIMIZER,
    {"schedulers", LT_P_LIST, LT_KIND_SCHEDULER, NULL, LT_PF_REQUIRED, 0, 0, NULL,
     "the schedulers to run in turn (all on this optimizer)"},
    LT_PARAM_REQ("milestones", LT_P_LIST, "steps at which the next scheduler takes over (one fewer than schedulers)"),
    LT_PARAM("last_epoch", LT_P_INT, "-1", "index of the last epoch"),
};

static void seq_destroy(void *self) { free(self); }

static const lt_component components[] = {
    {"torch.optim.lr_scheduler.SequentialLR", LT_KIND_SCHEDULER, "Runs schedulers one after another at milestones.",
     params, LT_COUNT_OF(params), seq_create, seq_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.optim.lr_scheduler.SequentialLR", LT_VERSION_STRING, "torch.optim.lr_scheduler.SequentialLR",
                 "BSD-3-Clause", components, NULL);
