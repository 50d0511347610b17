/* run_path.h: keeping what a run writes inside its run folder on disk;
 * writing a file atomically; making the folders of runs and sweeps. */
#ifndef HOST_RUN_PATH_H
#define HOST_RUN_PATH_H

#include <stddef.h>
#include <stdio.h>

/* 0 when path is not below run_dir by name, or is and stays there on disk;
 * -1 with why (the symlink, its target, what to do) when a symlink on the
 * way sends it out of run_dir or nowhere. */
int host_run_path_check(const char *run_dir, const char *path, char *why, size_t len);

/* Writes path through a temporary file beside it (path.tmpPID, never
 * followed if it is a link) renamed over it, so that a reader never sees
 * half a file: put(f, ctx) writes the content. 0, or the errno of what
 * failed (the temporary removed). */
int host_write_atomic(const char *path, void (*put)(FILE *f, const void *ctx), const void *ctx);

/* mkdir -p: path and its missing parents (0755). 0, or -1 with errno. */
int host_mkdirs(const char *path);

#endif
