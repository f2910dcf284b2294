"""RegNet (Radosavovic et al., 2020) with torchvision's module names, arguments and
initialisation."""
import math
from collections import OrderedDict
from functools import partial

import ember
import ember.nn as nn

from ._api import handle_weights
from ._layers import SqueezeExcitation
from .mobilenetv2 import Conv2dNormActivation, _make_divisible

__all__ = ["RegNet", "BlockParams", "SimpleStemIN", "BottleneckTransform",
           "ResBottleneckBlock", "AnyStage", "regnet_y_400mf", "regnet_y_800mf",
           "regnet_x_400mf", "regnet_x_800mf"]


class SimpleStemIN(Conv2dNormActivation):
    """RegNet stem: 3x3/2 conv, norm and activation."""

    def __init__(self, width_in, width_out, norm_layer, activation_layer):
        super().__init__(width_in, width_out, kernel_size=3, stride=2, norm_layer=norm_layer,
                         activation_layer=activation_layer)


class BottleneckTransform(nn.Sequential):
    """1x1 (`a`), grouped 3x3 (`b`), optional squeeze-excitation (`se`) and linear 1x1 (`c`)."""

    def __init__(self, width_in, width_out, stride, norm_layer, activation_layer, group_width,
                 bottleneck_multiplier, se_ratio):
        layers = OrderedDict()
        w_b = int(round(width_out * bottleneck_multiplier))
        g = w_b // group_width
        layers["a"] = Conv2dNormActivation(width_in, w_b, kernel_size=1, stride=1,
                                           norm_layer=norm_layer,
                                           activation_layer=activation_layer)
        layers["b"] = Conv2dNormActivation(w_b, w_b, kernel_size=3, stride=stride, groups=g,
                                           norm_layer=norm_layer,
                                           activation_layer=activation_layer)
        if se_ratio:
            width_se_out = int(round(se_ratio * width_in))
            layers["se"] = SqueezeExcitation(w_b, width_se_out, activation=activation_layer)
        layers["c"] = Conv2dNormActivation(w_b, width_out, kernel_size=1, stride=1,
                                           norm_layer=norm_layer, activation_layer=None)
        super().__init__(layers)


class ResBottleneckBlock(nn.Module):
    """Residual bottleneck: `f` plus the input (through a 1x1 `proj` when the shape changes),
    then the activation."""

    def __init__(self, width_in, width_out, stride, norm_layer, activation_layer,
                 group_width=1, bottleneck_multiplier=1.0, se_ratio=None):
        super().__init__()
        self.proj = None
        if width_in != width_out or stride != 1:
            self.proj = Conv2dNormActivation(width_in, width_out, kernel_size=1, stride=stride,
                                             norm_layer=norm_layer, activation_layer=None)
        self.f = BottleneckTransform(width_in, width_out, stride, norm_layer, activation_layer,
                                     group_width, bottleneck_multiplier, se_ratio)
        self.activation = activation_layer(inplace=True)

    def forward(self, x):
        """activation(shortcut(x) + f(x))."""
        shortcut = x if self.proj is None else self.proj(x)
        return self.activation(shortcut + self.f(x))


class AnyStage(nn.Sequential):
    """`depth` blocks named 'block{stage_index}-{i}', the first one strided."""

    def __init__(self, width_in, width_out, stride, depth, block_constructor, norm_layer,
                 activation_layer, group_width, bottleneck_multiplier, se_ratio=None,
                 stage_index=0):
        super().__init__()
        for i in range(depth):
            block = block_constructor(width_in if i == 0 else width_out, width_out,
                                      stride if i == 0 else 1, norm_layer, activation_layer,
                                      group_width, bottleneck_multiplier, se_ratio)
            self.add_module(f"block{stage_index}-{i}", block)


