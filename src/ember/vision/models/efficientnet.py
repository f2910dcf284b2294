"""EfficientNet-B0..B7 (Tan & Le, 2019) with torchvision's module names, arguments and
initialisation."""
import math
from functools import partial

import ember
import ember.nn as nn

from ._api import handle_weights
from ._layers import SqueezeExcitation, StochasticDepth
from .mobilenetv2 import Conv2dNormActivation, _make_divisible

__all__ = ["EfficientNet", "MBConvConfig", "MBConv", "efficientnet_b0", "efficientnet_b1",
           "efficientnet_b2", "efficientnet_b3", "efficientnet_b4", "efficientnet_b5",
           "efficientnet_b6", "efficientnet_b7"]


class MBConvConfig:
    """One MBConv stage (torchvision.models.efficientnet.MBConvConfig): channels scaled by
    `width_mult` (multiples of 8) and the repeat count by `depth_mult` (rounded up)."""

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                 width_mult=1.0, depth_mult=1.0):
        self.expand_ratio = expand_ratio
        self.kernel = kernel
        self.stride = stride
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.num_layers = int(math.ceil(num_layers * depth_mult))

    @staticmethod
    def adjust_channels(channels, width_mult, min_value=None):
        """Scale `channels` by `width_mult` and round to a multiple of 8."""
        return _make_divisible(channels * width_mult, 8, min_value)


class MBConv(nn.Module):
    """Mobile inverted bottleneck with SiLU, squeeze-excitation (sigmoid gate) and stochastic
    depth on the residual branch (torchvision.models.efficientnet.MBConv)."""

    def __init__(self, cnf, stochastic_depth_prob, norm_layer, se_layer=SqueezeExcitation):
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        layers = []
        if expanded != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=1,
                                               norm_layer=norm_layer,
                                               activation_layer=nn.SiLU))
        layers.append(Conv2dNormActivation(expanded, expanded, kernel_size=cnf.kernel,
                                           stride=cnf.stride, groups=expanded,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU))
        squeeze = max(1, cnf.input_channels // 4)
        layers.append(se_layer(expanded, squeeze, activation=partial(nn.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        """Apply the block; with a residual, drop it stochastically and add `input`."""
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + input
        return result


class EfficientNet(nn.Module):
    """torchvision.models.EfficientNet: SiLU stem conv, one Sequential of MBConv blocks per
    stage (stochastic-depth probability rising linearly with block index), a 1x1 conv to
    `last_channel` (4x the last stage by default), average pooling and Dropout + Linear."""

    def __init__(self, inverted_residual_setting, dropout, stochastic_depth_prob=0.2,
                 num_classes=1000, norm_layer=None, last_channel=None):
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not all(isinstance(s, MBConvConfig) for s in inverted_residual_setting):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        norm_layer = norm_layer or nn.BatchNorm2d
        first = inverted_residual_setting[0].input_channels
        layers = [Conv2dNormActivation(3, first, kernel_size=3, stride=2, norm_layer=norm_layer,
                                       activation_layer=nn.SiLU)]
        total = sum(c.num_layers for c in inverted_residual_setting)
        block_id = 0
        for cnf in inverted_residual_setting:
            stage = []
            for i in range(cnf.num_layers):
                c = cnf if i == 0 else _repeat(cnf)
                sd_prob = stochastic_depth_prob * float(block_id) / total
                stage.append(MBConv(c, sd_prob, norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        lastconv_in = inverted_residual_setting[-1].out_channels
        lastconv_out = last_channel if last_channel is not None else 4 * lastconv_in
        layers.append(Conv2dNormActivation(lastconv_in, lastconv_out, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(lastconv_out, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                r = 1.0 / math.sqrt(m.out_features)
                nn.init.uniform_(m.weight, -r, r)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        """Logits (N, num_classes) for images `x` (N, 3, H, W)."""
        x = self.avgpool(self.features(x))
        return self.classifier(ember.flatten(x, 1))


def _repeat(cnf):
    """The config of a stage's later blocks: input = output channels, stride 1."""
    c = MBConvConfig.__new__(MBConvConfig)
    c.__dict__.update(cnf.__dict__)
    c.input_channels = cnf.out_channels
    c.stride = 1
    return c


def _b_setting(width_mult, depth_mult):
    bneck = partial(MBConvConfig, width_mult=width_mult, depth_mult=depth_mult)
    return [bneck(1, 3, 1, 32, 16, 1), bneck(6, 3, 2, 16, 24, 2), bneck(6, 5, 2, 24, 40, 2),
            bneck(6, 3, 2, 40, 80, 3), bneck(6, 5, 1, 80, 112, 3), bneck(6, 5, 2, 112, 192, 4),
            bneck(6, 3, 1, 192, 320, 1)]


def _efficientnet(width_mult, depth_mult, dropout, kwargs, bn_eps=None):
    if bn_eps is not None:
        kwargs.setdefault("norm_layer", partial(nn.BatchNorm2d, eps=bn_eps, momentum=0.01))
    return EfficientNet(_b_setting(width_mult, depth_mult), kwargs.pop("dropout", dropout),
                        **kwargs)


@handle_weights
def efficientnet_b0(**kwargs):
    """EfficientNet-B0 (torchvision.models.efficientnet_b0): 5,288,548 parameters."""
    return _efficientnet(1.0, 1.0, 0.2, kwargs)


@handle_weights
def efficientnet_b1(**kwargs):
    """EfficientNet-B1 (torchvision.models.efficientnet_b1): 7,794,184 parameters."""
    return _efficientnet(1.0, 1.1, 0.2, kwargs)


@handle_weights
def efficientnet_b2(**kwargs):
    """EfficientNet-B2 (torchvision.models.efficientnet_b2): 9,109,994 parameters."""
    return _efficientnet(1.1, 1.2, 0.3, kwargs)


@handle_weights
def efficientnet_b3(**kwargs):
    """EfficientNet-B3 (torchvision.models.efficientnet_b3): 12,233,232 parameters."""
    return _efficientnet(1.2, 1.4, 0.3, kwargs)


@handle_weights
def efficientnet_b4(**kwargs):
    """EfficientNet-B4 (torchvision.models.efficientnet_b4): 19,341,616 parameters."""
    return _efficientnet(1.4, 1.8, 0.4, kwargs)


@handle_weights
def efficientnet_b5(**kwargs):
    """EfficientNet-B5 (torchvision.models.efficientnet_b5): 30,389,784 parameters."""
    return _efficientnet(1.6, 2.2, 0.4, kwargs, bn_eps=0.001)


@handle_weights
def efficientnet_b6(**kwargs):
    """EfficientNet-B6 (torchvision.models.efficientnet_b6): 43,040,704 parameters."""
    return _efficientnet(1.8, 2.6, 0.5, kwargs, bn_eps=0.001)


@handle_weights
def efficientnet_b7(**kwargs):
    """EfficientNet-B7 (torchvision.models.efficientnet_b7): 66,347,960 parameters."""
    return _efficientnet(2.0, 3.1, 0.5, kwargs, bn_eps=0.001)
