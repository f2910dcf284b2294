"""The hook-based weight normalization, as torch.nn.utils.weight_norm (the older API; see
also parametrizations.weight_norm).

`weight_norm(module)` replaces the parameter `weight` by a magnitude `weight_g`
(norm_except_dim(weight, 2, dim)) and a direction `weight_v` (the weight itself), and
recomputes the plain attribute `weight = weight_v * (weight_g / ||weight_v||)` in a forward
pre-hook before every call (https://arxiv.org/abs/1602.07868).
"""
import warnings

import ember
from ember.nn.parameter import Parameter, UninitializedParameter

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]


class WeightNorm:
    """The forward pre-hook that recomputes `module.<name>` from `<name>_g` and `<name>_v`."""

    def __init__(self, name, dim):
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module):
        """torch._weight_norm(<name>_v, <name>_g, dim) of the module's current parameters."""
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return ember._weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module, name, dim):
        """Split `module.<name>` into `<name>_g` and `<name>_v` and register the hook."""
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError("Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized "
                             "parameters. Make sure to run the dummy forward before applying "
                             "weight normalization")
        del module._parameters[name]
        module.register_parameter(name + "_g",
                                  Parameter(ember.norm_except_dim(weight, 2, fn.dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        """Put back `module.<name>` as one Parameter holding the current weight."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Apply weight normalization to `module.<name>`: it becomes g * v / ||v||, with the
    magnitude `<name>_g` and direction `<name>_v` as the trained parameters. The norm is
    taken over every dim but `dim` (default 0: one norm per output channel); dim=None
    normalizes the whole tensor. Deprecated in torch (FutureWarning) in favour of
    nn.utils.parametrizations.weight_norm. Returns the module.

    >>> m = weight_norm(nn.Linear(20, 40))
    >>> m.weight_g.size(), m.weight_v.size()
    (ember.Size([40, 1]), ember.Size([40, 20]))
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Remove the weight normalization of `module.<name>` (back to one plain Parameter with
    the current weight's value). Returns the module."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
