/* fail_fork.c: an LD_PRELOAD shim for tests/e2e/ddp.sh: the Nth fork() of
 * the process (N from LT_TEST_FAIL_FORK) fails with EAGAIN, as when the
 * process limit is reached, so that the self-spawn's handling of a worker
 * that cannot start is tested without test code in the host. Processes
 * the host started as ranks (LIGHTER_LAUNCHER set) fork normally. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

pid_t fork(void) {
  static int calls;
  static pid_t (*real_fork)(void);
  if (!real_fork) real_fork = (pid_t(*)(void))dlsym(RTLD_NEXT, "fork");
  const char *n = getenv("LT_TEST_FAIL_FORK");
  if (n && !getenv("LIGHTER_LAUNCHER") && ++calls == atoi(n)) {
    errno = EAGAIN;
    return -1;
  }
  return real_fork();
}
