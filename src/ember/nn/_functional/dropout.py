"""Dropout in its forms (torch.nn.functional.dropout, dropout1d/2d/3d, alpha_dropout,
feature_alpha_dropout). Every form is the identity when not `training` or when p == 0."""
import warnings

import ember

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the others by 1 / (1 - p)."""
    _check_p(p)
    return (ember.dropout_ if inplace else ember.dropout)(input, p, training)


def _channel_dropout(input, p, training, inplace, unbatched):
    """feature_dropout of the channels (dim 1), an `unbatched` input's being dim 0."""
    fn = ember.feature_dropout_ if inplace else ember.feature_dropout
    if unbatched:
        out = fn(input.unsqueeze(0), p, training)
        return input if inplace else out.squeeze(0)
    return fn(input, p, training)


def _deprecated_rank(nd, spatial):
    """torch's warning for a `nd`-D input to dropout2d / dropout3d (`spatial` 2 or 3), a
    rank it will stop accepting."""
    name = f"dropout{spatial}d"
    warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated "
                  "and will result in an error in a future release. To retain the behavior "
                  f"and silence this warning, please use dropout instead. Note that {name} "
                  f"exists to provide channel-wise dropout on inputs with {spatial} spatial "
                  "dimensions, a channel dimension, and an optional batch dimension (i.e. "
                  f"{spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)


def _feature(input, p, training, inplace, batched_dim, name):
    _check_p(p)
    nd = input.dim()
    if nd not in (batched_dim - 1, batched_dim):
        raise RuntimeError(f"{name}: Expected {batched_dim - 1}D or {batched_dim}D input, but "
                           f"received a {nd}D input. Note that {name} exists to provide "
                           f"channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           f"dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _channel_dropout(input, p, training, inplace, nd == batched_dim - 1)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of a (N, C, L) or (C, L) input with probability p."""
    return _feature(input, p, training, inplace, 3, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of a (N, C, H, W) or (C, H, W) input with probability p."""
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        _deprecated_rank(nd, 2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    return _channel_dropout(input, p, training, inplace, False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of a (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    _check_p(p)
    nd = input.dim()
    if nd not in (4, 5):
        _deprecated_rank(nd, 3)
    return _channel_dropout(input, p, training, inplace, nd == 4)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout (for SELU networks): keeps the input's mean and variance."""
    _check_p(p)
    return (ember.alpha_dropout_ if inplace else ember.alpha_dropout)(input, p, training)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels."""
    _check_p(p)
    fn = ember.feature_alpha_dropout_ if inplace else ember.feature_alpha_dropout
    return fn(input, p, training)
