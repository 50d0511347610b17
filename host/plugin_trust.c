/* plugin_trust.c: whether a plugin file may be loaded, as ssh's StrictModes
 * judges a key: not only the file but every folder on the way to it, with
 * each symlink followed to its target (a plugin folder of safe links to a
 * file under a folder anyone can write is not safe).
 *
 * The rule, per folder walked through: writable by others without the
 * sticky bit is refused (anyone could rename the entry we go through and
 * put their own in its place). A sticky world-writable folder such as /tmp
 * is accepted when root or this user owns it: there nobody but an entry's
 * owner can rename or delete it, and that is what makes /tmp/x/plugin.so as
 * safe as /tmp/x is. (The folder scanned for *.so files is stricter, see
 * host_plugins_load: anyone who can add a file there adds a plugin.) */
#include "plugin.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { TRUST_MAX_LINKS = 40 }; /* as the kernel's ELOOP limit */

/* Why folder dir (as walked) may not lead to a plugin, into why; 0 when it may. */
static int folder_unsafe(const char *dir, char *why, size_t len) {
  struct stat st;
  if (stat(dir, &st) != 0) return 0; /* the open that follows names the problem */
  if (!(st.st_mode & S_IWOTH)) return 0;
  if ((st.st_mode & S_ISVTX) && (st.st_uid == 0 || st.st_uid == getuid())) return 0;
  snprintf(why, len, "the folder %s on the way to it is writable by anyone (mode %o%s), so anyone could put another "
           "file in its place (fix: chmod o-w %s, or keep plugins under folders only you can write)",
           dir, (unsigned)(st.st_mode & 07777), st.st_mode & S_ISVTX ? ", sticky but owned by another user" : ", no sticky bit",
           dir);
  return 1;
}

/* Walks path (absolute) from the root, checking each folder it goes
 * through and following symlinks; *links counts them. */
static int walk(const char *path, int *links, char *why, size_t len) {
  char cur[PATH_MAX] = "";   /* the physical folder reached so far ("" is the root) */
  if (folder_unsafe("/", why, len)) return -1;
  for (const char *p = path; *p;) {
    while (*p == '/') p++;
    size_t n = strcspn(p, "/");
    if (!n) break;
    const char *rest = p + n;
    if (n == 1 && p[0] == '.') {
      p = rest;
      continue;
    }
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      char *slash = strrchr(cur, '/');
      if (slash) *slash = 0;
      p = rest;
      continue;
    }
    char next[PATH_MAX];
    if ((size_t)snprintf(next, sizeof next, "%s/%.*s", cur, (int)n, p) >= sizeof next) return 0;
    struct stat st;
    if (lstat(next, &st) != 0) return 0;
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX], joined[PATH_MAX * 2 + 2];
      ssize_t t = readlink(next, target, sizeof target - 1);
      if (t < 0 || ++*links > TRUST_MAX_LINKS) return 0; /* dlopen reports the loop */
      target[t] = 0;
      /* the link's own folder (cur) was checked; go on from its target */
      if (target[0] == '/') snprintf(joined, sizeof joined, "%s%s", target, rest);
      else snprintf(joined, sizeof joined, "%s/%s%s", cur, target, rest);
      return walk(joined, links, why, len);
    }
    if (S_ISDIR(st.st_mode) && folder_unsafe(next, why, len)) return -1;
    memcpy(cur, next, strlen(next) + 1);
    p = rest;
  }
  return 0;
}

int host_plugin_trusted(const char *path, char *why, size_t len) {
  char abs[PATH_MAX];
  if (path[0] == '/') {
    snprintf(abs, sizeof abs, "%s", path);
  } else {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return 0;
    if ((size_t)snprintf(abs, sizeof abs, "%s/%s", cwd, path) >= sizeof abs) return 0;
  }
  int links = 0;
  return walk(abs, &links, why, len) == 0;
}
