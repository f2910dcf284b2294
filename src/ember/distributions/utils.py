"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits."""
import numbers

import ember
import ember.nn.functional as F

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits"]


def broadcast_all(*values):
    """Broadcast tensors and Python numbers to one shape; numbers become tensors of the first
    tensor's dtype (or the default dtype), as torch.distributions.utils.broadcast_all."""
    if not all(isinstance(v, (ember.Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    like = next((v for v in values if isinstance(v, ember.Tensor)), None)
    dtype = like.dtype if like is not None else ember.get_default_dtype()
    tensors = [v if isinstance(v, ember.Tensor) else ember.tensor(v, dtype=dtype)
               for v in values]
    return ember.broadcast_tensors(*tensors)


def clamp_probs(probs):
    """Probabilities clamped into [eps, 1 - eps] of their dtype."""
    eps = ember.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    """Sigmoid of binary logits, else softmax over the last dimension."""
    return ember.sigmoid(logits) if is_binary else F.softmax(logits, dim=-1)


def probs_to_logits(probs, is_binary=False):
    """Log-odds of binary probabilities, else log-probabilities (clamped away from 0 and 1)."""
    clamped = clamp_probs(probs)
    if is_binary:
        return ember.log(clamped) - ember.log1p(-clamped)
    return ember.log(clamped)


class lazy_property:
    """A property computed on first access and then stored in the instance's __dict__ (so
    `probs` and `logits` appear in a distribution's repr once computed)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with ember.enable_grad():
            value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value
