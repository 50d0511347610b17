/* tb_proto.h: the protocol-buffer messages of TensorBoard's event files,
 * encoded by hand, and their TFRecord framing. */
#ifndef HOST_TB_PROTO_H
#define HOST_TB_PROTO_H

#include "tb_hparams.h"

#include <stddef.h>
#include <stdint.h>

/* A growing byte buffer (len bytes at b). */
typedef struct host_pb {
  unsigned char *b;
  size_t len, cap;
} host_pb;

void host_pb_free(host_pb *p);

/* tensorboard.hparams.Status */
typedef enum host_tb_status { HOST_TB_STATUS_UNKNOWN = 0, HOST_TB_STATUS_SUCCESS = 1 } host_tb_status;

/* Events (appended to out): the first of a file ({wall_time, file_version:
 * "brain.Event:2", source_metadata {writer}}), a scalar ({wall_time, step,
 * summary {value {tag, simple_value}}}), and a plugin's summary without a
 * step ({wall_time, summary {value {tag, metadata {plugin_data
 * {plugin_name, content}}}}}). */
void host_tb_event_file_version(host_pb *out, double wall_time, const char *writer);
void host_tb_event_scalar(host_pb *out, double wall_time, int64_t step, const char *tag, float value);
void host_tb_event_plugin(host_pb *out, double wall_time, const char *tag, const char *plugin, const host_pb *content);

/* The hparams plugin's content (a HParamsPluginData, version 0): the
 * experiment (every hyperparameter's name and type, the metrics' tags),
 * the session's start (every hyperparameter's value) and its end. */
void host_tb_hparams_experiment(host_pb *out, const host_hparams *hp, const char *const *metric_tags, size_t nmetrics);
void host_tb_hparams_session_start(host_pb *out, const host_hparams *hp);
void host_tb_hparams_session_end(host_pb *out, host_tb_status status);

/* One TFRecord (appended to out): the length as a little-endian uint64,
 * the masked CRC-32C of those 8 bytes, the data, the masked CRC-32C of the
 * data (both CRCs little-endian uint32). */
void host_tb_record(host_pb *out, const unsigned char *data, size_t len);

#endif
