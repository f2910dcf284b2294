"""Vision Transformer (Dosovitskiy et al., 2020) with torchvision's module names and init."""
import functools
import math
from collections import OrderedDict

import ember
import ember.nn as nn

from ._api import handle_weights

__all__ = ["VisionTransformer", "Encoder", "EncoderBlock", "MLPBlock", "vit_tiny", "vit_b_16",
           "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14"]


class MLPBlock(nn.Sequential):
    """Transformer MLP: Linear, GELU, Dropout, Linear, Dropout (keys `0` and `3` hold the
    weights), with xavier-uniform weights and near-zero normal biases as torchvision's."""

    def __init__(self, in_dim, mlp_dim, dropout):
        super().__init__(nn.Linear(in_dim, mlp_dim), nn.GELU(), nn.Dropout(dropout),
                         nn.Linear(mlp_dim, in_dim), nn.Dropout(dropout))
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.normal_(m.bias, std=1e-6)


class EncoderBlock(nn.Module):
    """Pre-norm transformer layer: x + attention(ln_1(x)), then + mlp(ln_2(.))."""

    def __init__(self, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                 norm_layer=functools.partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads,
                                                    dropout=attention_dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input):
        if input.dim() != 3:
            raise ValueError(f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + input
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    """Learned position embedding, dropout, `num_layers` EncoderBlocks and a final norm."""

    def __init__(self, seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout,
                 attention_dropout, norm_layer=functools.partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.pos_embedding = nn.Parameter(
            ember.empty(1, seq_length, hidden_dim).normal_(std=0.02))
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.Sequential(OrderedDict(
            (f"encoder_layer_{i}", EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout,
                                                attention_dropout, norm_layer))
            for i in range(num_layers)))
        self.ln = norm_layer(hidden_dim)

    def forward(self, input):
        if input.dim() != 3:
            raise ValueError(f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")
        return self.ln(self.layers(self.dropout(input + self.pos_embedding)))


class VisionTransformer(nn.Module):
    """torchvision.models.VisionTransformer: a strided `conv_proj` cuts the image into
    patch embeddings, a `class_token` is prepended, the `encoder` runs, and `heads` classify
    the class token's output."""

    def __init__(self, image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim,
                 dropout=0.0, attention_dropout=0.0, num_classes=1000, representation_size=None,
                 norm_layer=functools.partial(nn.LayerNorm, eps=1e-6), conv_stem_configs=None):
        super().__init__()
        if image_size % patch_size != 0:
            raise ValueError(f"Input shape indivisible by patch size! "
                             f"({image_size} % {patch_size})")
        if conv_stem_configs is not None:
            raise NotImplementedError("conv_stem_configs is not supported by ember yet")
        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.mlp_dim = mlp_dim
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.num_classes = num_classes
        self.representation_size = representation_size
        self.norm_layer = norm_layer

        self.conv_proj = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2 + 1
        self.class_token = nn.Parameter(ember.zeros(1, 1, hidden_dim))
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout,
                               attention_dropout, norm_layer)
        self.seq_length = seq_length

        heads = OrderedDict()
        if representation_size is None:
            heads["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            heads["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads["act"] = nn.Tanh()
            heads["head"] = nn.Linear(representation_size, num_classes)
        self.heads = nn.Sequential(heads)

        fan_in = self.conv_proj.in_channels * patch_size * patch_size
        nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
        nn.init.zeros_(self.conv_proj.bias)
        if representation_size is not None:
            pre = self.heads.pre_logits
            nn.init.trunc_normal_(pre.weight, std=math.sqrt(1 / pre.in_features))
            nn.init.zeros_(pre.bias)
        nn.init.zeros_(self.heads.head.weight)
        nn.init.zeros_(self.heads.head.bias)

    def _process_input(self, x):
        n, _, h, w = x.shape
        p = self.patch_size
        if h != self.image_size or w != self.image_size:
            raise ValueError(f"Wrong image size! Expected {self.image_size} but got {h}x{w}")
        x = self.conv_proj(x)                           # n, hidden, h/p, w/p
        x = x.reshape(n, self.hidden_dim, (h // p) * (w // p))
        return x.permute(0, 2, 1)                       # n, patches, hidden

    def forward(self, x):
        x = self._process_input(x)
        cls = self.class_token.expand(x.shape[0], -1, -1)
        x = self.encoder(ember.cat([cls, x], dim=1))
        return self.heads(x[:, 0])


def _vit(patch_size, num_layers, num_heads, hidden_dim, mlp_dim, kwargs, image_size=224):
    kwargs.setdefault("image_size", image_size)
    return VisionTransformer(patch_size=patch_size, num_layers=num_layers, num_heads=num_heads,
                             hidden_dim=hidden_dim, mlp_dim=mlp_dim, **kwargs)


@handle_weights
def vit_tiny(**kwargs):
    """A small ViT for 32x32 images (an ember addition, torchvision's names): 4x4 patches,
    6 layers, 3 heads, width 192, MLP 768, 10 classes by default."""
    kwargs.setdefault("num_classes", 10)
    return _vit(4, 6, 3, 192, 768, kwargs, image_size=32)


@handle_weights
def vit_b_16(**kwargs):
    """ViT-B/16 (torchvision.models.vit_b_16): 86,567,656 parameters at 224x224, 1000 classes."""
    return _vit(16, 12, 12, 768, 3072, kwargs)


@handle_weights
def vit_b_32(**kwargs):
    """ViT-B/32 (torchvision.models.vit_b_32)."""
    return _vit(32, 12, 12, 768, 3072, kwargs)


@handle_weights
def vit_l_16(**kwargs):
    """ViT-L/16 (torchvision.models.vit_l_16)."""
    return _vit(16, 24, 16, 1024, 4096, kwargs)


@handle_weights
def vit_l_32(**kwargs):
    """ViT-L/32 (torchvision.models.vit_l_32)."""
    return _vit(32, 24, 16, 1024, 4096, kwargs)


@handle_weights
def vit_h_14(**kwargs):
    """ViT-H/14 (torchvision.models.vit_h_14)."""
    return _vit(14, 32, 16, 1280, 5120, kwargs)
