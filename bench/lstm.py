"""nn.LSTM forward + backward: input 64 -> hidden 256, 50 time steps, batch 32.

The same code runs on ember and on torch in one process with identical weights, alternating
blocks of ~0.3 s of each with the same thread count; the result is the ratio of the medians,
ember / torch (below 1.0 means ember is faster). Peak memory above baseline comes from a fresh
child process per library (see bench/_memory.py).

Run: `python bench/lstm.py [--rounds N] [--threads T] [--clock cpu]`.
"""
import argparse
import gc
import os
import statistics
import sys
import time

if __name__ == "__main__":  # NumPy's BLAS reads its thread count when it loads
    _t = "1"
    for _i, _a in enumerate(sys.argv[1:]):
        if _a == "--threads" and _i + 2 < len(sys.argv):
            _t = sys.argv[_i + 2]
        elif _a.startswith("--threads="):
            _t = _a.split("=", 1)[1]
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _t

import numpy as np  # noqa: E402
from _memory import report  # noqa: E402
from eager_overhead import steps_per_block, time_block  # noqa: E402

BLOCK_SECONDS = 0.3

STEPS, BATCH, IN, HIDDEN = 50, 32, 64, 256


def make_step(lib):
    """A zero-argument callable doing forward + backward of the LSTM with library `lib`."""
    rng = np.random.default_rng(0)
    model = lib.nn.LSTM(IN, HIDDEN)
    with lib.no_grad():  # identical weights in both libraries
        for p in model.parameters():
            p.copy_(lib.from_numpy(rng.uniform(-1 / 16, 1 / 16, tuple(p.shape))
                                   .astype(np.float32)))
    x = lib.from_numpy(rng.standard_normal((STEPS, BATCH, IN)).astype(np.float32))
    x.requires_grad_()

    def step():
        out, (h, c) = model(x)
        loss = out.sum() + h.sum() + c.sum()
        loss.backward()
        for p in model.parameters():
            p.grad = None
        x.grad = None
        return loss
    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1,
                    help="threads for both libraries (default 1)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="cpu: CPU time (this thread's with --threads 1, the process's "
                         "otherwise), for a machine busy with other work")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory figures")
    args = ap.parse_args()
    if args.clock == "cpu":
        clock = time.thread_time if args.threads == 1 else time.process_time
    else:
        clock = time.perf_counter
    import torch

    import ember
    torch.set_num_threads(args.threads)
    ember.set_num_threads(args.threads)
    fns = {"ember": make_step(ember), "torch": make_step(torch)}
    losses = {k: f().item() for k, f in fns.items()}
    assert abs(losses["ember"] - losses["torch"]) < 1e-3 * abs(losses["torch"]), losses
    for fn in fns.values():
        for _ in range(3):
            fn()
    counts = {k: steps_per_block(f, clock, BLOCK_SECONDS) for k, f in fns.items()}
    times = {"ember": [], "torch": []}
    gc.disable()
    try:
        for r in range(args.rounds):
            for k in (("ember", "torch") if r % 2 == 0 else ("torch", "ember")):
                times[k].append(time_block(fns[k], counts[k], clock))
    finally:
        gc.enable()
    e, t = statistics.median(times["ember"]), statistics.median(times["torch"])
    print(f"lstm 64->256, {STEPS} steps, batch {BATCH}, forward+backward, "
          f"{args.threads} thread(s), {args.clock} clock: ember {e * 1e3:.2f} ms  "
          f"torch {t * 1e3:.2f} ms  ember/torch {e / t:.2f}x", flush=True)
    if not args.no_memory:
        print(report("lstm", args.threads)[3])


if __name__ == "__main__":
    main()
