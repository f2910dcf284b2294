"""torchvision.utils on ember: image grids and saving tensors as image files."""
import math
import pathlib

import ember
from ember.vision._pil import pil_image

__all__ = ["make_grid", "save_image"]


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0, **kwargs):
    """Tile a batch of images (``B x C x H x W`` tensor or list of ``C x H x W``) into one
    ``C x H' x W'`` image, ``nrow`` images per row, ``padding`` pixels of ``pad_value`` around
    each (``torchvision.utils.make_grid``).

    One-channel images become three-channel; the grid is
    ``(H + padding) * rows + padding`` by ``(W + padding) * min(nrow, B) + padding``.
    With ``normalize`` the values are shifted to ``[0, 1]`` using ``value_range`` (default:
    the min and max of the batch, or of each image with ``scale_each``). A batch of one is
    returned as that image.
    """
    if not isinstance(tensor, ember.Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, ember.Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing "
                                    f"{type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = ember.stack(tensor, dim=0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = ember.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = ember.cat((tensor, tensor, tensor), 1)
    if normalize is True:
        tensor = tensor.clone()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max "
                            "are numbers")

        def norm_ip(img, low, high):
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        def norm_range(t):
            if value_range is not None:
                norm_ip(t, value_range[0], value_range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in tensor:
                norm_range(t)
        else:
            norm_range(tensor)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    num_channels = tensor.size(1)
    grid = tensor.new_full((num_channels, height * ymaps + padding, width * xmaps + padding),
                           pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            top, left = y * height + padding, x * width + padding
            grid[:, top:top + height - padding, left:left + width - padding] = tensor[k]
            k += 1
    return grid


def save_image(tensor, fp, format=None, **kwargs):
    """Save a tensor (or batch, tiled by :func:`make_grid` with ``kwargs``) as an image file
    through Pillow: values in ``[0, 1]`` become ``uint8`` by ``x * 255 + 0.5`` clamped to
    ``[0, 255]`` (``torchvision.utils.save_image``)."""
    image = pil_image()
    grid = make_grid(tensor, **kwargs)
    ndarr = (grid.detach().mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0)
             .to(ember.uint8).numpy())
    if ndarr.shape[2] == 1:
        ndarr = ndarr[:, :, 0]
    if isinstance(fp, pathlib.PurePath):
        fp = str(fp)
    image.fromarray(ndarr).save(fp, format=format)
