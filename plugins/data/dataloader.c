/* dataloader.c: torch.utils.data.DataLoader: batches of a dataset, epoch
 * after epoch. The order of an epoch is that of
 * torch.utils.data.DistributedSampler (a permutation from a generator
 * seeded with seed + epoch when shuffling; shards rank::world after padding
 * with the first indices, or dropping the tail with drop_last), so it is
 * the same on every run and an epoch can be resumed at any batch. Each
 * sample's transforms draw from a stream of (seed, epoch, index), so
 * augmentation does not depend on the number of workers either.
 *
 * num_workers > 0 runs that many threads; each claims the next batch not
 * yet taken, at most num_workers * prefetch_factor batches ahead of the
 * consumer, and batches come back in order. A dataset that is not
 * thread-safe is called by one thread at a time. Workers live as long as
 * the loader (persistent_workers is always in effect). The collate stacks
 * each named tensor of the samples into [batch, ...].
 *
 * A dataset is a plugin: what its len and get return is checked (the
 * length against DL_MAX_SAMPLES, the count of values against the room it
 * was given, every value and name set) so that a bad one ends the run
 * with a message naming it instead of corrupting memory. */
#include "data.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#define DL_MAXT 16 /* tensors per sample */
/* A dataset's get is given room for DL_MAXT values in an array of
 * DL_ROOM: one that ignores max and writes a few more is still caught by
 * its count instead of overwriting the stack. */
#define DL_ROOM (DL_MAXT * 2)
/* The most samples a loader takes. It holds an epoch's order in memory
 * (8 bytes a sample, more than any machine has past this), and under it
 * no size computed here (the order and its padding, a batch's columns)
 * can wrap. */
#define DL_MAX_SAMPLES ((int64_t)1 << 48)

typedef struct slot {
  int64_t batch;
  int state; /* 0 free, 1 being made, 2 ready */
  int n;     /* tensors, -1 on error */
  lt_tensor *t[DL_MAXT];
  const char *names[DL_MAXT];
  char err[768];
} slot;

typedef struct loader {
  void *ds;
  const lt_dataset_ops *dops;
  const char *ds_name; /* its _target_, for messages */
  int ds_safe;
  int no_batches; /* the dataset declined get_batch: take each sample */
  int64_t batch_size, prefetch;
  int shuffle, drop_last, workers;
  uint64_t seed;
  int rank, world;
  /* the running epoch */
  int64_t epoch, *order, order_len, nbatches, consumed, claim, end;
  int running;
  /* workers */
  pthread_mutex_t mu, ds_mu;
  pthread_cond_t cv_work, cv_done;
  pthread_t *threads;
  int nthreads, quit;
  slot *slots;
  int64_t nslots;
} loader;

/* ---- the order of an epoch (DistributedSampler's) -------------------- */

/* The samples of this shard out of n. Written with / and % alone: n
 * + world - 1 wraps for a length near INT64_MAX. DistributedSampler's
 * ceil((n - world) / world) with drop_last is n / world. */
static int64_t shard_len(const loader *m, int64_t n) {
  if (m->world <= 1) return n;
  return n / m->world + (!m->drop_last && n % m->world != 0);
}

/* The dataset's length, or -1 with err when the loader cannot take it. */
static int64_t ds_len(const loader *m, char *err, size_t errlen) {
  int64_t n = m->dops->len(m->ds);
  if (n < 0)
    snprintf(err, errlen, "dataset %s reports a length of %lld (a bug in its plugin: len must be 0 or more)",
             m->ds_name, (long long)n);
  else if (n > DL_MAX_SAMPLES)
    snprintf(err, errlen,
             "dataset %s has %lld samples; a DataLoader takes at most %lld (2^48: it holds an epoch's order in "
             "memory, 8 bytes a sample): use fewer samples or a Subset of them",
             m->ds_name, (long long)n, (long long)DL_MAX_SAMPLES);
  else
    return n;
  return -1;
}

