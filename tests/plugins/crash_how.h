/* crash_how.h: the crash a crash_* test plugin makes, by name: segv (a NULL
 * dereference), abort (abort()), and bus, fpe, ill (the signal raised), so
 * that the host's crash report can be tested for every fatal signal. */
#ifndef TEST_CRASH_HOW_H
#define TEST_CRASH_HOW_H

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define CRASH_HOW_CHOICES "segv|bus|fpe|ill|abort"

/* A parameter's text kept past create (C99 has no strdup). */
typedef struct crash_text {
  char s[64];
} crash_text;

static inline crash_text crash_keep(const char *s) {
  crash_text t;
  size_t n = strlen(s) < sizeof t.s - 1 ? strlen(s) : sizeof t.s - 1;
  memcpy(t.s, s, n), t.s[n] = 0;
  return t;
}

static inline int crash_how(const char *how) {
  if (!strcmp(how, "segv")) {
    volatile int *nowhere = NULL;
    return *nowhere; /* a plugin bug: the host must name it */
  }
  if (!strcmp(how, "abort")) abort();
  raise(!strcmp(how, "bus") ? SIGBUS : !strcmp(how, "fpe") ? SIGFPE : SIGILL);
  return 0;
}

#endif
