"""read_events.py: reads the TensorBoard event files lighter-host writes the
way TensorBoard reads them, with Python's protobuf on the test suite's own
schema (events.proto, hparams.proto beside this file, compiled with protoc
into a temporary folder), and checks them.

    read_events.py check LOG_DIR METRICS_CSV HPARAMS_YAML [--prefix P] [--suffix S] [--no-hparams]
        every event file in LOG_DIR: its name (with SummaryWriter's
        filename_suffix S), the TFRecord framing (both
        masked CRC-32C of every record, computed here independently), every
        Event parsed with no unknown field, the first one the file_version;
        the scalars (tag, step, float32 value) equal to metrics.csv's
        non-empty cells, epoch included, and the other way round; hp_metric
        -1 at step 0 and the hparams plugin's three summaries listing the
        hyperparameters of HPARAMS_YAML as Lightning's TensorBoardLogger
        flattens them (or, with --no-hparams, neither)
    read_events.py records FILE
        the framing of one file: prints its number of complete records, exit
        1 when a CRC is wrong or the file ends inside a record
    read_events.py dump FILE
        prints each event (to look at a file)

Prints what it checked, or every difference, and exits 0 or 1."""
import collections
import csv
import glob
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def load_schema():
    out = tempfile.mkdtemp(prefix="lt_tb_proto_")
    subprocess.run(["protoc", "-I" + HERE, "-I/usr/include", "--python_out=" + out,
                    os.path.join(HERE, "events.proto"), os.path.join(HERE, "hparams.proto")], check=True)
    sys.path.insert(0, out)
    import events_pb2
    import hparams_pb2
    return events_pb2, hparams_pb2


def crc32c(data):
    """CRC-32C, bit by bit (independent of the host's table)."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283, "crc32c check value"


def records(path):
    """The file's records; raises ValueError at a bad CRC or a torn record."""
    data = open(path, "rb").read()
    at, out = 0, []
    while at < len(data):
        if at + 12 > len(data):
            raise ValueError(f"{path}: a torn record header at byte {at}")
        head = data[at:at + 8]
        (n,) = struct.unpack("<Q", head)
        (hcrc,) = struct.unpack("<I", data[at + 8:at + 12])
        if hcrc != masked(crc32c(head)):
            raise ValueError(f"{path}: the length CRC of the record at byte {at} is wrong")
        if at + 12 + n + 4 > len(data):
            raise ValueError(f"{path}: a torn record at byte {at} ({n} bytes announced)")
        body = data[at + 12:at + 12 + n]
        (dcrc,) = struct.unpack("<I", data[at + 12 + n:at + 16 + n])
        if dcrc != masked(crc32c(body)):
            raise ValueError(f"{path}: the data CRC of the record at byte {at} is wrong")
        out.append(body)
        at += 16 + n
    return out


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def no_unknown(msg, where):
    """Fails when a message (or one inside it) holds fields the schema lacks."""
    if msg.UnknownFields():
        raise ValueError(f"{where}: fields the schema does not know: {len(msg.UnknownFields())}")
    for field, value in msg.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        items = value.values() if field.message_type.GetOptions().map_entry else None
        if field.label == field.LABEL_REPEATED and items is None:
            for v in value:
                no_unknown(v, where)
        elif items is None:
            no_unknown(value, where)


def expected_hparams(path):
    """hparams.yaml as Lightning's TensorBoardLogger.log_hyperparams makes it
    ready for TensorBoard: _flatten_dict (delimiter '/'), _sanitize_params
    (bool, int, float, str kept; the rest str()), then typed as
    torch.utils.tensorboard.summary.hparams types it (a bool is an int)."""
    import yaml

    def flatten(d, parent=""):
        out = {}
        for k, v in d.items():
            key = f"{parent}/{k}" if parent else str(k)
            if isinstance(v, dict):
                out.update(flatten(v, key))
            else:
                out[key] = v
        return out

    flat = flatten(yaml.safe_load(open(path)) or {})
    return {k: (float(v) if type(v) in (bool, int, float) else (v if isinstance(v, str) else str(v))) for k, v in flat.items()}


def csv_cells(path, prefix):
    cells = collections.Counter()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            for key, value in row.items():
                if key != "step" and value not in ("", None):
                    cells[(prefix + key, int(row["step"]), f32(float(value)))] += 1
    return cells


