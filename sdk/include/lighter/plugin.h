/* plugin.h: the plugin ABI (included by lighter.h). A plugin is a shared
 * object that exports one data symbol, lt_plugin_descriptor, made by
 * LT_PLUGIN_DEFINE: its ABI version, name, version, description, license
 * and a table of components. A component is a _target_ name, a kind, a
 * one-line summary, a parameter spec (plain data, so `lighter-host inspect`
 * can print it and the host can check a config before anything runs),
 * create/destroy, and a kind-specific operations table that starts with its
 * own size so it can grow without breaking older plugins.
 *
 * The host reads descriptors without loading libtorch; only when a run
 * starts does it hand each plugin the tensor layer through lt_plugin_bind. */
#ifndef LIGHTER_PLUGIN_H
#define LIGHTER_PLUGIN_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lt_kind {
  LT_KIND_MODULE = 1,
  LT_KIND_MODEL = 2,
  LT_KIND_DATASET = 3,
  LT_KIND_TRANSFORM = 4,
  LT_KIND_LOSS = 5,
  LT_KIND_OPTIMIZER = 6,
  LT_KIND_SCHEDULER = 7,
  LT_KIND_METRIC = 8,
  LT_KIND_CALLBACK = 9,
  LT_KIND_LOGGER = 10,
  LT_KIND_WRITER = 11,
  LT_KIND_OTHER = 12, /* host pieces: Trainer */
  LT_KIND_DATALOADER = 13, /* (1.2) torch.utils.data.DataLoader */
  LT_KIND_DATAMODULE = 14, /* (1.2) lighter.LighterDataModule */
  LT__KIND_COUNT,
  LT__KIND_INT = 0x7fffffff
} lt_kind;

typedef enum lt_ptype {
  LT_P_BOOL = 1,
  LT_P_INT = 2,
  LT_P_FLOAT = 3, /* ints are accepted */
  LT_P_STRING = 4,
  LT_P_LIST = 5,
  LT_P_DICT = 6,
  LT_P_COMPONENT = 7, /* a built component of kind `kind` (0: any) */
  LT_P_TENSOR = 8,    /* a tensor, or a list of numbers made into one */
  LT_P_ANY = 9,
  LT__PTYPE_INT = 0x7fffffff
} lt_ptype;

/* Parameter flags. */
#define LT_PF_REQUIRED 1u  /* must be given (dflt is ignored) */
#define LT_PF_MIN 2u       /* value >= min */
#define LT_PF_MAX 4u       /* value <= max */
#define LT_PF_MIN_EXCL 8u  /* value > min */
#define LT_PF_NULLABLE 16u /* null is allowed (the default may be "null") */
#define LT_PF_VARARGS 32u  /* a list taking every remaining _args_ item (as *args) */

typedef struct lt_param {
  const char *name;
  lt_ptype type;
  lt_kind kind;        /* LT_P_COMPONENT (and lists of them): required kind, 0 any */
  const char *dflt;    /* default as YAML text ("0.001", "[3, 3]", "null"); NULL: none */
  unsigned flags;      /* LT_PF_* */
  double min, max;     /* with LT_PF_MIN / LT_PF_MAX */
  const char *choices; /* strings: allowed values "mean|sum|none"; NULL: any */
  const char *doc;     /* one line */
} lt_param;

/* Shorthands: LT_PARAM_FLOAT("lr", "0.001", "learning rate"). */
#define LT_PARAM(name_, type_, dflt_, doc_) {name_, type_, (lt_kind)0, dflt_, 0, 0, 0, NULL, doc_}
#define LT_PARAM_REQ(name_, type_, doc_) {name_, type_, (lt_kind)0, NULL, LT_PF_REQUIRED, 0, 0, NULL, doc_}
#define LT_PARAM_RANGE(name_, type_, dflt_, lo_, hi_, doc_) \
  {name_, type_, (lt_kind)0, dflt_, LT_PF_MIN | LT_PF_MAX, lo_, hi_, NULL, doc_}
#define LT_PARAM_MIN(name_, type_, dflt_, lo_, doc_) {name_, type_, (lt_kind)0, dflt_, LT_PF_MIN, lo_, 0, NULL, doc_}
#define LT_PARAM_CHOICE(name_, dflt_, choices_, doc_) \
  {name_, LT_P_STRING, (lt_kind)0, dflt_, 0, 0, 0, choices_, doc_}
#define LT_PARAM_COMPONENT(name_, kind_, flags_, doc_) {name_, LT_P_COMPONENT, kind_, NULL, flags_, 0, 0, NULL, doc_}

/* A component given with `_mode_: callable`: instead of an instance the
 * plugin gets a factory (like Python's functools.partial) and makes as many
 * instances as it needs, each its own to destroy. */
typedef struct lt_factory lt_factory;
struct lt_factory {
  const char *target;
  lt_kind kind;
  /* A new instance (owned by the caller), or NULL with a message in err. */
  void *(*create)(const lt_factory *f, char *err, size_t errlen);
  void (*destroy)(const lt_factory *f, void *instance);
  void *host; /* the host's */
};

/* A parameter's value as create() receives it: args[i] is params[i],
 * already checked against the spec (type, range, choices) and defaulted.
 * Everything is borrowed and lives until create returns. */
typedef struct lt_value lt_value;
struct lt_value {
  lt_ptype type;   /* the value's own type; LT_P_ANY for null */
  int is_null;
  int64_t i;       /* LT_P_INT, LT_P_BOOL */
  double f;        /* LT_P_FLOAT (also set for ints) */
  const char *s;   /* LT_P_STRING */
  const lt_value *items; /* LT_P_LIST, LT_P_DICT */
  const char *const *keys; /* LT_P_DICT */
  size_t n;
  void *component; /* LT_P_COMPONENT: the built instance (borrowed) */
  lt_kind component_kind;
  lt_tensor *tensor; /* LT_P_TENSOR (borrowed) */
  const lt_factory *factory; /* LT_P_COMPONENT with _mode_: callable (borrowed) */
  const struct lt_component *component_type; /* LT_P_COMPONENT: its descriptor (ops) */
};

