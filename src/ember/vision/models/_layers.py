"""Small building blocks of torchvision.ops used by several architectures: squeeze-and-excitation,
stochastic depth and a dimension-permuting module."""
import ember
import ember.nn as nn

__all__ = ["SqueezeExcitation", "StochasticDepth", "stochastic_depth", "Permute"]


class SqueezeExcitation(nn.Module):
    """torchvision.ops.SqueezeExcitation: global average pool, 1x1 conv `fc1` to
    `squeeze_channels`, `activation`, 1x1 conv `fc2` back, `scale_activation`, and the input
    scaled channel-wise by the result."""

    def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU,
                 scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, x):
        s = self.activation(self.fc1(self.avgpool(x)))
        return self.scale_activation(self.fc2(s))

    def forward(self, x):
        """Scale `x` (N, C, H, W) by its per-channel excitation."""
        return self._scale(x) * x


def stochastic_depth(input, p, mode, training=True):
    """torchvision.ops.stochastic_depth: in training, zero whole samples (mode='row') or the
    whole batch (mode='batch') with probability `p` and scale survivors by 1/(1-p); identity
    in evaluation or when p is 0."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ("batch", "row"):
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival_rate = 1.0 - p
    if mode == "row":
        size = [input.shape[0]] + [1] * (input.ndim - 1)
    else:
        size = [1] * input.ndim
    noise = ember.empty(size, dtype=input.dtype).bernoulli_(survival_rate)
    if survival_rate > 0.0:
        noise = noise / survival_rate
    return input * noise


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth: the module form of :func:`stochastic_depth`."""

    def __init__(self, p, mode):
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input):
        """Drop residual branches per sample (or per batch) while training."""
        return stochastic_depth(input, self.p, self.mode, self.training)

    def extra_repr(self):
        return f"p={self.p}, mode={self.mode}"


class Permute(nn.Module):
    """torchvision.ops.misc.Permute: `x.permute(*dims)` as a module."""

    def __init__(self, dims):
        super().__init__()
        self.dims = list(dims)

    def forward(self, x):
        """Return `x` with its dimensions reordered to `dims`."""
        return ember.permute(x, self.dims)


