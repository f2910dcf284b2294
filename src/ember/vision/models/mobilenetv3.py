"""MobileNetV3 (Howard et al., 2019) with torchvision's module names, arguments and
initialisation."""
from functools import partial

import ember
import ember.nn as nn

from ._api import handle_weights
from ._layers import SqueezeExcitation
from .mobilenetv2 import Conv2dNormActivation, _make_divisible

__all__ = ["MobileNetV3", "InvertedResidualConfig", "InvertedResidual", "mobilenet_v3_large",
           "mobilenet_v3_small"]


class InvertedResidualConfig:
    """One bneck row of the MobileNetV3 tables, with channels scaled by `width_mult`
    (torchvision.models.mobilenetv3.InvertedResidualConfig)."""

    def __init__(self, input_channels, kernel, expanded_channels, out_channels, use_se,
                 activation, stride, dilation, width_mult):
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.kernel = kernel
        self.expanded_channels = self.adjust_channels(expanded_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.use_se = use_se
        self.use_hs = activation == "HS"
        self.stride = stride
        self.dilation = dilation

    @staticmethod
    def adjust_channels(channels, width_mult):
        """Scale `channels` by `width_mult` and round to a multiple of 8."""
        return _make_divisible(channels * width_mult, 8)


class InvertedResidual(nn.Module):
    """MobileNetV3 block: optional 1x1 expansion, depthwise conv, optional squeeze-excitation
    (hard-sigmoid gate) and linear 1x1 projection in `block`, with a residual when the shape
    is kept."""

    def __init__(self, cnf, norm_layer, se_layer=partial(SqueezeExcitation,
                                                         scale_activation=nn.Hardsigmoid)):
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        act = nn.Hardswish if cnf.use_hs else nn.ReLU
        layers = []
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.expanded_channels,
                                               kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=act))
        stride = 1 if cnf.dilation > 1 else cnf.stride
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.expanded_channels,
                                           kernel_size=cnf.kernel, stride=stride,
                                           dilation=cnf.dilation,
                                           groups=cnf.expanded_channels,
                                           norm_layer=norm_layer, activation_layer=act))
        if cnf.use_se:
            squeeze = _make_divisible(cnf.expanded_channels // 4, 8)
            layers.append(se_layer(cnf.expanded_channels, squeeze))
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.out_channels,
                                           kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels
        self._is_cn = cnf.stride > 1

    def forward(self, x):
        """Apply the block, adding `x` back when the shape is kept."""
        result = self.block(x)
        if self.use_res_connect:
            result = result + x
        return result


class MobileNetV3(nn.Module):
    """torchvision.models.MobileNetV3: hard-swish stem conv, bneck blocks, a 1x1 conv to six
    times the last block's channels, global average pooling and a Linear-Hardswish-Dropout-
    Linear `classifier`."""

    def __init__(self, inverted_residual_setting, last_channel, num_classes=1000, block=None,
                 norm_layer=None, dropout=0.2, **kwargs):
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not all(isinstance(s, InvertedResidualConfig) for s in inverted_residual_setting):
            raise TypeError("The inverted_residual_setting should be List[InvertedResidualConfig]")
        block = block or InvertedResidual
        norm_layer = norm_layer or partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        first = inverted_residual_setting[0].input_channels
        layers = [Conv2dNormActivation(3, first, kernel_size=3, stride=2, norm_layer=norm_layer,
                                       activation_layer=nn.Hardswish)]
        for cnf in inverted_residual_setting:
            layers.append(block(cnf, norm_layer))
        lastconv_in = inverted_residual_setting[-1].out_channels
        lastconv_out = 6 * lastconv_in
        layers.append(Conv2dNormActivation(lastconv_in, lastconv_out, kernel_size=1,
                                           norm_layer=norm_layer,
                                           activation_layer=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(lastconv_out, last_channel), nn.Hardswish(inplace=True),
            nn.Dropout(p=dropout, inplace=True), nn.Linear(last_channel, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        """Logits (N, num_classes) for images `x` (N, 3, H, W)."""
        x = self.avgpool(self.features(x))
        return self.classifier(ember.flatten(x, 1))


def _mobilenet_v3_conf(arch, width_mult=1.0, reduced_tail=False, dilated=False):
    """torchvision's bneck tables for 'mobilenet_v3_large' / 'mobilenet_v3_small'."""
    rd = 2 if reduced_tail else 1
    dil = 2 if dilated else 1
    cnf = partial(InvertedResidualConfig, width_mult=width_mult)
    if arch == "mobilenet_v3_large":
        rows = [
            (16, 3, 16, 16, False, "RE", 1, 1), (16, 3, 64, 24, False, "RE", 2, 1),
            (24, 3, 72, 24, False, "RE", 1, 1), (24, 5, 72, 40, True, "RE", 2, 1),
            (40, 5, 120, 40, True, "RE", 1, 1), (40, 5, 120, 40, True, "RE", 1, 1),
            (40, 3, 240, 80, False, "HS", 2, 1), (80, 3, 200, 80, False, "HS", 1, 1),
            (80, 3, 184, 80, False, "HS", 1, 1), (80, 3, 184, 80, False, "HS", 1, 1),
            (80, 3, 480, 112, True, "HS", 1, 1), (112, 3, 672, 112, True, "HS", 1, 1),
            (112, 5, 672, 160 // rd, True, "HS", 2, dil),
            (160 // rd, 5, 960 // rd, 160 // rd, True, "HS", 1, dil),
            (160 // rd, 5, 960 // rd, 160 // rd, True, "HS", 1, dil),
        ]
        last = 1280 // rd
    elif arch == "mobilenet_v3_small":
        rows = [
            (16, 3, 16, 16, True, "RE", 2, 1), (16, 3, 72, 24, False, "RE", 2, 1),
            (24, 3, 88, 24, False, "RE", 1, 1), (24, 5, 96, 40, True, "HS", 2, 1),
            (40, 5, 240, 40, True, "HS", 1, 1), (40, 5, 240, 40, True, "HS", 1, 1),
            (40, 5, 120, 48, True, "HS", 1, 1), (48, 5, 144, 48, True, "HS", 1, 1),
            (48, 5, 288, 96 // rd, True, "HS", 2, dil),
            (96 // rd, 5, 576 // rd, 96 // rd, True, "HS", 1, dil),
            (96 // rd, 5, 576 // rd, 96 // rd, True, "HS", 1, dil),
        ]
        last = 1024 // rd
    else:
        raise ValueError(f"Unsupported model type {arch}")
    return [cnf(*r) for r in rows], InvertedResidualConfig.adjust_channels(last, width_mult)


def _build(arch, kwargs):
    conf = {k: kwargs.pop(k) for k in ("width_mult", "reduced_tail", "dilated") if k in kwargs}
    setting, last_channel = _mobilenet_v3_conf(arch, **conf)
    return MobileNetV3(setting, last_channel, **kwargs)


@handle_weights
def mobilenet_v3_large(**kwargs):
    """MobileNetV3-Large (torchvision.models.mobilenet_v3_large): 5,483,032 parameters at
    1000 classes; `width_mult`, `reduced_tail` and `dilated` as torchvision's."""
    return _build("mobilenet_v3_large", kwargs)


@handle_weights
def mobilenet_v3_small(**kwargs):
    """MobileNetV3-Small (torchvision.models.mobilenet_v3_small): 2,542,856 parameters at
    1000 classes."""
    return _build("mobilenet_v3_small", kwargs)
