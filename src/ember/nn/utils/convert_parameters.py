"""Flatten parameters into one vector and back, as torch.nn.utils.convert_parameters."""
import ember
from ember._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _typename(obj):
    from ember.nn.modules.module import _typename
    return _typename(obj)


def parameters_to_vector(parameters):
    """One 1-D tensor holding every parameter flattened, in order (differentiable)."""
    return ember.cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D tensor `vec` into `parameters` (their `.data`
    is replaced by views of `vec`)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected ember.Tensor, but got: {_typename(vec)}")
    offset = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[offset:offset + n].view_as(p).data
        offset += n