/* A random permutation of 0..n-1 into all, drawn from seed + e. */
static int shuffle_into(const loader *m, int64_t e, int64_t n, int64_t *all, char *err, size_t errlen) {
  lt_tensor *saved = lt_rng_state_get();
  lt_manual_seed(m->seed + (uint64_t)e);
  lt_clear_error();
  lt_tensor *perm = lt_tensor_randperm(n, LT_INT64, LT_CPU);
  lt_rng_state_set(saved);
  lt_tensor_free(saved);
  lt_status rc = perm ? lt_tensor_copy_to(perm, all, (size_t)n * sizeof *all, LT_INT64) : LT_FAIL;
  lt_tensor_free(perm);
  if (rc == LT_OK) return 0;
  snprintf(err, errlen, "cannot shuffle the %lld samples of dataset %s: %s", (long long)n, m->ds_name,
           *lt_last_error() ? lt_last_error() : "the tensor layer gave no reason (out of memory?)");
  return -1;
}

/* This shard's indices of epoch e into *out (malloc'd); its length, or -1
 * with err. */
static int64_t epoch_order(const loader *m, int64_t e, int64_t **out, char *err, size_t errlen) {
  int64_t n = ds_len(m, err, errlen);
  if (n < 0) return -1;
  int64_t w = m->world > 1 ? m->world : 1, per = shard_len(m, n), total = per * w; /* no wrap: n <= 2^48 */
  size_t room = (size_t)(n > total ? n : total) + 1;
  int64_t *all = malloc(room * sizeof *all), *mine = malloc((size_t)(per + 1) * sizeof *mine);
  if (!all || !mine) {
    snprintf(err, errlen, "out of memory: the order of an epoch of dataset %s (%lld samples) takes %zu bytes",
             m->ds_name, (long long)n, room * sizeof *all);
    free(all), free(mine);
    return -1;
  }
  if (m->shuffle && n > 0) {
    if (shuffle_into(m, e, n, all, err, errlen)) {
      free(all), free(mine);
      return -1;
    }
  } else {
    for (int64_t i = 0; i < n; i++) all[i] = i;
  }
  for (int64_t i = n; i < total && n > 0; i++) all[i] = all[(i - n) % n]; /* padding repeats the start */
  for (int64_t k = 0; k < per; k++) mine[k] = all[m->rank + k * w];
  free(all);
  *out = mine;
  return per;
}

/* Batches of so many samples; a batch_size past the samples is one batch
 * (none with drop_last). samples + batch_size - 1 would wrap. */
static int64_t batches_of(const loader *m, int64_t samples) {
  if (samples <= 0) return 0;
  return samples / m->batch_size + (!m->drop_last && samples % m->batch_size != 0);
}

/* ---- making one batch ------------------------------------------------- */

/* Sample index of batch b into t / nm: its count of values, or -1 with
 * err. What the dataset returns is checked here: it is a plugin, and a
 * wrong count or a NULL would otherwise corrupt memory further on. */
static int get_sample(loader *m, int64_t b, int64_t index, lt_tensor **t, const char **nm, char *err, size_t errlen) {
  lt_rng rng = lt_rng_for(m->seed, (uint64_t)m->epoch, (uint64_t)index);
  char why[512] = "";
  if (!m->ds_safe) pthread_mutex_lock(&m->ds_mu);
  lt_clear_error();
  int got = data_get(m->ds, m->dops, index, &rng, t, nm, DL_MAXT, why, sizeof why);
  if (!m->ds_safe) pthread_mutex_unlock(&m->ds_mu);
  char at[96];
  snprintf(at, sizeof at, "sample %lld (batch %lld of epoch %lld)", (long long)index, (long long)b, (long long)m->epoch);
  if (got < 0) {
    const char *reason = *why ? why : lt_last_error();
    if (*reason) snprintf(err, errlen, "%s: %s", at, reason);
    else snprintf(err, errlen, "%s: dataset %s failed to give it and said nothing more (its get returned -1 with no "
                               "message)", at, m->ds_name);
    return -1;
  }
  if (got > DL_MAXT) {
    snprintf(err, errlen, "%s: dataset %s returned %d values, more than the %d it was given room for (a bug in its "
                          "plugin: get must return at most max)", at, m->ds_name, got, DL_MAXT);
    return -1;
  }
  for (int i = 0; i < got; i++)
    if (!t[i] || !nm[i]) {
      snprintf(err, errlen, "%s: dataset %s returned value %d with %s (a bug in its plugin: get must set every value "
                            "and its name)", at, m->ds_name, i, !t[i] ? "no tensor (NULL)" : "no name (NULL)");
      return -1;
    }
  return got;
}

