"""Saving and loading for inference, as in the PyTorch tutorials, on ember: train the `Net`
classifier briefly, `torch.save(net.state_dict(), 'model.pth')`, rebuild the network, load the
state_dict, switch to eval mode and predict.

Run with `python -m ember.examples.save_load [--out DIR]`.
"""
import argparse
import os

import ember as torch
from ember.examples.net_classifier import Net
from ember.examples.net_classifier import main as train_net


def main(argv=None):
    """Train, save, reload into a fresh Net and check the predictions match; returns the path."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.path.join("runs", "save_load"))
    p.add_argument("--quick", action="store_true", help="train for one epoch only")
    args = p.parse_args(argv)

    net, _ = train_net(["--epochs", "1" if args.quick else "2"])
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.pth")
    torch.save(net.state_dict(), path)
    print(f"saved {path}")

    input_size, hidden_size, output_size = 16, 32, 10
    loaded = Net(input_size, hidden_size, output_size)  # same architecture as when saved
    loaded.load_state_dict(torch.load(path, weights_only=True))
    loaded.eval()

    x = torch.randn(5, input_size)
    with torch.no_grad():
        predictions = loaded(x).argmax(dim=1)
        same = torch.equal(loaded(x), net(x))
    print("predicted classes:", predictions.tolist(), "| identical to the trained net:", same)
    if not same:
        raise RuntimeError("the reloaded network predicts differently")
    return path


if __name__ == "__main__":
    main()
