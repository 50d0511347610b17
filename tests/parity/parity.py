"""parity.py: PyTorch is the reference. Loads what parity_ops saved (with
torch.load, which is itself a test of our file format), recomputes every
op, gradient, RNG draw and SGD step with PyTorch 1.13 and compares; then
checks that files torch.save wrote load in C and come back intact.

usage: parity.py PARITY_OPS_BINARY WORKDIR
"""
import collections
import math
import subprocess
import sys

import torch
import torch.nn.functional as F

binary, work = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def close(name, got, want, rtol=1e-5, atol=1e-6, exact=False):
    if got.shape != want.shape or got.dtype != want.dtype:
        check(name, False, f"shape/dtype {tuple(got.shape)} {got.dtype} vs {tuple(want.shape)} {want.dtype}")
        return
    ok = torch.equal(got, want) if exact else torch.allclose(got, want, rtol=rtol, atol=atol)
    err = "" if ok else f"max abs diff {(got.double() - want.double()).abs().max().item():.3g}"
    check(name, ok, err)


subprocess.run([binary, f"{work}/ops.pt"], check=True)
# weights_only=True is PyTorch's safe loader (the default from 2.6 on): our
# files must need nothing beyond what it allows.
r = torch.load(f"{work}/ops.pt", weights_only=True)
a, b, img, cw, cb, labels = (r[k] for k in ["in:a", "in:b", "in:img", "in:cw", "in:cb", "in:labels"])

ref = {
    "add": lambda: a + b,
    "div": lambda: a / (b.abs() + 0.5),
    "pow": lambda: a.abs() ** b,
    "exp_log": lambda: torch.log(torch.exp(a) + 1),
    "sqrt": lambda: a.abs().sqrt(),
    "clamp": lambda: a.clamp(-0.5, 0.25),
    "matmul": lambda: a @ b.t(),
    "sum1": lambda: a.sum(1),
    "mean0k": lambda: a.mean(0, keepdim=True),
    "std1": lambda: a.std(1),
    "var_all": lambda: a.var(unbiased=False),
    "norm": lambda: torch.norm(a, 3, dim=0),
    "logsumexp": lambda: torch.logsumexp(a, 1),
    "max1": lambda: a.max(1).values,
    "argmax1": lambda: a.argmax(1),
    "topk": lambda: a.topk(3, 1).values,
    "topk_idx": lambda: a.topk(3, 1).indices,
    "sort": lambda: b.sort(0, descending=True).values,
    "cumsum": lambda: b.cumsum(1),
    "conv2d": lambda: F.conv2d(img, cw, cb, stride=(2, 1), padding=(1, 2)),
    "maxpool": lambda: F.max_pool2d(img, 3, 2, 1),
    "avgpool": lambda: F.avg_pool2d(img, 2),
    "adaptive": lambda: F.adaptive_avg_pool2d(img, (3, 5)),
    "bn_train": lambda: F.batch_norm(img, None, None, training=True),
    "layer_norm": lambda: F.layer_norm(img, (8, 8)),
    "group_norm": lambda: F.group_norm(img, 3),
    "bilinear": lambda: F.interpolate(img, size=(5, 11), mode="bilinear", align_corners=False),
    "gelu": lambda: F.gelu(a),
    "silu": lambda: F.silu(a),
    "softmax": lambda: F.softmax(a, 1),
    "log_softmax": lambda: F.log_softmax(a, 0),
    "ce": lambda: F.cross_entropy(a, labels, label_smoothing=0.1),
    "ce_none": lambda: F.cross_entropy(a, labels, reduction="none"),
    "mse": lambda: F.mse_loss(a, b),
    "smooth_l1": lambda: F.smooth_l1_loss(a, b, reduction="sum", beta=0.3),
    "bce_logits": lambda: F.binary_cross_entropy_with_logits(a, b.abs()),
    "kl": lambda: F.kl_div(F.log_softmax(a, 1), F.softmax(b, 1), reduction="batchmean"),
}
for name, fn in ref.items():
    close(name, r[name], fn(), exact=name in ("argmax1", "topk_idx"))

