/* tb_proto.c: the few protocol-buffer messages a TensorBoard event file
 * needs (Event, Summary, Summary.Value, SummaryMetadata and its PluginData,
 * the hparams plugin's HParamsPluginData, Experiment, HParamInfo,
 * MetricInfo, MetricName, SessionStartInfo, SessionEndInfo, and
 * google.protobuf.Value's number and string), encoded by hand with the
 * field numbers and types of TensorBoard's event.proto, summary.proto and
 * the hparams plugin's api.proto / plugin_data.proto.
 *
 * Why by hand and not with Debian's protobuf-c: these messages only ever
 * get written, never parsed, and writing them takes varints, fixed-width
 * numbers and length-delimited fields: about a hundred lines, where
 * protobuf-c would add a code generator to the build (protoc-c and the
 * .proto files of TensorBoard and google/protobuf/struct.proto), generated
 * sources and a run-time library to the host, for the same bytes. Nothing
 * here reads untrusted input. The encoding follows proto3 as Python's
 * protobuf writes it: fields in number order, a scalar left out when it
 * holds its default (0, ""), a member of a oneof always written. The
 * tests read every file back with Python's protobuf on .proto files of
 * their own (tests/tensorboard/). */
#include "tb_proto.h"

#include "crc32c.h"

#include <stdlib.h>
#include <string.h>

/* Wire types. */
enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_BYTES = 2, WT_FIXED32 = 5 };

/* Field numbers, by message. */
enum { EVENT_WALL_TIME = 1, EVENT_STEP = 2, EVENT_FILE_VERSION = 3, EVENT_SUMMARY = 5, EVENT_SOURCE_METADATA = 10 };
enum { SOURCE_METADATA_WRITER = 1 };
enum { SUMMARY_VALUE = 1 };
enum { VALUE_TAG = 1, VALUE_SIMPLE_VALUE = 2, VALUE_METADATA = 9 };
enum { METADATA_PLUGIN_DATA = 1 };
enum { PLUGIN_DATA_NAME = 1, PLUGIN_DATA_CONTENT = 2 };
enum { HPARAMS_VERSION = 1, HPARAMS_EXPERIMENT = 2, HPARAMS_SESSION_START = 3, HPARAMS_SESSION_END = 4 };
enum { EXPERIMENT_HPARAM_INFOS = 4, EXPERIMENT_METRIC_INFOS = 5 };
enum { HPARAM_INFO_NAME = 1, HPARAM_INFO_TYPE = 4 };
enum { METRIC_INFO_NAME = 1 };
enum { METRIC_NAME_TAG = 2 };
enum { SESSION_START_HPARAMS = 1 };
enum { SESSION_END_STATUS = 1 };
enum { MAP_KEY = 1, MAP_VALUE = 2 };
enum { PB_VALUE_NUMBER = 2, PB_VALUE_STRING = 3 };
/* tensorboard.hparams.DataType */
enum { DATA_TYPE_STRING = 1, DATA_TYPE_FLOAT64 = 3 };

void host_pb_free(host_pb *p) {
  free(p->b);
  memset(p, 0, sizeof *p);
}

static void put(host_pb *p, const void *data, size_t n) {
  if (p->len + n > p->cap) {
    p->cap = (p->len + n) * 2 + 64;
    if (!(p->b = realloc(p->b, p->cap))) abort();
  }
  if (n) memcpy(p->b + p->len, data, n);
  p->len += n;
}

