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

Timing and options come from bench/_harness.py. Run: `make bench` (which unsets
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, as a user's machine would have them), or
`python bench/eager_overhead.py [--rounds N] [--clock cpu] [workload ...]`.
"""
import json
import os
import subprocess
import sys

import _harness
import numpy as np


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
            _harness.sgd_step(lib, params)
            return loss
        return step
    raise ValueError(name)


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
    ap = _harness.parser(__doc__, rounds=30, runs=3, memory=False)
    ap.add_argument("workloads", nargs="*", default=["add8", "mm8", "mlp"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {}
    for name in args.workloads:
        e, t, ratio, _ = _harness.compare_runs(
            args.runs, lambda lib: make_workload(lib, name), args.rounds, threads=args.threads,
            clock=_harness.clock_of(args), block_seconds=0.04, check=0, warmup=50)
        mem_e = child_memory("ember", name, 2000)
        mem_t = child_memory("torch", name, 2000)
        results[name] = {"ember_us": e * 1e6, "torch_us": t * 1e6, "ratio": ratio,
                         "peak_mib_ember": mem_e, "peak_mib_torch": mem_t}
        print(f"{name:6s} ember {e * 1e6:8.2f} us  torch {t * 1e6:8.2f} us  "
              f"ember/torch {ratio:.2f}x  peak above baseline: ember "
              f"{mem_e:.1f} MiB, torch {mem_t:.1f} MiB", flush=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