/* The batch of `count` samples from `from` into s at once through the
 * dataset's get_batch (1.4): 1 when made (s->n set, or -1 with s->err), 0
 * when the dataset cannot (the caller takes each sample) or failed (the
 * caller takes each sample too, so that the error names the sample). What
 * it returns is checked as a sample is. */
static int make_batch_at_once(loader *m, int64_t from, int64_t count, slot *s) {
  if (m->no_batches || !LT_HAS(m->dops, lt_dataset_ops, get_batch) || !m->dops->get_batch) return 0;
  lt_tensor *t[DL_ROOM] = {0};
  const char *nm[DL_ROOM] = {0};
  char why[512] = "";
  lt_scope *scope = lt_scope_begin(); /* the transforms' temporaries */
  if (!m->ds_safe) pthread_mutex_lock(&m->ds_mu);
  lt_clear_error();
  int got = m->dops->get_batch(m->ds, m->order + from, count, t, nm, DL_MAXT, why, sizeof why);
  if (!m->ds_safe) pthread_mutex_unlock(&m->ds_mu);
  if (got == 0) __atomic_store_n(&m->no_batches, 1, __ATOMIC_RELAXED);
  if (got <= 0) { /* failed: taken again sample by sample, so that the message names the sample */
    lt_scope_end(scope);
    return 0;
  }
  s->n = -1;
  const char *bad = got > DL_MAXT ? "more values than it was given room for" : NULL;
  for (int i = 0; i < got && i < DL_MAXT && !bad; i++)
    if (!t[i] || !nm[i]) bad = !t[i] ? "a value with no tensor (NULL)" : "a value with no name (NULL)";
    else if (lt_tensor_dim(t[i]) < 1 || lt_tensor_size(t[i], 0) != count) bad = "a value whose first dim is not the batch";
  if (bad) {
    snprintf(s->err, sizeof s->err, "samples %lld, ... (epoch %lld): dataset %s's get_batch returned %s (a bug in "
             "its plugin: each value needs a tensor whose first dim is the batch's size, and a name)",
             (long long)m->order[from], (long long)m->epoch, m->ds_name, bad);
    lt_scope_end(scope);
    return 1;
  }
  for (int i = 0; i < got; i++) s->t[i] = lt_tensor_keep(t[i]), s->names[i] = nm[i];
  s->n = got;
  lt_scope_end(scope);
  return 1;
}

/* Batch b into s (on any thread): at once when the dataset can, else its
 * samples, then each name stacked. */
static void make_batch(loader *m, int64_t b, slot *s) {
  int64_t from = b * m->batch_size, count = m->order_len - from < m->batch_size ? m->order_len - from : m->batch_size;
  s->n = -1;
  if (count > INT_MAX) { /* lt_tensor_stack counts in int */
    snprintf(s->err, sizeof s->err, "batch %lld would hold %lld samples of dataset %s; a batch holds at most %d: "
             "lower batch_size", (long long)b, (long long)count, m->ds_name, INT_MAX);
    return;
  }
  if (make_batch_at_once(m, from, count, s)) return;
  lt_scope *scope = lt_scope_begin();
  lt_tensor **cols = calloc((size_t)count * DL_MAXT + 1, sizeof *cols);
  const char *names[DL_MAXT];
  int nt = -1;
  if (!cols) {
    snprintf(s->err, sizeof s->err, "out of memory for batch %lld (%lld samples of dataset %s)", (long long)b,
             (long long)count, m->ds_name);
    lt_scope_end(scope);
    return;
  }
  for (int64_t k = 0; k < count; k++) {
    int64_t index = m->order[from + k];
    lt_tensor *t[DL_ROOM] = {0};
    const char *nm[DL_ROOM] = {0};
    int got = get_sample(m, b, index, t, nm, s->err, sizeof s->err);
    if (got < 0) goto done;
    if (k == 0) {
      nt = got;
      for (int i = 0; i < got; i++) names[i] = nm[i];
    } else if (got != nt) {
      snprintf(s->err, sizeof s->err, "dataset %s gives sample %lld %d values, but sample %lld %d (batch %lld; every "
               "sample must have the same values to be stacked)", m->ds_name, (long long)index, got,
               (long long)m->order[from], nt, (long long)b);
      goto done;
    }
    for (int i = 0; i < got; i++) cols[i * count + k] = t[i];
  }
  for (int i = 0; i < nt; i++) {
    lt_tensor **c = cols + i * count;
    for (int64_t k = 1; k < count; k++) {
      int64_t a[8], z[8];
      int da = lt_tensor_shape(c[0], a, 8), dz = lt_tensor_shape(c[k], z, 8);
      if (da != dz || memcmp(a, z, (size_t)da * sizeof *a) || lt_tensor_dtype(c[0]) != lt_tensor_dtype(c[k])) {
        char s0[96], sk[96];
        lt_shape_text(c[0], s0, sizeof s0), lt_shape_text(c[k], sk, sizeof sk);
        snprintf(s->err, sizeof s->err,
                 "cannot stack '%s' into a batch: sample %lld gives %s, sample %lld gives %s (batch %lld; a "
                 "dataset's samples must have one shape: resize or crop them in a transform)",
                 names[i], (long long)m->order[from], s0, (long long)m->order[from + k], sk, (long long)b);
        goto done;
      }
    }
    lt_clear_error();
    lt_tensor *st = lt_tensor_stack(c, (int)count, 0);
    if (!st) {
      snprintf(s->err, sizeof s->err, "collating '%s' of batch %lld: %s", names[i], (long long)b,
               *lt_last_error() ? lt_last_error() : "stacking the samples failed (out of memory?)");
      goto done;
    }
    s->t[i] = lt_tensor_keep(st);
    s->names[i] = names[i];
  }
  s->n = nt;
done:
  if (s->n < 0)
    for (int i = 0; i < DL_MAXT; i++) lt_tensor_free(s->t[i]), s->t[i] = NULL;
  free(cols);
  lt_scope_end(scope);
}

