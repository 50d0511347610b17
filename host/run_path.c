/* run_path.c: a path the host placed inside a run folder stays inside it
 * on disk. A run folder can be reused (resume, another stage,
 * LIGHTER_OVERWRITE_RUN), and a symlink planted in it (version_0/checkpoints
 * -> /somewhere/else) would send what the run writes there elsewhere. Each
 * existing part of the path below the run folder is looked at: a symlink
 * whose target lies outside the run folder (or points nowhere) is refused.
 * This is checked just before each write; someone who can change the run
 * folder while the run writes could still race it, but a planted link
 * cannot. (plugins/callbacks/writer.h does the same for the callbacks that
 * write their own files.) Also the atomic writes of run.yaml and a sweep's
 * files, and mkdir -p for the run and sweep folders. */
#include "run_path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1 when real is root or below it. */
static int below(const char *real, const char *root) {
  size_t n = strlen(root);
  return !strncmp(real, root, n) && (real[n] == 0 || real[n] == '/' || (n == 1 && root[0] == '/'));
}

int host_run_path_check(const char *run_dir, const char *path, char *why, size_t len) {
  size_t rl = strlen(run_dir);
  if (!rl || strncmp(path, run_dir, rl) || path[rl] != '/') return 0; /* not placed in the run folder */
  char root[PATH_MAX], at[PATH_MAX];
  if (!realpath(run_dir, root)) return 0; /* the write itself reports it */
  snprintf(at, sizeof at, "%s", run_dir);
  for (const char *p = path + rl; *p;) {
    while (*p == '/') p++;
    size_t n = strcspn(p, "/"), used = strlen(at);
    if (!n) break;
    if (used + 1 + n >= sizeof at) return 0;
    snprintf(at + used, sizeof at - used, "/%.*s", (int)n, p);
    p += n;
    struct stat st;
    if (lstat(at, &st) != 0) return 0; /* what does not exist yet, the run makes */
    if (!S_ISLNK(st.st_mode)) continue;
    char real[PATH_MAX], target[PATH_MAX] = "?";
    ssize_t t = readlink(at, target, sizeof target - 1);
    if (t >= 0) target[t] = 0;
    int inside = realpath(at, real) && below(real, root);
    if (inside) continue;
    snprintf(why, len, "'%s' would leave the run folder '%s': '%s' is a symlink to '%s', %s; a run folder is only "
             "written inside (remove the symlink, or give an absolute path to write there on purpose)",
             path, run_dir, at, target, realpath(at, real) ? "outside it" : "which does not exist");
    return -1;
  }
  return 0;
}

int host_mkdirs(const char *path) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return errno = ENAMETOOLONG, -1;
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      if (mkdir(buf, 0755) && errno != EEXIST) return -1;
      *p = '/';
    }
  return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

int host_write_atomic(const char *path, void (*put)(FILE *f, const void *ctx), const void *ctx) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid()) >= (int)sizeof tmp) return ENAMETOOLONG;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  int err = f ? 0 : errno;
  if (f) {
    put(f, ctx);
    err = ferror(f) ? (errno ? errno : EIO) : 0;
    if (fclose(f) && !err) err = errno;
    if (!err && rename(tmp, path)) err = errno;
  } else if (fd >= 0) {
    close(fd);
  }
  if (err) unlink(tmp);
  return err;
}
