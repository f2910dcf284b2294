"""Autograd from the PyTorch tutorials, on ember: graphs and grad_fn, backward, vector-Jacobian
products, gradient accumulation, detach and no_grad.

Run with `python -m ember.examples.autograd`.
"""
import argparse

import ember as torch


def main(argv=None):
    """Compute the tutorial's gradients, printing each; returns them in a dict for tests."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="accepted for symmetry; it is quick")
    p.parse_args(argv)
    out = {}

    x = torch.tensor(2.0, requires_grad=True)
    y = torch.tensor(3.0, requires_grad=True)
    z = x * y + y ** 2
    print("z =", z)  # tensor(15., grad_fn=<AddBackward0>)
    out["grad_fn"] = type(z.grad_fn).__name__

    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2 + 3 * x + 1
    y.backward()
    print("d(x^2 + 3x + 1)/dx at 2:", x.grad)  # 2x + 3 = 7
    out["poly"] = x.grad.item()

    a = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(4.0, requires_grad=True)
    f = a ** 2 * b + b ** 3
    f.backward()
    print("df/da:", a.grad, "df/db:", b.grad)  # 24, 57
    out["two_vars"] = (a.grad.item(), b.grad.item())

    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x ** 2
    y.backward(torch.tensor([1.0, 1.0, 1.0]))  # a vector output needs the vector of v^T J
    print("vector backward:", x.grad)
    out["vector"] = x.grad.tolist()

    x = torch.tensor(2.0, requires_grad=True)
    (x ** 2).backward()
    (x ** 3).backward()
    print("accumulated (4 + 12):", x.grad)
    out["accumulated"] = x.grad.item()
    x.grad.zero_()
    (x ** 3).backward()
    print("after zero_():", x.grad)
    out["zeroed"] = x.grad.item()

    x = torch.ones(2, 2, requires_grad=True)
    z = (x + 2) * (x + 2) * 3
    z.mean().backward()
    print("d mean(3 (x+2)^2)/dx:\n", x.grad)  # 4.5 everywhere
    out["mean"] = x.grad.tolist()

    y = (x ** 2).detach()
    print("detached requires_grad:", y.requires_grad)
    with torch.no_grad():
        y2 = x ** 2
    print("under no_grad requires_grad:", y2.requires_grad)
    out["detached"] = (y.requires_grad, y2.requires_grad)
    try:
        (y * 3).sum().backward()
    except RuntimeError as err:
        print("backward through a detached tensor fails as in torch:", err)
    return out


if __name__ == "__main__":
    main()
