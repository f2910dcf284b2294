"""The eager-overhead MLP step (bench/eager_overhead.py `mlp`) written with nn.Linear.

One training step of a 64-64-10 MLP at batch 1: two nn.Linear layers, relu, cross-entropy
written with tensor ops (log_softmax and indexing), backward, manual SGD under no_grad over
`model.parameters()`, grads set to None. The same code runs on ember and on torch in one
process, alternating ~40 ms blocks with one thread each; the result is the ratio of the
medians, ember / torch (below 1.0 means ember is faster), then the peak memory above
baseline (bench/_harness.py).

Run: `python bench/mlp_nn_linear.py [--rounds N] [--runs N] [--clock cpu] [--no-memory]`.
"""
import _harness

if __name__ == "__main__":  # NumPy's BLAS reads its thread count when it loads
    _harness.pin_blas_threads()

import numpy as np  # noqa: E402


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
        _harness.sgd_step(lib, params)
        return loss
    return step


if __name__ == "__main__":
    _harness.main("mlp_nn_linear", make_step, __doc__, unit="us", rounds=30, runs=3,
                  block_seconds=0.04, atol=1e-5, rtol=0.0, warmup=50)
