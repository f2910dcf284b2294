"""One training step of a pre-LN transformer encoder block, ember vs torch.

nn.TransformerEncoderLayer(d_model=256, nhead=4, dim_feedforward=2048 (torch's default),
dropout=0, norm_first=True, batch_first=True) on a (16, 128, 256) batch: forward, a mean-of-squares
loss, backward, manual SGD under no_grad over `model.parameters()`, grads set to None. Both
libraries get identical weights and inputs (the first losses are checked to agree) and the
same thread count; steps run in alternating blocks of ~0.3 s in one process and the result is
the ratio of the medians, ember / torch (below 1.0 means ember is faster). Peak memory above
baseline comes from a fresh child process per library (see bench/_memory.py).

Run: `python bench/transformer_block.py [--rounds N] [--threads N] [--clock cpu]`.
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


# ember's matmuls run in NumPy's BLAS, which reads its thread count when it loads: pin it to
# the count torch gets, before NumPy is imported
if __name__ == "__main__":
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _threads_from_argv(sys.argv[1:])

import numpy as np  # noqa: E402
from _memory import report  # noqa: E402
from eager_overhead import steps_per_block, time_block  # shared block timing

BLOCK_SECONDS = 0.3
BATCH, SEQ, D_MODEL, HEADS, FF = 16, 128, 256, 4, 2048


def make_step(lib):
    """A zero-argument callable doing one training step with library `lib`."""
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    model = lib.nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FF, dropout=0.0,
                                           norm_first=True, batch_first=True)
    with lib.no_grad():  # identical weights in both libraries
        for p in model.parameters():
            p.copy_(lib.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.05)
                                   .astype(np.float32)))
    params = list(model.parameters())
    x = lib.from_numpy(rng.standard_normal((BATCH, SEQ, D_MODEL)).astype(np.float32))

    def step():
        loss = model(x).pow(2).mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.01 * p.grad
                p.grad = None
        return loss
    return step


def compare(rounds, threads, clock):
    """(ember seconds per step, torch seconds per step, ratio) as medians over `rounds`."""
    import torch

    import ember
    torch.set_num_threads(threads)
    ember.set_num_threads(threads)
    fns = {"ember": make_step(ember), "torch": make_step(torch)}
    losses = {k: f().item() for k, f in fns.items()}
    assert abs(losses["ember"] - losses["torch"]) <= 1e-4 * abs(losses["torch"]), losses
    for fn in fns.values():
        for _ in range(3):
            fn()
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
    print(f"transformer_block  ember {e * 1e3:8.2f} ms  torch {t * 1e3:8.2f} ms  "
          f"ember/torch {ratio:.2f}x  ({args.threads} thread(s), {args.clock} clock)",
          flush=True)
    if not args.no_memory:
        print(report("transformer_block", args.threads)[3])


if __name__ == "__main__":
    main()
