"""Eager per-op overhead: ember vs torch on tiny workloads, in one process.

Workloads (the same PyTorch-API code runs on both libraries):
  add8   elementwise add of two 8-element tensors
  mm8    an 8x8 matmul
  mlp    one training step of a 64-64-10 MLP at batch 1 with raw tensors: forward,
         cross-entropy written with tensor ops, backward, manual SGD under no_grad,
         grads set to None

Timing alternates blocks of ~40 ms between the libraries (same thread count) and reports
the ratio of the medians, ember / torch. Peak memory above the starting baseline is taken
from a separate child process per library and workload (RSS high-water mark).

Run: `make bench` (which unsets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, as a user's machine
would have them), or `python bench/eager_overhead.py [--rounds N] [workload ...]`.
"""
import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

BLOCK_SECONDS = 0.04


def make_workload(lib, name):
    """Return a zero-argument callable doing one step of `name` with library `lib`."""
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    if name == "add8":
        a = lib.from_numpy(rng.standard_normal(8).astype(np.float32))
        b = lib.from_numpy(rng.standard_normal(8).astype(np.float32))
        return lambda: a + b
    if name == "mm8":
        m = lib.from_numpy(rng.standard_normal((8, 8)).astype(np.float32))
        n = lib.from_numpy(rng.standard_normal((8, 8)).astype(np.float32))
        return lambda: m @ n
    if name == "mlp":
        def param(*shape):
            return lib.from_numpy((rng.standard_normal(shape) * 0.1).astype(np.float32)) \
                .requires_grad_(True)
        w1, b1, w2, b2 = param(64, 64), param(64), param(64, 10), param(10)
        params = [w1, b1, w2, b2]
        x = lib.from_numpy(rng.standard_normal((1, 64)).astype(np.float32))
        y = lib.tensor([3])
        rows = lib.arange(1)

        def step():
            h = (x @ w1 + b1).relu()
            logits = h @ w2 + b2
            logp = logits.log_softmax(dim=1)
            loss = -logp[rows, y].mean()
            loss.backward()
            with lib.no_grad():
                for p in params:
                    p -= 0.01 * p.grad
                    p.grad = None
            return loss
        return step
    raise ValueError(name)


def steps_per_block(fn, clock=time.perf_counter, seconds=BLOCK_SECONDS):
    """How many calls of fn fill one timing block (~40 ms by default)."""
    n, start = 0, clock()
    while clock() - start < seconds:
        fn()
        n += 1
    return max(n, 1)


CLOCK = [time.perf_counter]


def time_block(fn, n, clock=None):
    """Seconds per call of fn over one block of n calls (the --clock choice by default)."""
    clock = clock or CLOCK[0]
    start = clock()
    for _ in range(n):
        fn()
    return (clock() - start) / n


def compare(name, rounds):
    import torch

    import ember
    threads = 1
    torch.set_num_threads(threads)
    ember.set_num_threads(threads)
    fns = {"ember": make_workload(ember, name), "torch": make_workload(torch, name)}
    for fn in fns.values():  # warm up
        for _ in range(50):
            fn()
    counts = {k: steps_per_block(f) for k, f in fns.items()}
    times = {"ember": [], "torch": []}
    gc.disable()
    try:
        for r in range(rounds):
            order = ("ember", "torch") if r % 2 == 0 else ("torch", "ember")
            for k in order:
                times[k].append(time_block(fns[k], counts[k]))
    finally:
        gc.enable()
    med = {k: statistics.median(v) for k, v in times.items()}
    return med["ember"], med["torch"], med["ember"] / med["torch"]


def child_memory(lib_name, name, steps):
    """Peak RSS growth (MiB) over `steps` steps in a fresh process."""
    code = (
        "import resource, sys, importlib\n"
        f"sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})\n"
        "from eager_overhead import make_workload\n"
        f"lib = importlib.import_module({lib_name!r})\n"
        f"fn = make_workload(lib, {name!r})\n"
        "for _ in range(20): fn()\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"for _ in range({steps}): fn()\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((peak - base) / 1024)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workloads", nargs="*", default=["add8", "mm8", "mlp"])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3, help="repeat the whole comparison")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: this thread's CPU time, for a machine busy with other work")
    args = parser.parse_args()
    if args.clock == "cpu":
        CLOCK[0] = time.thread_time
    results = {}
    for name in args.workloads:
        ratios, e_times, t_times = [], [], []
        for _ in range(args.runs):
            e, t, r = compare(name, args.rounds)
            ratios.append(r)
            e_times.append(e)
            t_times.append(t)
        mem_e = child_memory("ember", name, 2000)
        mem_t = child_memory("torch", name, 2000)
        results[name] = {"ember_us": statistics.median(e_times) * 1e6,
                         "torch_us": statistics.median(t_times) * 1e6,
                         "ratio": statistics.median(ratios),
                         "peak_mib_ember": mem_e, "peak_mib_torch": mem_t}
        r = results[name]
        print(f"{name:6s} ember {r['ember_us']:8.2f} us  torch {r['torch_us']:8.2f} us  "
              f"ember/torch {r['ratio']:.2f}x  peak above baseline: ember "
              f"{mem_e:.1f} MiB, torch {mem_t:.1f} MiB", flush=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
