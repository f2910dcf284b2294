"""GoogLeNet / Inception v1 (Szegedy et al., 2014) with torchvision's module names, arguments
and initialisation."""
import warnings
from collections import namedtuple

import ember
import ember.nn as nn
import ember.nn.functional as F

from ._api import handle_weights

__all__ = ["GoogLeNet", "GoogLeNetOutputs", "BasicConv2d", "Inception", "InceptionAux",
           "googlenet"]

GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])
GoogLeNetOutputs.__annotations__ = {"logits": ember.Tensor, "aux_logits2": ember.Tensor,
                                    "aux_logits1": ember.Tensor}
_GoogLeNetOutputs = GoogLeNetOutputs


class BasicConv2d(nn.Module):
    """Bias-free Conv2d, BatchNorm2d(eps=0.001) and ReLU (torchvision's BasicConv2d)."""

    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        """relu(bn(conv(x)))."""
        return F.relu(self.bn(self.conv(x)), inplace=True)


class Inception(nn.Module):
    """Inception module: 1x1, 1x1->3x3, 1x1->3x3 (torchvision's "5x5" branch really uses a
    3x3 kernel) and 3x3 max pool->1x1 branches, concatenated on channels."""

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj,
                 conv_block=None):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(conv_block(in_channels, ch3x3red, kernel_size=1),
                                     conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(conv_block(in_channels, ch5x5red, kernel_size=1),
                                     conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            conv_block(in_channels, pool_proj, kernel_size=1))

    def _forward(self, x):
        return [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]

    def forward(self, x):
        """Concatenate the four branches along channels."""
        return ember.cat(self._forward(x), 1)


class InceptionAux(nn.Module):
    """Auxiliary classifier: adaptive 4x4 average pool, 1x1 conv to 128, fc1 (2048->1024),
    ReLU, dropout and fc2."""

    def __init__(self, in_channels, num_classes, conv_block=None, dropout=0.7):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.conv = conv_block(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        """Auxiliary logits (N, num_classes)."""
        x = self.conv(F.adaptive_avg_pool2d(x, (4, 4)))
        x = F.relu(self.fc1(ember.flatten(x, 1)), inplace=True)
        return self.fc2(self.dropout(x))


def _transform_input(x):
    """Re-normalise ImageNet-normalised input to the [-1, 1] scaling of the original
    checkpoints (torchvision's `transform_input=True`)."""
    mean = (0.485, 0.456, 0.406)
    std = (0.229, 0.224, 0.225)
    chans = [x[:, i:i + 1] * (std[i] / 0.5) + (mean[i] - 0.5) / 0.5 for i in range(3)]
    return ember.cat(chans, 1)


class GoogLeNet(nn.Module):
    """torchvision.models.GoogLeNet. In training with `aux_logits` the forward returns
    GoogLeNetOutputs(logits, aux_logits2, aux_logits1); otherwise the logits."""

    __constants__ = ["aux_logits", "transform_input"]

    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False,
                 init_weights=None, blocks=None, dropout=0.2, dropout_aux=0.7):
        super().__init__()
        if blocks is None:
            blocks = [BasicConv2d, Inception, InceptionAux]
        if init_weights is None:
            warnings.warn("The default weight initialization of GoogleNet will be changed in "
                          "future releases of torchvision. If you wish to keep the old "
                          "behavior (which leads to long initialization times due to scipy/"
                          "scipy#11299), please set init_weights=True.", FutureWarning)
            init_weights = True
        if len(blocks) != 3:
            raise ValueError(f"blocks length should be 3 instead of {len(blocks)}")
        conv_block, inception_block, inception_aux_block = blocks
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        self.conv1 = conv_block(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(64, 64, kernel_size=1)
        self.conv3 = conv_block(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = inception_block(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = inception_block(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = inception_block(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = inception_block(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = inception_block(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = inception_block(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = inception_block(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = inception_block(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = inception_block(832, 384, 192, 384, 48, 128, 128)
        if aux_logits:
            self.aux1 = inception_aux_block(512, num_classes, dropout=dropout_aux)
            self.aux2 = inception_aux_block(528, num_classes, dropout=dropout_aux)
        else:
            self.aux1 = None
            self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)
        if init_weights:
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

    def _forward(self, x):
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        x = ember.flatten(self.avgpool(x), 1)
        return self.fc(self.dropout(x)), aux2, aux1

    def eager_outputs(self, x, aux2, aux1):
        """GoogLeNetOutputs in training with aux_logits, else the logits alone."""
        if self.training and self.aux_logits:
            return _GoogLeNetOutputs(x, aux2, aux1)
        return x

    def forward(self, x):
        """Logits for images `x` (N, 3, H, W), plus auxiliary logits while training."""
        if self.transform_input:
            x = _transform_input(x)
        x, aux2, aux1 = self._forward(x)
        return self.eager_outputs(x, aux2, aux1)


@handle_weights
def googlenet(**kwargs):
    """GoogLeNet (torchvision.models.googlenet): 13,004,888 parameters with the default
    aux_logits=True, 6,624,904 with aux_logits=False (torchvision's published figure).
    As torchvision's, it warns (FutureWarning) unless `init_weights` is given."""
    return GoogLeNet(**kwargs)
