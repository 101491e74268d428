#!/usr/bin/env python3
"""MLP training on the GPU with PyTorch: the reference for tests/engine/gpu/gpu_train_bench.

Same protocol as the C++ benchmark, so the two lines can be set side by side (same GPU, same run):
  model   MLP 784-256-128-10 (ReLU), cross-entropy, SGD lr 0.05 momentum 0.9, PyTorch's default init;
  inputs  SYNTHETIC: 60000 samples of 784 uniform [0,1) floats with random labels (the GPU machine has
          no dataset), held in page-locked host memory (as DataLoader(pin_memory=True) would), batches
          taken in order and copied to the GPU every iteration with non_blocking=True;
  loss    read on the host one iteration late, as the C++ side reads it: after queueing iteration k,
          the host waits for the end of iteration k-1's step (an event recorded after opt.step()) and
          reads its loss, so both sides keep one step queued ahead of the host and wait as often;
  timing  from the end of iteration --warmup (default 20; a quarter of the iterations when an epoch
          has at most twice that many) to the end of the epoch, after torch.cuda.synchronize() at both
          ends; best of --epochs.
Prints "RESULT impl=pytorch batch=B samples_per_s=... iter_ms=... loss=..." per batch size.

  python3 bench_train_gpu.py --batches 32,128,512,4096 [--tf32] [--epochs 2]
"""
import argparse
import sys
import time

import torch
import torch.nn as nn


def run_epoch(model, opt, loss_fn, X, Y, batch, warmup):
    dev = torch.device("cuda")
    n = X.shape[0]
    iters = (n + batch - 1) // batch
    if iters <= 2 * warmup:
        warmup = iters // 4
    loss_sum = 0.0
    prev = None  # (loss, rows, event after its step) of the previous iteration
    steady = 0
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for it in range(iters):
        if it == warmup:
            torch.cuda.synchronize()
            t0 = time.perf_counter()
        xb = X[it * batch:(it + 1) * batch].to(dev, non_blocking=True)
        yb = Y[it * batch:(it + 1) * batch].to(dev, non_blocking=True)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        done = torch.cuda.Event()
        done.record()
        if prev is not None:
            prev[2].synchronize()
            loss_sum += prev[0].item() * prev[1]
        prev = (loss.detach(), yb.shape[0], done)
        if it >= warmup:
            steady += yb.shape[0]
    prev[2].synchronize()
    loss_sum += prev[0].item() * prev[1]
    torch.cuda.synchronize()
    s = time.perf_counter() - t0
    steady_iters = iters - warmup
    return steady / s, s * 1e3 / steady_iters, loss_sum / n, iters


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", default="32,128,512,4096")
    ap.add_argument("--samples", type=int, default=60000)
    ap.add_argument("--epochs", type=int, default=1, help="epochs per batch size; the best is reported")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--tf32", action="store_true", help="allow TF32 in matmuls (off by default in PyTorch)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("bench_train_gpu: no GPU: torch.cuda.is_available() is False", file=sys.stderr)
        return 3
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.manual_seed(args.seed)
    X = torch.rand(args.samples, 784).pin_memory()
    Y = torch.randint(0, 10, (args.samples,)).pin_memory()
    print(f"# torch {torch.__version__} CUDA {torch.version.cuda} | {torch.cuda.get_device_name(0)} | "
          f"{'TF32' if args.tf32 else 'FP32'} | synthetic inputs, {args.samples} samples, warm-up {args.warmup} "
          f"iterations", flush=True)
    for batch in [int(b) for b in args.batches.split(",")]:
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                              nn.Linear(128, 10)).cuda()
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        best = None
        for _ in range(args.epochs):
            r = run_epoch(model, opt, loss_fn, X, Y, batch, args.warmup)
            if best is None or r[0] > best[0]:
                best = r
        sps, iter_ms, loss, iters = best
        print(f"RESULT impl=pytorch batch={batch} samples_per_s={sps:.0f} iter_ms={iter_ms:.4f} loss={loss:.4f} "
              f"iters={iters}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
