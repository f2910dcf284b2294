"""One Adam training step of a small CNN on 28x28 images, ember vs torch, in one process.

Model (the same PyTorch-API code on both libraries, identical weights and batch):
  conv(1 -> 32, 3x3, pad 1) - ReLU - maxpool 2 - conv(32 -> 64, 3x3, pad 1) - ReLU - maxpool 2
  - flatten - linear(64*7*7 -> 128) - ReLU - linear(128 -> 10), cross-entropy loss,
  torch.optim.Adam(lr=1e-3); batch 64 of 1x28x28 images.
One step is zero_grad, forward, backward, optimizer step.

Timing alternates blocks of ~0.3 s between the libraries with the same thread count and
reports the median seconds per step and the ratio of the medians, ember / torch (below 1.0
means ember is faster). Peak memory above baseline comes from a fresh child process per
library (see bench/_memory.py).

Run: `python bench/cnn_adam.py [--threads T] [--rounds N] [--clock cpu]`.
"""
import argparse
import gc
import os
import statistics
import sys
import time


def _threads_from_argv(argv):
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


# NumPy's BLAS reads its thread count when it loads: pin it to torch's before importing NumPy
if __name__ == "__main__":
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _threads_from_argv(sys.argv[1:])

import numpy as np  # noqa: E402
from _memory import report  # noqa: E402
from eager_overhead import steps_per_block, time_block  # noqa: E402

BLOCK_SECONDS = 0.3
BATCH = 64


def make_model(lib):
    """The small CNN of the module docstring, built from lib.nn."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def make_step(lib):
    """A zero-argument callable doing one Adam training step with library `lib`."""
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    model = make_model(lib)
    with lib.no_grad():  # identical weights in both libraries
        for p in model.parameters():
            bound = 1.0 / np.sqrt(np.prod(p.shape[1:])) if p.dim() > 1 else 0.05
            p.copy_(lib.from_numpy(rng.uniform(-bound, bound, tuple(p.shape))
                                   .astype(np.float32)))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = lib.nn.CrossEntropyLoss()
    x = lib.from_numpy(rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, 10, BATCH).astype(np.int64))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def compare(rounds, threads, clock):
    """(ember seconds per step, torch seconds per step, ratio) as medians over `rounds`."""
    import torch

    import ember
    torch.set_num_threads(threads)
    ember.set_num_threads(threads)
    fns = {"ember": make_step(ember), "torch": make_step(torch)}
    losses = {k: [f().item() for _ in range(3)] for k, f in fns.items()}
    for a, b in zip(losses["ember"], losses["torch"]):
        assert abs(a - b) <= 1e-4 * abs(b), losses
    counts = {k: steps_per_block(f, clock, BLOCK_SECONDS) for k, f in fns.items()}
    times = {"ember": [], "torch": []}
    gc.disable()
    try:
        for r in range(rounds):
            for k in (("ember", "torch") if r % 2 == 0 else ("torch", "ember")):
                times[k].append(time_block(fns[k], counts[k], clock))
    finally:
        gc.enable()
    e, t = statistics.median(times["ember"]), statistics.median(times["torch"])
    return e, t, e / t


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: CPU time (this thread's with --threads 1, the process's "
                             "otherwise), for a machine busy with other work")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory figures")
    args = parser.parse_args()
    if args.clock == "cpu":
        clock = time.thread_time if args.threads == 1 else time.process_time
    else:
        clock = time.perf_counter
    e, t, ratio = compare(args.rounds, args.threads, clock)
    print(f"cnn_adam  ember {e * 1e3:8.2f} ms  torch {t * 1e3:8.2f} ms  "
          f"ember/torch {ratio:.2f}x  ({args.threads} thread(s), {args.clock} clock)",
          flush=True)
    if not args.no_memory:
        print(report("cnn_adam", args.threads)[3])


if __name__ == "__main__":
    main()
