#!/usr/bin/python3
"""py_ddp.py: PyTorch's own DistributedDataParallel (Gloo, loopback) on the
demo's CNN or MLP, for scripts/bench/ddp_bench.sh: what 2 ranks x 1 thread
give over 1 rank x 1 thread on this machine with torch.nn.parallel's DDP,
the reference for lighter-host's (the same layers and optimizer as
configs/fashion_mnist_{cnn,mlp}.yaml, batch 64 per rank, data already in
memory so only the training loop is timed). Prints one JSON line.

    /usr/bin/python3 py_ddp.py cnn|mlp STEPS_PER_RANK WORLD PORT
"""
import json
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn


def make(model):
    if model == "mlp":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.1), nn.Linear(256, 10))
        return net, torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    return net, torch.optim.Adam(net.parameters(), lr=0.001)


def rank_main(rank, model, steps, world, port, out):
    torch.set_num_threads(1)
    torch.manual_seed(rank)
    net, opt = make(model)
    if world > 1:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        dist.init_process_group("gloo", rank=rank, world_size=world)
        net = nn.parallel.DistributedDataParallel(net)
    x = torch.randn(steps, 64, 1, 28, 28)
    y = torch.randint(0, 10, (steps, 64))
    loss_fn = nn.CrossEntropyLoss()
    warm = min(10, steps // 10)
    for i in range(steps):
        if i == warm:
            if world > 1:
                dist.barrier()
            t0 = time.monotonic()
        opt.zero_grad()
        loss_fn(net(x[i]), y[i]).backward()
        opt.step()
    if world > 1:
        dist.barrier()
    dt = time.monotonic() - t0
    if rank == 0:
        out.put({"model": model, "world": world, "steps_per_rank": steps - warm,
                 "seconds": dt, "samples_per_s": (steps - warm) * 64 * world / dt})
    if world > 1:
        dist.destroy_process_group()


def main():
    model, steps, world, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=rank_main, args=(r, model, steps, world, port, out)) for r in range(world)]
    for p in procs:
        p.start()
    res = out.get(timeout=600)
    for p in procs:
        p.join()
    print(json.dumps(res))


if __name__ == "__main__":
    main()
