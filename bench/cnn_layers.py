"""Convolution layers, ember vs torch, in one process.

Workload: a conv2d stack forward + backward on a batch of 64 single-channel 28x28 images,
1 -> 32 -> 64 channels with 3x3 kernels (padding 1, bias, ReLU between), loss = sum of the
output; the gradients of both weights, both biases and the input are computed.

Timing alternates blocks (each a few steps) between the libraries with the same thread
count and reports the median seconds per step and the ratio of the medians, ember / torch,
then the peak memory above baseline of each library (bench/_harness.py).

Run: `python bench/cnn_layers.py [--rounds N] [--steps N] [--threads T] [--clock cpu]`
(default threads: torch's default count, which NumPy's BLAS then uses too).
"""
import _harness

if __name__ == "__main__":  # NumPy's BLAS reads its thread count when it loads
    _harness.pin_blas_threads(default=None)


def make_step(lib, batch=64):
    """A zero-argument callable doing forward + backward of the conv stack with `lib`."""
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


if __name__ == "__main__":
    _harness.main("cnn_layers", make_step, __doc__, label="conv2d 1->32->64, 3x3, batch 64, "
                  "28x28, forward+backward", rounds=7, threads=None, steps=3, check=0,
                  warmup=1)
