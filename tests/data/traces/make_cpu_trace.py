#!/usr/bin/env python3
"""Makes cpu-legacy.json.gz: a PyTorch profiler trace of a small CPU training loop whose Dataset
sleeps a known time per sample, so the DataLoader wait of each step is known (at least
SAMPLES_PER_BATCH x SLEEP_S). Debian's python3-torch (1.13) writes the legacy bare-array form.

Usage: python3 make_cpu_trace.py [OUT.json.gz]
"""
import gzip
import os
import shutil
import sys
import tempfile
import time

import torch
from torch.utils.data import DataLoader, Dataset

SLEEP_S = 0.002           # per sample
SAMPLES_PER_BATCH = 4     # so each step waits >= 8 ms on the DataLoader
STEPS = 6                 # recorded ProfilerStep windows


class SleepyDataset(Dataset):
    def __len__(self):
        return 1000

    def __getitem__(self, i):
        time.sleep(SLEEP_S)
        return torch.randn(64), torch.tensor(i % 10)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "cpu-legacy.json.gz"
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(SleepyDataset(), batch_size=SAMPLES_PER_BATCH, num_workers=0)
    sched = torch.profiler.schedule(wait=1, warmup=1, active=STEPS, repeat=1)
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "trace.json")
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], schedule=sched,
                                on_trace_ready=lambda p: p.export_chrome_trace(path)) as prof:
        for step, (x, y) in enumerate(loader):
            if step >= STEPS + 2:
                break
            loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            prof.step()
    with open(path, "rb") as f, gzip.open(out, "wb") as g:
        shutil.copyfileobj(f, g)
    shutil.rmtree(tmp)
    print("wrote", out)


if __name__ == "__main__":
    main()