# Gradients, float64.
x = img.double().requires_grad_()
w = cw.double().requires_grad_()
y = F.max_pool2d(F.relu(F.conv2d(x, w, None, 1, 1)), 2).flatten(1)
lw = torch.sin(torch.arange(0, 640, dtype=torch.float64)).reshape(10, 64).requires_grad_()
logits = F.linear(y, lw)
c = torch.cos(torch.arange(0, logits.numel(), dtype=torch.float64)).reshape(logits.shape)
loss = F.cross_entropy(logits, labels[:2]) + 1e-3 * (logits * c).sum()
loss.backward()
close("grad:loss", r["grad:loss"], loss.detach(), rtol=1e-12, atol=1e-12)
close("grad:x", r["grad:x"], x.grad, rtol=1e-10, atol=1e-12)
close("grad:w", r["grad:w"], w.grad, rtol=1e-10, atol=1e-12)
close("grad:lw", r["grad:lw"], lw.grad, rtol=1e-10, atol=1e-12)

# RNG: same seed, same draws, in the same order.
torch.manual_seed(42)
close("rng:randn", r["rng:randn"], torch.randn(5), exact=True)
close("rng:rand", r["rng:rand"], torch.rand(2, 3, dtype=torch.float64), exact=True)
close("rng:randint", r["rng:randint"], torch.randint(0, 10, (7,)), exact=True)
close("rng:randperm", r["rng:randperm"], torch.randperm(9), exact=True)
close("rng:dropout", r["rng:dropout"], F.dropout(torch.ones(12), 0.5, True), exact=True)

# SGD with momentum, five steps.
lin = torch.nn.Linear(6, 3)
with torch.no_grad():
    lin.weight.copy_(b[:3] * 0.5)
    lin.bias.zero_()
opt = torch.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
tgt = torch.tensor([0, 2, 1, 2])
losses = []
for _ in range(5):
    opt.zero_grad()
    l = F.cross_entropy(lin(a), tgt)
    l.backward()
    losses.append(l.item())
    opt.step()
close("sgd:losses", r["sgd:losses"], torch.tensor(losses, dtype=torch.float64), rtol=1e-6, atol=1e-7)
close("sgd:weight", r["sgd:weight"].detach(), lin.weight.detach(), rtol=1e-6, atol=1e-7)

# Files from Python: a model's state_dict (OrderedDict with _metadata),
# an optimizer's (int keys, nested lists), views, shared storage, scalars.
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(),
                          torch.nn.Linear(4 * 6 * 6, 10))
adam = torch.optim.Adam(net.parameters(), lr=1e-3)
net(torch.randn(2, 3, 8, 8)).sum().backward()
adam.step()
base = torch.arange(12.0).reshape(3, 4)
obj = {
    "state_dict": net.state_dict(),
    "optimizer": adam.state_dict(),
    "epoch": 3,
    "global_step": 1 << 40,
    "neg": -123456789012,
    "lr": 0.5,
    "flag": True,
    "name": "ckpt",
    "none": None,
    "tuple": (1, 2.5, "x"),
    "view": base[1:, ::2],
    "same": [base, base.t()],
    "ints": torch.tensor([1, 2, 3], dtype=torch.int32),
    "half": torch.ones(2, dtype=torch.float16),
    "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
}
torch.save(obj, f"{work}/py.pt")
subprocess.run([binary, "--reload", f"{work}/py.pt", f"{work}/back.pt"], check=True)
back = torch.load(f"{work}/back.pt")


def weights_only_ok(path):
    try:
        torch.load(path, weights_only=True)
        return True
    except Exception:  # noqa: BLE001
        return False


# PyTorch 1.13's safe loader lacks floats (BINFLOAT), so it refuses Python's
# own file here too; ours must get the same verdict as Python's own.
check("weights_only verdict", weights_only_ok(f"{work}/py.pt") == weights_only_ok(f"{work}/back.pt"))


def same(path, x, y):
    if isinstance(x, torch.Tensor):
        close(path, y, x, exact=True)
    elif isinstance(x, dict):
        check(path + " keys", list(x.keys()) == list(y.keys()), f"{list(x.keys())} vs {list(y.keys())}")
        for k in x:
            if k in y:
                same(f"{path}.{k}", x[k], y[k])
    elif isinstance(x, (list, tuple)):
        check(path + " len", len(x) == len(y))
        for i, (p, q) in enumerate(zip(x, y)):
            same(f"{path}[{i}]", p, q)
    else:
        check(path, x == y and type(x) == type(y), f"{x!r} vs {y!r}")


same("py.pt", obj, back)
net2 = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(),
                           torch.nn.Linear(4 * 6 * 6, 10))
