/* crash.c: the crash report. When a fatal signal (SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGABRT) or an exit() ends the process inside plugin code, name
 * the innermost plugin file, component and hook, on whichever thread.
 *
 * Two sources, because neither is enough alone:
 * - a thread-local stack of call frames (plugin, component, hook) that the
 *   host pushes around each of its own calls into a plugin (init, create,
 *   a step, a hook, destroy). It knows the hook's name ("on_train_epoch_end")
 *   but not calls that one plugin makes into another through a kind table
 *   (a Sequential's children, a DataLoader's dataset, on its own threads);
 * - the crashing thread's stack, unwound from the signal handler: the
 *   innermost return address that lies in a loaded plugin names the plugin,
 *   and the function that plugin was entered through (the outermost of its
 *   consecutive frames) is matched against its components' kind tables to
 *   name the component and the operation ("forward", "get").
 * The unwinder (libgcc's, over .eh_frame) finds objects with glibc's
 * lock-free _dl_find_object and does not allocate, so it is safe enough in a
 * handler that is about to end the process anyway; a watchdog alarm still
 * ends a report that cannot finish. */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include "plugin.h"

#include <link.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unwind.h>

enum {
  CRASH_MAX_DEPTH = 32,    /* nested host calls remembered per thread */
  CRASH_MAX_PLUGINS = 1024, /* plugins whose code can be told apart */
  CRASH_MAX_UNWIND = 256,   /* frames looked at on the crashing thread */
  CRASH_WATCHDOG_S = 10,    /* seconds the report may take */
};

/* ---- the host's calls into plugins, per thread ------------------------- */

typedef struct crash_frame {
  const char *plugin, *component, *hook;
} crash_frame;

static __thread crash_frame t_frames[CRASH_MAX_DEPTH];
static __thread int t_depth;

void host_crash_push(const char *plugin, const char *component, const char *hook) {
  if (t_depth < CRASH_MAX_DEPTH) t_frames[t_depth] = (crash_frame){plugin, component, hook};
  t_depth++;
}

void host_crash_pop(void) {
  if (t_depth > 0) t_depth--;
}

/* The innermost frame of this thread, or NULL. */
static const crash_frame *top_frame(void) {
  int d = t_depth < CRASH_MAX_DEPTH ? t_depth : CRASH_MAX_DEPTH;
  return d > 0 ? &t_frames[d - 1] : NULL;
}

/* ---- where each plugin's code is --------------------------------------- */

typedef struct crash_plugin {
  uintptr_t lo, hi; /* its mapped segments */
  char *path;
  const lt_plugin *desc;
} crash_plugin;

static crash_plugin g_plugins[CRASH_MAX_PLUGINS];
static volatile sig_atomic_t g_nplugins;

typedef struct span_query {
  uintptr_t inside; /* an address in the object (its descriptor) */
  uintptr_t lo, hi;
} span_query;

static int find_span(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  span_query *q = arg;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    uintptr_t a = info->dlpi_addr + ph->p_vaddr;
    if (a < lo) lo = a;
    if (a + ph->p_memsz > hi) hi = a + ph->p_memsz;
  }
  if (q->inside < lo || q->inside >= hi) return 0;
  q->lo = lo, q->hi = hi;
  return 1;
}

void host_crash_plugin_add(const char *path, const lt_plugin *desc) {
  span_query q = {(uintptr_t)desc, 0, 0};
  if (g_nplugins >= CRASH_MAX_PLUGINS || !dl_iterate_phdr(find_span, &q)) return;
  crash_plugin *p = &g_plugins[g_nplugins];
  p->path = strdup(path);
  if (!p->path) return;
  p->desc = desc, p->lo = q.lo, p->hi = q.hi;
  g_nplugins++; /* published last: a handler sees only complete entries */
}

void host_crash_plugin_drop(const lt_plugin *desc) {
  for (int i = 0; i < g_nplugins; i++)
    if (g_plugins[i].desc == desc) g_plugins[i].lo = g_plugins[i].hi = 0; /* unloaded: matches nothing */
}

static const crash_plugin *plugin_at(uintptr_t pc) {
  for (int i = 0; i < g_nplugins; i++)
    if (pc >= g_plugins[i].lo && pc < g_plugins[i].hi) return &g_plugins[i];
  return NULL;
}

/* ---- naming a function by the kind table it is in ---------------------- */

