"""Optimizer step time: ember vs torch on a ~10M-parameter model, in one process.

The model is three nn.Linear layers (2048-2048-2048-768, 10.0M parameters, float32); its
gradients are set once, and only `opt.step()` is timed. Timing alternates blocks between
the libraries (one thread each) with the harness of bench/eager_overhead.py and reports
the ratio of the medians, ember / torch (the goal for Adam: at most 1.3x).

Run: `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/optim_adam.py
[--opt Adam AdamW SGD] [--rounds N] [--runs N] [--clock cpu]`.
"""
import argparse
import gc
import statistics
import time

import numpy as np
from eager_overhead import CLOCK, steps_per_block, time_block  # shared block timing

SIZES = (2048, 2048, 2048, 768)
BLOCK_SECONDS = 0.25
OPTIMIZERS = {"Adam": dict(lr=1e-3), "AdamW": dict(lr=1e-3, weight_decay=0.01),
              "SGD": dict(lr=0.01, momentum=0.9)}


def make_step(lib, opt_name):
    """A zero-argument callable doing one `opt.step()` with library `lib`, and the number of
    parameters it updates."""
    rng = np.random.default_rng(0)
    layers = [lib.nn.Linear(a, b) for a, b in zip(SIZES, SIZES[1:])]
    model = lib.nn.Sequential(*layers)
    with lib.no_grad():  # identical weights and gradients in both libraries
        for p in model.parameters():
            shape = tuple(p.shape)
            p.copy_(lib.from_numpy((rng.standard_normal(shape) * 0.02).astype(np.float32)))
            p.grad = lib.from_numpy(rng.standard_normal(shape).astype(np.float32))
    opt = getattr(lib.optim, opt_name)(model.parameters(), **OPTIMIZERS[opt_name])
    return opt.step, sum(p.numel() for p in model.parameters())


def compare(opt_name, rounds):
    """(ember seconds per step, torch seconds per step, ratio) as medians over `rounds`."""
    import torch

    import ember
    torch.set_num_threads(1)
    ember.set_num_threads(1)
    fns = {"ember": make_step(ember, opt_name)[0], "torch": make_step(torch, opt_name)[0]}
    for fn in fns.values():  # warm up (and create the optimizer state)
        for _ in range(3):
            fn()
    counts = {k: steps_per_block(f, clock=CLOCK[0], seconds=BLOCK_SECONDS)
              for k, f in fns.items()}
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


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opt", nargs="*", default=["Adam", "AdamW", "SGD"],
                        choices=sorted(OPTIMIZERS))
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="repeat the whole comparison")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: this thread's CPU time, for a machine busy with other work")
    args = parser.parse_args()
    if args.clock == "cpu":
        CLOCK[0] = time.thread_time
    import ember
    print(f"parameters: {make_step(ember, 'SGD')[1] / 1e6:.2f}M float32, 1 thread, "
          f"clock {args.clock}")
    for name in args.opt:
        runs = [compare(name, args.rounds) for _ in range(args.runs)]
        e = statistics.median(r[0] for r in runs)
        t = statistics.median(r[1] for r in runs)
        ratios = [r[2] for r in runs]
        print(f"{name:6s} ember {e * 1e3:7.2f} ms  torch {t * 1e3:7.2f} ms  ember/torch "
              f"{statistics.median(ratios):.2f}x  (runs: "
              f"{', '.join(f'{r:.2f}' for r in ratios)})", flush=True)


if __name__ == "__main__":
    main()
