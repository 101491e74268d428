#!/usr/bin/env python3
"""Loader-only throughput, side by side: Batchscope's BatchLoader (bench_data_loader) against
PyTorch's DataLoader, in the same run, alternating, at the same worker counts.

(a) Fashion-MNIST: Batchscope reads its sample cache (page cache); PyTorch uses torchvision's
    FashionMNIST dataset (held in memory) with ToTensor(), batch 128.
(b) An image folder of JPEGs (e.g. `batchscope-cli make-imagefolder DIR --size 224`): Batchscope
    decodes with libjpeg-turbo; PyTorch uses torchvision's ImageFolder (PIL) with ToTensor(),
    batch 64. Batchscope runs twice: float32 batches (what ToTensor delivers) and uint8 batches.
Then, for the JPEG folder, the loader (uint8 batches) against libjpeg-turbo's single-thread decode
rate on the same files held in memory (the target's reference: that rate x workers), measured by
`bench_data_loader paired`: short slices of the same files, alternating between the loader, one
thread decoding from memory, and one thread reading each file and decoding it with no loader (the
floor that reading the files sets), many rounds, medians of the per-round ratios. This machine's
speed moves by 10-20% from one second to the next (another tenant on the host); separate
multi-second runs compared with each other measured that more than the loader.
"steal" is the share of the machine's CPU time the hypervisor took during the measurement.

Prefetch depth d (batches built ahead, in all) maps to PyTorch's prefetch_factor (batches ahead
per worker) as max(1, ceil(d / workers)): PyTorch cannot prefetch nothing.

Both samples/s (wall) and samples per CPU-second (all threads / worker processes of the loader)
are reported: on a shared, loaded machine the second is the steadier figure. With --rounds N each
measurement of the first table is repeated N times, alternating, and the best round is kept.

  /usr/bin/python3 tests/bench/compare_data.py --bench build/bin/bench_data_loader \\
      --folder /tmp/fm224/train --workers 1,2 --prefetch 0,2,8 --seconds 3 --rounds 2 \\
      --paired-rounds 20 --markdown out.md
"""
import argparse
import gzip
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

TORCH_MEASURE = r"""
import json, os, sys, time
import torch, torchvision
from torchvision import transforms
kind, root, batch, workers, pf, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
torch.set_num_threads(1)
tf = transforms.ToTensor()
if kind == "fashion":
    ds = torchvision.datasets.FashionMNIST(root, train=True, download=False, transform=tf)
else:
    ds = torchvision.datasets.ImageFolder(root, transform=tf)
dl = torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=True, num_workers=workers, prefetch_factor=pf,
                                 persistent_workers=True)
hz = os.sysconf("SC_CLK_TCK")
def cpu(pids):
    t = 0
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            t += (int(f[11]) + int(f[12])) / hz
        except OSError:
            pass
    return t
samples, k, t0, c0, timing = 0, 0, 0.0, 0.0, False
while True:
    it = iter(dl)
    pids = [os.getpid()] + [w.pid for w in getattr(it, "_workers", [])]
    for x, y in it:
        if not timing:
            k += 1
            if k > workers:
                timing, t0, c0 = True, time.perf_counter(), cpu(pids)
        else:
            samples += x.shape[0]
        if timing and time.perf_counter() - t0 >= seconds:
            wall, c = time.perf_counter() - t0, cpu(pids) - c0
            print(json.dumps({"samples_per_s": samples / wall, "samples_per_cpu_s": samples / c if c > 0 else 0}))
            sys.exit(0)
"""