/* ---- workers ---------------------------------------------------------- */

static void *worker(void *arg) {
  loader *m = arg;
  pthread_mutex_lock(&m->mu);
  for (;;) {
    while (!m->quit && !(m->running && m->claim < m->end && m->claim < m->consumed + m->nslots))
      pthread_cond_wait(&m->cv_work, &m->mu);
    if (m->quit) break;
    int64_t b = m->claim++;
    slot *s = &m->slots[b % m->nslots];
    s->batch = b;
    s->state = 1;
    pthread_mutex_unlock(&m->mu);
    make_batch(m, b, s);
    pthread_mutex_lock(&m->mu);
    s->state = 2;
    pthread_cond_broadcast(&m->cv_done);
  }
  pthread_mutex_unlock(&m->mu);
  return NULL;
}

static void free_slot(slot *s) {
  for (int i = 0; i < DL_MAXT; i++) lt_tensor_free(s->t[i]), s->t[i] = NULL;
  s->state = 0;
  s->n = 0;
}

/* Ends the running epoch: no more claims, wait for the batches in hand. */
static void dl_stop(void *self) {
  loader *m = self;
  if (m->nthreads) {
    pthread_mutex_lock(&m->mu);
    m->end = m->claim;
    for (int64_t i = 0; i < m->nslots; i++)
      while (m->slots[i].state == 1) pthread_cond_wait(&m->cv_done, &m->mu);
    m->running = 0;
    pthread_mutex_unlock(&m->mu);
  }
  for (int64_t i = 0; m->slots && i < m->nslots; i++) free_slot(&m->slots[i]);
  m->running = 0;
}

static void dl_destroy(void *self) {
  loader *m = self;
  if (!m) return;
  dl_stop(m);
  if (m->nthreads) {
    pthread_mutex_lock(&m->mu);
    m->quit = 1;
    pthread_cond_broadcast(&m->cv_work);
    pthread_mutex_unlock(&m->mu);
    for (int i = 0; i < m->nthreads; i++) pthread_join(m->threads[i], NULL);
  }
  pthread_mutex_destroy(&m->mu), pthread_mutex_destroy(&m->ds_mu);
  pthread_cond_destroy(&m->cv_work), pthread_cond_destroy(&m->cv_done);
  free(m->threads), free(m->slots), free(m->order);
  free(m);
}