typedef struct crash_op {
  size_t offset;
  const char *name;
} crash_op;

#define OP(type, member) {offsetof(type, member), #member}
static const crash_op module_ops[] = {OP(lt_module_ops, forward), OP(lt_module_ops, parameters),
                                      OP(lt_module_ops, train),   OP(lt_module_ops, buffers),
                                      OP(lt_module_ops, state),   OP(lt_module_ops, forward_n), {0, NULL}};
static const crash_op loss_ops[] = {OP(lt_loss_ops, forward), {0, NULL}};
static const crash_op optimizer_ops[] = {
    OP(lt_optimizer_ops, step),       OP(lt_optimizer_ops, zero_grad),  OP(lt_optimizer_ops, num_groups),
    OP(lt_optimizer_ops, get_lr),     OP(lt_optimizer_ops, set_lr),     OP(lt_optimizer_ops, get_option),
    OP(lt_optimizer_ops, set_option), OP(lt_optimizer_ops, state_save), OP(lt_optimizer_ops, state_load),
    {0, NULL}};
static const crash_op scheduler_ops[] = {
    OP(lt_scheduler_ops, step),           OP(lt_scheduler_ops, get_last_lr),    OP(lt_scheduler_ops, state_save),
    OP(lt_scheduler_ops, state_load),     OP(lt_scheduler_ops, get_last_epoch), OP(lt_scheduler_ops, set_last_epoch),
    OP(lt_scheduler_ops, step_to),        {0, NULL}};
static const crash_op metric_ops[] = {OP(lt_metric_ops, update), OP(lt_metric_ops, compute), OP(lt_metric_ops, reset),
                                      OP(lt_metric_ops, states), OP(lt_metric_ops, name),    OP(lt_metric_ops, members),
                                      {0, NULL}};
static const crash_op dataset_ops[] = {OP(lt_dataset_ops, len), OP(lt_dataset_ops, get), OP(lt_dataset_ops, sample),
                                       OP(lt_dataset_ops, thread_safe), {0, NULL}};
static const crash_op transform_ops[] = {OP(lt_transform_ops, apply), {0, NULL}};
static const crash_op loader_ops[] = {OP(lt_loader_ops, num_batches), OP(lt_loader_ops, num_samples),
                                      OP(lt_loader_ops, start),       OP(lt_loader_ops, next),
                                      OP(lt_loader_ops, stop),        OP(lt_loader_ops, set_shard),
                                      OP(lt_loader_ops, batch_indices), {0, NULL}};
static const crash_op model_ops[] = {OP(lt_model_ops, training_step), OP(lt_model_ops, validation_step),
                                     OP(lt_model_ops, test_step),     OP(lt_model_ops, predict_step),
                                     OP(lt_model_ops, hook),          {0, NULL}};
static const crash_op callback_ops[] = {OP(lt_callback_ops, hook), OP(lt_callback_ops, state_save),
                                        OP(lt_callback_ops, state_load), {0, NULL}};
static const crash_op datamodule_ops[] = {OP(lt_datamodule_ops, loader), {0, NULL}};
#undef OP

static const crash_op *ops_of_kind(lt_kind k) {
  switch (k) {
  case LT_KIND_MODULE: return module_ops;
  case LT_KIND_MODEL: return model_ops;
  case LT_KIND_DATASET: return dataset_ops;
  case LT_KIND_TRANSFORM: return transform_ops;
  case LT_KIND_LOSS: return loss_ops;
  case LT_KIND_OPTIMIZER: return optimizer_ops;
  case LT_KIND_SCHEDULER: return scheduler_ops;
  case LT_KIND_METRIC: return metric_ops;
  case LT_KIND_CALLBACK: return callback_ops;
  case LT_KIND_DATALOADER: return loader_ops;
  case LT_KIND_DATAMODULE: return datamodule_ops;
  default: return NULL;
  }
}

/* The name of fn in component c's kind table (respecting the table's own
 * size), "create" or "destroy", or NULL. */
static const char *op_name(const lt_component *c, uintptr_t fn) {
  if ((uintptr_t)c->create == fn) return "create";
  if (c->destroy && (uintptr_t)c->destroy == fn) return "destroy";
  const crash_op *t = ops_of_kind(c->kind);
  if (!t || !c->ops) return NULL;
  const char *ops = c->ops;
  size_t size = *(const size_t *)c->ops;
  for (; t->name; t++) {
    void (*f)(void);
    if (t->offset + sizeof f > size) break;
    memcpy(&f, ops + t->offset, sizeof f);
    if (f && (uintptr_t)f == fn) return t->name;
  }
  return NULL;
}

