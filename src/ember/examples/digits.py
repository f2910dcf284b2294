"""Train a small CNN on scikit-learn's 8x8 handwritten digits, end to end, with ember.

Run with `python -m ember.examples.digits` (or the `ember-demo` console script, or `make demo`).
It is ordinary PyTorch code with `import ember as torch`: a torchvision-style dataset
(`ember.vision.datasets.Digits`) with transforms, a DataLoader, a CNN with batch norm, Adam
and a cosine learning-rate schedule; a tqdm bar per epoch; a checkpoint in PyTorch's `.pt`
format (model, optimizer, scheduler, epoch, history) after every epoch, reloaded at the end
into a fresh model whose predictions must match; and PNG figures (loss and accuracy curves,
confusion matrix, a grid of test predictions). Ctrl-C stops after the last finished epoch,
which is already saved.
"""
import argparse
import os
import sys
import time

import numpy as np

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader
from ember.vision import transforms
from ember.vision.datasets import Digits

# ToTensor maps 0..255 to 0..1; the training images then have mean 0.3055 and std 0.3759.
MEAN, STD = 0.3055, 0.3759


class DigitsNet(nn.Module):
    """Three 3x3 conv + batch-norm + ReLU blocks (8x8 -> 8x8 -> 4x4 -> 2x2) and a linear head."""

    def __init__(self, width=32, num_classes=10, dropout=0.25):
        super().__init__()
        w = width
        self.features = nn.Sequential(
            nn.Conv2d(1, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True),
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w),
            nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w),
            nn.ReLU(inplace=True), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(2 * w * 2 * 2, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def parse_args(argv=None):
    """The demo's command-line options."""
    p = argparse.ArgumentParser(prog="ember-demo", description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=10, help="epochs to train (default 10)")
    p.add_argument("--batch-size", type=int, default=64, help="training batch size (default 64)")
    p.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default 3e-3)")
    p.add_argument("--out", default=os.path.join("runs", "digits"),
                   help="folder for the checkpoint and figures (default runs/digits)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                   help="device to train on (default cpu)")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and shuffling")
    p.add_argument("--resume", metavar="CHECKPOINT", default=None,
                   help="continue from a checkpoint written by this demo")
    p.add_argument("--no-progress", action="store_true", help="plain lines instead of tqdm bars")
    return p.parse_args(argv)


def make_loaders(batch_size, seed):
    """Train and test DataLoaders over the fixed Digits split (the split does not move with
    `--seed`; the seed only drives weights, dropout and shuffling)."""
    normalize = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    train_set = Digits(train=True, transform=normalize, split_seed=0)
    test_set = Digits(train=False, transform=normalize, split_seed=0)
    gen = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=gen)
    test_loader = DataLoader(test_set, batch_size=256, shuffle=False)
    return train_loader, test_loader


def _progress(iterable, desc, enabled):
    """A tqdm bar when tqdm is installed and wanted, else the plain iterable."""
    if enabled:
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            return tqdm(iterable, desc=desc, leave=False, dynamic_ncols=True, file=sys.stdout,
                        mininterval=0.5)
    return iterable


def train_one_epoch(model, loader, optimizer, device, desc, progress):
    """One pass over `loader`; returns (mean loss, accuracy)."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    bar = _progress(loader, desc, progress)
    for images, labels in bar:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        n = labels.size(0)
        total_loss += loss.item() * n
        correct += (logits.argmax(1) == labels).sum().item()
        seen += n
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.4f}")
    if hasattr(bar, "close"):
        bar.close()
    return total_loss / seen, correct / seen


@torch.no_grad()
def evaluate(model, loader, device):
    """Loss, accuracy, logits and labels of `model` over `loader` in eval mode."""
    model.eval()
    logits, labels = [], []
    for images, target in loader:
        logits.append(model(images.to(device)))
        labels.append(target.to(device))
    logits, labels = torch.cat(logits), torch.cat(labels)
    loss = F.cross_entropy(logits, labels).item()
    acc = (logits.argmax(1) == labels).float().mean().item()
    return loss, acc, logits, labels


def save_checkpoint(path, model, optimizer, scheduler, epoch, history, args):
    """Write model, optimizer, scheduler, epoch and history with `torch.save` (atomically)."""
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": epoch, "history": history,
                "seed": args.seed}, tmp)
    os.replace(tmp, path)


def plot_figures(out, history, labels, preds, test_set):
    """Write curves.png, confusion_matrix.png and predictions.png; returns their paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, history["train_loss"], "o-", label="train")
    ax1.plot(epochs, history["test_loss"], "o-", label="test")
    ax1.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    ax2.plot(epochs, history["train_acc"], "o-", label="train")
    ax2.plot(epochs, history["test_acc"], "o-", label="test")
    ax2.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (ax1, ax2):
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    paths.append(os.path.join(out, "curves.png"))
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    cm = np.zeros((10, 10), dtype=np.int64)
    np.add.at(cm, (labels, preds), 1)
    fig, ax = plt.subplots(figsize=(6, 5.5))
    im = ax.imshow(cm, cmap="Blues")
    for i in range(10):
        for j in range(10):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true",
           title=f"Confusion matrix (test accuracy {np.mean(labels == preds):.4f})")
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    paths.append(os.path.join(out, "confusion_matrix.png"))
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    # The first 40 test images, then every mistake not among them, up to 48 in all.
    wrong = np.flatnonzero(labels != preds)
    shown = list(range(min(40, len(labels))))
    shown += [i for i in wrong if i not in shown][:48 - len(shown)]
    cols = 8
    rows = (len(shown) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.4))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, i in zip(np.ravel(axes), shown):
        ok = labels[i] == preds[i]
        ax.imshow(test_set.data[i].numpy(), cmap="gray_r", interpolation="nearest")
        ax.set_title(f"{preds[i]} (true {labels[i]})" if not ok else f"{preds[i]}",
                     fontsize=8, color="green" if ok else "red")
        if not ok:
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_color("red")
                spine.set_linewidth(2)
            ax.axis("on")
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(f"Test predictions (red: wrong, {len(wrong)} of {len(labels)})", fontsize=10)
    fig.tight_layout()
    paths.append(os.path.join(out, "predictions.png"))
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)
    return paths