static lt_status dl_create(const lt_value *args, void **self, char *err, size_t errlen) {
  loader *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  pthread_mutex_init(&m->mu, NULL), pthread_mutex_init(&m->ds_mu, NULL);
  pthread_cond_init(&m->cv_work, NULL), pthread_cond_init(&m->cv_done, NULL);
  const lt_value *ds = lt_arg(args, "dataset");
  if (data_dataset_arg(ds, "dataset", &m->ds, &m->dops, err, errlen)) {
    dl_destroy(m);
    return LT_ERR_INVALID;
  }
  if (!lt_arg_is_null(args, "sampler") || !lt_arg_is_null(args, "collate_fn")) {
    snprintf(err, errlen, "%s is not supported: the loader samples as DistributedSampler (shuffle, seed, drop_last)",
             !lt_arg_is_null(args, "sampler") ? "sampler" : "collate_fn");
    dl_destroy(m);
    return LT_ERR_UNSUPPORTED;
  }
  m->ds_name = ds->component_type->target;
  m->ds_safe = data_thread_safe(m->ds, m->dops);
  m->batch_size = lt_arg_int(args, "batch_size");
  m->shuffle = (int)lt_arg_int(args, "shuffle");
  m->drop_last = (int)lt_arg_int(args, "drop_last");
  m->workers = (int)lt_arg_int(args, "num_workers");
  int has_prefetch = !lt_arg_is_null(args, "prefetch_factor");
  m->prefetch = has_prefetch ? lt_arg_int(args, "prefetch_factor") : 2;
  if (has_prefetch && m->workers == 0) {
    snprintf(err, errlen, "prefetch_factor option could only be specified in multiprocessing; let num_workers > 0 "
                          "to enable multiprocessing, otherwise set prefetch_factor to null");
    dl_destroy(m);
    return LT_ERR_INVALID;
  }
  if (lt_arg_is_null(args, "seed")) { /* a seed from the global generator: reproducible under the run's seed */
    int64_t one = 1, v = 0;
    lt_tensor *r = lt_tensor_randint(0, (int64_t)1 << 31, &one, 1, LT_INT64, LT_CPU);
    lt_tensor_item_int64(r, &v);
    lt_tensor_free(r);
    m->seed = (uint64_t)v;
  } else {
    m->seed = (uint64_t)lt_arg_int(args, "seed");
  }
  m->world = 1;
  m->nslots = m->workers ? m->workers * m->prefetch : 1;
  m->slots = calloc((size_t)m->nslots, sizeof *m->slots);
  m->threads = calloc((size_t)(m->workers + 1), sizeof *m->threads);
  if (!m->slots || !m->threads) {
    dl_destroy(m);
    return LT_ERR_NOMEM;
  }
  for (int i = 0; i < m->workers; i++) {
    if (pthread_create(&m->threads[i], NULL, worker, m)) {
      snprintf(err, errlen, "cannot start worker thread %d", i);
      dl_destroy(m);
      return LT_FAIL;
    }
    m->nthreads++;
  }
  *self = m;
  return LT_OK;
}

/* The counts as the dataset's len gives them (a length the loader
 * refuses is reported by start). */
static int64_t dl_num_samples(void *self) {
  loader *m = self;
  return shard_len(m, m->dops->len(m->ds));
}

static int64_t dl_num_batches(void *self) { return batches_of(self, dl_num_samples(self)); }

static lt_status dl_start(void *self, int64_t epoch, int64_t first, char *err, size_t errlen) {
  loader *m = self;
  dl_stop(m);
  free(m->order);
  m->order = NULL;
  char why[384];
  m->order_len = epoch_order(m, epoch, &m->order, why, sizeof why);
  if (m->order_len < 0) {
    snprintf(err, errlen, "cannot order epoch %lld: %s", (long long)epoch, why);
    return LT_FAIL;
  }
  m->nbatches = batches_of(m, m->order_len);
  if (first < 0 || first > m->nbatches) {
    snprintf(err, errlen, "cannot start at batch %lld: an epoch has %lld", (long long)first, (long long)m->nbatches);
    return LT_ERR_INVALID;
  }
  pthread_mutex_lock(&m->mu);
  m->epoch = epoch;
  m->consumed = m->claim = first;
  m->end = m->nbatches;
  m->running = 1;
  pthread_cond_broadcast(&m->cv_work);
  pthread_mutex_unlock(&m->mu);
  return LT_OK;
}

