"""Vision functions (torch.nn.functional): grid_sample, affine_grid, pixel_shuffle,
pixel_unshuffle, channel_shuffle and native_channel_shuffle. The kernels are ops-layer nodes
in ember._ops.sampling."""
import warnings

from ember._ops.sampling import (_MODES, _PADS, affine_grid_generator, channel_shuffle,
                                 grid_sampler, native_channel_shuffle, pixel_shuffle,
                                 pixel_unshuffle)
from ember._ops import autocast as _ac

__all__ = ["grid_sample", "affine_grid", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
           "native_channel_shuffle"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample `input` (N, C, H, W) or (N, C, D, H, W) at the normalised positions of `grid`
    (N, Ho, Wo, 2) or (N, Do, Ho, Wo, 3), as torch.nn.functional.grid_sample.

    grid[..., 0] is x (the width position), grid[..., 1] y and grid[..., 2] z, in [-1, 1]:
    with align_corners=True -1 and 1 are the centres of the corner pixels, otherwise the
    outer edges of the corner pixels. mode: 'bilinear' (trilinear for 5-d), 'nearest' or
    'bicubic' (4-d only); padding_mode chooses what positions outside the input read:
    'zeros', 'border' (the nearest edge) or 'reflection'. Differentiable w.r.t. both input
    and grid."""
    if _ac.on and _ac.active():
        return _ac.fp32(grid_sample, input, grid, mode, padding_mode, align_corners)
    if mode not in _MODES:
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in _PADS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if mode == "bicubic" and input.dim() != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    return grid_sampler(input, grid, _MODES[mode], _PADS[padding_mode], align_corners)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of an affine transform, as torch.nn.functional.affine_grid:
    theta (N, 2, 3) and size (N, C, H, W) give a grid (N, H, W, 2); theta (N, 3, 4) and size
    (N, C, D, H, W) a grid (N, D, H, W, 3). Point (x, y[, z]) of the output is theta applied
    to the normalised output coordinates (x, y[, z], 1); feed it to grid_sample to warp an
    image. align_corners as in grid_sample."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    given, size = size, tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError("Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{given}. Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError("Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{given}. Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {given}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an issue for standard "
                      "resize operations with align_corners=False, but may affect users of "
                      "affine_grid for generic purposes. Please see the documentation for "
                      "details.", stacklevel=2)
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {given}")
    if theta.shape[0] != size[0]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, {len(spatial) + 1}] but got: "
                           f"[{theta.shape[0]}, {len(spatial) + 1}].")
    return affine_grid_generator(theta, size, align_corners)
