#!/usr/bin/env bash
# device-cuda-check.sh: on a machine with a GPU and Python PyTorch (not
# Debian's CPU-only libtorch), build the tensor layer against PyTorch's own
# libtorch with CUDA and run tests/cuda: GPU vs CPU results, autograd,
# seeding, saving GPU tensors, and a side-by-side with PyTorch's kernels.
# Output goes to ${OUT:-/tmp/lt-cuda}.
set -euo pipefail
OUT=${OUT:-/tmp/lt-cuda}
mkdir -p "$OUT/obj"
PY=${PYTHON:-python3}
T=$($PY -c 'import torch, os; print(os.path.dirname(torch.__file__))')
ABI=$($PY -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
echo "torch at $T (cxx11 abi $ABI), $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
CXXF="-std=c++17 -O1 -fPIC -fvisibility=hidden -D_GLIBCXX_USE_CXX11_ABI=$ABI -Isdk/include -I$T/include -I$T/include/torch/csrc/api/include -w"
pids=()
for f in sdk/src/*.cpp; do
  g++ $CXXF -c "$f" -o "$OUT/obj/$(basename "$f" .cpp).o" 2> "$OUT/obj/$(basename "$f" .cpp).log" &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
if [ $rc -ne 0 ]; then cat "$OUT"/obj/*.log | grep -E 'error' -A3 | head -60; exit 1; fi
g++ -shared -o "$OUT/liblighter.so" "$OUT"/obj/*.o -L"$T/lib" -Wl,--no-as-needed -ltorch -ltorch_cuda -ltorch_cpu -lc10 -Wl,--as-needed -ldl -Wl,-rpath,"$T/lib"
cc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -DLT_DIRECT -Isdk/include tests/cuda/cuda_check.c -o "$OUT/cuda_check" -L"$OUT" -llighter -Wl,-rpath,"$OUT" -lm
"$OUT/cuda_check" "$OUT/cuda_check.pt"
$PY tests/cuda/cuda_compare.py "$OUT/cuda_check.pt"
