/* filewriter.c: lighter.callbacks.FileWriter: during predict, one file per
 * sample of the step output's value_key in `directory` (relative: in the
 * run folder), named by the sample's name_key value (e.g. its id) or its
 * running number. writer_fn: tensor (a torch.load-able .pt holding
 * {"value": tensor}), image_2d (a PNG of [H, W], [1, H, W] or [3, H, W];
 * floats in [0, 1] are scaled to 0-255), text (the values as text). */
#include "writer.h"

#include <math.h>
#include <zlib.h>

typedef struct fw {
  char given[1024], dir[1600], key[128], name_key[128];
  int fn; /* 0 tensor, 1 image_2d, 2 text */
  int64_t count;
} fw;

static lt_status create(const lt_value *args, void **self, char *err, size_t errlen) {
  const char *dir = lt_arg_str(args, "directory"), *writer_fn = lt_arg_str(args, "writer_fn");
  if (wr_check_path("directory", dir, err, errlen)) return LT_ERR_INVALID;
  fw *m = calloc(1, sizeof *m);
  if (!m) return LT_ERR_NOMEM;
  snprintf(m->given, sizeof m->given, "%s", dir);
  snprintf(m->key, sizeof m->key, "%s", lt_arg_str(args, "value_key"));
  m->fn = !strcmp(writer_fn, "image_2d") ? 1 : !strcmp(writer_fn, "text") ? 2 : 0;
  if (!lt_arg_is_null(args, "name_key")) snprintf(m->name_key, sizeof m->name_key, "%s", lt_arg_str(args, "name_key"));
  *self = m;
  return LT_OK;
}

static void destroy(void *self) { free(self); }

static void be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static int chunk(FILE *f, const char *type, const unsigned char *data, uint32_t len) {
  unsigned char head[8];
  be32(head, len);
  memcpy(head + 4, type, 4);
  uLong crc = crc32(0, (const Bytef *)type, 4);
  if (len) crc = crc32(crc, data, len);
  unsigned char tail[4];
  be32(tail, (uint32_t)crc);
  return fwrite(head, 1, 8, f) == 8 && (!len || fwrite(data, 1, len, f) == len) && fwrite(tail, 1, 4, f) == 4 ? 0 : -1;
}

/* A PNG of t: [H, W] grey, or [C, H, W] with C 1 (grey) or 3 (RGB). */
static int write_png(const char *path, lt_tensor *t) {
  int d = lt_tensor_dim(t);
  int64_t c = d == 3 ? lt_tensor_size(t, 0) : 1, h = lt_tensor_size(t, d - 2), w = lt_tensor_size(t, d - 1);
  if ((d != 2 && d != 3) || (c != 1 && c != 3) || h < 1 || w < 1) {
    lt_set_error("FileWriter image_2d: expected [H, W], [1, H, W] or [3, H, W]", 1);
    return -1;
  }
  int64_t n = c * h * w;
  double *v = malloc((size_t)n * sizeof *v);
  size_t row = (size_t)(1 + w * c), raw_len = row * (size_t)h;
  unsigned char *raw = malloc(raw_len);
  uLongf zlen = compressBound((uLong)raw_len);
  unsigned char *z = malloc(zlen);
  int ok = v && raw && z && lt_tensor_copy_to(t, v, (size_t)n * sizeof *v, LT_FLOAT64) == LT_OK;
  int is_float = lt_tensor_dtype(t) == LT_FLOAT32 || lt_tensor_dtype(t) == LT_FLOAT64;
  for (int64_t y = 0; ok && y < h; y++) {
    raw[(size_t)y * row] = 0; /* no filter */
    for (int64_t x = 0; x < w; x++)
      for (int64_t ch = 0; ch < c; ch++) {
        double p = v[ch * h * w + y * w + x] * (is_float ? 255.0 : 1.0);
        raw[(size_t)y * row + 1 + (size_t)(x * c + ch)] = (unsigned char)(p < 0 ? 0 : p > 255 ? 255 : floor(p + 0.5));
      }
  }
  ok = ok && compress2(z, &zlen, raw, (uLong)raw_len, 6) == Z_OK;
  FILE *f = ok ? wr_create(path, "wb") : NULL;
  unsigned char ihdr[13];
  be32(ihdr, (uint32_t)w), be32(ihdr + 4, (uint32_t)h);
  ihdr[8] = 8, ihdr[9] = c == 3 ? 2 : 0, ihdr[10] = ihdr[11] = ihdr[12] = 0;
  ok = f && fwrite("\x89PNG\r\n\x1a\n", 1, 8, f) == 8 && !chunk(f, "IHDR", ihdr, 13) &&
       !chunk(f, "IDAT", z, (uint32_t)zlen) && !chunk(f, "IEND", NULL, 0);
  if (f && fclose(f)) ok = 0;
  free(v), free(raw), free(z);
  if (!ok) {
    char msg[2000];
    snprintf(msg, sizeof msg, "FileWriter: cannot write '%s': %s", path, errno ? strerror(errno) : "bad image");
    lt_set_error(msg, 0);
  }
  return ok ? 0 : -1;
}

