"""Shared by the PyTorch reference benchmarks (torch_train.py, torch_infer.py): Fashion-MNIST
from its IDX files, the same MLP as Batchscope's default model, and what the process runs on.

The dataset is found through $FMNIST_DIR, else Debian's dataset-fashion-mnist package
(`dpkg -L dataset-fashion-mnist`). Run with the interpreter whose `import torch` works
(Debian: /usr/bin/python3 with python3-torch); install OpenBLAS (libopenblas0-pthread) first,
or PyTorch runs on the reference BLAS and every ratio is meaningless: env()["blas"] names the
BLAS library the process really loaded.
"""
import gzip
import os
import struct
import subprocess

import numpy as np
import torch
from torch import nn


def dataset_dir():
    d = os.environ.get("FMNIST_DIR")
    if d:
        return d
    try:
        files = subprocess.run(["dpkg", "-L", "dataset-fashion-mnist"], capture_output=True, text=True,
                               check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        files = []
    for f in files:
        if f.endswith("train-images-idx3-ubyte.gz"):
            return os.path.dirname(f)
    raise SystemExit("Fashion-MNIST not found: install dataset-fashion-mnist or set FMNIST_DIR")


def read_idx(path):
    """An IDX file (gzipped or not) as a numpy array of its declared shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_split(split):
    """("train" or "t10k") -> uint8 images (N, 784) and int64 labels (N,), as torch tensors."""
    d = dataset_dir()
    x = read_idx(os.path.join(d, f"{split}-images-idx3-ubyte.gz")).reshape(-1, 28 * 28)
    y = read_idx(os.path.join(d, f"{split}-labels-idx1-ubyte.gz"))
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))


def mlp():
    """784-256-128-10 with ReLU: Batchscope's default model (mlp:256,128)."""
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def blas_loaded():
    """The BLAS shared libraries mapped into this process (after torch ran a GEMM)."""
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            name = os.path.basename(path)
            if "blas" in name.lower() or "mkl" in name.lower():
                libs.add(name)
    return ", ".join(sorted(libs)) or "none found (BLAS linked into libtorch?)"


def env(threads):
    return {"torch": torch.__version__, "threads": threads, "blas": blas_loaded(), "cpus": os.cpu_count()}
