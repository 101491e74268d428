#!/usr/bin/env python3
"""MLP serving on the GPU with PyTorch eager: the reference for tests/engine/gpu/gpu_serve_bench.

Same protocol as the C++ benchmark (same GPU, same run), so the two lines can be set side by side:
  model     MLP 784-256-128-10 (ReLU), or --model as gpu_serve_bench's (mlp:W1,W2[:gelu], or
            cnn:C1,C2:fc=F[:gelu]: 3x3 convolutions with padding 1, each followed by the activation and
            2x2 max pooling, then the fc layer and its activation), PyTorch's default init (random
            weights: the cost does not depend on the values), eval mode, torch.inference_mode();
  requests  SYNTHETIC 28x28 8-bit images (the GPU machine has no dataset), taken in order;
  one call  scale the batch's 8-bit pixels to floats into a page-locked tensor, copy it to the GPU
            (non_blocking), forward, copy the logits back (.cpu(), which waits), arg-max on the host;
  timing    --warmup calls, then --requests timed calls back to back with time.perf_counter_ns.
  graphs    --graphs on: the forward pass captured once per batch size with torch.cuda.graphs (after
            three warm-up passes on a side stream, as PyTorch's documentation does) and replayed; the
            copies stay outside the graph (the static device input filled from the page-locked batch by
            copy_(non_blocking), the static output copied back with .cpu()). Batchscope's graphs hold the copies too.
Prints "RESULT impl=pytorch graphs=off|on batch=B p50_us=... p99_us=..." per batch size (and mode).

  python3 bench_infer_gpu.py --batches 1,4 [--requests 5000] [--graphs off|on|both] [--tf32] [--model SPEC]
"""
import argparse
import time

import torch
import torch.nn as nn


def build(spec):
    """The model of a spec (the subset gpu_serve_bench's benchmarks use), for 1x28x28 inputs."""
    parts = spec.split(":")
    act = nn.GELU if "gelu" in parts[1:] else nn.ReLU
    widths = [int(w) for w in parts[1].split(",")] if len(parts) > 1 and parts[1][0].isdigit() else []
    layers = []
    if parts[0] == "mlp":
        layers.append(nn.Flatten())
        n = 784
        for w in widths:
            layers += [nn.Linear(n, w), act()]
            n = w
    elif parts[0] == "cnn":
        c, hw = 1, 28
        for w in widths:
            layers += [nn.Conv2d(c, w, 3, padding=1), act(), nn.MaxPool2d(2)]
            c, hw = w, hw // 2
        layers.append(nn.Flatten())
        n = c * hw * hw
        fc = [int(p[3:]) for p in parts[1:] if p.startswith("fc=")]
        if fc and fc[0] > 0:
            layers += [nn.Linear(n, fc[0]), act()]
            n = fc[0]
    else:
        raise SystemExit(f"bench_infer_gpu: --model {spec}: use mlp:W1,W2[:gelu] or cnn:C1,C2:fc=F[:gelu]")
    return nn.Sequential(*layers, nn.Linear(n, 10))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", default="1,4")
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--graphs", choices=["off", "on", "both"], default="off")
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--model", default="mlp:256,128")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    dev = torch.device("cuda")
    torch.manual_seed(0)
    model = build(a.model).to(dev).eval()
    shape = (1, 28, 28) if a.model.startswith("cnn") else (784,)
    g = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (10000, 784), dtype=torch.uint8, generator=g)
    print(f"bench_infer_gpu: {a.model} with PyTorch {torch.__version__} on {torch.cuda.get_device_name(0)}")
    nxt = 0
    modes = {"off": [False], "on": [True], "both": [False, True]}[a.graphs]
    for graphs in modes:
        for b in [int(x) for x in a.batches.split(",")]:
            staging = torch.empty((b, *shape), dtype=torch.float32).pin_memory()
            forward = lambda host: model(host.to(dev, non_blocking=True))  # noqa: E731
            if graphs:
                static_in = torch.zeros((b, *shape), device=dev)
                side = torch.cuda.Stream()
                side.wait_stream(torch.cuda.current_stream())
                with torch.inference_mode(), torch.cuda.stream(side):
                    for _ in range(3):
                        model(static_in)
                torch.cuda.current_stream().wait_stream(side)
                graph = torch.cuda.CUDAGraph()
                with torch.inference_mode(), torch.cuda.graph(graph):
                    static_out = model(static_in)

                def forward(host, graph=graph, static_in=static_in, static_out=static_out):
                    static_in.copy_(host, non_blocking=True)
                    graph.replay()
                    return static_out
            wall = []
            with torch.inference_mode():
                for i in range(a.warmup + a.requests):
                    idx = torch.arange(nxt, nxt + b) % images.shape[0]
                    nxt += b
                    t0 = time.perf_counter_ns()
                    torch.div(images[idx].view(b, *shape), 255.0, out=staging)
                    logits = forward(staging).cpu()
                    logits.argmax(dim=1)
                    t1 = time.perf_counter_ns()
                    if i >= a.warmup:
                        wall.append(t1 - t0)
            wall.sort()
            p = lambda q: wall[min(len(wall) - 1, int(q / 100 * len(wall)))] / 1e3  # noqa: E731
            print(f"RESULT impl=pytorch graphs={'on' if graphs else 'off'} batch={b} p50_us={p(50):.1f} "
                  f"p99_us={p(99):.1f}", flush=True)

if __name__ == "__main__":
    main()