static int write_text(const char *path, lt_tensor *t) {
  int64_t n = lt_tensor_numel(t);
  double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  FILE *f = v && lt_tensor_copy_to(t, v, (size_t)n * sizeof *v, LT_FLOAT64) == LT_OK ? wr_create(path, "w") : NULL;
  for (int64_t i = 0; f && i < n; i++) fprintf(f, i ? " %.9g" : "%.9g", v[i]);
  if (f) fputc('\n', f);
  int ok = f && !ferror(f) && fclose(f) == 0;
  free(v);
  if (!ok) {
    char msg[2000];
    snprintf(msg, sizeof msg, "FileWriter: cannot write '%s': %s", path, strerror(errno));
    lt_set_error(msg, 1);
  }
  return ok ? 0 : -1;
}

static lt_status hook(void *self, lt_hook h, const lt_run_view *run) {
  fw *m = self;
  if (h == LT_HOOK_ON_PREDICT_START) {
    wr_place(m->given, run, m->dir, sizeof m->dir);
    m->count = 0;
    if (wr_require_inside("FileWriter", "directory", m->given, run) != LT_OK) return LT_ERR_INVALID;
    if (wr_mkdirs(m->dir)) {
      char msg[1800];
      snprintf(msg, sizeof msg, "FileWriter: cannot create '%s': %s", m->dir, strerror(errno));
      lt_set_error(msg, 1);
      return LT_ERR_IO;
    }
    return LT_OK;
  }
  if (h != LT_HOOK_ON_PREDICT_BATCH_END || !run->outputs) return LT_OK;
  int64_t n = wr_batch(run->outputs);
  for (int64_t i = 0; i < n; i++, m->count++) {
    lt_tensor *t = wr_sample(run->outputs, m->key, i, "FileWriter");
    if (!t) return LT_ERR_NOT_FOUND;
    char name[64], path[1800];
    snprintf(name, sizeof name, "%lld", (long long)m->count);
    if (*m->name_key) {
      lt_tensor *id = wr_sample(run->outputs, m->name_key, i, "FileWriter");
      double v;
      if (!id || lt_tensor_numel(id) != 1 || lt_tensor_item_double(id, &v) != LT_OK) {
        lt_tensor_free(t), lt_tensor_free(id);
        if (!*lt_last_error()) lt_set_error("FileWriter: name_key must give one number per sample", 1);
        return LT_ERR_INVALID;
      }
      snprintf(name, sizeof name, "%.10g", v);
      lt_tensor_free(id);
    }
    const char *ext = m->fn == 1 ? "png" : m->fn == 2 ? "txt" : "pt";
    snprintf(path, sizeof path, "%s/%s.%s", m->dir, name, ext);
    int rc;
    if (m->fn == 1) rc = write_png(path, t);
    else if (m->fn == 2) rc = write_text(path, t);
    else {
      lt_state *st = lt_state_new_dict();
      lt_state_set_tensor(st, "value", lt_tensor_contiguous(t));
      rc = lt_state_save(st, path) == LT_OK ? 0 : -1;
      lt_state_free(st);
    }
    lt_tensor_free(t);
    if (rc) return LT_ERR_IO;
  }
  return LT_OK;
}

static const lt_callback_ops ops = {.size = sizeof(lt_callback_ops), .hook = hook};

static const lt_param params[] = {
    LT_PARAM_REQ("directory", LT_P_STRING, "the folder of the files (relative: in the run folder)"),
    LT_PARAM("value_key", LT_P_STRING, "pred", "the predict step's output to write"),
    LT_PARAM_CHOICE("writer_fn", "tensor", "tensor|image_2d|text", "the file format"),
    {"name_key", LT_P_STRING, (lt_kind)0, "null", LT_PF_NULLABLE, 0, 0, NULL,
     "output whose value names each file (e.g. id); default: a running number"},
};

static const lt_component components[] = {
    {"lighter.callbacks.FileWriter", LT_KIND_CALLBACK, "Writes each prediction to its own file.", params,
     LT_COUNT_OF(params), create, destroy, &ops},
};

LT_PLUGIN_DEFINE("lighter.callbacks.FileWriter", LT_VERSION_STRING, "FileWriter", "BSD-3-Clause", components, NULL);
