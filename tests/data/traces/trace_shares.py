#!/usr/bin/env python3
"""Independent reference for Batchscope's trace import: the breakdown of each PyTorch profiler
trace given, computed with python3's gzip and json only (interval-set arithmetic instead of the
importer's sweep), printed as JSON. The rules (docs/TRACE_IMPORT.md):

- steps: `ProfilerStep#N` spans (not gpu_user_annotation), first span of each N; none: one window
  over the span of all complete ("X") events;
- a step's window ends at the latest end of the GPU activities whose runtime/driver call (same
  `args.correlation`) started inside the step, never after the next step's start;
- parts in priority order: compute (kernel, name without "nccl"), comm (kernel with "nccl"),
  h2d (memcpy "HtoD"), d2h (memcpy "DtoH"), other_gpu (other memcpy, memset),
  data_wait (`enumerate(DataLoader)#...__next__`), host (the rest);
- host_wait (GPU traces): host time when no launched GPU activity was waiting to start.

Usage: trace_shares.py TRACE.json[.gz]...   (times from `ts`/`dur`, microseconds, read exactly)
"""
import decimal
import gzip
import json
import os
import sys


def load(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f, parse_float=decimal.Decimal)


def ns(us):
    return int((decimal.Decimal(us) * 1000).quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))


def union(ivs):
    out = []
    for a, b in sorted(i for i in ivs if i[1] > i[0]):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def subtract(a, b):
    """a minus b, both sorted disjoint lists."""
    out, j = [], 0
    for s, e in a:
        cur = s
        while j < len(b) and b[j][1] <= cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] < e:
            if b[k][0] > cur:
                out.append([cur, b[k][0]])
            cur = max(cur, b[k][1])
            k += 1
        if cur < e:
            out.append([cur, e])
    return out


def intersect(a, b):
    return subtract(a, subtract(a, b))


def measure(ivs):
    return sum(e - s for s, e in ivs)


def clip(ivs, lo, hi):
    return [[max(s, lo), min(e, hi)] for s, e in ivs if min(e, hi) > max(s, lo)]


PARTS = ["compute", "comm", "h2d", "d2h", "other_gpu", "data_wait"]


def classify(ev):
    cat = (ev.get("cat") or "").lower()
    name = ev.get("name") or ""
    if cat == "kernel":
        return "comm" if "nccl" in name.lower() else "compute"
    if cat in ("gpu_memcpy", "memcpy"):
        return "h2d" if "HtoD" in name else "d2h" if "DtoH" in name else "other_gpu"
    if cat in ("gpu_memset", "memset"):
        return "other_gpu"
    if cat in ("cuda_runtime", "cuda_driver", "runtime"):
        return "launch"
    if cat == "gpu_user_annotation":
        return None
    if name.startswith("ProfilerStep#"):
        return "step"
    if name.startswith("enumerate(DataLoader)#") and name.endswith("__next__"):
        return "data_wait"
    return None


def analyse(path):
    doc = load(path)
    events = doc["traceEvents"] if isinstance(doc, dict) else doc
    info = doc.get("distributedInfo", {}) if isinstance(doc, dict) else {}
    parts = {p: [] for p in PARTS}
    gpu, launch, steps = [], {}, {}
    first, last = None, None
    for ev in events:
        if ev.get("ph") != "X":
            continue
        s = ns(ev["ts"])
        e = s + ns(ev["dur"])
        first = s if first is None else min(first, s)
        last = e if last is None else max(last, e)
        kind = classify(ev)
        corr = (ev.get("args") or {}).get("correlation")
        if kind == "step":
            n = int(ev["name"][len("ProfilerStep#"):])
            if n not in steps or s < steps[n][0]:
                steps[n] = [s, e]
        elif kind == "launch":
            if corr:
                launch[corr] = s
        elif kind:
            parts[kind].append([s, e])
            if kind != "data_wait":
                gpu.append((s, e, corr))
    windows = sorted([v[0], v[1], n] for n, v in steps.items())
    queued = []
    for s, e, corr in gpu:
        if corr not in launch:
            continue
        t = launch[corr]
        if s > t:
            queued.append([t, s])
        for w in windows:
            if w[0] <= t < steps[w[2]][1]:
                w[1] = max(w[1], e)
    for i in range(len(windows) - 1):
        windows[i][1] = min(windows[i][1], windows[i + 1][0])
    whole = not windows
    if whole:
        windows = [[first, last, 0]]
    merged = {p: union(v) for p, v in parts.items()}
    queued = union(queued)
    total = {p: 0 for p in PARTS + ["host", "host_wait", "wall"]}
    for lo, hi, _ in windows:
        claimed = []
        for p in PARTS:
            own = subtract(clip(merged[p], lo, hi), claimed)
            total[p] += measure(own)
            claimed = union(claimed + own)
        host = (hi - lo) - measure(claimed)
        total["host"] += host
        if gpu:
            total["host_wait"] += host - measure(subtract(clip(queued, lo, hi), claimed))
        total["wall"] += hi - lo
    wall = total["wall"]
    return {
        "file": os.path.basename(path),
        "rank": info.get("rank"),
        "world_size": info.get("world_size"),
        "steps": len(windows) if not whole else 1,
        "whole_trace_window": whole,
        "window_ns": wall,
        "parts_ns": {p: total[p] for p in PARTS + ["host", "host_wait"]},
        "share": {p: total[p] / wall for p in PARTS + ["host"]},
    }


if __name__ == "__main__":
    print(json.dumps({"traces": [analyse(p) for p in sys.argv[1:]]}, indent=1))
