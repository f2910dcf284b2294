"""A short tour of ember's tensors and autograd: fit y = 3x + 2 from scratch.

Run with `python -m ember.examples.basics` (this is what `make demo` runs until the
training demo lands).
"""
import numpy as np

import ember as torch


def main(steps=200):
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((100, 1)).astype(np.float32))
    y = 3 * x + 2 + 0.1 * torch.from_numpy(rng.standard_normal((100, 1)).astype(np.float32))
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    print("x:", x.shape, x.dtype)
    for step in range(steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
        w.grad = None
        b.grad = None
        if step % 50 == 0 or step == steps - 1:
            print(f"step {step:3d}  loss {loss.item():.4f}  grad_fn={loss.grad_fn.name()}")
    print(f"fitted w={w.item():.3f} b={b.item():.3f} (true 3, 2)")
    return w.item(), b.item()


if __name__ == "__main__":
    main()
