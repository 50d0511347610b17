/* ckpt_progress.c: a checkpoint's record of where the fit loop stopped,
 * read and checked before a resume trusts it. A checkpoint is a file anyone
 * may hand over: an epoch of 2^63 - 1 once made epoch + 1 wrap and the run
 * train from epoch -2^63 on, a float or a string where an int belongs was
 * read as 0 (a resume from the start, silently). Fuzzed by
 * tests/fuzz/fuzz_progress.c. */
#include "ckpt_progress.h"

#include "ckpt_loops.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *kind_text(lt_value_kind k) {
  static const char *const names[] = {"missing", "None", "bool", "an integer", "a float", "a string",
                                      "a tensor", "a dict", "a list", "an object"};
  return (int)k >= 0 && (int)k < (int)(sizeof names / sizeof *names) ? names[k] : "an object";
}

/* st[key] into *out when it is there: 0, or -1 when it is not an integer. */
static int read_int(const lt_state *st, const char *where, const char *key, int64_t *out, char *why, size_t len) {
  lt_value_kind k = lt_state_kind(st, key);
  if (k == LT_VALUE_MISSING) return 0;
  if (k != LT_VALUE_INT || lt_state_get_int(st, key, out) != LT_OK) {
    snprintf(why, len, "%s%s is %s, not an integer", where, key, kind_text(k));
    return -1;
  }
  return 0;
}

/* loss_count and loss_sum of the epoch so far, in st (when there). */
static int read_loss(const lt_state *st, const char *where, host_progress *p, char *why, size_t len) {
  if (read_int(st, where, "loss_count", &p->loss_count, why, len)) return -1;
  lt_value_kind sk = lt_state_kind(st, "loss_sum");
  if (sk != LT_VALUE_MISSING &&
      ((sk != LT_VALUE_DOUBLE && sk != LT_VALUE_INT) || lt_state_get_double(st, "loss_sum", &p->loss_sum) != LT_OK)) {
    snprintf(why, len, "%sloss_sum is %s, not a number", where, kind_text(sk));
    return -1;
  }
  return 0;
}

/* Lightning's layout: the position from the counters. */
static int read_lightning(const lt_state *loops, host_progress *p, char *why, size_t len) {
  if (host_loops_read(loops, &p->loops, HOST_PROGRESS_MAX, why, len)) return -1;
  p->lightning = 1;
  const host_loops *l = &p->loops;
  p->global_step = l->opt_step.total.completed;
  if (host_fit_in_epoch(l)) { /* begun, not processed: it goes on at its next batch */
    /* A checkpoint written in on_train_batch_end (ModelCheckpoint's every
     * n steps) has the batch processed, stepped and logged but not yet
     * completed: Lightning 2.2 would run it again; we go on after it. */
    p->epoch = l->epoch.current.processed;
    p->batch_next = l->batch.current.processed;
  } else if (l->epoch.current.processed > 0) {
    p->epoch = l->epoch.current.processed - 1; /* done: the next one starts */
  } else {
    p->epoch = 0, p->batch_next = 0; /* nothing yet: epoch 0 from its start */
  }
  if (lt_state_kind(loops, "lighter_host") != LT_VALUE_DICT || p->batch_next < 0) return 0;
  lt_state *ours = lt_state_get_state(loops, "lighter_host");
  int rc = read_loss(ours, "loops' lighter_host.", p, why, len);
  lt_state_free(ours);
  return rc;
}

static int read_fields(const lt_state *ck, host_progress *p, char *why, size_t len) {
  lt_value_kind lk = lt_state_kind(ck, "loops");
  if (lk == LT_VALUE_MISSING) return 0;
  if (lk != LT_VALUE_DICT) {
    snprintf(why, len, "loops is %s, not a dict", kind_text(lk));
    return -1;
  }
  lt_state *loops = lt_state_get_state(ck, "loops");
  int rc;
  if (lt_state_kind(loops, "fit_loop") != LT_VALUE_MISSING) {
    rc = read_lightning(loops, p, why, len);
  } else {
    rc = read_int(loops, "loops' ", "batch_next", &p->batch_next, why, len) ||
         read_loss(loops, "loops' ", p, why, len);
  }
  lt_state_free(loops);
  return rc ? -1 : 0;
}

/* Nothing negative, nothing past HOST_PROGRESS_MAX. */
static int check_range(const host_progress *p, char *why, size_t len) {
  if (p->epoch < 0 || p->global_step < 0 || p->batch_next < -1) {
    snprintf(why, len, "epoch %lld, global_step %lld, next batch %lld (none may be negative)", (long long)p->epoch,
             (long long)p->global_step, (long long)p->batch_next);
    return -1;
  }
  if (p->epoch > HOST_PROGRESS_MAX || p->global_step > HOST_PROGRESS_MAX || p->batch_next > HOST_PROGRESS_MAX) {
    snprintf(why, len, "epoch %lld, global_step %lld, next batch %lld (more than any run reaches: at most %lld each)",
             (long long)p->epoch, (long long)p->global_step, (long long)p->batch_next, (long long)HOST_PROGRESS_MAX);
    return -1;
  }
  return 0;
}

int host_progress_read(const lt_state *ck, host_progress *p, char *why, size_t len) {
  memset(p, 0, sizeof *p);
  p->batch_next = -1;
  /* the top-level epoch and global_step are checked even where Lightning's counters decide */
  if (read_int(ck, "", "epoch", &p->epoch, why, len) || read_int(ck, "", "global_step", &p->global_step, why, len) ||
      check_range(p, why, len))
    return -1;
  if (read_fields(ck, p, why, len) || check_range(p, why, len)) return -1;
  if (p->batch_next >= 0 && (p->loss_count < 0 || p->loss_count > p->batch_next)) {
    snprintf(why, len, "loops' loss_count %lld does not fit its batch_next %lld (it counts the epoch's batches so far)",
             (long long)p->loss_count, (long long)p->batch_next);
    return -1;
  }
  if (p->batch_next >= 0 && !isfinite(p->loss_sum)) {
    snprintf(why, len, "loops' loss_sum is %s (a run stops at a loss that is not finite, before it is added)",
             isnan(p->loss_sum) ? "NaN" : "infinite");
    return -1;
  }
  return 0;
}
