/* ckpt_lookup.c: --ckpt_path last and best: the newest last.ckpt among the
 * runs beside this one (by modification time, then version number), and
 * the best checkpoint that a ModelCheckpoint recorded in it. */
#include "trainer_impl.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The best checkpoint a ModelCheckpoint recorded in the state of the
 * checkpoint at path (replaced in place). 0, or 1 after saying why. */
static int best_of(const char *path, char *out, size_t len) {
  lt_clear_error();
  lt_state *ck = lt_state_load(path);
  lt_state *cbs = ck ? lt_state_get_state(ck, "callbacks") : NULL;
  int found = 0;
  for (int64_t i = 0; cbs && i < lt_state_len(cbs) && !found; i++) {
    const char *key = lt_state_key(cbs, i);
    if (strncmp(key, "ModelCheckpoint{", 16) && !strstr(key, "callbacks.ModelCheckpoint#")) continue;
    lt_state *st = lt_state_get_state(cbs, key);
    const char *best = st ? lt_state_get_string(st, "best_model_path") : NULL;
    if (best && *best) {
      char tmp[2100];
      snprintf(tmp, sizeof tmp, "%s", best);
      snprintf(out, len, "%s", tmp);
      found = 1;
    }
    lt_state_free(st);
  }
  lt_state_free(cbs);
  lt_state_free(ck);
  if (!found)
    fprintf(stderr, "lighter-host: --ckpt_path best: '%s' records no best checkpoint (give the trainer a "
                    "ModelCheckpoint callback)\n", path);
  return !found;
}

int host_ckpt_resolve(host_run *r) {
  if (!r->opts.ckpt_path || (strcmp(r->opts.ckpt_path, "last") && strcmp(r->opts.ckpt_path, "best"))) return 0;
  int rc = 0;
  /* the newest last.ckpt of the runs next to this one */
  static char found[2100];
  char base[1600], cand[2000];
  snprintf(base, sizeof base, "%s", r->run_dir);
  char *slash = strrchr(base, '/');
  if (slash && !strncmp(slash + 1, "version_", 8)) *slash = 0;
  /* the newest by modification time (nanoseconds), then by version number */
  double newest = -1;
  long long newest_v = -1;
  DIR *d = opendir(base);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    struct stat st;
    long long v = -1;
    sscanf(e->d_name, "version_%lld", &v);
    snprintf(cand, sizeof cand, "%s/%s/checkpoints/last.ckpt", base, e->d_name);
    if (stat(cand, &st)) continue;
    double t = (double)st.st_mtim.tv_sec + 1e-9 * (double)st.st_mtim.tv_nsec;
    if (t > newest || (t == newest && v > newest_v))
      newest = t, newest_v = v, snprintf(found, sizeof found, "%s", cand);
  }
  if (d) closedir(d);
  snprintf(cand, sizeof cand, "%s/checkpoints/last.ckpt", base);
  if (!stat(cand, &(struct stat){0}) && newest < 0) snprintf(found, sizeof found, "%s", cand), newest = 0;
  int best = !strcmp(r->opts.ckpt_path, "best");
  if (newest < 0) {
    fprintf(stderr, "lighter-host: --ckpt_path %s: no last.ckpt under '%s'; %s\n", r->opts.ckpt_path, base,
            best ? "no run to take the best checkpoint of" : "starting fresh");
    r->opts.ckpt_path = NULL;
    if (best) rc = 1;
  } else {
    r->opts.ckpt_path = found;
  }
  if (!rc && best && best_of(found, found, sizeof found)) rc = 1;
  return rc;
}