/* ---- the report -------------------------------------------------------- */

typedef struct crash_walk {
  uintptr_t pc[CRASH_MAX_UNWIND]; /* an address inside each frame's function */
  uintptr_t fn[CRASH_MAX_UNWIND]; /* the start of that function (0: unknown) */
  int n;
} crash_walk;

static _Unwind_Reason_Code on_unwind(struct _Unwind_Context *ctx, void *arg) {
  crash_walk *w = arg;
  int exact = 0;
  uintptr_t pc = _Unwind_GetIPInfo(ctx, &exact);
  if (!pc) return _URC_END_OF_STACK;
  /* a return address points after the call, maybe into the next function;
   * the interrupted instruction of a signal frame is exact */
  w->pc[w->n] = exact ? pc : pc - 1;
  w->fn[w->n] = _Unwind_GetRegionStart(ctx);
  return ++w->n < CRASH_MAX_UNWIND ? _URC_NO_REASON : _URC_END_OF_STACK;
}

/* Who ran: a plugin, maybe its component and hook. */
typedef struct crash_blame {
  const char *plugin, *component, *hook;
  int from; /* the walk's frames [from, to) are this plugin's; -1: from the call frames */
  int to;
} crash_blame;

/* The component of p that provides target, or NULL. */
static const lt_component *component_named(const crash_plugin *p, const char *target) {
  for (size_t i = 0; target && i < p->desc->ncomponents; i++)
    if (p->desc->components[i].target && !strcmp(p->desc->components[i].target, target)) return &p->desc->components[i];
  return NULL;
}

/* The host's innermost call frame into p on this thread, or NULL. A frame
 * may name a component and not its plugin (callbacks). */
static const crash_frame *frame_for(const crash_plugin *p) {
  int d = t_depth < CRASH_MAX_DEPTH ? t_depth : CRASH_MAX_DEPTH;
  for (int i = d - 1; i >= 0; i--) {
    const crash_frame *f = &t_frames[i];
    if (f->plugin ? !strcmp(f->plugin, p->path) : component_named(p, f->component) != NULL) return f;
  }
  return NULL;
}

/* The innermost of the walk's frames [from, to) (one plugin's) that is
 * one of c's operations: its component and operation name into b. */
static int match_op(const crash_walk *w, const crash_plugin *p, int from, int to, crash_blame *b) {
  for (int i = from; i < to; i++)
    for (size_t k = 0; w->fn[i] && k < p->desc->ncomponents; k++) {
      const char *op = op_name(&p->desc->components[k], w->fn[i]);
      if (op) {
        b->component = p->desc->components[k].target, b->hook = op;
        return 1;
      }
    }
  return 0;
}

/* The next plugin on the walk at or after frame i: which, and through
 * which component and operation it was entered. 0 when there is none. */
static int blame_walk(const crash_walk *w, int i, crash_blame *b) {
  const crash_plugin *p = NULL;
  while (i < w->n && !(p = plugin_at(w->pc[i]))) i++;
  if (!p) return 0;
  int to = i;
  while (to < w->n && plugin_at(w->pc[to]) == p) to++;
  *b = (crash_blame){p->path, NULL, NULL, i, to};
  int matched = match_op(w, p, i, to, b);
  const crash_frame *f = frame_for(p);
  /* the host's own words for its call ("on_train_epoch_end", not "hook"),
   * unless the code ran is another component's of the same plugin */
  if (f && (!matched || (f->component && !strcmp(f->component, b->component))))
    b->component = f->component, b->hook = f->hook;
  else if (!matched && p->desc->ncomponents == 1)
    b->component = p->desc->components[0].target;
  return 1;
}

static void say(const char *s) {
  if (s) {
    ssize_t r = write(2, s, strlen(s));
    (void)r;
  }
}

/* "plugin P, component C, during H" (async-signal-safe). */
static void say_blame(const char *plugin, const char *component, const char *hook) {
  say("plugin ");
  say(plugin);
  if (component) say(", component "), say(component);
  if (hook) say(", during "), say(hook);
}

