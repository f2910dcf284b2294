"""The eager-overhead MLP step (bench/eager_overhead.py `mlp`) written with nn.Linear.

One training step of a 64-64-10 MLP at batch 1: two nn.Linear layers, relu, cross-entropy
written with tensor ops (log_softmax and indexing), backward, manual SGD under no_grad over
`model.parameters()`, grads set to None. The same code runs on ember and on torch in one
process, alternating ~40 ms blocks with one thread each; the result is the ratio of the
medians, ember / torch (below 1.0 means ember is faster).

Run: `python bench/mlp_nn_linear.py [--rounds N] [--runs N] [--clock cpu]`.
"""
import argparse
import gc
import statistics
import time

import numpy as np
from eager_overhead import steps_per_block, time_block  # shared block timing



def make_step(lib):
    """A zero-argument callable doing one training step with library `lib`."""
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    nn = lib.nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(64, 64)
            self.fc2 = nn.Linear(64, 10)

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())

    model = MLP()
    with lib.no_grad():  # identical weights in both libraries
        for p in model.parameters():
            p.copy_(lib.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.1)
                                   .astype(np.float32)))
    params = list(model.parameters())
    x = lib.from_numpy(rng.standard_normal((1, 64)).astype(np.float32))
    y = lib.tensor([3])
    rows = lib.arange(1)

    def step():
        logp = model(x).log_softmax(dim=1)
        loss = -logp[rows, y].mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.01 * p.grad
                p.grad = None
        return loss
    return step


def compare(rounds, clock):
    """(ember seconds per step, torch seconds per step, ratio) as medians over `rounds`."""
    import torch

    import ember
    torch.set_num_threads(1)
    ember.set_num_threads(1)
    fns = {"ember": make_step(ember), "torch": make_step(torch)}
    losses = {k: f().item() for k, f in fns.items()}
    assert abs(losses["ember"] - losses["torch"]) < 1e-5, losses  # the same computation
    for fn in fns.values():
        for _ in range(50):
            fn()
    counts = {k: steps_per_block(f, clock) for k, f in fns.items()}
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
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: this thread's CPU time, for a machine busy with other work")
    args = parser.parse_args()
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    results = [compare(args.rounds, clock) for _ in range(args.runs)]
    e = statistics.median(r[0] for r in results)
    t = statistics.median(r[1] for r in results)
    ratio = statistics.median(r[2] for r in results)
    print(f"mlp_nn_linear  ember {e * 1e6:8.2f} us  torch {t * 1e6:8.2f} us  "
          f"ember/torch {ratio:.2f}x")


if __name__ == "__main__":
    main()