check("load_state_dict", str(net2.load_state_dict(back["state_dict"])) == "<All keys matched successfully>")
adam2 = torch.optim.Adam(net2.parameters(), lr=1e-3)
try:
    adam2.load_state_dict(back["optimizer"])
    check("optimizer.load_state_dict", True)
except Exception as e:  # noqa: BLE001
    check("optimizer.load_state_dict", False, repr(e))

# Protocol 4 (STACK_GLOBAL, MEMOIZE, FRAME), torch.Size, and int keys.
obj4 = {"w": torch.arange(6.0).reshape(2, 3), "size": torch.Size([2, 3]), 5: "five"}
torch.save(obj4, f"{work}/p4.pt", pickle_protocol=4)
subprocess.run([binary, "--reload", f"{work}/p4.pt", f"{work}/p4back.pt"], check=True)
back4 = torch.load(f"{work}/p4back.pt", weights_only=True)
close("p4.w", back4["w"], obj4["w"], exact=True)
check("p4.size", list(back4["size"]) == [2, 3], repr(back4["size"]))
check("p4.intkey", back4.get(5) == "five", repr(back4))

# A network built by the host from built-in components (tests/parity/net.yaml)
# against the same network made by PyTorch after torch.manual_seed(0).
import os  # noqa: E402

build = os.environ.get("LT_BUILD", "build")
here = os.path.dirname(os.path.abspath(__file__))


class BasicBlock(torch.nn.Module):
    """torchvision.models.resnet.BasicBlock (torchvision is not installed)."""

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(planes)
        self.relu = torch.nn.ReLU(inplace=True)
        self.conv2 = torch.nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


def make_net():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 6, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 4, (3, 2), stride=(1, 2)), torch.nn.ReLU(), torch.nn.Flatten(),
        torch.nn.Dropout(0.5), torch.nn.Linear(48, 5))


