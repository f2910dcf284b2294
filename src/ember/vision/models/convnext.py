"""ConvNeXt (Liu et al., 2022) with torchvision's module names, arguments and
initialisation."""
from functools import partial

import ember
import ember.nn as nn
import ember.nn.functional as F

from ._api import handle_weights
from ._layers import Permute, StochasticDepth
from .mobilenetv2 import Conv2dNormActivation

__all__ = ["ConvNeXt", "CNBlock", "CNBlockConfig", "LayerNorm2d", "convnext_tiny",
           "convnext_small", "convnext_base", "convnext_large"]


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channel dimension of (N, C, H, W) input
    (torchvision.models.convnext.LayerNorm2d)."""

    def forward(self, x):
        """Normalise each pixel's channel vector."""
        x = ember.permute(x, (0, 2, 3, 1))
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return ember.permute(x, (0, 3, 1, 2))


class CNBlock(nn.Module):
    """ConvNeXt block: 7x7 depthwise conv, channels-last LayerNorm, Linear(4x)-GELU-Linear,
    a learnable per-channel `layer_scale`, stochastic depth and the residual."""

    def __init__(self, dim, layer_scale, stochastic_depth_prob, norm_layer=None):
        super().__init__()
        norm_layer = norm_layer or partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]), norm_layer(dim),
            nn.Linear(dim, 4 * dim, bias=True), nn.GELU(),
            nn.Linear(4 * dim, dim, bias=True), Permute([0, 3, 1, 2]))
        self.layer_scale = nn.Parameter(ember.ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input):
        """input + drop(layer_scale * block(input))."""
        result = self.layer_scale * self.block(input)
        return self.stochastic_depth(result) + input


class CNBlockConfig:
    """One ConvNeXt stage: `num_layers` blocks at `input_channels`, then a downsampling layer
    to `out_channels` (None for the last stage)."""

    def __init__(self, input_channels, out_channels, num_layers):
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers

    def __repr__(self):
        return (f"CNBlockConfig(input_channels={self.input_channels}, "
                f"out_channels={self.out_channels}, num_layers={self.num_layers})")


class ConvNeXt(nn.Module):
    """torchvision.models.ConvNeXt: 4x4/4 patchify stem with LayerNorm2d, stages of CNBlocks
    separated by LayerNorm2d + 2x2/2 conv downsampling, average pooling and a
    LayerNorm2d-Flatten-Linear `classifier`."""

    def __init__(self, block_setting, stochastic_depth_prob=0.0, layer_scale=1e-6,
                 num_classes=1000, block=None, norm_layer=None, **kwargs):
        super().__init__()
        if not block_setting:
            raise ValueError("The block_setting should not be empty")
        if not all(isinstance(s, CNBlockConfig) for s in block_setting):
            raise TypeError("The block_setting should be List[CNBlockConfig]")
        block = block or CNBlock
        norm_layer = norm_layer or partial(LayerNorm2d, eps=1e-6)
        first = block_setting[0].input_channels
        layers = [Conv2dNormActivation(3, first, kernel_size=4, stride=4, padding=0,
                                       norm_layer=norm_layer, activation_layer=None,
                                       bias=True)]
        total = sum(c.num_layers for c in block_setting)
        block_id = 0
        for cnf in block_setting:
            stage = []
            for _ in range(cnf.num_layers):
                sd_prob = stochastic_depth_prob * block_id / (total - 1.0)
                stage.append(block(cnf.input_channels, layer_scale, sd_prob))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(nn.Sequential(
                    norm_layer(cnf.input_channels),
                    nn.Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        last = block_setting[-1]
        lastconv_out = last.out_channels if last.out_channels is not None \
            else last.input_channels
        self.classifier = nn.Sequential(norm_layer(lastconv_out), nn.Flatten(1),
                                        nn.Linear(lastconv_out, num_classes))
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        """Logits (N, num_classes) for images `x` (N, 3, H, W)."""
        return self.classifier(self.avgpool(self.features(x)))


def _convnext(setting, default_sd, kwargs):
    sd = kwargs.pop("stochastic_depth_prob", default_sd)
    return ConvNeXt([CNBlockConfig(*s) for s in setting], stochastic_depth_prob=sd, **kwargs)


@handle_weights
def convnext_tiny(**kwargs):
    """ConvNeXt-Tiny (torchvision.models.convnext_tiny): 28,589,128 parameters."""
    return _convnext([(96, 192, 3), (192, 384, 3), (384, 768, 9), (768, None, 3)], 0.1,
                     kwargs)


@handle_weights
def convnext_small(**kwargs):
    """ConvNeXt-Small (torchvision.models.convnext_small): 50,223,688 parameters."""
    return _convnext([(96, 192, 3), (192, 384, 3), (384, 768, 27), (768, None, 3)], 0.4,
                     kwargs)


@handle_weights
def convnext_base(**kwargs):
    """ConvNeXt-Base (torchvision.models.convnext_base): 88,591,464 parameters."""
    return _convnext([(128, 256, 3), (256, 512, 3), (512, 1024, 27), (1024, None, 3)], 0.5,
                     kwargs)


@handle_weights
def convnext_large(**kwargs):
    """ConvNeXt-Large (torchvision.models.convnext_large): 197,767,336 parameters."""
    return _convnext([(192, 384, 3), (384, 768, 3), (768, 1536, 27), (1536, None, 3)], 0.5,
                     kwargs)
