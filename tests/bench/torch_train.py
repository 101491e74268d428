#!/usr/bin/env python3
"""PyTorch reference for training throughput: the MLP 784-256-128-10 (ReLU, cross-entropy, SGD
lr 0.05 momentum 0.9) on Fashion-MNIST through DataLoader(shuffle=True), the way a PyTorch user
writes it. compare_train.py runs it beside batchscope-cli in the same session.

Reports, per epoch, samples/s after 20 warm-up iterations (Batchscope's "steady" figure counts
the same way), the time the loop waited for the DataLoader and the time in forward + backward +
step; test accuracy after the last epoch. With --json FILE it writes one JSON line:
  {"epochs": [{"epoch", "samples_per_s", "wait_s", "compute_s", "iterations"}], "test_acc", "env"}

  /usr/bin/python3 tests/bench/torch_train.py --batch 128 --workers 0 --prefetch 2 --threads 1
"""
import argparse
import json
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

import torch_common

WARMUP = 20  # iterations left out of samples/s


class Images(Dataset):
    """Per-sample access, as a user's Dataset: 8-bit pixels to float in [0, 1]."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i].float().div_(255.0), self.y[i]


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x[i:i + 1000].float() / 255.0).argmax(1) == y[i:i + 1000]).sum())
                      for i in range(0, len(y), 1000))
    model.train()
    return correct / len(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    ap.add_argument("--prefetch", type=int, default=2, help="prefetch_factor (with workers)")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default="", help="write the results as one JSON line to FILE")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    env = torch_common.env(args.threads)
    print(f"# PyTorch {env['torch']}, BLAS {env['blas']}, {args.threads} thread(s), {env['cpus']} CPUs", flush=True)
    xtr, ytr = torch_common.load_split("train")
    xte, yte = torch_common.load_split("t10k")
    extra = {"prefetch_factor": args.prefetch} if args.workers > 0 else {}
    loader = DataLoader(Images(xtr, ytr), batch_size=args.batch, shuffle=True, num_workers=args.workers, **extra)
    model = torch_common.mlp()
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    epochs = []
    for epoch in range(1, args.epochs + 1):
        wait = compute = 0.0
        samples = iterations = 0
        steady_start = None
        t = time.perf_counter()
        for x, y in loader:
            got = time.perf_counter()
            if iterations >= WARMUP:
                wait += got - t
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            t = time.perf_counter()
            iterations += 1
            if iterations == WARMUP:
                steady_start = t
            elif iterations > WARMUP:
                compute += t - got
                samples += len(y)
        end = time.perf_counter()
        rate = samples / (end - steady_start) if steady_start and end > steady_start else float("nan")
        epochs.append({"epoch": epoch, "samples_per_s": rate, "wait_s": wait, "compute_s": compute,
                       "iterations": iterations})
        print(f"epoch {epoch}: {rate:,.0f} samples/s after {WARMUP} warm-up iterations; "
              f"waiting for the loader {wait:.3f} s, forward+backward+step {compute:.3f} s", flush=True)
    acc = accuracy(model, xte, yte)
    print(f"test accuracy {100 * acc:.2f}%")
    if args.json:
        with open(args.json, "w") as f:
            f.write(json.dumps({"epochs": epochs, "test_acc": acc, "env": env, "args": vars(args)}) + "\n")


if __name__ == "__main__":
    main()
