"""A small binary classifier from the PyTorch tutorials, on ember: an nn.Module with three
Linear layers, ReLU and a sigmoid output, trained with nn.BCELoss and optim.Adam.

Run with `python -m ember.examples.bce_network`.
"""
import argparse

import ember as torch
import ember.nn as nn


class NeuralNetwork(nn.Module):
    """10 -> 16 -> 8 -> 1 with ReLU between and a sigmoid probability out."""

    def __init__(self):
        super(NeuralNetwork, self).__init__()
        self.fc1 = nn.Linear(10, 16)
        self.fc2 = nn.Linear(16, 8)
        self.fc3 = nn.Linear(8, 1)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        x = torch.sigmoid(self.fc3(x))
        return x


def main(argv=None):
    """Train on random data (100 samples, 10 features, 0/1 targets); returns the losses."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--quick", action="store_true", help="accepted for symmetry; it is quick")
    args = p.parse_args(argv)
    torch.manual_seed(0)

    model = NeuralNetwork()
    print(model)
    criterion = nn.BCELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    inputs = torch.randn((100, 10))
    targets = torch.randint(0, 2, (100, 1)).float()
    losses = []
    for epoch in range(args.epochs):
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if (epoch + 1) % 5 == 0:
            print(f"Epoch [{epoch + 1}/{args.epochs}], Loss: {loss.item():.4f}")
    return losses


if __name__ == "__main__":
    main()
