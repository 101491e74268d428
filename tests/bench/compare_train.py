#!/usr/bin/env python3
"""Side-by-side training throughput: batchscope-cli against torch_train.py (PyTorch, beside this file).

Runs both on the same machine in the same session, alternating, for each batch size and worker
count, with the same BLAS thread count, and prints a table of steady-state samples/s (after 20
warm-up iterations, as torch_train.py counts), test accuracy after one epoch, and the ratio.
With --gemm-peak (bench_gemm_peak), it also prints the GFLOP/s of Batchscope's compute phase
against the SGEMM rate OpenBLAS reaches on this machine, measured in the same run.

  /usr/bin/python3 tests/bench/compare_train.py --cli build/bin/batchscope-cli \
      --batches 32,128,512 --workers 0,2 --rounds 2
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run_cli(cli, batch, workers, threads, epochs):
    out = subprocess.run([cli, "train", "--batch", str(batch), "--workers", str(workers), "--prefetch", "2",
                          "--threads", str(threads), "--epochs", str(epochs), "--json", "--quiet"],
                         capture_output=True, text=True, check=True).stdout
    j = json.loads(out)
    e = j["epochs"][-1]
    return e["steady_samples_per_s"], e.get("test_accuracy", float("nan")), e.get("compute_gflops", float("nan"))


def run_torch(script, batch, workers, threads, epochs):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        subprocess.run([sys.executable, script, "--batch", str(batch), "--workers",
                        str(workers), "--prefetch", "2", "--threads", str(threads), "--epochs", str(epochs),
                        "--json", path], capture_output=True, text=True, check=True)
        with open(path) as f:
            rec = json.loads(f.readline())
    finally:
        os.unlink(path)
    return rec["epochs"][-1]["samples_per_s"], rec["test_acc"], rec["env"]["blas"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="build/bin/batchscope-cli")
    ap.add_argument("--torch-script", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_train.py"),
                    help="the PyTorch reference (default: torch_train.py beside this script)")
    ap.add_argument("--batches", default="128")
    ap.add_argument("--workers", default="0,2")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--gemm-peak", default="", help="bench_gemm_peak: report compute GFLOP/s against its peak")
    args = ap.parse_args()

    def gemm_peak():
        if not args.gemm_peak:
            return float("nan")
        out = subprocess.run([args.gemm_peak, "--threads", str(args.threads)], capture_output=True, text=True,
                             check=True).stdout
        return json.loads(out)["peak_gflops"]

    print(f"# {os.cpu_count()} CPUs, {args.threads} BLAS thread(s), {args.epochs} epoch(s), "
          f"median of {args.rounds} alternating rounds")
    print("| batch | workers | Batchscope samples/s | PyTorch samples/s | ratio | Batchscope acc | PyTorch acc | "
          "compute GFLOP/s (% of SGEMM peak) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    blas = "?"
    for b in [int(x) for x in args.batches.split(",")]:
        for w in [int(x) for x in args.workers.split(",")]:
            ours, theirs, acc_o, acc_t, gflops, peaks = [], [], [], [], [], []
            for _ in range(args.rounds):
                s, a, g = run_cli(args.cli, b, w, args.threads, args.epochs)
                ours.append(s)
                acc_o.append(a)
                gflops.append(g)
                peaks.append(gemm_peak())
                s, a, blas = run_torch(args.torch_script, b, w, args.threads, args.epochs)
                theirs.append(s)
                acc_t.append(a)
            o, t = statistics.median(ours), statistics.median(theirs)
            g, p = statistics.median(gflops), statistics.median(peaks)
            flops = f"{g:.1f} ({100 * g / p:.0f}% of {p:.1f})" if p == p else f"{g:.1f}"
            print(f"| {b} | {w} | {o:,.0f} | {t:,.0f} | {o / t:.2f}x | {100 * acc_o[-1]:.2f}% | "
                  f"{100 * acc_t[-1]:.2f}% | {flops} |", flush=True)
    print(f"# PyTorch BLAS: {blas}")


if __name__ == "__main__":
    main()
