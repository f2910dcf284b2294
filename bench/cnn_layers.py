"""Convolution layers, ember vs torch, in one process.

Workload: a conv2d stack forward + backward on a batch of 64 single-channel 28x28 images,
1 -> 32 -> 64 channels with 3x3 kernels (padding 1, bias, ReLU between), loss = sum of the
output; the gradients of both weights, both biases and the input are computed.

Timing alternates blocks (each a few steps) between the libraries with the same thread
count and reports the median seconds per step and the ratio of the medians, ember / torch,
then the peak memory above baseline of each library (bench/_memory.py).

Run: `python bench/cnn_layers.py [--rounds N] [--threads T]`.
"""
import argparse
import os
import statistics
import time


def make_step(lib, batch=64):
    import numpy as np  # imported late: --threads must be set before BLAS starts
    rng = np.random.default_rng(0)
    F = lib.nn.functional

    def param(*shape):
        return lib.from_numpy((rng.standard_normal(shape) * 0.1).astype(np.float32)) \
            .requires_grad_(True)
    w1, b1, w2, b2 = param(32, 1, 3, 3), param(32), param(64, 32, 3, 3), param(64)
    x = lib.from_numpy(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)) \
        .requires_grad_(True)

    def step():
        h = F.conv2d(x, w1, b1, padding=1).relu()
        y = F.conv2d(h, w2, b2, padding=1)
        y.sum().backward()
        for p in (x, w1, b1, w2, b2):
            p.grad = None
    return step


def block(fn, n):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=3, help="steps per block")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads for both libraries (default: torch's default)")
    args = ap.parse_args()
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    import torch

    import ember
    threads = args.threads or torch.get_num_threads()  # NumPy's BLAS uses all cores then
    torch.set_num_threads(threads)
    steps = {"ember": make_step(ember), "torch": make_step(torch)}
    for fn in steps.values():  # warm up
        fn()
    times = {"ember": [], "torch": []}
    for _ in range(args.rounds):
        for name in ("ember", "torch"):
            times[name].append(block(steps[name], args.steps))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"conv2d 1->32->64, 3x3, batch 64, 28x28, forward+backward, {threads} thread(s)")
    for k in ("ember", "torch"):
        print(f"  {k:5s}: {med[k] * 1e3:8.1f} ms/step (median of {args.rounds} blocks)")
    print(f"  ratio ember/torch: {med['ember'] / med['torch']:.2f}", flush=True)
    from _memory import report
    print(report("cnn_layers", threads)[3])


if __name__ == "__main__":
    main()
