/* reader.h: what the data-reader fuzz targets (fuzz_idx.c, fuzz_cifar.c,
 * fuzz_csv.c) share. Each target compiles one built-in data plugin's source
 * directly (LT_DIRECT: its lt_* calls go straight to liblighter), writes the
 * fuzz input as the plugin's file(s) in a private folder, runs the plugin's
 * create, reads a few samples and destroys it; afterwards no tensor handle
 * may be alive. Include this before the plugin source. */
#ifndef LT_FUZZ_READER_H
#define LT_FUZZ_READER_H

#ifndef LT_DIRECT
#define LT_DIRECT 1
#endif
/* The plugin's descriptor is not needed: its create/destroy/ops are called
 * directly. */
#define LT_PLUGIN_DEFINE(...) static const int lt__fuzz_no_descriptor __attribute__((unused)) = 0
#include <lighter/lighter.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir_path[64];

/* At exit: the folder and the files written into it. */
static void fuzz_dir_remove(void) {
  DIR *d = opendir(fuzz_dir_path);
  struct dirent *e;
  char path[320];
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      snprintf(path, sizeof path, "%s/%s", fuzz_dir_path, e->d_name), unlink(path);
  if (d) closedir(d);
  rmdir(fuzz_dir_path);
}

/* A folder of this process's own, made once (tmpfs when there is one) and
 * removed at exit. */
static const char *fuzz_dir(void) {
  if (!fuzz_dir_path[0]) {
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/lt-fuzz-XXXXXX", base);
    if (!mkdtemp(fuzz_dir_path)) abort();
    atexit(fuzz_dir_remove);
  }
  return fuzz_dir_path;
}

/* data[0..len) as the file dir/name; its path in out. */
static void fuzz_write(const char *name, const uint8_t *data, size_t len, char *out, size_t outlen) {
  snprintf(out, outlen, "%s/%s", fuzz_dir(), name);
  FILE *f = fopen(out, "wb");
  if (!f || (len && fwrite(data, 1, len, f) != len)) abort();
  fclose(f);
}

static lt_value fuzz_null(void) {
  lt_value v = {0};
  v.type = LT_P_ANY;
  v.is_null = 1;
  return v;
}
static lt_value fuzz_str(const char *s) {
  lt_value v = {0};
  v.type = LT_P_STRING;
  v.s = s;
  return v;
}
static lt_value fuzz_int(lt_ptype type, int64_t i) {
  lt_value v = {0};
  v.type = type;
  v.i = i;
  v.f = (double)i;
  return v;
}

static void fuzz_unknown_arg(void *host, const char *name) {
  (void)host;
  fprintf(stderr, "fuzz: the plugin asked for an argument '%s' its spec does not have\n", name);
  abort();
}

/* The args v[0..n) (in the order of c's params) as the host hands them to
 * create: after the head lt_arg reads (plugin.h), so that the plugin finds
 * them by name; a name c's spec lacks aborts. */
typedef struct fuzz_args {
  lt__args_head head;
  lt_value v[16];
} fuzz_args;

static const lt_value *fuzz_args_of(fuzz_args *a, const lt_component *c, const lt_value *v, size_t n) {
  if (n != c->nparams || n > 16) abort();
  a->head = (lt__args_head){LT__ARGS_MAGIC, c, n, NULL, fuzz_unknown_arg};
  memcpy(a->v, v, n * sizeof *v);
  return a->v;
}

/* Reads samples first, last and middle of a created dataset, frees them,
 * destroys it; every handle must be gone afterwards. */
static void fuzz_samples(void *self, const lt_dataset_ops *ops, lt_destroy_fn destroy) {
  int64_t n = ops->len(self);
  int64_t at[3] = {0, n - 1, n / 2};
  for (int k = 0; k < 3 && n > 0; k++) {
    lt_tensor *out[8] = {0};
    const char *names[8];
    char err[256];
    /* The host calls get inside a scope, which frees what it made. */
    lt_scope *scope = lt_scope_begin();
    int got = ops->get(self, at[k], out, names, 8, err, sizeof err);
    /* Touch every byte so a view past its storage shows. */
    for (int j = 0; j < got; j++) lt_tensor_sum(out[j], NULL, 0, 0);
    lt_scope_end(scope);
  }
  destroy(self);
  if (lt_live_tensors() != 0) {
    fprintf(stderr, "fuzz: %lld tensor handles alive after the dataset was destroyed\n",
            (long long)lt_live_tensors());
    abort();
  }
}

#endif
