#!/usr/bin/env python3
"""PyTorch reference for inference: the MLP 784-256-128-10 in eval mode under torch.no_grad(),
on pre-built float inputs from the Fashion-MNIST test set. bench_infer_latency runs it beside
Batchscope's forward pass, serving path and single-stream server in the same session.

Latency: back-to-back forward passes at each --batches size, after 200 warm-up passes; one line
per batch size, "batch B: N req p50 X us p95 X us p99 X us mean X us" (the lines
bench_infer_latency reads). Throughput: samples/s of back-to-back passes at --throughput sizes.

  /usr/bin/python3 tests/bench/torch_infer.py --threads 1 --batches 1,4 --requests 5000
"""
import argparse
import time

import torch

import torch_common

WARMUP = 200


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    k = max(0, min(len(sorted_values) - 1, -(-p * len(sorted_values) // 100) - 1))
    return sorted_values[int(k)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", default="1,4", help="latency at these batch sizes")
    ap.add_argument("--requests", type=int, default=5000, help="timed passes per batch size")
    ap.add_argument("--throughput", default="1,4,64", help="samples/s at these batch sizes ('' for none)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    env = torch_common.env(args.threads)
    print(f"# PyTorch {env['torch']}, BLAS {env['blas']}, {args.threads} thread(s), eager, no_grad", flush=True)
    x, _ = torch_common.load_split("t10k")
    x = x.float() / 255.0
    model = torch_common.mlp().eval()
    n_inputs = len(x)

    def inputs(b, i):
        start = (i * 37) % (n_inputs - b)
        return x[start:start + b]

    with torch.no_grad():
        for b in [int(v) for v in args.batches.split(",") if v]:
            times = []
            for i in range(-WARMUP, args.requests):
                xb = inputs(b, i + WARMUP)
                t0 = time.perf_counter_ns()
                model(xb)
                if i >= 0:
                    times.append((time.perf_counter_ns() - t0) / 1e3)
            times.sort()
            mean = sum(times) / len(times)
            print(f"batch {b:4d}: {len(times)} req  p50 {percentile(times, 50):9.1f} us  "
                  f"p95 {percentile(times, 95):9.1f} us  p99 {percentile(times, 99):9.1f} us  mean {mean:9.1f} us",
                  flush=True)
        for b in [int(v) for v in args.throughput.split(",") if v]:
            passes = max(200, args.requests // b)
            for i in range(50):
                model(inputs(b, i))
            t0 = time.perf_counter()
            for i in range(passes):
                model(inputs(b, i))
            dt = time.perf_counter() - t0
            print(f"throughput batch {b:4d}: {passes * b / dt:12,.0f} samples/s", flush=True)


if __name__ == "__main__":
    main()