static int on_worker_thread(void) { return (pid_t)syscall(SYS_gettid) != getpid(); }

static volatile sig_atomic_t g_signal;

/* The report could not finish (the unwinder stuck): end as the signal would. */
static void on_watchdog(int sig) {
  (void)sig;
  say("\n(the crash report could not finish)\n");
  signal(g_signal, SIG_DFL);
  raise(g_signal);
  _exit(128 + g_signal);
}

static const char *signal_text(int sig) {
  switch (sig) {
  case SIGSEGV: return "SIGSEGV (invalid memory access)";
  case SIGBUS: return "SIGBUS (bus error)";
  case SIGFPE: return "SIGFPE (arithmetic error)";
  case SIGILL: return "SIGILL (illegal instruction)";
  case SIGABRT: return "SIGABRT (abort)";
  default: return "a fatal signal";
  }
}

/* The plugin of a call frame that names only its component (callbacks). */
static const char *frame_plugin(const crash_frame *f) {
  if (f->plugin) return f->plugin;
  for (int i = 0; f->component && i < g_nplugins; i++)
    if (g_plugins[i].hi && component_named(&g_plugins[i], f->component)) return g_plugins[i].path;
  return NULL;
}

/* The caller of the blamed code, when it says more: the next plugin out on
 * the walk, else the host's innermost call frame if it is not the blamed one. */
static void say_caller(const crash_walk *w, const crash_blame *b) {
  crash_blame c;
  const crash_frame *top = top_frame();
  if (b->from >= 0 && blame_walk(w, b->to, &c)) {
    say("It was called by "), say_blame(c.plugin, c.component, c.hook), say(".\n");
  } else if (b->from >= 0 && top && frame_plugin(top) && strcmp(frame_plugin(top), b->plugin)) {
    say("It was called by "), say_blame(frame_plugin(top), top->component, top->hook), say(".\n");
  }
}

/* Who to blame for what this thread is doing now: the innermost plugin on
 * its stack, else the host's innermost call frame (a stack we could not
 * read). 0: the host itself. */
static int blame_now(crash_walk *w, crash_blame *b) {
  w->n = 0;
  _Unwind_Backtrace(on_unwind, w);
  if (blame_walk(w, 0, b)) return 1;
  const crash_frame *top = top_frame();
  if (!top || !frame_plugin(top)) return 0;
  *b = (crash_blame){frame_plugin(top), top->component, top->hook, -1, -1};
  return 1;
}

static crash_walk g_walk; /* one report at a time: SA_RESETHAND ends a second crash */

static void on_crash(int sig) {
  g_signal = sig;
  signal(SIGALRM, on_watchdog);
  alarm(CRASH_WATCHDOG_S);
  say("lighter-host: crashed with ");
  say(signal_text(sig));
  crash_blame b;
  if (blame_now(&g_walk, &b)) {
    say(" in ");
    say_blame(b.plugin, b.component, b.hook);
    if (on_worker_thread()) say(" (on a worker thread)");
    say(".\nThis is a bug in that plugin; run under gdb or valgrind to find it.\n");
    say_caller(&g_walk, &b);
  } else {
    say(" in lighter-host itself.\n");
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

/* exit() called by a plugin (inside a create, step, hook, a dataset's get
 * on a loader thread...): whatever status it gave, the run did not finish,
 * so say so and exit 1 rather than let a script take a half-done run for a
 * success. An exit from the host's own code (main returning) passes. */
static void on_exit_in_plugin(void) {
  crash_blame b;
  if (!blame_now(&g_walk, &b)) return;
  say("lighter-host: ");
  say("plugin "), say(b.plugin);
  if (b.component) say(", component "), say(b.component);
  say(", called exit()");
  if (b.hook) say(" during "), say(b.hook);
  say("; the run did not finish and nothing more was saved. A plugin reports a failure by returning an error "
      "status, never by exiting.\n");
  _exit(1);
}

static _Unwind_Reason_Code count_frame(struct _Unwind_Context *ctx, void *arg) {
  (void)ctx;
  ++*(int *)arg;
  return _URC_NO_REASON;
}

void host_crash_handlers_install(void) {
  static char altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  int frames = 0;
  _Unwind_Backtrace(count_frame, &frames); /* binds the unwinder now, not in a handler */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_crash;
  sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  atexit(on_exit_in_plugin);
}
