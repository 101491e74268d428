#!/usr/bin/env bash
# The CUDA plugin queues nothing on the legacy default stream (stream 0). Work there would wait for
# and hold up every blocking stream, and during a graph capture (global mode) it invalidates the
# capture. The fake plugin cannot emulate it: the plugin ABI has no legacy stream, so the only way
# to reach it is a call inside engine/cuda itself. This check reads those sources and fails on:
#   - a synchronous copy or fill (cudaMemcpy, cudaMemcpy2D, cudaMemset, ... without Async);
#   - an Async call or a kernel launch whose stream is 0, nullptr, NULL or cudaStreamLegacy;
#   - a kernel launch <<<grid, block[, shared]>>> that names no stream;
#   - a stream created without cudaStreamNonBlocking (cudaStreamCreate, or WithFlags and other flags);
#   - a cuBLAS handle created where no cublasSetStream is (its default is the legacy stream);
#   - cudaDeviceSynchronize (the plugin waits for its own streams, by name).
# Usage: legacy_stream_check.sh <engine/cuda folder> [more files or folders...]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 <engine/cuda folder> [files or folders...]" >&2; exit 2; }
exec python3 - "$@" <<'PY'
import os, re, sys

def sources(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                for f in sorted(files):
                    if f.endswith((".cu", ".cpp", ".h", ".cuh")):
                        yield os.path.join(root, f)
        elif os.path.isfile(p):
            yield p
        else:
            sys.exit(f"legacy_stream_check: {p}: no such file or folder")

def strip_comments(text):
    # Comments and string literals go (their text may name the calls), keeping the line breaks.
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)

def top_level_args(s):
    # s: the text between an opening bracket and its match; split on commas outside (), [] and {}.
    args, depth, cur = [], 0, []
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    args.append("".join(cur).strip())
    return args

def call_args(text, start):
    # text[start] == "(": the arguments up to the matching ")".
    depth, i = 0, start
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return top_level_args(text[start + 1:i])
        i += 1
    return []

LEGACY = {"0", "nullptr", "NULL", "cudaStreamLegacy", "cudaStream_t(0)", "cudaStream_t{}", "(cudaStream_t)0"}
SYNC_CALLS = re.compile(r"\b(cudaMemcpy|cudaMemcpy2D|cudaMemcpy3D|cudaMemcpyToSymbol|cudaMemcpyFromSymbol|"
                        r"cudaMemset|cudaMemset2D|cudaMemset3D|cudaDeviceSynchronize)\s*\(")
ASYNC_CALLS = re.compile(r"\b(cuda\w*Async)\s*\(")
STREAM_CREATE = re.compile(r"\b(cudaStreamCreate|cudaStreamCreateWithFlags|cudaStreamCreateWithPriority)\s*\(")
LAUNCH = re.compile(r"<<<(.*?)>>>", re.S)

problems = []
for path in sources(sys.argv[1:]):
    text = strip_comments(open(path, encoding="utf-8", errors="replace").read())
    line = lambda pos: text.count("\n", 0, pos) + 1
    for m in SYNC_CALLS.finditer(text):
        if m.group(1) == "cudaDeviceSynchronize":
            problems.append(f"{path}:{line(m.start())}: cudaDeviceSynchronize waits for the whole device (wait for the plugin's streams by name)")
        else:
            problems.append(f"{path}:{line(m.start())}: {m.group(1)} runs on the legacy default stream (use the Async form on a named stream)")
    if re.search(r"\bcublasCreate\s*\(", text) and not re.search(r"\bcublasSetStream\s*\(", text):
        problems.append(f"{path}: cublasCreate without cublasSetStream (a cuBLAS handle launches on the legacy default stream)")
    for m in ASYNC_CALLS.finditer(text):
        args = call_args(text, m.end() - 1)
        if args and args[-1].replace(" ", "") in LEGACY:
            problems.append(f"{path}:{line(m.start())}: {m.group(1)} on stream {args[-1]} (the legacy default stream)")
    for m in STREAM_CREATE.finditer(text):
        args = " ".join(call_args(text, m.end() - 1))
        if "cudaStreamNonBlocking" not in args:
            problems.append(f"{path}:{line(m.start())}: {m.group(1)} without cudaStreamNonBlocking (a blocking stream "
                            "synchronises with the legacy default stream)")
    for m in LAUNCH.finditer(text):
        args = top_level_args(m.group(1))
        if len(args) < 4:
            problems.append(f"{path}:{line(m.start())}: kernel launch <<<{m.group(1).strip()}>>> names no stream "
                            "(it runs on the legacy default stream)")
        elif args[3].replace(" ", "") in LEGACY:
            problems.append(f"{path}:{line(m.start())}: kernel launch on stream {args[3]} (the legacy default stream)")

if problems:
    print("\n".join(problems))
    print(f"FAIL: {len(problems)} use(s) of the legacy default stream in the CUDA plugin")
    sys.exit(1)
print("PASS: nothing in the CUDA plugin runs on the legacy default stream")
PY