def check_hparams(summaries, want, hp, problems):
    """The three hparams summaries, decoded: names, types, values, status."""
    got = {}
    for tag, content in summaries:
        data = hp.HParamsPluginData()
        data.ParseFromString(content)
        no_unknown(data, tag)
        got[tag] = data
    tags = ["_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info"]
    if [t for t, _ in summaries] != tags:
        problems.append(f"hparams summaries {[t for t, _ in summaries]}, expected {tags}")
        return
    exp = got[tags[0]].experiment
    names = {i.name: i.type for i in exp.hparam_infos}
    types = {k: hp.DATA_TYPE_FLOAT64 if isinstance(v, float) else hp.DATA_TYPE_STRING for k, v in want.items()}
    if names != types:
        problems.append(f"experiment hparam_infos differ: only in the file {sorted(set(names) - set(types))}, "
                        f"only expected {sorted(set(types) - set(names))}, types {[(k, names.get(k), t) for k, t in types.items() if names.get(k) != t][:5]}")
    if [m.name.tag for m in exp.metric_infos] != ["hp_metric"]:
        problems.append(f"experiment metric_infos {[m.name.tag for m in exp.metric_infos]}, expected ['hp_metric']")
    ssi = got[tags[1]].session_start_info.hparams
    values = {k: (v.number_value if v.WhichOneof("kind") == "number_value" else v.string_value) for k, v in ssi.items()}
    if values != want:
        diff = [(k, values.get(k), want.get(k)) for k in sorted(set(values) | set(want)) if values.get(k) != want.get(k)]
        problems.append(f"session_start_info hparams differ (key, file, expected): {diff[:8]}")
    if got[tags[2]].session_end_info.status != hp.STATUS_SUCCESS:
        problems.append("session_end_info status is not STATUS_SUCCESS")


def check_file(path, suffix, ev, hp, problems):
    """One file: (scalars Counter, hp_metric events, hparams summaries, records)."""
    name = os.path.basename(path)
    m = re.fullmatch(r"events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)" + re.escape(suffix), name)
    if not m or m.group(2) != socket.gethostname():
        problems.append(f"{name}: not events.out.tfevents.<10 digits>.{socket.gethostname()}.<pid>.<n>{suffix}")
    recs = records(path)
    scalars, hp_metric, summaries = collections.Counter(), [], []
    for i, body in enumerate(recs):
        e = ev.Event()
        e.ParseFromString(body)
        no_unknown(e, f"{name} event {i}")
        if not (1.5e9 < e.wall_time < 4e9):
            problems.append(f"{name} event {i}: wall_time {e.wall_time}")
        what = e.WhichOneof("what")
        if i == 0:
            if what != "file_version" or e.file_version != "brain.Event:2":
                problems.append(f"{name}: the first event is not file_version brain.Event:2 ({what})")
            continue
        if what != "summary" or len(e.summary.value) != 1:
            problems.append(f"{name} event {i}: {what}, expected a summary of one value")
            continue
        v = e.summary.value[0]
        if v.WhichOneof("value") == "simple_value":
            if v.tag.endswith("hp_metric"):
                hp_metric.append((v.tag, e.step, v.simple_value))
            else:
                scalars[(v.tag, e.step, v.simple_value)] += 1
        elif v.metadata.plugin_data.plugin_name == "hparams":
            summaries.append((v.tag, v.metadata.plugin_data.content))
        else:
            problems.append(f"{name} event {i}: a value that is neither a scalar nor the hparams plugin's")
    return scalars, hp_metric, summaries, len(recs)


def check(args):
    ev, hp = load_schema()
    log_dir, metrics_csv, hparams_yaml = args[:3]
    prefix = args[args.index("--prefix") + 1] + "-" if "--prefix" in args else ""
    suffix = args[args.index("--suffix") + 1] if "--suffix" in args else ""
    with_hparams = "--no-hparams" not in args
    files = sorted(glob.glob(os.path.join(log_dir, "events.out.tfevents.*")))
    problems = []
    if len(files) != 1:
        problems.append(f"{len(files)} event files in {log_dir}, expected 1")
    scalars, hp_metric, summaries, nrec = collections.Counter(), [], [], 0
    for path in files:
        s, h, su, n = check_file(path, suffix, ev, hp, problems)
        scalars += s
        hp_metric += h
        summaries += su
        nrec += n
    want = csv_cells(metrics_csv, prefix)
    for label, only in (("only in the event files", scalars - want), ("only in metrics.csv", want - scalars)):
        if only:
            problems.append(f"{sum(only.values())} scalars {label}: {sorted(only)[:8]}")
    if with_hparams:
        if hp_metric != [(prefix + "hp_metric", 0, -1.0)]:
            problems.append(f"hp_metric events {hp_metric}, expected one -1 at step 0")
        check_hparams(summaries, expected_hparams(hparams_yaml), hp, problems)
    elif hp_metric or summaries:
        problems.append(f"default_hp_metric false, yet {len(hp_metric)} hp_metric and {len(summaries)} hparams events")
    for p in problems:
        print("  " + p)
    print(f"  {len(files)} event file(s), {nrec} records (every CRC good), {sum(scalars.values())} scalars "
          f"= {sum(want.values())} cells of metrics.csv, {len(expected_hparams(hparams_yaml)) if with_hparams else 0} "
          f"hyperparameters; {len(problems)} problem(s)")
    return 1 if problems else 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "check":
            return check(args)
        if cmd == "records":
            print(len(records(args[0])))
            return 0
        if cmd == "dump":
            ev, _ = load_schema()
            for body in records(args[0]):
                e = ev.Event()
                e.ParseFromString(body)
                print(str(e).replace("\n", " "))
            return 0
    except ValueError as e:
        print("  " + str(e))
        return 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