def make_resnet():
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        BasicBlock(8, 8),
        BasicBlock(8, 16, 2, nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


for tag, make, smoothing in [("net", make_net, 0.1), ("resnet", make_resnet, 0.0)]:
    subprocess.run([f"{build}/tests/build_forward", f"{build}/lib/lighter/plugins", f"{here}/{tag}.yaml",
                    f"{work}/{tag}.pt"], check=True)
    got = torch.load(f"{work}/{tag}.pt")
    torch.manual_seed(0)
    net = make()
    net.eval()
    check(f"{tag}.state_dict names", list(got["state_dict"].keys()) == list(net.state_dict().keys()),
          f"{list(got['state_dict'].keys())}")
    for k, v in net.state_dict().items():
        close(f"{tag}.init.{k}", got["state_dict"][k], v, exact=True)
    x, y = got["input"], got["target"]
    out = net(x)
    loss = F.cross_entropy(out, y, label_smoothing=smoothing)
    loss.backward()
    close(f"{tag}.output", got["output"].detach(), out.detach(), rtol=1e-5, atol=1e-6)
    close(f"{tag}.loss", got["loss"].detach(), loss.detach(), rtol=1e-6, atol=1e-7)
    for k, prm in net.named_parameters():
        close(f"{tag}.grad.{k}", got["grads"][k], prm.grad, rtol=1e-5, atol=1e-6)
    check(f"{tag}.load_state_dict(strict)", str(make().load_state_dict(got["state_dict"], strict=True)) ==
          "<All keys matched successfully>")

# Every built-in stateless module and loss (tests/parity/layers.yaml).
subprocess.run([f"{build}/tests/build_forward", f"{build}/lib/lighter/plugins", f"{here}/layers.yaml",
                f"{work}/layers.pt"], check=True)
got = torch.load(f"{work}/layers.pt")
x = got["input"]
nn = torch.nn
mods = {
    "relu": nn.ReLU(), "leaky": nn.LeakyReLU(0.2), "gelu": nn.GELU(), "gelu_tanh": nn.GELU(approximate="tanh"),
    "silu": nn.SiLU(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "identity": nn.Identity(),
    "softmax": nn.Softmax(dim=1), "logsoftmax": nn.LogSoftmax(dim=-1), "flatten": nn.Flatten(),
    "flatten2": nn.Flatten(start_dim=2), "maxpool": nn.MaxPool2d((3, 2), stride=(2, 1), padding=1),
    "avgpool": nn.AvgPool2d(2, count_include_pad=False, padding=1), "adaptive": nn.AdaptiveAvgPool2d((3, 5)),
    "unflatten": nn.Unflatten(2, (2, 3)),
}
for k, m in mods.items():
    close(f"module.{k}", got[f"mod:{k}"], m(x), rtol=1e-6, atol=1e-6)
logits, reg, cls = got["logits"], got["regress"], got["class"]
inputs = {"logits": logits, "logprobs": F.log_softmax(logits, 1), "probs": torch.sigmoid(logits)}
targets = {"class": cls, "regress": reg, "binary": (reg > 0).float(), "probs": F.softmax(reg, 1)}
w1, w2 = torch.tensor([1.0, 2.0, 0.5, 3.0]), torch.tensor([0.3, 1.0, 2.0, 4.0])
w3, pw = torch.tensor([0.5, 1.0, 2.0, 4.0]), torch.tensor([3.0, 1.0, 0.5, 2.0])
losses = {
    "ce": (nn.CrossEntropyLoss(), "logits", "class"),
    "ce_sum": (nn.CrossEntropyLoss(reduction="sum", label_smoothing=0.2), "logits", "class"),
    "nll": (nn.NLLLoss(), "logprobs", "class"),
    "mse": (nn.MSELoss(), "logits", "regress"),
    "l1": (nn.L1Loss(reduction="sum"), "logits", "regress"),
    "smoothl1": (nn.SmoothL1Loss(beta=0.5), "logits", "regress"),
    "huber": (nn.HuberLoss(delta=0.3, reduction="none"), "logits", "regress"),
    "bce": (nn.BCELoss(), "probs", "binary"),
    "bcelogits": (nn.BCEWithLogitsLoss(), "logits", "binary"),
    "kl": (nn.KLDivLoss(reduction="batchmean"), "logprobs", "probs"),
    # the tensor arguments (weight, pos_weight), given as lists in layers.yaml
    "ce_weight": (nn.CrossEntropyLoss(weight=w1, ignore_index=1), "logits", "class"),
    "ce_weight_smooth": (nn.CrossEntropyLoss(weight=w2, label_smoothing=0.1, reduction="sum"), "logits", "class"),
    "ce_weight_probs": (nn.CrossEntropyLoss(weight=w2), "logits", "probs"),
    "nll_weight": (nn.NLLLoss(weight=w1), "logprobs", "class"),
    "nll_weight_none": (nn.NLLLoss(weight=w1, ignore_index=2, reduction="none"), "logprobs", "class"),
    "bce_weight": (nn.BCELoss(weight=w3, reduction="sum"), "probs", "binary"),
    "bcelogits_weight": (nn.BCEWithLogitsLoss(weight=w3), "logits", "binary"),
    "bcelogits_pos": (nn.BCEWithLogitsLoss(pos_weight=pw), "logits", "binary"),
    "bcelogits_both": (nn.BCEWithLogitsLoss(weight=w3, pos_weight=pw, reduction="none"), "logits", "binary"),
}
for k, (m, i, t) in losses.items():
    close(f"loss.{k}", got[f"loss:{k}"], m(inputs[i], targets[t]), rtol=1e-6, atol=1e-6)

# Modules with state (batch norm running statistics, layer norm, a block).




makers = {
    "bn2d": lambda: nn.BatchNorm2d(3, momentum=0.2),
    "bn1d": lambda: nn.BatchNorm1d(6),
    "ln": lambda: nn.LayerNorm([6, 8]),
    "seq": lambda: nn.Sequential(nn.Conv2d(3, 2, 3), nn.BatchNorm2d(2), nn.ReLU()),
    "gn": lambda: nn.GroupNorm(3, 3),
    "conv1d": lambda: nn.Conv1d(6, 4, 3, padding=2, dilation=2),
    "emb": lambda: nn.Embedding(7, 3, padding_idx=2),
    "convt": lambda: nn.ConvTranspose2d(3, 2, (3, 2), stride=2, padding=1, output_padding=1),
    "dropout2d": lambda: nn.Dropout2d(0.3),
    "bilinear": lambda: nn.Bilinear(8, 6, 5),
    "block": lambda: BasicBlock(3, 4, 2, nn.Sequential(nn.Conv2d(3, 4, 1, stride=2, bias=False), nn.BatchNorm2d(4))),
    "block_id": lambda: BasicBlock(3, 3),
    "holder_list": lambda: nn.ModuleList([nn.Linear(8, 4), nn.BatchNorm1d(4),
                                          nn.Sequential(nn.BatchNorm2d(2), nn.Conv2d(2, 2, 1))]),
    "holder_dict": lambda: nn.ModuleDict({"enc": nn.Linear(3, 2), "norm": nn.LayerNorm(2)}),
}
for k, make in makers.items():
    torch.manual_seed(0)
    m = make()
    inp = x[:, 0].flatten(2) if k in ("bn1d", "conv1d") else x
    if k == "emb":
        inp = torch.tensor([(i * 3) % 7 for i in range(10)]).reshape(2, 5)
    if not k.startswith("holder"):
        run = m
        if k == "bilinear":
            p0, p1 = x[:, 0, 0, :], x[:, 0, :, 0]
            run = lambda t: m(p0 if t is inp else p0 * 0.5, p1)  # noqa: E731
        m.train()
        run(inp)
        y2 = run(inp * 0.5 if k != "emb" else inp)
        m.eval()
        y3 = run(inp)
        close(f"trained.{k}.train", got[f"trained:{k}:train"], y2.detach(), rtol=1e-5, atol=1e-5)
        close(f"trained.{k}.eval", got[f"trained:{k}:eval"], y3.detach(), rtol=1e-5, atol=1e-5)
        if y3.requires_grad:
            (y3 * y3).sum().backward()
            for name, prm in m.named_parameters():
                close(f"trained.{k}.grad.{name}", got[f"trained:{k}:grads"][name], prm.grad, rtol=1e-4, atol=1e-5)
    mine = got[f"trained:{k}:state"]
    check(f"trained.{k}.state names", list(mine.keys()) == list(m.state_dict().keys()),
          f"{list(mine.keys())} vs {list(m.state_dict().keys())}")
    for name, v in m.state_dict().items():
        if name in mine:
            close(f"trained.{k}.{name}", mine[name].detach(), v.detach(), rtol=1e-5, atol=1e-6)
    m2 = make()
    check(f"trained.{k}.load_state_dict", str(m2.load_state_dict(mine, strict=True)) == "<All keys matched successfully>")

# Built-in optimizers, 50 steps each (tests/parity/optim.yaml): within 1e-6
# of torch.optim in float64 (in practice equal to the last bits or nearly).
subprocess.run([f"{build}/tests/build_forward", f"{build}/lib/lighter/plugins", f"{here}/optim.yaml",
                f"{work}/optim.pt"], check=True)
got = torch.load(f"{work}/optim.pt")
makers = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "sgd_groups": lambda p: torch.optim.SGD([{"params": p, "lr": 0.02, "momentum": 0.5}], lr=0.1),
    "adam": lambda p: torch.optim.Adam(p, lr=0.01),
    "adam_amsgrad": lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True, eps=1e-6),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.01),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01),
    "rmsprop_centered": lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5, weight_decay=0.01),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
}
for name, make in makers.items():
    lin = torch.nn.Linear(5, 3).double()
    with torch.no_grad():
        lin.weight.copy_(got["init:weight"])
        lin.bias.copy_(got["init:bias"])
    opt = make(list(lin.parameters()))
    for _ in range(50):
        opt.zero_grad(set_to_none=True)
        F.mse_loss(lin(got["x"]), got["y"]).backward()
        opt.step()
    for pn in ("weight", "bias"):
        close(f"optim.{name}.{pn}", got[f"{name}:{pn}"], getattr(lin, pn).detach(), rtol=0, atol=1e-6)
        # our state after 25 steps, reloaded by us, ends exactly where the 50 did
        close(f"optim.{name}.resume.{pn}", got[f"resume:{name}:{pn}"], got[f"{name}:{pn}"], exact=True)
    # our state after 25 steps loads into torch.optim, which then continues
    # to where 50 steps of its own end
    with torch.no_grad():
        lin.weight.copy_(got[f"mid:{name}:weight"])
        lin.bias.copy_(got[f"mid:{name}:bias"])
    opt = make(list(lin.parameters()))
    mine = got[f"optstate:{name}"]
    opt.load_state_dict(mine)
    ref = opt.state_dict()
    check(f"optim.{name}.state keys", sorted(mine["state"].get(0, {}).keys()) == sorted(ref["state"].get(0, {}).keys()),
          f"{sorted(mine['state'].get(0, {}).keys())}")
    for _ in range(25):
        opt.zero_grad(set_to_none=True)
        F.mse_loss(lin(got["x"]), got["y"]).backward()
        opt.step()
    for pn in ("weight", "bias"):
        close(f"optim.{name}.python_resume.{pn}", getattr(lin, pn).detach(), got[f"{name}:{pn}"], rtol=0, atol=1e-6)

