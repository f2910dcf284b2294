"""Normalisation layers' functional forms (torch.nn.functional.layer_norm, rms_norm,
group_norm, batch_norm, instance_norm, local_response_norm, normalize)."""
import ember
from ember._ops import autocast as _ac

__all__ = ["layer_norm", "rms_norm", "group_norm", "batch_norm", "instance_norm",
           "local_response_norm", "normalize"]


def _prod(sizes):
    n = 1
    for s in sizes:
        n *= s
    return n


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing `normalized_shape` dims, then the elementwise affine."""
    return ember.layer_norm(input, normalized_shape, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Divide by the root mean square over the trailing dims, then scale by `weight`."""
    return ember.rms_norm(input, normalized_shape, weight, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise channels in `num_groups` groups per sample, then the per-channel affine."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    size = [input.size(0) * input.size(1) // num_groups, num_groups] + list(input.shape[2:])
    _verify_batch_size(size)
    return ember.group_norm(input, num_groups, weight, bias, eps)


def _verify_batch_size(size):
    if size[0] * _prod(size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {ember.Size(size)}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over the channel dim 1: batch statistics in training (updating
    the running stats in place with `momentum`), the running stats otherwise."""
    if training:
        _verify_batch_size(list(input.shape))
    return ember.batch_norm(input, weight, bias, running_mean, running_var, training,
                            momentum, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample over its spatial dims."""
    if use_input_stats and _prod(input.shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input "
                         f"size {input.shape}")
    return ember.instance_norm(input, weight, bias, running_mean, running_var,
                               use_input_stats, momentum, eps)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Divide each element by (k + alpha * mean of squares over `size` neighbouring
    channels) ** beta (the window zero-padded at the channel ends)."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    c = input.size(1)
    sq = input.mul(input)
    if _ac.on and _ac.active() and dim > 3:
        sq = _ac.to_fp32(sq)  # torch pools 4-d+ windows with avg_pool3d, a float32-list op
    shape = list(sq.shape)
    before, after = size // 2, (size - 1) // 2
    pad = [ember.zeros(shape[:1] + [n] + shape[2:], dtype=input.dtype) for n in (before, after)]
    padded = ember.cat([pad[0], sq, pad[1]], dim=1)
    win = padded.narrow(1, 0, c)
    for i in range(1, size):
        win = win + padded.narrow(1, i, c)
    div = (win / size).mul(alpha).add(k).pow(beta)
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input divided by its p-norm along `dim` (clamped below at eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return ember.div(input, denom, out=out)
