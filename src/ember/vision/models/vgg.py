"""VGG (Simonyan and Zisserman, 2014) with torchvision's module names and initialisation."""
import ember
import ember.nn as nn

from ._api import handle_weights
from ._init import init_conv_bn_linear

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn"]

# Conv widths per configuration; "M" is a 2x2 max pool (torchvision's cfgs A, B, D, E).
cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512,
          "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512,
          512, 512, 512, "M"],
}


def make_layers(cfg, batch_norm=False):
    """The `features` Sequential for a VGG configuration (torchvision.models.vgg.make_layers):
    3x3 padded convs (each followed by BatchNorm when `batch_norm`) with ReLU, and max pools."""
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU(inplace=True))
            in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """torchvision.models.VGG: `features`, a 7x7 adaptive average pool and a three-layer
    `classifier` (4096, 4096, num_classes) with ReLU and dropout."""

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            init_conv_bn_linear(self, linear_std=0.01)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(ember.flatten(x, 1))


def _vgg(cfg, batch_norm, kwargs):
    return VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)


@handle_weights
def vgg11(**kwargs):
    """VGG-11, configuration A (torchvision.models.vgg11): 132,863,336 parameters."""
    return _vgg("A", False, kwargs)


@handle_weights
def vgg11_bn(**kwargs):
    """VGG-11 with batch norm (torchvision.models.vgg11_bn): 132,868,840 parameters."""
    return _vgg("A", True, kwargs)


@handle_weights
def vgg13(**kwargs):
    """VGG-13, configuration B (torchvision.models.vgg13)."""
    return _vgg("B", False, kwargs)


@handle_weights
def vgg13_bn(**kwargs):
    """VGG-13 with batch norm (torchvision.models.vgg13_bn)."""
    return _vgg("B", True, kwargs)


@handle_weights
def vgg16(**kwargs):
    """VGG-16, configuration D (torchvision.models.vgg16): 138,357,544 parameters."""
    return _vgg("D", False, kwargs)


@handle_weights
def vgg16_bn(**kwargs):
    """VGG-16 with batch norm (torchvision.models.vgg16_bn): 138,365,992 parameters."""
    return _vgg("D", True, kwargs)


@handle_weights
def vgg19(**kwargs):
    """VGG-19, configuration E (torchvision.models.vgg19)."""
    return _vgg("E", False, kwargs)


@handle_weights
def vgg19_bn(**kwargs):
    """VGG-19 with batch norm (torchvision.models.vgg19_bn)."""
    return _vgg("E", True, kwargs)
