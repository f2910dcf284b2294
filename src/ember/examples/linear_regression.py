"""Linear regression from scratch with tensors and autograd (no torch.nn), on ember: fit
y = 3x + 2 + noise by gradient descent, then save the loss curve and the fit as a PNG.

Run with `python -m ember.examples.linear_regression [--out DIR] [--quick]`.
"""
import argparse
import os

import ember as torch


def main(argv=None):
    """Fit w and b by gradient descent on the MSE; returns (w, b, losses, figure path)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--out", default=os.path.join("runs", "linear_regression"))
    p.add_argument("--quick", action="store_true", help="fewer epochs")
    args = p.parse_args(argv)
    epochs = min(args.epochs, 60) if args.quick else args.epochs

    torch.manual_seed(42)
    X = torch.randn(100, 1)
    y_true = 3 * X + 2 + 0.5 * torch.randn(100, 1)
    w = torch.randn(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    print(f"Initial w: {w.item():.4f}, b: {b.item():.4f}")

    losses = []
    for epoch in range(epochs):
        y_pred = w * X + b
        loss = ((y_pred - y_true) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= args.lr * w.grad
            b -= args.lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        if (epoch + 1) % 10 == 0:
            print(f"Epoch {epoch + 1}/{epochs}, Loss: {loss.item():.4f}")
    print(f"Final parameters: w={w.item():.4f}, b={b.item():.4f} (true 3, 2)")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(args.out, exist_ok=True)
    fig = plt.figure(figsize=(12, 4))
    plt.subplot(1, 2, 1)
    plt.plot(losses)
    plt.xlabel("Epoch")
    plt.ylabel("Loss")
    plt.title("Training Loss")
    plt.grid(True)
    plt.subplot(1, 2, 2)
    with torch.no_grad():
        y_final = w * X + b
    plt.scatter(X.numpy(), y_true.numpy(), alpha=0.5, label="True data")
    plt.scatter(X.numpy(), y_final.numpy(), alpha=0.5, label="Predictions")
    plt.xlabel("X")
    plt.ylabel("y")
    plt.title("Linear Regression Results")
    plt.legend()
    plt.grid(True)
    plt.tight_layout()
    path = os.path.join(args.out, "linear_regression_results.png")
    fig.savefig(path)
    plt.close(fig)
    print(f"Visualization saved to {path}")
    return w.item(), b.item(), losses, path


if __name__ == "__main__":
    main()
