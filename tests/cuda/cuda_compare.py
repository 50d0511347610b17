"""cuda_compare.py: side by side with PyTorch on the GPU machine: loads
what cuda_check saved (GPU tensors) with torch.load and recomputes the
convolution with PyTorch's own CUDA kernels."""
import sys

import torch
import torch.nn.functional as F

r = torch.load(sys.argv[1], weights_only=True)
ok = True
if r["a"].device.type != "cuda":
    print("FAIL a not restored on cuda:", r["a"].device)
    ok = False
ref = F.conv2d(r["img"], r["cw"], None, 1, 1)
diff = (ref - r["conv"]).abs().max().item()
print(f"torch {torch.__version__} conv2d on {ref.device}: max abs diff {diff:.3g}")
ok = ok and diff < 1e-3
print("compare: 2 passed, 0 failed" if ok else "compare: failed")
sys.exit(0 if ok else 1)
