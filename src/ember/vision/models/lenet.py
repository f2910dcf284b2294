"""LeNet-5 (LeCun et al., 1998) in its common modern form."""
import ember
import ember.nn as nn

from ._api import handle_weights

__all__ = ["LeNet5", "lenet5"]


class LeNet5(nn.Module):
    """LeNet-5 for 28x28 (MNIST) or 32x32 images: conv 5x5 to 6 maps (padded to keep 28x28
    input at 28x28), 2x2 pool, conv 5x5 to 16 maps, 2x2 pool, then fully connected layers of
    120, 84 and `num_classes` units. `activation` is ReLU with max pooling by default;
    `classic=True` uses tanh with average pooling as the 1998 paper. 61,706 parameters at
    10 classes for 28x28 input (`in_size=28`); `in_size=32` drops the padding."""

    def __init__(self, num_classes=10, in_channels=1, in_size=28, classic=False):
        super().__init__()
        if in_size not in (28, 32):
            raise ValueError(f"LeNet5 takes 28x28 or 32x32 images, got in_size={in_size}")
        act = nn.Tanh if classic else nn.ReLU
        pool = nn.AvgPool2d if classic else nn.MaxPool2d
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2 if in_size == 28 else 0), act(),
            pool(2),
            nn.Conv2d(6, 16, kernel_size=5), act(), pool(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), act(), nn.Linear(120, 84), act(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(ember.flatten(self.features(x), 1))


@handle_weights
def lenet5(**kwargs):
    """LeNet-5 (see :class:`LeNet5`), 10 classes by default; `weights` must be None."""
    return LeNet5(**kwargs)
