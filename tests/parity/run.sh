#!/usr/bin/env bash
# run.sh: the PyTorch parity test (see parity.py). Needs Debian's python3-torch.
set -euo pipefail
BUILD=${LT_BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PY" "$(dirname "$0")/parity.py" "$BUILD/tests/parity_ops" "$work"
