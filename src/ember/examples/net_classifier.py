"""The tutorials' `Net` classifier on ember: Linear-ReLU-Linear trained with CrossEntropyLoss
and Adam over a TensorDataset through a shuffling DataLoader, printing running losses.

Run with `python -m ember.examples.net_classifier`.
"""
import argparse

import ember as torch
import ember.nn as nn
import ember.optim as optim
from ember.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    """input_size -> hidden_size -> ReLU -> output_size logits."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = self.fc1(x)
        x = self.relu(x)
        x = self.fc2(x)
        return x


def main(argv=None):
    """Train Net on random data for a few epochs; returns (net, the per-epoch mean losses)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="accepted for symmetry; it is quick")
    args = p.parse_args(argv)
    torch.manual_seed(0)

    input_size, hidden_size, output_size, batch_size = 16, 32, 10, 4
    net = Net(input_size, hidden_size, output_size)
    print(net)
    X = torch.randn(100, input_size)
    y = torch.randint(0, output_size, (100,))
    dataloader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(net.parameters(), lr=0.001)

    epoch_losses = []
    for epoch in range(args.epochs):
        running_loss, total = 0.0, 0.0
        for i, data in enumerate(dataloader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            total += loss.item()
            if i % 20 == 19:
                print(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 20:.3f}")
                running_loss = 0.0
        epoch_losses.append(total / len(dataloader))
    print("Finished Training")
    return net, epoch_losses


if __name__ == "__main__":
    main()
