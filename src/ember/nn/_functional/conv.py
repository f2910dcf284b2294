"""Convolutions and patch extraction (torch.nn.functional.conv*d, conv_transpose*d, unfold,
fold). The kernels are ops-layer nodes (ember._ops.conv): one ConvolutionBackward0 for every
convolution, Im2ColBackward0 / Col2ImBackward0 for unfold / fold."""
import math

from ember._ops.conv import (col2im, conv1d, conv2d, conv3d, conv_transpose1d,
                             conv_transpose2d, conv_transpose3d, im2col, out_size)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold"]


def _pair(v):
    return (int(v),) * 2 if isinstance(v, int) else tuple(int(i) for i in v)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks (im2col): (N, C, H, W) -> (N, C * kH * kW, L), one column
    per block position; a 3-D input is treated as one unbatched image."""
    if input.dim() not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported "
                                  f"(got {input.dim()}D)")
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    o = tuple(out_size(x.shape[2 + i], k[i], s[i], p[i], p[i], d[i]) for i in range(2))
    if any(i <= 0 for i in o):
        raise RuntimeError(f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), "
                           f"kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), "
                           f"padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({o[0]}, {o[1]}), but its components must be "
                           "at least one.")
    return im2col(input, k, s, ((p[0], p[0]), (p[1], p[1])), d, o)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding local blocks into an image (col2im), summing overlaps:
    (N, C * kH * kW, L) -> (N, C, *output_size); the inverse layout of F.unfold."""
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input "
                                  f"Tensors are supported (got {input.dim()}D)")
    size, k = _pair(output_size), _pair(kernel_size)
    d, p, s = _pair(dilation), _pair(padding), _pair(stride)
    unbatched = input.dim() == 2
    x = input.unsqueeze(0) if unbatched else input
    kk = math.prod(k)
    if x.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size=({k[0]}, {k[1]})")
    o = tuple(out_size(size[i], k[i], s[i], p[i], p[i], d[i]) for i in range(2))
    if o[0] * o[1] != x.shape[2]:
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, "
                           f"{k[1]}), dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), "
                           f"stride=({s[0]}, {s[1]}), expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {o[0]} * {o[1]} = "
                           f"{o[0] * o[1]}, but got input.size(2)={x.shape[2]}.")
    return col2im(input, size, k, s, ((p[0], p[0]), (p[1], p[1])), d, o)