# Schedulers: 100 steps of learning rates (same file as the optimizers).
import warnings  # noqa: E402

warnings.filterwarnings("ignore")
lin = torch.nn.Linear(2, 1)
sg = torch.optim.lr_scheduler
scheds = {
    "step": lambda: sg.StepLR(torch.optim.SGD(lin.parameters(), lr=0.1), 7, 0.5),
    "multistep": lambda: sg.MultiStepLR(torch.optim.SGD(lin.parameters(), lr=0.1), [10, 30, 30, 80], 0.3),
    "exponential": lambda: sg.ExponentialLR(torch.optim.Adam(lin.parameters(), lr=0.01), 0.97),
    "cosine": lambda: sg.CosineAnnealingLR(torch.optim.SGD([{"params": [lin.weight], "lr": 0.1},
                                                            {"params": [lin.bias], "lr": 0.01}]), 30, 0.001),
    "linear": lambda: sg.LinearLR(torch.optim.SGD(lin.parameters(), lr=0.1), 0.1, 0.9, 20),
    "plateau": lambda: sg.ReduceLROnPlateau(torch.optim.SGD(lin.parameters(), lr=0.1), patience=3, factor=0.5,
                                            cooldown=2, min_lr=0.001, threshold=0.01),
    "constant": lambda: sg.ConstantLR(torch.optim.SGD(lin.parameters(), lr=0.1), factor=0.25, total_iters=8),
    "onecycle": lambda: sg.OneCycleLR(torch.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9), max_lr=0.5,
                                      total_steps=100),
    "onecycle_adam": lambda: sg.OneCycleLR(torch.optim.Adam(lin.parameters()), max_lr=0.01, epochs=10,
                                           steps_per_epoch=11, pct_start=0.25, anneal_strategy="linear",
                                           three_phase=True, div_factor=10, final_div_factor=100),
    "warmup_cosine": lambda: warmup_cosine(),
}


