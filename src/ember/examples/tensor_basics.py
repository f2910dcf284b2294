"""Tensor basics from the PyTorch tutorials, on ember: creation, dtypes, arithmetic, matrix
products, broadcasting, reshaping, indexing and NumPy interop.

Run with `python -m ember.examples.tensor_basics` (`--quick` prints less).
"""
import argparse

import numpy as np

import ember as torch


def main(argv=None):
    """Walk through tensor creation and operations, printing each result; returns a dict of
    a few results for tests."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="skip the larger examples")
    args = args.parse_args(argv)
    torch.manual_seed(0)

    x = torch.tensor([1.0, 2.0, 3.0])
    print("1D Tensor:\n", x)
    print("2D Tensor:\n", torch.zeros((3, 3)))
    print("ones:\n", torch.ones(2, 3), "\nrand:\n", torch.rand(2, 2))
    print("linspace:", torch.linspace(0, 10, steps=5))
    print("zeros_like:", torch.zeros_like(torch.tensor([1, 2, 3])))

    numpy_array = np.array([[1.0, 2.0], [3.0, 4.0]])
    from_numpy = torch.from_numpy(numpy_array)  # shares memory with numpy_array
    print("from NumPy:\n", from_numpy, "\nback to NumPy:\n", from_numpy.numpy())

    t = torch.randn(3, 4)
    print("shape", t.shape, "size", t.size(), "dtype", t.dtype, "device", t.device,
          "requires_grad", t.requires_grad, "contiguous", t.is_contiguous())
    for dtype in (torch.int32, torch.int64, torch.float32, torch.float64, torch.bool,
                  torch.complex64):
        print(dtype, torch.tensor([1, 0], dtype=dtype))

    a = torch.tensor([1.0, 2.0, 3.0])
    b = torch.tensor([4.0, 5.0, 6.0])
    print("a + b", a + b, "\na - b", a - b, "\na * b", a * b, "\na / b", a / b, "\na ** 2", a ** 2)
    a.add_(1)
    print("after a.add_(1):", a, "sqrt", torch.sqrt(a), "exp", torch.exp(a), "log", torch.log(a))
    outer = torch.matmul(torch.tensor([1.0, 2.0]).view(2, 1), torch.tensor([3.0, 4.0]).view(1, 2))
    print("outer product via matmul:\n", outer)

    A, B = torch.randn(3, 4), torch.randn(4, 2)
    C1, C2, C3 = torch.matmul(A, B), A @ B, A.mm(B)
    print("matmul shapes", C1.shape, "equal:", torch.allclose(C1, C2) and torch.allclose(C2, C3))
    print("einsum equal:", torch.allclose(torch.einsum("ij,jk->ik", A, B), C1))
    print("bmm", torch.bmm(torch.randn(10, 3, 4), torch.randn(10, 4, 2)).shape)
    print("dot", torch.dot(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 5.0, 6.0])))

    m = torch.randn(5, 3)
    print("broadcast (5,3)+(5,1):", (m + torch.randn(5, 1)).shape,
          "(5,3)+(1,3):", (m + torch.randn(1, 3)).shape)

    t = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    print("reshape(6, 2):\n", t.reshape(6, 2), "\nview(2, 6):\n", t.view(2, 6),
          "\ntranspose(0, 1):\n", t.transpose(0, 1))
    s = torch.randn(1, 3, 1, 4)
    print("squeeze", s.squeeze().shape, "unsqueeze", torch.randn(3, 4).unsqueeze(0).shape)

    grid = torch.arange(12).reshape(3, 4)
    print(grid, "\nrow 0", grid[0, :], "col 1", grid[:, 1], "\nblock\n", grid[0:2, 2:4])
    print("mask > 5:", grid[grid > 5], "rows 0 and 2:\n", grid[torch.tensor([0, 2])])

    if not args.quick:
        big = torch.randn(500, 500)
        print("500x500 @ 500x500 ->", (big @ big).shape)
    print("cuda available:", torch.cuda.is_available())
    return {"sum": (a + b).tolist(), "outer": outer.tolist(), "masked": grid[grid > 5].tolist()}


if __name__ == "__main__":
    main()