/* (1.5) Arguments by name. The host puts this head right before the args
 * array it hands create (and keeps it there until create returns), so
 * lt_arg(args, "hidden") finds a parameter by its spec name: inserting a
 * parameter in the spec can no longer shift what create reads. */
#define LT__ARGS_MAGIC 0x6c74617267733135ULL /* "ltargs15" */
typedef struct lt__args_head {
  uint64_t magic;
  const struct lt_component *component; /* whose params the args follow */
  size_t n;
  void *host;
  /* Told of a name the spec does not have (the host then fails the create,
   * naming the plugin, the component and the name). */
  void (*unknown)(void *host, const char *name);
} lt__args_head;

/* What create() can report with: write a message into err (errlen bytes)
 * and return non-LT_OK. */
typedef lt_status (*lt_create_fn)(const lt_value *args, void **self, char *err, size_t errlen);
typedef void (*lt_destroy_fn)(void *self);

typedef struct lt_component {
  const char *target;  /* the _target_ name: "torch.nn.Linear" */
  lt_kind kind;
  const char *summary; /* one line */
  const lt_param *params;
  size_t nparams;
  lt_create_fn create;
  lt_destroy_fn destroy; /* may be NULL */
  const void *ops;       /* kind table; its first member is its size_t size */
} lt_component;

/* (1.5) The argument named name (borrowed, valid until create returns).
 * A name the spec does not have is a plugin bug: the host fails the create
 * and says so; meanwhile the value reads as null (0, 0.0, NULL). */
static inline const lt_value *lt_arg(const lt_value *args, const char *name) {
  static const lt_value none = {LT_P_ANY, 1, 0, 0, 0, 0, 0, 0, 0, (lt_kind)0, 0, 0, 0};
  const lt__args_head *h = args ? (const lt__args_head *)(const void *)((const char *)args - sizeof *h) : 0;
  if (!h || h->magic != LT__ARGS_MAGIC || !name) return &none;
  for (size_t i = 0; i < h->n; i++) {
    const char *a = h->component->params[i].name, *c = name;
    while (*a && *a == *c) a++, c++;
    if (!*a && !*c) return &args[i];
  }
  if (h->unknown) h->unknown(h->host, name);
  return &none;
}
static inline int64_t lt_arg_int(const lt_value *args, const char *name) { return lt_arg(args, name)->i; }
static inline double lt_arg_float(const lt_value *args, const char *name) { return lt_arg(args, name)->f; }
static inline int lt_arg_bool(const lt_value *args, const char *name) { return lt_arg(args, name)->i != 0; }
/* NULL for null */
static inline const char *lt_arg_str(const lt_value *args, const char *name) { return lt_arg(args, name)->s; }
static inline int lt_arg_is_null(const lt_value *args, const char *name) { return lt_arg(args, name)->is_null; }
/* The number of elements of a static array. */
#define LT_COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
/* Whether a kind table (its size first) has a member: tables built
 * against an older SDK are shorter. Usage: LT_HAS(ops, lt_module_ops, state). */
#define LT_HAS(ops, type, member) ((ops)->size >= offsetof(type, member) + sizeof((ops)->member))

typedef struct lt_plugin {
  uint32_t abi_major;
  uint32_t abi_minor;
  const char *name;
  const char *version;
  const char *description;
  const char *license;
  const lt_component *components;
  size_t ncomponents;
  /* Called once when the host loads the plugin, before any tensor exists
   * (may be NULL). On failure write a message into err. */
  lt_status (*init)(char *err, size_t errlen);
} lt_plugin;

/* Kind tables. Each starts with its own size; the host checks the size
 * before using a member, so members are only ever appended. */

/* LT_KIND_MODULE: a torch.nn.Module. */
typedef struct lt_module_ops {
  size_t size; /* sizeof(lt_module_ops) as the plugin saw it */
  /* (new ref) the output for input (borrowed). */
  lt_tensor *(*forward)(void *self, lt_tensor *input);
  /* Its parameters in PyTorch's order: up to max (borrowed) handles and
   * names ("0.weight") into out/names (names may be NULL); returns how many
   * it has, which may exceed max. */
  size_t (*parameters)(void *self, lt_tensor **out, const char **names, size_t max);
  /* Training (1) or evaluation (0) mode. May be NULL. */
  void (*train)(void *self, int mode);
  /* Buffers (running statistics), like parameters; may be NULL. */
  size_t (*buffers)(void *self, lt_tensor **out, const char **names, size_t max);
  /* (1.2) Parameters and buffers in the order of PyTorch's state_dict()
   * (per submodule: its parameters, then its buffers), like parameters.
   * May be NULL: then parameters, then buffers (right for a leaf). */
  size_t (*state)(void *self, lt_tensor **out, const char **names, size_t max);
  /* (1.2) (new ref) forward with several inputs, e.g. torch.nn.Bilinear's
   * (x1, x2). May be NULL (single-input modules). */
  lt_tensor *(*forward_n)(void *self, lt_tensor *const *inputs, int n);
} lt_module_ops;

/* LT_KIND_LOSS: a criterion. */
typedef struct lt_loss_ops {
  size_t size;
  /* (new ref) the loss of input against target (both borrowed). */
  lt_tensor *(*forward)(void *self, lt_tensor *input, lt_tensor *target);
} lt_loss_ops;