static int dl_next(void *self, lt_tensor **out, const char **names, int max, char *err, size_t errlen) {
  loader *m = self;
  if (!m->running) {
    snprintf(err, errlen, "the loader has no running epoch (start it first)");
    return -1;
  }
  if (m->consumed >= m->nbatches) {
    dl_stop(m);
    return 0;
  }
  int64_t b = m->consumed;
  slot *s = &m->slots[b % m->nslots];
  if (m->nthreads) {
    pthread_mutex_lock(&m->mu);
    while (!(s->state == 2 && s->batch == b)) pthread_cond_wait(&m->cv_done, &m->mu);
    pthread_mutex_unlock(&m->mu);
  } else {
    make_batch(m, b, s);
  }
  int n = s->n;
  if (n < 0) {
    snprintf(err, errlen, "%s", s->err);
  } else if (n > max) {
    snprintf(err, errlen, "a batch has %d values; room for %d", n, max);
    n = -1;
  }
  for (int i = 0; n >= 0 && i < n; i++) {
    out[i] = lt_tensor_ref(s->t[i]); /* into the caller's scope */
    names[i] = s->names[i];
  }
  pthread_mutex_lock(&m->mu);
  free_slot(s);
  m->consumed++;
  pthread_cond_broadcast(&m->cv_work);
  pthread_mutex_unlock(&m->mu);
  if (n < 0) dl_stop(m);
  return n;
}

static lt_status dl_set_shard(void *self, int rank, int world) {
  loader *m = self;
  if (world < 1 || rank < 0 || rank >= world) {
    char msg[96];
    snprintf(msg, sizeof msg, "invalid shard: rank %d of world %d", rank, world);
    lt_set_error(msg, 1);
    return LT_ERR_INVALID;
  }
  dl_stop(m);
  m->rank = rank, m->world = world;
  return LT_OK;
}

static int64_t dl_batch_indices(void *self, int64_t epoch, int64_t batch, int64_t *out, int64_t max) {
  loader *m = self;
  char why[384];
  int64_t *order = NULL, len = epoch_order(m, epoch, &order, why, sizeof why);
  int64_t nb = len < 0 ? -1 : batches_of(m, len), count = -1;
  if (batch >= 0 && batch < nb) {
    count = len - batch * m->batch_size < m->batch_size ? len - batch * m->batch_size : m->batch_size;
    for (int64_t k = 0; k < count && k < max; k++) out[k] = order[batch * m->batch_size + k];
  }
  free(order);
  return count;
}

static const lt_loader_ops ops = {.size = sizeof(lt_loader_ops), .num_batches = dl_num_batches,
                                  .num_samples = dl_num_samples, .start = dl_start, .next = dl_next, .stop = dl_stop,
                                  .set_shard = dl_set_shard, .batch_indices = dl_batch_indices};

static const lt_param params[] = {
    {"dataset", LT_P_COMPONENT, LT_KIND_DATASET, NULL, LT_PF_REQUIRED, 0, 0, NULL, "the dataset"},
    LT_PARAM_MIN("batch_size", LT_P_INT, "1", 1, "samples per batch"),
    LT_PARAM("shuffle", LT_P_BOOL, "false", "a new permutation every epoch (seed + epoch)"),
    LT_PARAM("drop_last", LT_P_BOOL, "false", "drop the last incomplete batch (and shard tail)"),
    {"sampler", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "null only"},
    /* The bounds keep num_workers * prefetch_factor batch slots small enough to allocate. */
    LT_PARAM_RANGE("num_workers", LT_P_INT, "0", 0, 1024, "worker threads (0: batches are made when asked)"),
    {"prefetch_factor", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN | LT_PF_MAX, 1, 1024, NULL,
     "batches each worker may hold ahead (default 2)"},
    LT_PARAM("persistent_workers", LT_P_BOOL, "false", "accepted: worker threads always persist"),
    LT_PARAM("pin_memory", LT_P_BOOL, "false", "accepted (CPU tensors are used as they are)"),
    {"collate_fn", LT_P_ANY, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL, "null only: tensors are stacked"},
    {"seed", LT_P_INT, (lt_kind)0, "null", LT_PF_NULLABLE | LT_PF_MIN, 0, 0, NULL,
     "order and augmentation seed (null: drawn from the run's seeded generator)"},
};

static const lt_component components[] = {
    {"torch.utils.data.DataLoader", LT_KIND_DATALOADER, "Batches of a dataset (seeded, resumable, worker threads).",
     params, LT_COUNT_OF(params), dl_create, dl_destroy, &ops},
};

LT_PLUGIN_DEFINE("torch.utils.data.DataLoader", LT_VERSION_STRING, "torch.utils.data.DataLoader", "BSD-3-Clause",
                 components, NULL);