static void varint(host_pb *p, uint64_t v) {
  unsigned char b[10];
  size_t n = 0;
  do {
    b[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  put(p, b, n);
}

static void key(host_pb *p, int field, int wire) { varint(p, (uint64_t)field << 3 | (uint64_t)wire); }

static void le(host_pb *p, uint64_t v, int bytes) {
  unsigned char b[8];
  for (int i = 0; i < bytes; i++) b[i] = (unsigned char)(v >> (8 * i));
  put(p, b, (size_t)bytes);
}

static void f_double(host_pb *p, int field, double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  key(p, field, WT_FIXED64);
  le(p, bits, 8);
}

static void f_float(host_pb *p, int field, float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  key(p, field, WT_FIXED32);
  le(p, bits, 4);
}

/* An int64 / enum field (left out at 0, as proto3 writes it). */
static void f_int(host_pb *p, int field, int64_t v) {
  if (!v) return;
  key(p, field, WT_VARINT);
  varint(p, (uint64_t)v);
}

static void f_bytes(host_pb *p, int field, const void *data, size_t n) {
  key(p, field, WT_BYTES);
  varint(p, n);
  put(p, data, n);
}

static void f_string(host_pb *p, int field, const char *s) { f_bytes(p, field, s, strlen(s)); }

/* A nested message, then emptied for the next use. */
static void f_message(host_pb *p, int field, host_pb *m) {
  f_bytes(p, field, m->b, m->len);
  m->len = 0;
}

/* An Event with its wall_time and step (0: none) and whatever what adds. */
static void event(host_pb *out, double wall_time, int64_t step, int field, host_pb *what) {
  f_double(out, EVENT_WALL_TIME, wall_time);
  f_int(out, EVENT_STEP, step);
  f_message(out, field, what);
}

void host_tb_event_file_version(host_pb *out, double wall_time, const char *writer) {
  host_pb m = {0};
  f_double(out, EVENT_WALL_TIME, wall_time);
  f_string(out, EVENT_FILE_VERSION, "brain.Event:2");
  f_string(&m, SOURCE_METADATA_WRITER, writer);
  f_message(out, EVENT_SOURCE_METADATA, &m);
  host_pb_free(&m);
}

void host_tb_event_scalar(host_pb *out, double wall_time, int64_t step, const char *tag, float value) {
  host_pb v = {0}, s = {0};
  f_string(&v, VALUE_TAG, tag);
  f_float(&v, VALUE_SIMPLE_VALUE, value);
  f_message(&s, SUMMARY_VALUE, &v);
  event(out, wall_time, step, EVENT_SUMMARY, &s);
  host_pb_free(&v), host_pb_free(&s);
}

void host_tb_event_plugin(host_pb *out, double wall_time, const char *tag, const char *plugin, const host_pb *content) {
  host_pb pd = {0}, md = {0}, v = {0}, s = {0};
  f_string(&pd, PLUGIN_DATA_NAME, plugin);
  f_bytes(&pd, PLUGIN_DATA_CONTENT, content->b, content->len);
  f_message(&md, METADATA_PLUGIN_DATA, &pd);
  f_string(&v, VALUE_TAG, tag);
  f_message(&v, VALUE_METADATA, &md);
  f_message(&s, SUMMARY_VALUE, &v);
  event(out, wall_time, 0, EVENT_SUMMARY, &s);
  host_pb_free(&pd), host_pb_free(&md), host_pb_free(&v), host_pb_free(&s);
}

/* HParamsPluginData {version: 0, field: data}. */
static void plugin_data(host_pb *out, int field, host_pb *data) {
  f_int(out, HPARAMS_VERSION, 0);
  f_message(out, field, data);
}

void host_tb_hparams_experiment(host_pb *out, const host_hparams *hp, const char *const *metric_tags, size_t nmetrics) {
  host_pb exp = {0}, info = {0}, name = {0};
  for (size_t i = 0; i < hp->n; i++) {
    f_string(&info, HPARAM_INFO_NAME, hp->v[i].name);
    f_int(&info, HPARAM_INFO_TYPE, hp->v[i].kind == HOST_HPARAM_NUMBER ? DATA_TYPE_FLOAT64 : DATA_TYPE_STRING);
    f_message(&exp, EXPERIMENT_HPARAM_INFOS, &info);
  }
  for (size_t i = 0; i < nmetrics; i++) {
    f_string(&name, METRIC_NAME_TAG, metric_tags[i]);
    f_message(&info, METRIC_INFO_NAME, &name);
    f_message(&exp, EXPERIMENT_METRIC_INFOS, &info);
  }
  plugin_data(out, HPARAMS_EXPERIMENT, &exp);
  host_pb_free(&exp), host_pb_free(&info), host_pb_free(&name);
}

void host_tb_hparams_session_start(host_pb *out, const host_hparams *hp) {
  host_pb ssi = {0}, entry = {0}, value = {0};
  for (size_t i = 0; i < hp->n; i++) { /* map<string, google.protobuf.Value>: entries {key, value} */
    const host_hparam *h = &hp->v[i];
    if (h->kind == HOST_HPARAM_NUMBER) f_double(&value, PB_VALUE_NUMBER, h->number);
    else f_string(&value, PB_VALUE_STRING, h->text);
    f_string(&entry, MAP_KEY, h->name);
    f_message(&entry, MAP_VALUE, &value);
    f_message(&ssi, SESSION_START_HPARAMS, &entry);
  }
  plugin_data(out, HPARAMS_SESSION_START, &ssi);
  host_pb_free(&ssi), host_pb_free(&entry), host_pb_free(&value);
}

void host_tb_hparams_session_end(host_pb *out, host_tb_status status) {
  host_pb sei = {0};
  f_int(&sei, SESSION_END_STATUS, status);
  plugin_data(out, HPARAMS_SESSION_END, &sei);
  host_pb_free(&sei);
}

void host_tb_record(host_pb *out, const unsigned char *data, size_t len) {
  unsigned char head[8];
  for (int i = 0; i < 8; i++) head[i] = (unsigned char)((uint64_t)len >> (8 * i));
  put(out, head, 8);
  le(out, host_crc32c_mask(host_crc32c(0, head, 8)), 4);
  put(out, data, len);
  le(out, host_crc32c_mask(host_crc32c(0, data, len)), 4);
}