/* LT_KIND_OPTIMIZER: updates parameters from their .grad. */
typedef struct lt_optimizer_ops {
  size_t size;
  lt_status (*step)(void *self);
  lt_status (*zero_grad)(void *self, int set_to_none);
  int (*num_groups)(void *self);
  double (*get_lr)(void *self, int group);
  void (*set_lr)(void *self, int group, double lr);
  /* (1.2) A group option by PyTorch's name ("lr", "momentum",
   * "weight_decay", "initial_lr"; a pair's items as "betas.0", "betas.1"):
   * 1 with *out when the group has it, else 0. */
  int (*get_option)(void *self, int group, const char *name, double *out);
  /* Sets one: 1 when the option exists (schedulers may add "initial_lr",
   * "max_lr", "min_lr"), else 0. */
  int (*set_option)(void *self, int group, const char *name, double value);
  /* torch.optim.Optimizer.state_dict(): adds "state" (int keys: the index
   * of a parameter over all groups) and "param_groups" to the dict out. */
  lt_status (*state_save)(void *self, lt_state *out);
  /* load_state_dict(): err says what does not fit (groups, sizes, shapes);
   * on error nothing has changed. */
  lt_status (*state_load)(void *self, const lt_state *in, char *err, size_t errlen);
} lt_optimizer_ops;

/* LT_KIND_SCHEDULER: changes an optimizer's learning rates. */
typedef struct lt_scheduler_ops {
  size_t size;
  /* One scheduler step (an epoch or a batch, as the trainer is told);
   * metric is the monitored value for schedulers that need one (NAN when
   * there is none). */
  lt_status (*step)(void *self, double metric);
  /* The learning rate it last set for a parameter group. */
  double (*get_last_lr)(void *self, int group);
  /* (1.2) state_dict() / load_state_dict() as PyTorch's (last_epoch,
   * base_lrs, _last_lr, _step_count and the scheduler's own numbers). */
  lt_status (*state_save)(void *self, lt_state *out);
  lt_status (*state_load)(void *self, const lt_state *in, char *err, size_t errlen);
  /* last_epoch, read and written without changing any lr (SequentialLR
   * uses them to drive the schedulers it chains). */
  int64_t (*get_last_epoch)(void *self);
  void (*set_last_epoch)(void *self, int64_t epoch);
  /* step(epoch): last_epoch = epoch and the closed-form lrs there;
   * LT_ERR_UNSUPPORTED for schedulers without one. May be NULL. */
  lt_status (*step_to)(void *self, int64_t epoch);
} lt_scheduler_ops;

/* LT_KIND_METRIC: accumulates over batches (torchmetrics' protocol). */
typedef struct lt_metric_ops {
  size_t size;
  lt_status (*update)(void *self, lt_tensor *preds, lt_tensor *target);
  /* (new ref) the value over everything since the last reset. */
  lt_tensor *(*compute)(void *self);
  void (*reset)(void *self);
  /* Its state as tensors that add up across processes (borrowed). */
  size_t (*states)(void *self, lt_tensor **out, size_t max);
  /* (1.2) The class torchmetrics makes of it ("MulticlassAccuracy",
   * "BinaryF1Score", "MeanSquaredError"): a MetricCollection's default
   * key. May be NULL (the target's last part is used). */
  const char *(*name)(void *self);
  /* (1.2) A MetricCollection's members: up to max (borrowed) instances,
   * their ops and names; returns how many. NULL for a single metric. A
   * collection's compute returns NULL: compute each member. */
  size_t (*members)(void *self, void **out, const struct lt_metric_ops **ops, const char **names, size_t max);
} lt_metric_ops;

/* (1.2) A small deterministic random stream (splitmix64) for data
 * transforms. The loader gives each sample its own, seeded from (seed,
 * epoch, index), so augmentation is the same whatever the number of
 * workers or the order they run in. */
typedef struct lt_rng {
  uint64_t state;
} lt_rng;

