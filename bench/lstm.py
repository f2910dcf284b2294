"""nn.LSTM forward + backward: input 64 -> hidden 256, 50 time steps, batch 32.

The same code runs on ember and on torch in one process with identical weights, alternating
one step of each per round with the same thread count; the result is the ratio of the
medians, ember / torch (below 1.0 means ember is faster).

Run: `python bench/lstm.py [--rounds N] [--threads T]`.
"""
import argparse
import gc
import statistics
import time

STEPS, BATCH, IN, HIDDEN = 50, 32, 64, 256


def make_step(lib, np):
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
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1,
                    help="threads for both libraries (default 1)")
    args = ap.parse_args()
    import os
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np  # imported after the thread variables: BLAS reads them at start
    import torch

    import ember
    torch.set_num_threads(args.threads)
    ember.set_num_threads(args.threads)
    fns = {"ember": make_step(ember, np), "torch": make_step(torch, np)}
    losses = {k: f().item() for k, f in fns.items()}
    assert abs(losses["ember"] - losses["torch"]) < 1e-3 * abs(losses["torch"]), losses
    for fn in fns.values():
        for _ in range(3):
            fn()
    times = {"ember": [], "torch": []}
    gc.disable()
    try:
        for r in range(args.rounds):
            for k in (("ember", "torch") if r % 2 == 0 else ("torch", "ember")):
                start = time.perf_counter()
                fns[k]()
                times[k].append(time.perf_counter() - start)
    finally:
        gc.enable()
    e, t = statistics.median(times["ember"]), statistics.median(times["torch"])
    print(f"lstm 64->256, {STEPS} steps, batch {BATCH}, forward+backward, "
          f"{args.threads} thread(s): ember {e * 1e3:.2f} ms  torch {t * 1e3:.2f} ms  "
          f"ember/torch {e / t:.2f}x")


if __name__ == "__main__":
    main()
