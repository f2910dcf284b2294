"""One Adam training step of a small CNN on 28x28 images, ember vs torch, in one process.

Model (the same PyTorch-API code on both libraries, identical weights and batch):
  conv(1 -> 32, 3x3, pad 1) - ReLU - maxpool 2 - conv(32 -> 64, 3x3, pad 1) - ReLU - maxpool 2
  - flatten - linear(64*7*7 -> 128) - ReLU - linear(128 -> 10), cross-entropy loss,
  torch.optim.Adam(lr=1e-3); batch 64 of 1x28x28 images.
One step is zero_grad, forward, backward, optimizer step.

Timing alternates blocks of ~0.3 s between the libraries with the same thread count and
reports the median seconds per step and the ratio of the medians, ember / torch (below 1.0
means ember is faster), then the peak memory above baseline (bench/_harness.py).

Run: `python bench/cnn_adam.py [--threads T] [--rounds N] [--clock cpu]`.
"""
import _harness

# NumPy's BLAS reads its thread count when it loads: pin it to torch's before importing NumPy
if __name__ == "__main__":
    _harness.pin_blas_threads()

import numpy as np  # noqa: E402

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


if __name__ == "__main__":
    # the first three losses are checked (they are also the warm-up)
    _harness.main("cnn_adam", make_step, __doc__, check=3, warmup=0)