def warmup_cosine():
    o = torch.optim.SGD(lin.parameters(), lr=0.2)
    return sg.SequentialLR(o, [sg.LinearLR(o, start_factor=0.01, total_iters=10),
                               sg.CosineAnnealingLR(o, T_max=40, eta_min=0.001), sg.StepLR(o, 9, 0.7)], [10, 60])


for name, make in scheds.items():
    sch = make()
    opt = sch.optimizer

    def second():
        if name == "cosine":
            return opt.param_groups[1]["lr"]
        if name.startswith("onecycle"):
            grp = opt.param_groups[0]
            return grp["momentum"] if "momentum" in grp else grp["betas"][0]
        return opt.param_groups[0]["lr"]

    want = [[opt.param_groups[0]["lr"]], [second()]]
    state50 = None
    for s in range(1, 101):
        opt.step()
        if name == "plateau":
            sch.step(1.0 / (1 + (s % 17)) + 0.001 * (s // 17))
        else:
            sch.step()
        want[0].append(opt.param_groups[0]["lr"])
        want[1].append(second())
    want = torch.tensor(want, dtype=torch.float64)
    close(f"sched.{name}", got[f"sched:{name}"], want, rtol=0, atol=1e-12)
    # our scheduler and optimizer state at step 50, reloaded by us: the same
    # 50 last steps
    close(f"sched.{name}.resume", got[f"sched_resume:{name}"], want[:, 51:], rtol=0, atol=1e-12)
    # and loaded by PyTorch's scheduler
    mine = got[f"schedstate:{name}"]
    sch2 = make()
    sch2.load_state_dict(mine)
    check(f"sched.{name}.python_load", sch2.last_epoch == 50 and
          abs(sch2._last_lr[0] - float(want[0, 50])) < 1e-12, f"{sch2.last_epoch} {getattr(sch2, '_last_lr', None)}")

# Metrics against torchmetrics' definitions, written out here.
subprocess.run([f"{build}/tests/build_forward", f"{build}/lib/lighter/plugins", f"{here}/metrics.yaml",
                f"{work}/metrics.pt"], check=True)
got = torch.load(f"{work}/metrics.pt")


def stat_scores(pred, target, classes):
    rows = []
    for c in range(classes):
        p, t = pred == c, target == c
        rows.append([(p & t).sum().item(), (p & ~t).sum().item(), (~p & ~t).sum().item(), (~p & t).sum().item()])
    return torch.tensor(rows, dtype=torch.float64)


def div(a, b):
    return a / b if b > 0 else 0.0


formulas = {
    "acc": lambda tp, fp, tn, fn, multi: div(tp, tp + fn) if multi else div(tp + tn, tp + tn + fp + fn),
    "prec": lambda tp, fp, tn, fn, multi: div(tp, tp + fp),
    "rec": lambda tp, fp, tn, fn, multi: div(tp, tp + fn),
    "f1": lambda tp, fp, tn, fn, multi: div(2 * tp, 2 * tp + fp + fn),
}


def expect_class(kind, average, pred, target, classes, multi):
    s = stat_scores(pred, target, classes)
    f = formulas[kind]
    if not multi:
        return torch.tensor(f(*s[1].tolist(), multi))
    if average == "micro":
        return torch.tensor(f(*s.sum(0).tolist(), multi))
    per = torch.tensor([f(*r.tolist(), multi) for r in s])
    if average == "none":
        return per
    w = s[:, 0] + s[:, 3] if average == "weighted" else ((s[:, 0] + s[:, 1] + s[:, 3]) > 0).double()
    return (per * w).sum() / w.sum()


scores, target = got["scores"], got["target"]
pred_multi = scores.argmax(1)
probs = torch.sigmoid(got["logit"])
cases = {
    "acc_micro": ("acc", "micro"), "acc_macro": ("acc", "macro"), "prec_weighted": ("prec", "weighted"),
    "rec_none": ("rec", "none"), "f1_macro": ("f1", "macro"), "prec_micro": ("prec", "micro"),
    "acc_bin": ("acc", None), "prec_bin": ("prec", None), "rec_bin": ("rec", None), "f1_bin": ("f1", None),
}
for name, (kind, avg) in cases.items():
    if avg is None:
        thr = 0.4 if name == "prec_bin" else 0.5
        want = expect_class(kind, avg, (probs > thr).long(), got["bin"], 2, False)
    else:
        want = expect_class(kind, avg, pred_multi, target, 5, True)
    close(f"metric.{name}", got[f"metric:{name}"].double(), want.double(), rtol=1e-6, atol=1e-6)
reg = got["reg"]
close("metric.mse", got["metric:mse"].double(), ((reg - reg.cos()) ** 2).mean().double(), rtol=1e-6, atol=1e-7)
close("metric.mae", got["metric:mae"].double(), (reg - reg.cos()).abs().mean().double(), rtol=1e-6, atol=1e-7)
close("metric.mean", got["metric:mean"].double(), reg.mean().double(), rtol=1e-6, atol=1e-7)
obs = reg.cos().double()
r2 = 1 - ((obs - reg.double()) ** 2).sum() / ((obs - obs.mean()) ** 2).sum()
close("metric.r2", got["metric:mr2"].double(), r2, rtol=1e-5, atol=1e-6)
conf = torch.zeros(5, 5, dtype=torch.int64)
for t_, p_ in zip(target.tolist(), pred_multi.tolist()):
    conf[t_, p_] += 1
close("metric.confusion", got["metric:cm"], conf, exact=True)
rows = conf.sum(1, keepdim=True).float()
close("metric.confusion_true", got["metric:cm_true"], torch.where(rows == 0, torch.zeros(5, 5), conf.float() / rows),
      rtol=1e-6, atol=1e-7)
cb = torch.zeros(2, 2, dtype=torch.int64)
for t_, p_ in zip(got["bin"].tolist(), (probs > 0.5).long().tolist()):
    cb[t_, p_] += 1
close("metric.confusion_bin", got["metric:cm_bin"], cb, exact=True)
check("metric.reset", torch.isnan(got["reset:mean"]).item() and got["reset:acc_micro"].item() == 0)

# top_k > 1: a prediction counts as the target when the target is among the
# k best, else as the best (torchmetrics 1.x's refinement).


def topk_pred(k):
    hit = (scores.topk(k, 1).indices == target[:, None]).any(1)
    return torch.where(hit, target, pred_multi)


close("metric.acc_top2", got["metric:acc_top2"].double(), expect_class("acc", "micro", topk_pred(2), target, 5, True).double(),
      rtol=1e-6, atol=1e-6)
close("metric.prec_top3_macro", got["metric:prec_top3_macro"].double(),
      expect_class("prec", "macro", topk_pred(3), target, 5, True).double(), rtol=1e-6, atol=1e-6)

# multilabel: each label a binary task; macro counts every label.
mlab = got["mlabels"]


def expect_multilabel(kind, average, thr):
    pred = (torch.sigmoid(scores) > thr).long()
    s = torch.tensor([[((pred[:, j] == 1) & (mlab[:, j] == 1)).sum().item(),
                       ((pred[:, j] == 1) & (mlab[:, j] == 0)).sum().item(),
                       ((pred[:, j] == 0) & (mlab[:, j] == 0)).sum().item(),
                       ((pred[:, j] == 0) & (mlab[:, j] == 1)).sum().item()] for j in range(5)], dtype=torch.float64)
    f = formulas[kind]
    if average == "micro":
        return torch.tensor(f(*s.sum(0).tolist(), False))
    per = torch.tensor([f(*r.tolist(), False) for r in s])
    if average == "none":
        return per
    w = s[:, 0] + s[:, 3] if average == "weighted" else torch.ones(5, dtype=torch.float64)
    return (per * w).sum() / w.sum()


for name, (kind, avg, thr) in {"acc_ml": ("acc", "micro", 0.5), "f1_ml_macro": ("f1", "macro", 0.5),
                               "prec_ml_none": ("prec", "none", 0.5),
                               "rec_ml_weighted": ("rec", "weighted", 0.3)}.items():
    close(f"metric.{name}", got[f"metric:{name}"].double(), expect_multilabel(kind, avg, thr).double(), rtol=1e-6,
          atol=1e-6)

# AUROC from its definition: the probability that a positive scores above a
# negative, ties counting one half (equal to the trapezoidal ROC area).


def auc(score, positive):
    pos, neg = score[positive], score[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return 0.0
    gt = (pos[:, None] > neg[None, :]).double().sum()
    eq = (pos[:, None] == neg[None, :]).double().sum()
    return ((gt + 0.5 * eq) / (len(pos) * len(neg))).item()


soft = scores.softmax(1)
per_class = torch.tensor([auc(soft[:, k], target == k) for k in range(5)], dtype=torch.float64)
support = torch.tensor([(target == k).sum().item() for k in range(5)], dtype=torch.float64)
close("metric.auroc_bin", got["metric:auroc_bin"].double(), torch.tensor(auc(probs, got["bin"] == 1),
      dtype=torch.float64), rtol=1e-6, atol=1e-6)
close("metric.auroc_mc", got["metric:auroc_mc"].double(), per_class.mean(), rtol=1e-6, atol=1e-6)
close("metric.auroc_mc_weighted", got["metric:auroc_mc_weighted"].double(), (per_class * support).sum() / support.sum(),
      rtol=1e-6, atol=1e-6)
sig = torch.sigmoid(scores)
close("metric.auroc_ml_none", got["metric:auroc_ml_none"].double(),
      torch.tensor([auc(sig[:, j], mlab[:, j] == 1) for j in range(5)], dtype=torch.float64), rtol=1e-6, atol=1e-6)

# collections: members named by class (list) or key with the prefix (dict)
check("metric.collection names", sorted(k for k in got if k.startswith("metric:col_")) == sorted([
    "metric:col_list/MulticlassAccuracy", "metric:col_list/MulticlassF1Score", "metric:col_list/MulticlassAUROC",
    "metric:col_dict/val_top1", "metric:col_dict/val_top2"]), f"{sorted(k for k in got if k.startswith('metric:col_'))}")
close("metric.col_list.acc", got["metric:col_list/MulticlassAccuracy"], got["metric:acc_micro"], exact=True)
close("metric.col_list.f1", got["metric:col_list/MulticlassF1Score"], got["metric:f1_macro"], exact=True)
close("metric.col_list.auroc", got["metric:col_list/MulticlassAUROC"], got["metric:auroc_mc"], exact=True)
close("metric.col_dict.top2", got["metric:col_dict/val_top2"], got["metric:acc_top2"], exact=True)

print(f"parity: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
