"""Inception v3 (Szegedy et al., 2015) with torchvision's module names, arguments and
initialisation."""
import warnings
from collections import namedtuple

import ember
import ember.nn as nn
import ember.nn.functional as F

from ._api import handle_weights
from .googlenet import BasicConv2d, _transform_input

__all__ = ["Inception3", "InceptionOutputs", "InceptionA", "InceptionB", "InceptionC",
           "InceptionD", "InceptionE", "InceptionAux", "inception_v3"]

InceptionOutputs = namedtuple("InceptionOutputs", ["logits", "aux_logits"])
InceptionOutputs.__annotations__ = {"logits": ember.Tensor, "aux_logits": ember.Tensor}
_InceptionOutputs = InceptionOutputs


class InceptionA(nn.Module):
    """35x35 block: 1x1, 1x1->5x5, 1x1->3x3->3x3 and avg pool->1x1 (`pool_features`)."""

    def __init__(self, in_channels, pool_features, conv_block=None):
        super().__init__()
        cb = conv_block or BasicConv2d
        self.branch1x1 = cb(in_channels, 64, kernel_size=1)
        self.branch5x5_1 = cb(in_channels, 48, kernel_size=1)
        self.branch5x5_2 = cb(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = cb(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = cb(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = cb(96, 96, kernel_size=3, padding=1)
        self.branch_pool = cb(in_channels, pool_features, kernel_size=1)

    def forward(self, x):
        """Concatenate the four branches along channels."""
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return ember.cat([b1, b5, b3, bp], 1)


class InceptionB(nn.Module):
    """Grid reduction 35->17: 3x3/2, 1x1->3x3->3x3/2 and 3x3/2 max pool."""

    def __init__(self, in_channels, conv_block=None):
        super().__init__()
        cb = conv_block or BasicConv2d
        self.branch3x3 = cb(in_channels, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = cb(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = cb(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = cb(96, 96, kernel_size=3, stride=2)

    def forward(self, x):
        """Concatenate the three branches along channels."""
        b3 = self.branch3x3(x)
        bd = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = F.max_pool2d(x, kernel_size=3, stride=2)
        return ember.cat([b3, bd, bp], 1)


class InceptionC(nn.Module):
    """17x17 block with factorised 1x7 / 7x1 convolutions (`channels_7x7` inner width)."""

    def __init__(self, in_channels, channels_7x7, conv_block=None):
        super().__init__()
        cb = conv_block or BasicConv2d
        c7 = channels_7x7
        self.branch1x1 = cb(in_channels, 192, kernel_size=1)
        self.branch7x7_1 = cb(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = cb(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = cb(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = cb(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = cb(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = cb(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = cb(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = cb(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = cb(in_channels, 192, kernel_size=1)

    def forward(self, x):
        """Concatenate the four branches along channels."""
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                      self.branch7x7dbl_5):
            bd = layer(bd)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return ember.cat([b1, b7, bd, bp], 1)


class InceptionD(nn.Module):
    """Grid reduction 17->8: 1x1->3x3/2, 1x1->1x7->7x1->3x3/2 and 3x3/2 max pool."""

    def __init__(self, in_channels, conv_block=None):
        super().__init__()
        cb = conv_block or BasicConv2d
        self.branch3x3_1 = cb(in_channels, 192, kernel_size=1)
        self.branch3x3_2 = cb(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = cb(in_channels, 192, kernel_size=1)
        self.branch7x7x3_2 = cb(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = cb(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = cb(192, 192, kernel_size=3, stride=2)

    def forward(self, x):
        """Concatenate the three branches along channels."""
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_1(x)
        for layer in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            b7 = layer(b7)
        bp = F.max_pool2d(x, kernel_size=3, stride=2)
        return ember.cat([b3, b7, bp], 1)


class InceptionE(nn.Module):
    """8x8 block with split 1x3 / 3x1 outputs: 1x1, 1x1->{1x3,3x1}, 1x1->3x3->{1x3,3x1} and
    avg pool->1x1."""

    def __init__(self, in_channels, conv_block=None):
        super().__init__()
        cb = conv_block or BasicConv2d
        self.branch1x1 = cb(in_channels, 320, kernel_size=1)
        self.branch3x3_1 = cb(in_channels, 384, kernel_size=1)
        self.branch3x3_2a = cb(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = cb(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = cb(in_channels, 448, kernel_size=1)
        self.branch3x3dbl_2 = cb(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = cb(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = cb(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = cb(in_channels, 192, kernel_size=1)

    def forward(self, x):
        """Concatenate the branches (2048 channels for torchvision's widths)."""
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = ember.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = ember.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return ember.cat([b1, b3, bd, bp], 1)


class InceptionAux(nn.Module):
    """Auxiliary classifier on the 17x17 grid: 5x5/3 avg pool, 1x1 conv0 (128), 5x5 conv1
    (768), global average pool and fc."""

    def __init__(self, in_channels, num_classes, conv_block=None):
        super().__init__()
        cb = conv_block or BasicConv2d
        self.conv0 = cb(in_channels, 128, kernel_size=1)
        self.conv1 = cb(128, 768, kernel_size=5)
        self.conv1.stddev = 0.01
        self.fc = nn.Linear(768, num_classes)
        self.fc.stddev = 0.001

    def forward(self, x):
        """Auxiliary logits (N, num_classes)."""
        x = self.conv1(self.conv0(F.avg_pool2d(x, kernel_size=5, stride=3)))
        x = F.adaptive_avg_pool2d(x, (1, 1))
        return self.fc(ember.flatten(x, 1))


class Inception3(nn.Module):
    """torchvision.models.Inception3 (inputs of at least 75x75; 299x299 nominal). In training
    with `aux_logits` the forward returns InceptionOutputs(logits, aux_logits)."""

    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False,
                 inception_blocks=None, init_weights=None, dropout=0.5):
        super().__init__()
        if inception_blocks is None:
            inception_blocks = [BasicConv2d, InceptionA, InceptionB, InceptionC, InceptionD,
                                InceptionE, InceptionAux]
        if init_weights is None:
            warnings.warn("The default weight initialization of inception_v3 will be changed "
                          "in future releases of torchvision. If you wish to keep the old "
                          "behavior (which leads to long initialization times due to scipy/"
                          "scipy#11299), please set init_weights=True.", FutureWarning)
            init_weights = True
        if len(inception_blocks) != 7:
            raise ValueError("length of inception_blocks should be 7 instead of "
                             f"{len(inception_blocks)}")
        conv_block, a, b, c, d, e, aux = inception_blocks
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        self.Conv2d_1a_3x3 = conv_block(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = conv_block(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = conv_block(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = conv_block(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = conv_block(80, 192, kernel_size=3)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = a(192, pool_features=32)
        self.Mixed_5c = a(256, pool_features=64)
        self.Mixed_5d = a(288, pool_features=64)
        self.Mixed_6a = b(288)
        self.Mixed_6b = c(768, channels_7x7=128)
        self.Mixed_6c = c(768, channels_7x7=160)
        self.Mixed_6d = c(768, channels_7x7=160)
        self.Mixed_6e = c(768, channels_7x7=192)
        self.AuxLogits = aux(768, num_classes) if aux_logits else None
        self.Mixed_7a = d(768)
        self.Mixed_7b = e(1280)
        self.Mixed_7c = e(2048)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(2048, num_classes)
        if init_weights:
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    std = float(getattr(m, "stddev", 0.1))
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=std, a=-2, b=2)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

    def _forward(self, x):
        for name in ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1",
                     "Conv2d_3b_1x1", "Conv2d_4a_3x3", "maxpool2", "Mixed_5b", "Mixed_5c",
                     "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
            x = getattr(self, name)(x)
        aux = self.AuxLogits(x) if self.AuxLogits is not None and self.training else None
        x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))
        x = ember.flatten(self.dropout(self.avgpool(x)), 1)
        return self.fc(x), aux

    def eager_outputs(self, x, aux):
        """InceptionOutputs in training with aux_logits, else the logits alone."""
        if self.training and self.aux_logits:
            return _InceptionOutputs(x, aux)
        return x

    def forward(self, x):
        """Logits for images `x` (N, 3, H, W), plus auxiliary logits while training."""
        if self.transform_input:
            x = _transform_input(x)
        x, aux = self._forward(x)
        return self.eager_outputs(x, aux)


@handle_weights
def inception_v3(**kwargs):
    """Inception v3 (torchvision.models.inception_v3): 27,161,264 parameters with the
    default aux_logits=True (23,834,568 without). Warns as torchvision's unless
    `init_weights` is given."""
    return Inception3(**kwargs)
