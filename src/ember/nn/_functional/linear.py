"""Linear maps (torch.nn.functional.linear, bilinear)."""
import ember
from ember._ops.nn_norm import linear as _linear_2d
from ember._ops import autocast as _ac

__all__ = ["linear", "bilinear"]


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias over the last dim of input. A 2-D input with a bias is one
    addmm (AddmmBackward0), other contiguous ranks are flattened around it as torch does; a
    non-contiguous input, or no bias, takes a matmul (plus the bias)."""
    if _ac.on and _ac.active():
        return _ac.lower(linear, input, weight, bias)
    if bias is None:
        return ember.matmul(input, weight.t())
    if input.dim() == 2:
        return _linear_2d(input, weight, bias)
    if not input.is_contiguous():  # torch flattens only contiguous inputs: matmul, then add
        return ember.matmul(input, weight.t()) + bias
    lead = tuple(input.shape[:-1])
    flat = input.reshape(-1, input.shape[-1]) if input.dim() else input.reshape(1, -1)
    return ember.addmm(bias, flat, weight.t()).view(lead + (weight.shape[0],))


def bilinear(input1, input2, weight, bias=None):
    """y = x1^T A x2 + b for each output feature (weight of shape (out, in1, in2))."""
    return ember.bilinear(input1, input2, weight, bias)