def main(argv=None):
    """Train, evaluate, checkpoint, reload and plot; returns the process exit status."""
    args = parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda: ember has no CUDA backend yet (ember.cuda.is_available() "
              "is False); use --device cpu", file=sys.stderr)
        return 2
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")

    train_loader, test_loader = make_loaders(args.batch_size, args.seed)
    model = DigitsNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(args.epochs, 1))
    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    start = 0
    if args.resume:
        ckpt = torch.load(args.resume, map_location=device, weights_only=True)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        history = {k: list(v) for k, v in ckpt["history"].items()}
        start = ckpt["epoch"]
        torch.manual_seed(args.seed + start)
        print(f"resumed from {args.resume} after epoch {start}")

    n_params = sum(p.numel() for p in model.parameters())
    print(f"Digits: {len(train_loader.dataset)} train / {len(test_loader.dataset)} test images "
          f"(8x8); model {n_params:,} parameters; device {device}; seed {args.seed}")
    t0 = time.time()
    interrupted = False
    saved = False  # whether this run has written ckpt_path
    try:
        for epoch in range(start + 1, args.epochs + 1):
            train_loss, train_acc = train_one_epoch(
                model, train_loader, optimizer, device, f"epoch {epoch}/{args.epochs}",
                not args.no_progress)
            scheduler.step()
            test_loss, test_acc, _, _ = evaluate(model, test_loader, device)
            for key, value in zip(("train_loss", "train_acc", "test_loss", "test_acc"),
                                  (train_loss, train_acc, test_loss, test_acc)):
                history[key].append(value)
            save_checkpoint(ckpt_path, model, optimizer, scheduler, epoch, history, args)
            saved = True
            print(f"epoch {epoch}: train loss {train_loss:.4f} acc {train_acc:.4f} | "
                  f"test loss {test_loss:.4f} acc {test_acc:.4f} | {time.time() - t0:.1f}s")
    except KeyboardInterrupt:
        interrupted = True
        print(f"\ninterrupted: keeping the checkpoint of the last finished epoch "
              f"({len(history['train_loss'])})")
        if not saved:
            print("no epoch finished in this run: nothing saved")
            return 130

    if not saved:  # nothing left to train (resumed at --epochs): save the state as it is
        save_checkpoint(ckpt_path, model, optimizer, scheduler, start, history, args)

    # Reload the checkpoint into a fresh model: its predictions must equal the trained one's.
    if interrupted:  # the in-memory model may be mid-epoch: judge the saved one
        model.load_state_dict(torch.load(ckpt_path, weights_only=True)["model"])
    test_loss, test_acc, logits, labels = evaluate(model, test_loader, device)
    fresh = DigitsNet().to(device)
    fresh.load_state_dict(torch.load(ckpt_path, map_location=device, weights_only=True)["model"])
    _, _, fresh_logits, _ = evaluate(fresh, test_loader, device)
    if not torch.equal(fresh_logits, logits):
        print("error: the reloaded model's predictions differ from the trained model's",
              file=sys.stderr)
        return 1
    print(f"reloaded {ckpt_path} into a fresh model: identical predictions on "
          f"{len(labels)} test images")

    preds = logits.argmax(1).numpy()
    figures = plot_figures(args.out, history, labels.numpy(), preds, test_loader.dataset)
    print(f"test accuracy: {test_acc:.4f}")
    print(f"wrote {ckpt_path}")
    for path in figures:
        print(f"wrote {path}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