def ours(bench, mode, folder, workers, prefetch, seconds, uint8=False):
    args = [bench, mode] + ([folder] if folder else []) + ["--workers", str(workers), "--prefetch", str(prefetch),
                                                          "--seconds", str(seconds)]
    if uint8:
        args.append("--uint8")
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch(kind, root, batch, workers, prefetch, seconds):
    pf = max(1, math.ceil(prefetch / workers))
    out = subprocess.run([sys.executable, "-c", TORCH_MEASURE, kind, root, str(batch), str(workers), str(pf),
                          str(seconds)], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def fashion_root(tmp):
    """torchvision's FashionMNIST wants the raw, uncompressed IDX files under ROOT/FashionMNIST/raw."""
    src = subprocess.run(["dpkg", "-L", "dataset-fashion-mnist"], capture_output=True, text=True).stdout.split()
    gz = [p for p in src if p.endswith("-ubyte.gz")]
    raw = os.path.join(tmp, "FashionMNIST", "raw")
    os.makedirs(raw)
    for p in gz:
        with gzip.open(p) as f, open(os.path.join(raw, os.path.basename(p)[:-3]), "wb") as o:
            shutil.copyfileobj(f, o)
    return tmp


def best(rounds, fns):
    """Runs each of `fns` `rounds` times, interleaved; the best result of each (by samples/s)."""
    out = [None] * len(fns)
    for _ in range(rounds):
        for i, f in enumerate(fns):
            r = f()
            if out[i] is None:
                out[i] = r
            else:
                for k in r:
                    if isinstance(r[k], float):
                        out[i][k] = r[k] if out[i].get(k) is None else max(out[i][k], r[k])
    return out


def load():
    return os.getloadavg()[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="path to bench_data_loader")
    ap.add_argument("--folder", help="image folder (class sub-folders) for (b)")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--prefetch", default="0,2,8")
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--rounds", type=int, default=1, help="repeat each measurement, keep the best")
    ap.add_argument("--paired-rounds", type=int, default=20, help="rounds of the paired decode comparison")
    ap.add_argument("--paired-slice", type=int, default=3200, help="files per slice of the paired comparison")
    ap.add_argument("--skip-fashion", action="store_true")
    ap.add_argument("--markdown", help="also write the table here")
    a = ap.parse_args()
    workers = [int(w) for w in a.workers.split(",")]
    prefetch = [int(p) for p in a.prefetch.split(",")]
    rows = []
    loads = [load()]
    with tempfile.TemporaryDirectory() as tmp:
        if not a.skip_fashion:
            root = fashion_root(tmp)
            for w in workers:
                for p in prefetch:
                    b, t = best(a.rounds, [lambda: ours(a.bench, "fashion", None, w, p, a.seconds),
                                           lambda: torch("fashion", root, 128, w, p, a.seconds)])
                    rows.append(("Fashion-MNIST", w, p, b, None, t))
                    print(f"fashion w={w} p={p}: batchscope {b['samples_per_s']:.0f}/s, torch {t['samples_per_s']:.0f}/s",
                          file=sys.stderr)
    paired = []
    if a.folder:
        for w in workers:
            for p in prefetch:
                b, u, t = best(a.rounds, [lambda: ours(a.bench, "folder", a.folder, w, p, a.seconds),
                                          lambda: ours(a.bench, "folder", a.folder, w, p, a.seconds, uint8=True),
                                          lambda: torch("folder", a.folder, 64, w, p, a.seconds)])
                rows.append(("JPEG folder", w, p, b, u, t))
                print(f"folder w={w} p={p}: batchscope {b['samples_per_s']:.0f}/s (uint8 {u['samples_per_s']:.0f}/s), "
                      f"torch {t['samples_per_s']:.0f}/s", file=sys.stderr)
        out = subprocess.run([a.bench, "paired", a.folder, "--workers", a.workers, "--prefetch", a.prefetch, "--uint8",
                              "--rounds", str(a.paired_rounds), "--slice", str(a.paired_slice)],
                             capture_output=True, text=True, check=True).stdout
        paired = [json.loads(line) for line in out.strip().splitlines()]
    loads.append(load())

    lines = []
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines.append(f"Machine: {cpu}, {os.cpu_count()} cores; load average {loads[0]:.1f} before, {loads[1]:.1f} after; "
                 f"best of {a.rounds} round(s) of {a.seconds:g} s.")
    lines.append("")
    lines.append("| dataset | workers | prefetch | Batchscope float32 samples/s (per CPU-s) | Batchscope uint8 "
                 "samples/s (per CPU-s) | PyTorch samples/s (per CPU-s) | ratio float32 (per CPU-s) | steal (max) |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for name, w, p, b, u, t in rows:
        ratio = f"{b['samples_per_s'] / t['samples_per_s']:.2f}x ({b['samples_per_cpu_s'] / t['samples_per_cpu_s']:.2f}x)"
        uint8 = f"{u['samples_per_s']:.0f} ({u['samples_per_cpu_s']:.0f})" if u else "-"
        steals = [x["steal_pct"] for x in (b, u) if x and x.get("steal_pct") is not None]
        steal = f"{max(steals):.1f}%" if steals else "n/a"
        lines.append(f"| {name} | {w} | {p} | {b['samples_per_s']:.0f} ({b['samples_per_cpu_s']:.0f}) | {uint8} | "
                     f"{t['samples_per_s']:.0f} ({t['samples_per_cpu_s']:.0f}) | {ratio} | {steal} |")
    if paired:
        first = paired[0]
        lines.append("")
        lines.append(f"JPEG folder against libjpeg-turbo's decode, paired (`bench_data_loader paired`): {first['rounds']} "
                     f"rounds of {first['slice']} files each, uint8 batches of {first['batch']}; medians over the rounds, "
                     "quartiles in brackets.")
        lines.append("")
        lines.append("| workers | prefetch | loader samples/s | decode from memory, 1 thread (images/s) | "
                     "read + decode, 1 thread, no loader (images/s) | loader vs 1-thread decode x workers | "
                     "read + decode vs decode | us per sample: loader read / decode; read + decode read / decode | "
                     "steal |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for d in paired:
            v, f, lu, fu = (d["loader_vs_decode_x_workers"], d["read_decode_vs_decode"], d["loader_us_per_sample"],
                            d["read_decode_us_per_sample"])
            steal = f"{d['steal_pct']:.1f}%" if d.get("steal_pct") is not None else "n/a"
            lines.append(f"| {d['workers']} | {d['prefetch']} | {d['loader_samples_per_s']:.0f} | "
                         f"{d['decode_1thread_per_s']:.0f} | {d['read_decode_1thread_per_s']:.0f} | "
                         f"{100 * v['median']:.1f}% [{100 * v['p25']:.0f}-{100 * v['p75']:.0f}%] | "
                         f"{100 * f['median']:.1f}% [{100 * f['p25']:.0f}-{100 * f['p75']:.0f}%] | "
                         f"{lu['read']:.1f} / {lu['decode']:.1f}; {fu['read']:.1f} / {fu['decode']:.1f} | {steal} |")
    text = "\n".join(lines)
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