class BlockParams:
    """Per-stage depths, widths, group widths, bottleneck multipliers and strides of a RegNet
    (torchvision.models.regnet.BlockParams)."""

    def __init__(self, depths, widths, group_widths, bottleneck_multipliers, strides,
                 se_ratio=None):
        self.depths = depths
        self.widths = widths
        self.group_widths = group_widths
        self.bottleneck_multipliers = bottleneck_multipliers
        self.strides = strides
        self.se_ratio = se_ratio

    @classmethod
    def from_init_params(cls, depth, w_0, w_a, w_m, group_width, bottleneck_multiplier=1.0,
                         se_ratio=None, **kwargs):
        """Quantised linear width schedule w_j = w_0 + w_a * j rounded to powers of `w_m`
        (multiples of 8), grouped into stages of equal width, as torchvision's."""
        quant, stride = 8, 2
        if w_a < 0 or w_0 <= 0 or w_m <= 1 or w_0 % 8 != 0:
            raise ValueError("Invalid RegNet settings")
        # torchvision computes these in float32 tensors; round half to even as torch.round.
        widths_cont = ember.arange(depth) * w_a + w_0
        capacity = ember.round(ember.log(widths_cont / w_0) / math.log(w_m))
        block_widths = (ember.round(w_0 * ember.pow(w_m, capacity) / quant) * quant)
        block_widths = [int(w) for w in block_widths.tolist()]
        num_stages = len(set(block_widths))
        helper = zip(block_widths + [0], [0] + block_widths, block_widths + [0],
                     [0] + block_widths)
        splits = [w != wp or r != rp for w, wp, r, rp in helper]
        stage_widths = [w for w, t in zip(block_widths, splits[:-1]) if t]
        bounds = [d for d, t in enumerate(splits) if t]
        stage_depths = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
        strides = [stride] * num_stages
        bottleneck_multipliers = [bottleneck_multiplier] * num_stages
        group_widths = [group_width] * num_stages
        stage_widths, group_widths = cls._adjust_widths_groups_compatibilty(
            stage_widths, bottleneck_multipliers, group_widths)
        return cls(depths=stage_depths, widths=stage_widths, group_widths=group_widths,
                   bottleneck_multipliers=bottleneck_multipliers, strides=strides,
                   se_ratio=se_ratio)

    def _get_expanded_params(self):
        return zip(self.widths, self.strides, self.depths, self.group_widths,
                   self.bottleneck_multipliers)

    @staticmethod
    def _adjust_widths_groups_compatibilty(stage_widths, bottleneck_ratios, group_widths):
        """Make each bottleneck width a multiple of its group width."""
        widths = [int(w * b) for w, b in zip(stage_widths, bottleneck_ratios)]
        group_widths_min = [min(g, w_bot) for g, w_bot in zip(group_widths, widths)]
        ws_bot = [_make_divisible(w_bot, g) for w_bot, g in zip(widths, group_widths_min)]
        stage_widths = [int(w_bot / b) for w_bot, b in zip(ws_bot, bottleneck_ratios)]
        return stage_widths, group_widths_min


class RegNet(nn.Module):
    """torchvision.models.RegNet: `stem`, `trunk_output` (stages 'block1'..), average pooling
    and `fc`."""

    def __init__(self, block_params, num_classes=1000, stem_width=32, stem_type=None,
                 block_type=None, norm_layer=None, activation=None):
        super().__init__()
        stem_type = stem_type or SimpleStemIN
        norm_layer = norm_layer or nn.BatchNorm2d
        block_type = block_type or ResBottleneckBlock
        activation = activation or nn.ReLU
        self.stem = stem_type(3, stem_width, norm_layer, activation)
        current = stem_width
        blocks = []
        for i, (width_out, stride, depth, group_width, bm) in enumerate(
                block_params._get_expanded_params()):
            blocks.append((f"block{i + 1}", AnyStage(
                current, width_out, stride, depth, block_type, norm_layer, activation,
                group_width, bm, block_params.se_ratio, stage_index=i + 1)))
            current = width_out
        self.trunk_output = nn.Sequential(OrderedDict(blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(current, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, mean=0.0, std=math.sqrt(2.0 / fan_out))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, mean=0.0, std=0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        """Logits (N, num_classes) for images `x` (N, 3, H, W)."""
        x = self.avgpool(self.trunk_output(self.stem(x)))
        return self.fc(ember.flatten(x, 1))


def _regnet(params, kwargs):
    norm_layer = kwargs.pop("norm_layer", partial(nn.BatchNorm2d, eps=1e-05, momentum=0.1))
    return RegNet(params, norm_layer=norm_layer, **kwargs)


@handle_weights
def regnet_y_400mf(**kwargs):
    """RegNetY-400MF (torchvision.models.regnet_y_400mf): 4,344,144 parameters."""
    params = BlockParams.from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09,
                                          group_width=8, se_ratio=0.25)
    return _regnet(params, kwargs)


@handle_weights
def regnet_y_800mf(**kwargs):
    """RegNetY-800MF (torchvision.models.regnet_y_800mf): 6,432,512 parameters."""
    params = BlockParams.from_init_params(depth=14, w_0=56, w_a=38.84, w_m=2.4,
                                          group_width=16, se_ratio=0.25)
    return _regnet(params, kwargs)


@handle_weights
def regnet_x_400mf(**kwargs):
    """RegNetX-400MF (torchvision.models.regnet_x_400mf): 5,495,976 parameters."""
    params = BlockParams.from_init_params(depth=22, w_0=24, w_a=24.48, w_m=2.54,
                                          group_width=16)
    return _regnet(params, kwargs)


@handle_weights
def regnet_x_800mf(**kwargs):
    """RegNetX-800MF (torchvision.models.regnet_x_800mf): 7,259,656 parameters."""
    params = BlockParams.from_init_params(depth=16, w_0=56, w_a=35.73, w_m=2.28,
                                          group_width=16)
    return _regnet(params, kwargs)
