"""Padding layers (torch.nn.ZeroPad*, ConstantPad*, ReflectionPad*, ReplicationPad*,
CircularPad*) and the patch layers Fold / Unfold."""
from ember.nn import functional as F
from ember.nn.modules.module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d", "Fold", "Unfold"]


def _padding(padding, nd):
    if isinstance(padding, int):
        return (padding,) * (2 * nd)
    padding = tuple(padding)
    if len(padding) != 2 * nd:
        raise ValueError(f"Padding length must be {2 * nd}, but got {len(padding)}")
    return padding


class _ConstantPadNd(Module):
    _nd = 1

    def __init__(self, padding, value):
        super().__init__()
        self.value = value
        self.padding = _padding(padding, self._nd)

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant: padding is an int or (left, right)."""
    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with a constant: (left, right, top, bottom)."""
    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with a constant: (left, right, top, bottom, front, back)."""
    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros."""
    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros."""
    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros."""
    _nd = 3


class _ModePadNd(Module):
    _nd = 1
    _mode = None

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self._nd)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Pad the last dim with its reflection (the edge not repeated)."""
    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_ModePadNd):
    """Pad the last two dims with their reflection."""
    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_ModePadNd):
    """Pad the last three dims with their reflection."""
    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_ModePadNd):
    """Pad the last dim by repeating its edge values."""
    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_ModePadNd):
    """Pad the last two dims by repeating their edge values."""
    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_ModePadNd):
    """Pad the last three dims by repeating their edge values."""
    _nd, _mode = 3, "replicate"


class CircularPad1d(_ModePadNd):
    """Pad the last dim by wrapping around."""
    _nd, _mode = 1, "circular"


class CircularPad2d(_ModePadNd):
    """Pad the last two dims by wrapping around."""
    _nd, _mode = 2, "circular"


class CircularPad3d(_ModePadNd):
    """Pad the last three dims by wrapping around."""
    _nd, _mode = 3, "circular"


class Fold(Module):
    """Sum sliding blocks (N, C * prod(kernel_size), L) into an image (see F.fold)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """Extract sliding blocks of an image as columns (see F.unfold)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