static inline uint64_t lt_rng_next(lt_rng *r) {
  uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double lt_rng_uniform(lt_rng *r) { return (double)(lt_rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }

/* Uniform integer in [0, n) (n > 0). */
static inline int64_t lt_rng_below(lt_rng *r, int64_t n) { return (int64_t)(lt_rng_uniform(r) * (double)n); }

/* The stream of one sample. */
static inline lt_rng lt_rng_for(uint64_t seed, uint64_t epoch, uint64_t index) {
  lt_rng r = {seed ^ 0x5851f42d4c957f2dULL};
  r.state = lt_rng_next(&r) ^ epoch;
  r.state = lt_rng_next(&r) ^ index;
  lt_rng_next(&r);
  return r;
}

/* LT_KIND_DATASET: a map-style dataset. */
typedef struct lt_dataset_ops {
  size_t size;
  int64_t (*len)(void *self);
  /* Sample index: up to max (new ref) tensors and their names ("input",
   * "target") into out/names; returns how many, or -1 with err. */
  int (*get)(void *self, int64_t index, lt_tensor **out, const char **names, int max, char *err, size_t errlen);
  /* (1.2) get with the sample's random stream for its transforms. May be
   * NULL: the loader calls get. */
  int (*sample)(void *self, int64_t index, lt_rng *rng, lt_tensor **out, const char **names, int max, char *err,
                size_t errlen);
  /* (1.2) 1 when get/sample may run on several threads at once; NULL or 0:
   * the loader calls it from one thread at a time. */
  int (*thread_safe)(void *self);
  /* (1.4) The samples indices[0..n) already collated: up to max (new ref)
   * tensors [n, ...] and their names, exactly what stacking each sample's
   * tensors would give; returns how many, 0 when this dataset cannot (a
   * random transform, say: the loader then gets each sample), or -1 with
   * err. The built-in image datasets do it when every transform is
   * batchable. May be NULL. */
  int (*get_batch)(void *self, const int64_t *indices, int64_t n, lt_tensor **out, const char **names, int max,
                   char *err, size_t errlen);
} lt_dataset_ops;

/* (1.2) LT_KIND_TRANSFORM: torchvision.transforms-style. Images as a
 * dataset gives them are uint8 [H, W] or [H, W, C] (what a PIL image holds);
 * after ToTensor they are float [C, H, W]. */
typedef struct lt_transform_ops {
  size_t size;
  /* (new ref) x (borrowed) transformed, drawing from rng (never NULL) for
   * random choices; NULL with lt_last_error on failure. */
  lt_tensor *(*apply)(void *self, lt_tensor *x, lt_rng *rng);
  /* (1.4) 1 when apply_batch may be called: the transform draws nothing
   * from rng, and applying it to a batch [N, ...] of inputs equals applying
   * it to each and stacking. NULL or 0: per sample only. */
  int (*batchable)(void *self);
  /* (1.4) (new ref) batch (borrowed, [N, ...] of what apply takes)
   * transformed at once; NULL with lt_last_error on failure. */
  lt_tensor *(*apply_batch)(void *self, lt_tensor *batch);
} lt_transform_ops;

/* (1.2) LT_KIND_DATALOADER: batches of a dataset, in epochs. */
typedef struct lt_loader_ops {
  size_t size;
  /* Batches and samples in one epoch (of this shard). */
  int64_t (*num_batches)(void *self);
  int64_t (*num_samples)(void *self);
  /* Begin epoch `epoch` at batch `first` (0, or where a run stopped): the
   * order depends only on the seed, the epoch and the shard. */
  lt_status (*start)(void *self, int64_t epoch, int64_t first, char *err, size_t errlen);
  /* The next batch: up to max (new ref, in the caller's scope) tensors and
   * their names; returns how many, 0 when the epoch is over, -1 with err
   * (which names the sample and the dataset's message). */
  int (*next)(void *self, lt_tensor **out, const char **names, int max, char *err, size_t errlen);
  /* Stop an epoch early (workers finish what they hold). */
  void (*stop)(void *self);
  /* Distributed sharding as torch.utils.data.DistributedSampler: rank of
   * world, padding (or dropping, with drop_last) to equal shards. */
  lt_status (*set_shard)(void *self, int rank, int world);
  /* The dataset indices of batch `batch` of epoch `epoch` into out (up to
   * max); returns the batch size, or -1 past the end. */
  int64_t (*batch_indices)(void *self, int64_t epoch, int64_t batch, int64_t *out, int64_t max);
} lt_loader_ops;

/* (1.2) A batch as a step sees it: named tensors (borrowed). */
typedef struct lt_batch {
  int n;
  lt_tensor *const *t;
  const char *const *names;
} lt_batch;

/* The tensor named name ("input", "target", ...), or NULL. */
static inline lt_tensor *lt_batch_get(const lt_batch *b, const char *name) {
  for (int i = 0; b && name && i < b->n; i++) {
    const char *a = b->names[i], *c = name;
    while (*a && *a == *c) a++, c++;
    if (!*a && !*c) return b->t[i];
  }
  return (lt_tensor *)0;
}

/* (1.2) "[2, 3]": the shape of t as Python prints a list, for messages. */
static inline void lt_shape_text(lt_tensor *t, char *buf, size_t len) {
  int64_t s[16];
  int d = lt_tensor_shape(t, s, 16);
  size_t at = (size_t)snprintf(buf, len, "[");
  for (int i = 0; i < d && i < 16 && at < len; i++)
    at += (size_t)snprintf(buf + at, len - at, "%s%lld", i ? ", " : "", (long long)s[i]);
  if (at < len) snprintf(buf + at, len - at, "]");
}

/* (1.2) What a model's steps see: the LighterModule's fields (built from
 * the model's network, criterion, optimizer, scheduler and *_metrics keys;
 * NULL when not given) and where the run is. Borrowed, valid during the
 * call. */
typedef struct lt_model_ctx {
  size_t size;
  void *network;
  const lt_module_ops *network_ops;
  void *criterion;
  const lt_loss_ops *criterion_ops;
  void *optimizer;
  const lt_optimizer_ops *optimizer_ops;
  void *metrics; /* the metrics of this mode (train/val/test), or NULL */
  const lt_metric_ops *metrics_ops;
  const char *mode; /* "train", "val", "test" or "predict" */
  int64_t epoch, global_step, batch_idx;
} lt_model_ctx;

/* network(x) and criterion(pred, target) of a step (new refs). */
static inline lt_tensor *lt_ctx_network(const lt_model_ctx *c, lt_tensor *x) {
  if (!c->network) {
    lt_set_error("the model has no network (give model::network)", 1);
    return (lt_tensor *)0;
  }
  return c->network_ops->forward(c->network, x);
}
static inline lt_tensor *lt_ctx_criterion(const lt_model_ctx *c, lt_tensor *pred, lt_tensor *target) {
  if (!c->criterion) {
    lt_set_error("the model has no criterion (give model::criterion)", 1);
    return (lt_tensor *)0;
  }
  return c->criterion_ops->forward(c->criterion, pred, target);
}

/* (1.2) LT_KIND_MODEL: a LighterModule's step logic. A step fills out (an
 * empty dict): "loss" (a scalar tensor, or a dict of them with "total"),
 * and "pred", "target", "input" or any other keys it likes; the host
 * updates the mode's metrics with pred and target and logs the loss. A
 * NULL step is the default: pred = network(input), loss = criterion(pred,
 * target) (no loss in predict). */
typedef lt_status (*lt_step_fn)(void *self, const lt_model_ctx *ctx, const lt_batch *batch, lt_state *out);

/* (1.2) The hooks of a run, with Lightning's names and in Lightning's
 * order; callbacks get each one first (in list order), then the model. */
#define LT_HOOK_LIST(X)                                                                                   \
  X(LT_HOOK_SETUP, "setup") X(LT_HOOK_ON_FIT_START, "on_fit_start")                                      \
  X(LT_HOOK_ON_SANITY_CHECK_START, "on_sanity_check_start") X(LT_HOOK_ON_SANITY_CHECK_END, "on_sanity_check_end") \
  X(LT_HOOK_ON_TRAIN_START, "on_train_start") X(LT_HOOK_ON_TRAIN_EPOCH_START, "on_train_epoch_start")    \
  X(LT_HOOK_ON_TRAIN_BATCH_START, "on_train_batch_start") X(LT_HOOK_ON_TRAIN_BATCH_END, "on_train_batch_end") \
  X(LT_HOOK_ON_TRAIN_EPOCH_END, "on_train_epoch_end") X(LT_HOOK_ON_VALIDATION_START, "on_validation_start") \
  X(LT_HOOK_ON_VALIDATION_EPOCH_START, "on_validation_epoch_start")                                      \
  X(LT_HOOK_ON_VALIDATION_BATCH_START, "on_validation_batch_start")                                      \
  X(LT_HOOK_ON_VALIDATION_BATCH_END, "on_validation_batch_end")                                          \
  X(LT_HOOK_ON_VALIDATION_EPOCH_END, "on_validation_epoch_end") X(LT_HOOK_ON_VALIDATION_END, "on_validation_end") \
  X(LT_HOOK_ON_TEST_START, "on_test_start") X(LT_HOOK_ON_TEST_EPOCH_START, "on_test_epoch_start")         \
  X(LT_HOOK_ON_TEST_BATCH_START, "on_test_batch_start") X(LT_HOOK_ON_TEST_BATCH_END, "on_test_batch_end") \
  X(LT_HOOK_ON_TEST_EPOCH_END, "on_test_epoch_end") X(LT_HOOK_ON_TEST_END, "on_test_end")                 \
  X(LT_HOOK_ON_PREDICT_START, "on_predict_start") X(LT_HOOK_ON_PREDICT_EPOCH_START, "on_predict_epoch_start") \
  X(LT_HOOK_ON_PREDICT_BATCH_START, "on_predict_batch_start")                                            \
  X(LT_HOOK_ON_PREDICT_BATCH_END, "on_predict_batch_end") X(LT_HOOK_ON_PREDICT_EPOCH_END, "on_predict_epoch_end") \
  X(LT_HOOK_ON_PREDICT_END, "on_predict_end") X(LT_HOOK_ON_TRAIN_END, "on_train_end")                    \
  X(LT_HOOK_ON_FIT_END, "on_fit_end") X(LT_HOOK_TEARDOWN, "teardown") X(LT_HOOK_ON_EXCEPTION, "on_exception") \
  X(LT_HOOK_ON_SAVE_CHECKPOINT, "on_save_checkpoint")

typedef enum lt_hook {
  LT__HOOK_NONE = 0,
#define LT__HOOK_ENUM(name, text) name,
  LT_HOOK_LIST(LT__HOOK_ENUM)
#undef LT__HOOK_ENUM
  LT__HOOK_COUNT,
  LT__HOOK_INT = 0x7fffffff
} lt_hook;

/* Lightning's name of a hook ("on_train_epoch_end"). */
static inline const char *lt_hook_name(lt_hook h) {
  static const char *const names[] = {"?",
#define LT__HOOK_NAME(name, text) text,
                                      LT_HOOK_LIST(LT__HOOK_NAME)
#undef LT__HOOK_NAME
  };
  return (int)h > 0 && (int)h < (int)LT__HOOK_COUNT ? names[h] : "?";
}

/* (1.2) What a hook sees of the run (borrowed, valid during the call). */
typedef struct lt_run_view {
  size_t size;
  const char *stage; /* "fit", "validate", "test", "predict" */
  const char *mode;  /* "train", "val", "test", "predict"; "sanity" in the sanity check */
  int64_t epoch, global_step, batch_idx;
  const char *run_dir;
  void *network;
  const lt_module_ops *network_ops;
  void *optimizer;
  const lt_optimizer_ops *optimizer_ops;
  const lt_state *outputs; /* the step's output (batch_end hooks), else NULL */
  void *host;
  /* The last value logged under key: 1 with *out, or 0. */
  int (*metric)(void *host, const char *key, double *out);
  /* Logs value under key at the current step. */
  void (*log)(void *host, const char *key, double value);
  /* Asks the trainer to stop at the end of this epoch (why is printed). */
  void (*request_stop)(void *host, const char *why);
  /* Writes a checkpoint of the run to path (atomically). */
  lt_status (*save_checkpoint)(void *host, const char *path);
  /* Every key logged so far, comma-separated (for "not logged" errors). */
  const char *(*metric_keys)(void *host);
  /* The optimizer's class ("SGD", "Adam"), NULL without one. */
  const char *optimizer_name;
  /* Writes only the weights (state_dict, epoch, global_step) to path. */
  lt_status (*save_weights)(void *host, const char *path);
  /* (1.3) This process's rank and the number of processes (0 and 1 when
   * not distributed). Under ddp only rank 0 writes shared files (the host
   * ignores save_checkpoint elsewhere); metrics are already reduced. */
  int rank, world;
  /* (1.3) As log, with the mean of value over all ranks (Lightning's
   * log(..., sync_dist=True)): a collective, so every rank must call it
   * for the same keys in the same order. Alone it is log. */
  lt_status (*log_sync)(void *host, const char *key, double value);
  /* (1.5) On a training batch's hooks: 1 when the trainer logs this step's
   * values (Lightning's should_update_logs: global_step + 1 is a multiple
   * of log_every_n_steps, or the run is stopping), else 0. */
  int log_step;
  /* (1.5) How often the optimizer's scheduler steps, "epoch" or "step";
   * NULL when it has none. */
  const char *scheduler_interval;
  /* (1.5) As log, into a row of the current step without an epoch (what
   * Lightning's logger.log_metrics(metrics, step) writes, e.g. the rows of
   * LearningRateMonitor); values logged one after another share a row. */
  void (*log_row)(void *host, const char *key, double value);
} lt_run_view;

typedef lt_status (*lt_hook_fn)(void *self, lt_hook hook, const lt_run_view *run);

typedef struct lt_model_ops {
  size_t size;
  lt_step_fn training_step, validation_step, test_step, predict_step;
  /* (1.2) every hook after the callbacks' (may be NULL) */
  lt_hook_fn hook;
} lt_model_ops;

/* (1.2) LT_KIND_CALLBACK: pytorch_lightning.callbacks-style. */
typedef struct lt_callback_ops {
  size_t size;
  lt_hook_fn hook;
  /* what it must keep across a resume (best score, counters), as a dict */
  lt_status (*state_save)(void *self, lt_state *out);
  lt_status (*state_load)(void *self, const lt_state *in, char *err, size_t errlen);
} lt_callback_ops;

/* (1.2) LT_KIND_DATAMODULE: the loaders of each stage. */
typedef struct lt_datamodule_ops {
  size_t size;
  /* The loader for "train", "val", "test" or "predict" (borrowed) and its
   * ops, or NULL when the module has none for that stage. */
  void *(*loader)(void *self, const char *stage, const lt_loader_ops **ops);
} lt_datamodule_ops;

#define LT__COUNT_OF(a) LT_COUNT_OF(a) /* the older spelling */
/* ======================================================================
 * (1.5) Composing, as torch.nn.Module does. Services of the host, bound
 * into every plugin as it loads a run (lt_plugin_bind_host, emitted by
 * LT_PLUGIN_DEFINE); programs that embed the tensor layer directly
 * (LT_DIRECT) have no host and cannot use them.
 *
 * Ownership: a child from lt_make is the caller's until it is given to
 * lt_add_module, then the module's: the module destroys it when it is
 * destroyed (lt_module_free, its component's destroy). A child from
 * lt_arg_child wraps a component the config built: the module only
 * borrows the instance (the host destroys it after the module) and frees
 * the wrapper. create may keep children, factories (lt_value.factory) and
 * config components for the instance's whole life; lt_value strings,
 * lists and tensors only until it returns.
 * ====================================================================== */

/* A component as a child: an instance and its descriptor. */
typedef struct lt_child {
  void *self;
  const struct lt_component *component; /* target, kind, ops */
  int owned; /* 1: made by lt_make; 0: the config's (borrowed) */
} lt_child;

/* What of a module's tensors: PyTorch's parameters(), buffers(), and
 * state_dict() order (per module: its parameters, its buffers, then its
 * children's, in the order they were added). */
typedef enum lt_module_part { LT_MODULE_PARAMETERS = 0, LT_MODULE_BUFFERS = 1, LT_MODULE_STATE = 2 } lt_module_part;

typedef struct lt_host_api {
  size_t size;
  /* (new) target built from args_yaml (a YAML mapping, "{}" for none) through
   * the config's builder, checks and defaults; NULL with lt_last_error
   * naming file:line. */
  lt_child *(*make)(const char *file, int line, const char *target, const char *args_yaml);
  /* (new) a wrapper of a component argument (borrowed), NULL for null. */
  lt_child *(*arg_child)(const lt_value *v);
  void (*child_free)(lt_child *c);
  /* The module books (see lt_module_new below). */
  void *(*module_new)(size_t size);
  lt_tensor *(*module_register)(void *self, lt_module_part part, const char *name, lt_tensor *t);
  lt_child *(*module_add)(void *self, const char *name, lt_child *child);
  size_t (*module_tensors)(void *self, lt_module_part part, lt_tensor **out, const char **names, size_t max);
  void (*module_train)(void *self, int mode);
  int (*module_training)(void *self);
  lt_status (*module_done)(void *self, void **out, char *err, size_t errlen);
  void (*module_free)(void *self);
} lt_host_api;

#if !defined(LT_DIRECT) && !defined(LT__BUILDING_LIBRARY)
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

extern LT__HIDDEN const lt_host_api *lt__host;

static inline int lt__host_ok(const char *what) {
  if (lt__host) return 1;
  char msg[160];
  snprintf(msg, sizeof msg, "%s needs lighter-host (it is a service of the host, bound as a run loads plugins)", what);
  lt_set_error(msg, 0);
  return 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static inline lt_child *lt__make(const char *file, int line, const char *target, const char *fmt, ...) {
  char args[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(args, sizeof args, fmt ? fmt : "", ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof args) {
    lt_set_error("lt_make: the arguments are longer than 4096 bytes", 0);
    return (lt_child *)0;
  }
  return lt__host_ok("lt_make") ? lt__host->make(file, line, target, args) : (lt_child *)0;
}

/* (new) A built-in (or any loaded) component by _target_ name, its
 * arguments a YAML mapping written printf-style, checked and defaulted as
 * in a config: lt_make("torch.nn.Linear", "{in_features: %d, out_features:
 * %d}", in, out); "{}" for no arguments. NULL on error (lt_last_error
 * names this file:line). */
#define lt_make(target, ...) lt__make(__FILE__, __LINE__, target, __VA_ARGS__)

/* (new) A component parameter as a child, NULL when it is null. */
static inline lt_child *lt_arg_child(const lt_value *args, const char *name) {
  const lt_value *v = lt_arg(args, name);
  return v->is_null || !lt__host_ok("lt_arg_child") ? (lt_child *)0 : lt__host->arg_child(v);
}

/* (new) A component value (an item of a list or dict argument) as a
 * child, NULL with lt_last_error when it is not a built component. */
static inline lt_child *lt_value_child(const lt_value *v) {
  return lt__host_ok("lt_value_child") ? lt__host->arg_child(v) : (lt_child *)0;
}

/* Frees a child that was never added to a module (NULL is fine). */
static inline void lt_child_free(lt_child *c) {
  if (c && lt__host) lt__host->child_free(c);
}

static inline const void *lt__child_ops(const lt_child *c, lt_kind kind, const char *what) {
  if (c && c->component->kind == kind) return c->component->ops;
  lt_set_error(c ? "the child is not of the kind this call runs" : "no child (an lt_make failed?)", 0);
  (void)what;
  return (const void *)0;
}

/* Runs a child (new ref; NULL with a NULL input, as ops do). */
static inline lt_tensor *lt_forward(const lt_child *c, lt_tensor *x) {
  const lt_module_ops *ops = x ? (const lt_module_ops *)lt__child_ops(c, LT_KIND_MODULE, "lt_forward") : 0;
  return ops ? ops->forward(c->self, x) : (lt_tensor *)0;
}
static inline lt_tensor *lt_loss(const lt_child *c, lt_tensor *input, lt_tensor *target) {
  const lt_loss_ops *ops = input && target ? (const lt_loss_ops *)lt__child_ops(c, LT_KIND_LOSS, "lt_loss") : 0;
  return ops ? ops->forward(c->self, input, target) : (lt_tensor *)0;
}
static inline lt_status lt_metric_update(const lt_child *c, lt_tensor *preds, lt_tensor *target) {
  const lt_metric_ops *ops = (const lt_metric_ops *)lt__child_ops(c, LT_KIND_METRIC, "lt_metric_update");
  return !preds || !target ? LT_ERR_NULL : ops ? ops->update(c->self, preds, target) : LT_ERR_INVALID;
}
static inline lt_tensor *lt_metric_compute(const lt_child *c) {
  const lt_metric_ops *ops = (const lt_metric_ops *)lt__child_ops(c, LT_KIND_METRIC, "lt_metric_compute");
  return ops ? ops->compute(c->self) : (lt_tensor *)0;
}
static inline lt_tensor *lt_transform(const lt_child *c, lt_tensor *x, lt_rng *rng) {
  const lt_transform_ops *ops = x ? (const lt_transform_ops *)lt__child_ops(c, LT_KIND_TRANSFORM, "lt_transform") : 0;
  return ops ? ops->apply(c->self, x, rng) : (lt_tensor *)0;
}

/* A module that keeps its own books, as torch.nn.Module: lt_module_new
 * gives a zeroed struct of size bytes (the plugin's own fields) with the
 * host's books out of sight before it. create registers parameters,
 * buffers and children by name; parameters(), buffers(), the state-dict
 * order and names ("blocks.0.fc.weight"), train/eval down to every child,
 * and freeing are then the host's: the plugin writes forward. Errors of
 * the registering calls are kept until lt_module_done, so create checks
 * once, at its end. Any component may keep its books so (a dataset's
 * tensors as buffers, a model's children): its destroy is then
 * lt_module_free. Under lighter-host lt_module_new never returns NULL. */
static inline void *lt_module_new(size_t size) { return lt__host_ok("lt_module_new") ? lt__host->module_new(size) : 0; }
/* Registers t (new ref: the module owns it) as a parameter (it then
 * requires grad); returns it (borrowed), NULL when t is NULL. */
static inline lt_tensor *lt_register_parameter(void *m, const char *name, lt_tensor *t) {
  return lt__host->module_register(m, LT_MODULE_PARAMETERS, name, t);
}
static inline lt_tensor *lt_register_buffer(void *m, const char *name, lt_tensor *t) {
  return lt__host->module_register(m, LT_MODULE_BUFFERS, name, t);
}
/* Adds child under the name printf-formatted ("blocks.%d.fc"); returns it
 * (borrowed). A NULL child (a failed lt_make) is recorded as the error. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline lt_child *lt_add_module(void *m, lt_child *child, const char *fmt, ...) {
  char name[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(name, sizeof name, fmt, ap);
  va_end(ap);
  return lt__host->module_add(m, name, child);
}
/* 1 in training mode (the default), 0 in evaluation mode. */
static inline int lt_training(void *m) { return lt__host->module_training(m); }
/* The end of create: LT_OK with *self = m, or the first registering error
 * in err, m freed. */
static inline lt_status lt_module_done(void *m, void **self, char *err, size_t errlen) {
  if (!m) {
    snprintf(err, errlen, "%s", lt_last_error()[0] ? lt_last_error() : "out of memory");
    return LT_ERR_NOMEM;
  }
  return lt__host->module_done(m, self, err, errlen);
}
/* The generic members of such a module's tables. */
static inline void lt_module_free(void *m) {
  if (m) lt__host->module_free(m);
}
static inline size_t lt_module_parameters(void *m, lt_tensor **out, const char **names, size_t max) {
  return lt__host->module_tensors(m, LT_MODULE_PARAMETERS, out, names, max);
}
static inline size_t lt_module_buffers(void *m, lt_tensor **out, const char **names, size_t max) {
  return lt__host->module_tensors(m, LT_MODULE_BUFFERS, out, names, max);
}
static inline size_t lt_module_state(void *m, lt_tensor **out, const char **names, size_t max) {
  return lt__host->module_tensors(m, LT_MODULE_STATE, out, names, max);
}
static inline void lt_module_train(void *m, int mode) { lt__host->module_train(m, mode); }

/* A dataset's sample being filled (lt_get_fn): named tensors, no arrays
 * to manage. */
typedef struct lt_sample {
  lt_tensor **out;
  const char **names;
  int max, n, failed;
} lt_sample;

/* Adds t (new ref) to the sample under name; a NULL t (a failed op) fails
 * the sample with lt_last_error. */
static inline void lt_sample_set(lt_sample *s, const char *name, lt_tensor *t) {
  if (!t || s->n >= s->max) {
    s->failed = 1;
    if (t) lt_set_error("the sample has more tensors than the loader takes", 0);
    return;
  }
  s->out[s->n] = t;
  s->names[s->n++] = name;
}

/* Sample index (already checked to be in range) into s. */
typedef lt_status (*lt_get_fn)(void *self, int64_t index, lt_sample *s);

static inline int lt__dataset_get(lt_get_fn get, int64_t len, void *self, int64_t i, lt_tensor **out,
                                  const char **names, int max, char *err, size_t errlen) {
  if (i < 0 || i >= len) {
    snprintf(err, errlen, "index %lld out of range (%lld samples)", (long long)i, (long long)len);
    return -1;
  }
  lt_sample s = {out, names, max, 0, 0};
  lt_status st = get(self, i, &s);
  if (st == LT_OK && !s.failed) return s.n;
  for (int k = 0; k < s.n; k++) lt_tensor_free(out[k]);
  snprintf(err, errlen, "%s", lt_last_error()[0] ? lt_last_error() : lt_status_str(st));
  return -1;
}

/* A dataset's table (named name_) from its len and an lt_get_fn:
 * LT_DATASET_OPS(ops, len, get); the index is checked for it. */
#define LT_DATASET_OPS(name_, len_, get_)                                                                  \
  static int name_##_get_(void *self, int64_t i, lt_tensor **out, const char **names, int max, char *err, \
                          size_t errlen) {                                                                \
    return lt__dataset_get(get_, len_(self), self, i, out, names, max, err, errlen);                      \
  }                                                                                                       \
  static const lt_dataset_ops name_ = {sizeof(lt_dataset_ops), len_, name_##_get_, 0, 0, 0}

/* The books as a state dict: every registered parameter and buffer by its
 * name, e.g. as a callback's state_save / state_load (its counters kept as
 * buffers then survive a resume with no code of its own). Loading checks
 * every tensor first (present, same shape) and changes nothing on error. */
static inline lt_status lt_module_state_save(void *m, lt_state *out) {
  size_t n = lt_module_state(m, NULL, NULL, 0);
  lt_tensor **t = (lt_tensor **)calloc(n + 1, sizeof *t);
  const char **names = (const char **)calloc(n + 1, sizeof *names);
  lt_status s = t && names ? LT_OK : LT_ERR_NOMEM;
  if (s == LT_OK) lt_module_state(m, t, names, n);
  for (size_t i = 0; i < n && s == LT_OK; i++) s = lt_state_set_tensor(out, names[i], t[i]);
  free(t);
  free((void *)names);
  return s;
}
static inline lt_status lt_module_state_load(void *m, const lt_state *in, char *err, size_t errlen) {
  size_t n = lt_module_state(m, NULL, NULL, 0), i;
  lt_tensor **t = (lt_tensor **)calloc(2 * n + 1, sizeof *t);
  const char **names = (const char **)calloc(n + 1, sizeof *names);
  lt_status s = t && names ? LT_OK : LT_ERR_NOMEM;
  if (s == LT_OK) lt_module_state(m, t, names, n);
  for (i = 0; i < n && s == LT_OK; i++) {
    int64_t a[16], b[16];
    int da, db;
    t[n + i] = lt_state_get_tensor(in, names[i]);
    da = lt_tensor_shape(t[i], a, 16), db = t[n + i] ? lt_tensor_shape(t[n + i], b, 16) : -1;
    if (da != db || memcmp(a, b, sizeof a[0] * (size_t)(da > 0 ? da : 0))) {
      snprintf(err, errlen, "'%s' is %s in the checkpoint", names[i], t[n + i] ? "of another shape" : "missing");
      s = LT_ERR_FORMAT;
    }
  }
  for (i = 0; i < n && s == LT_OK; i++) s = lt_tensor_copy_(t[i], t[n + i]);
  for (i = 0; t && i < n; i++) lt_tensor_free(t[n + i]);
  free(t);
  free((void *)names);
  return s;
}

/* The component of such a module: LT_MODULE("examples.Net", "summary",
 * params, create, forward) in a plugin's components array. */
#define LT_MODULE_OPS(forward_)                                                                                  \
  {sizeof(lt_module_ops), forward_, lt_module_parameters, lt_module_train, lt_module_buffers, lt_module_state, \
   (lt_tensor * (*)(void *, lt_tensor *const *, int))0}
#define LT_MODULE(target_, summary_, params_, create_, forward_)                                             \
  {target_, LT_KIND_MODULE, summary_, params_, LT_COUNT_OF(params_), create_, lt_module_free,               \
   &(const lt_module_ops)LT_MODULE_OPS(forward_)}
#endif


#if !defined(LT_DIRECT) && !defined(LT__BUILDING_LIBRARY)
/* One per plugin: the descriptor, the tensor-layer pointer and its binder.
 * components is a static array of lt_component; init may be NULL. */
#define LT_PLUGIN_DEFINE(name_, version_, description_, license_, components_, init_)        \
  LT_API_DEFINE();                                                                          \
  LT__HIDDEN const lt_host_api *lt__host = 0;                                               \
  LT_EXPORT void lt_plugin_bind_host(const lt_host_api *host) { lt__host = host; }          \
  LT_EXPORT lt_status lt_plugin_bind(const lt_api *api) { return lt_api_bind(api); }        \
  LT_EXPORT const lt_plugin lt_plugin_descriptor = {LT_ABI_MAJOR,  LT_ABI_MINOR, name_,     \
                                                    version_,      description_, license_,  \
                                                    components_,   LT__COUNT_OF(components_), \
                                                    init_}
#endif

#ifdef __cplusplus
}
#endif

#endif /* LIGHTER_PLUGIN_H */
