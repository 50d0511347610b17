/* tb_writer.c: one TensorBoardLogger's event file, written as
 * torch.utils.tensorboard's SummaryWriter writes it for Lightning:
 * TFRecords of Event messages (tb_proto.c), the first the file_version
 * "brain.Event:2", then hp_metric and the hparams plugin's summaries, then
 * a scalar per logged value (Summary.Value.simple_value, a float32, at the
 * row's step). The float32 is made from the value as its metrics.csv cell
 * holds it (9 significant digits), so that both files agree value for
 * value; against the float32 of the full double (what Lightning writes) it
 * differs by one float32 step for under 1 % of averaged values, and never
 * for a value that was a float32 already (a step's loss, a metric). The events of a flush go out in one write(); when it is
 * short or fails the file is cut back (ftruncate) to its last complete
 * record, so TensorBoard never meets a torn record, and the run stops
 * naming the file (as metrics.csv does). The file is created with O_EXCL
 * and O_NOFOLLOW: nothing planted under its name is followed or reused. */
#include "tb_writer.h"

#include "dist.h"
#include "metrics_csv.h"
#include "run_path.h"
#include "tb_proto.h"
#include "trainer.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct host_tb {
  int fd;
  off_t end; /* the end of the last complete record */
  char path[2048];
  char prefix[256]; /* Lightning's prefix: tags are "prefix-key" */
  int default_hp_metric;
};

/* SummaryWriter's per-process count of event files (the name's last part). */
static int files_opened;

double host_wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *host_tb_path(const host_tb *t) { return t->path; }

/* The events in buf, framed as records, appended in one write. */
static int write_events(host_tb *t, const host_pb *events, const size_t *ends, size_t n, const char *lost) {
  host_pb recs = {0};
  for (size_t i = 0, at = 0; i < n; at = ends[i++]) host_tb_record(&recs, events->b + at, ends[i] - at);
  int rc = 0;
  if (host_write_all(t->fd, recs.b, recs.len) == 0) {
    t->end += (off_t)recs.len;
  } else {
    int err = errno;
    int cut = ftruncate(t->fd, t->end) == 0 && lseek(t->fd, t->end, SEEK_SET) == t->end;
    rc = host_failf("cannot write '%s': %s; %s (%s); %s", t->path, strerror(err),
                    !cut ? "its last record may be incomplete" : t->end ? "it ends at its last complete record"
                                                                        : "it is empty",
                    lost,
                    host_write_advice(err));
  }
  host_pb_free(&recs);
  return rc;
}

host_tb *host_tb_open(const char *run_dir, const char *log_dir, const host_logger_cfg *cfg) {
  host_tb *t = calloc(1, sizeof *t);
  if (!t) abort();
  char hostname[256] = "localhost";
  if (gethostname(hostname, sizeof hostname) != 0) snprintf(hostname, sizeof hostname, "localhost");
  hostname[sizeof hostname - 1] = 0;
  for (char *c = hostname; *c; c++)
    if (*c == '/') *c = '_';
  double now = host_wall_now();
  snprintf(t->path, sizeof t->path, "%s/events.out.tfevents.%010lld.%s.%ld.%d%s", log_dir, (long long)now, hostname,
           (long)getpid(), files_opened++, cfg->filename_suffix);
  snprintf(t->prefix, sizeof t->prefix, "%s", cfg->prefix);
  t->default_hp_metric = cfg->default_hp_metric;
  char why[8192];
  if (host_run_path_check(run_dir, t->path, why, sizeof why) != 0) {
    host_failf("TensorBoardLogger: %s", why);
    free(t);
    return NULL;
  }
  t->fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (t->fd < 0) {
    int err = errno;
    host_failf("cannot create the TensorBoard event file '%s': %s; %s", t->path, strerror(err), host_write_advice(err));
    free(t);
    return NULL;
  }
  host_pb ev = {0};
  host_tb_event_file_version(&ev, now, "lighter-host");
  size_t end = ev.len;
  int rc = write_events(t, &ev, &end, 1, "not even its first event");
  host_pb_free(&ev);
  if (rc) {
    host_tb_close(t);
    return NULL;
  }
  return t;
}

/* The tag of a logged key: Lightning's prefix-key, or the key. */
static const char *tag_of(const host_tb *t, const char *key, char *buf, size_t len) {
  if (!*t->prefix) return key;
  snprintf(buf, len, "%s-%s", t->prefix, key);
  return buf;
}

int host_tb_log_hyperparams(host_tb *t, const cfg_node *config) {
  if (!t->default_hp_metric) return 0; /* Lightning logs hyperparameters only with a metric */
  static const char *const metric = "hp_metric";
  static const char *const tags[3] = {"_hparams_/experiment", "_hparams_/session_start_info",
                                      "_hparams_/session_end_info"};
  host_hparams hp;
  host_hparams_flatten(config, &hp);
  host_pb ev = {0}, content = {0};
  size_t ends[4];
  char tag[600];
  double now = host_wall_now();
  host_tb_event_scalar(&ev, now, 0, tag_of(t, metric, tag, sizeof tag), -1.0f);
  ends[0] = ev.len;
  for (int i = 0; i < 3; i++) {
    if (i == 0) host_tb_hparams_experiment(&content, &hp, &metric, 1);
    else if (i == 1) host_tb_hparams_session_start(&content, &hp);
    else host_tb_hparams_session_end(&content, HOST_TB_STATUS_SUCCESS);
    host_tb_event_plugin(&ev, now, tags[i], "hparams", &content);
    content.len = 0;
    ends[i + 1] = ev.len;
  }
  int rc = write_events(t, &ev, ends, 4, "without the hyperparameters");
  host_pb_free(&ev), host_pb_free(&content);
  host_hparams_free(&hp);
  return rc;
}

int host_tb_write_rows(host_tb *t, const host_log *l, size_t upto) {
  host_pb ev = {0};
  size_t n = 0, cap = 0, *ends = NULL;
  char tag[600];
  for (size_t r = 0; r < upto; r++)
    for (size_t k = 0; k <= l->nkeys; k++) { /* each key in order of first appearance, then the epoch */
      double v = k < l->nkeys ? l->values[r * l->cap_keys + k] : l->epochs[r] >= 0 ? (double)l->epochs[r] : NAN;
      if (isnan(v)) continue;
      host_tb_event_scalar(&ev, l->times[r], l->steps[r], tag_of(t, k < l->nkeys ? l->keys[k] : "epoch", tag, sizeof tag),
                           (float)host_log_cell_value(v));
      if (n == cap && !(ends = realloc(ends, (cap = cap ? cap * 2 : 64) * sizeof *ends))) abort();
      ends[n++] = ev.len;
    }
  char lost[160];
  snprintf(lost, sizeof lost, "the %zu values logged since its last write are not in it", n);
  int rc = n ? write_events(t, &ev, ends, n, lost) : 0;
  host_pb_free(&ev);
  free(ends);
  return rc;
}

void host_tb_close(host_tb *t) {
  if (!t) return;
  if (t->fd >= 0) close(t->fd);
  free(t);
}
