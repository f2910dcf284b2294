"""nn.LSTM forward + backward: input 64 -> hidden 256, 50 time steps, batch 32.

The same code runs on ember and on torch in one process with identical weights, alternating
blocks of ~0.3 s of each with the same thread count; the result is the ratio of the medians,
ember / torch (below 1.0 means ember is faster). Peak memory above baseline comes from a fresh
child process per library (bench/_harness.py).

Run: `python bench/lstm.py [--rounds N] [--threads T] [--clock cpu]`.
"""
import _harness

if __name__ == "__main__":  # NumPy's BLAS reads its thread count when it loads
    _harness.pin_blas_threads()

import numpy as np  # noqa: E402

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


if __name__ == "__main__":
    _harness.main("lstm", make_step, __doc__, rtol=1e-3,
                  label=f"lstm 64->256, {STEPS} steps, batch {BATCH}, forward+backward")
