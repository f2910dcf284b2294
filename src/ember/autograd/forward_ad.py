"""Forward-mode automatic differentiation, as torch.autograd.forward_ad.

Inside ``with dual_level():`` a tensor made by `make_dual(primal, tangent)` carries a tangent,
and every op computed from it carries the Jacobian-vector product of that op (its tangent)
along. `unpack_dual(t)` reads both back. Tangents live only as long as their level: leaving
``dual_level`` forgets them. As in torch, only one level may be active at a time, and grad
mode (`no_grad`) does not switch forward AD off.

ember derives every op's tangent from the op's reverse-mode node (see `_ops/engine.py`), so
all differentiable ops support forward AD; custom `autograd.Function`s need a `jvp`.

Example::

    with forward_ad.dual_level():
        x = forward_ad.make_dual(primal, tangent)
        y = x.sin()
        jvp = forward_ad.unpack_dual(y).tangent   # tangent * primal.cos()
"""
from collections import namedtuple

from ember._ops import engine as _engine
from ember._ops.engine import GRAD

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual",
           "unpack_dual", "dual_level"]


class _Level:
    """One dual level (the identity tangents are keyed on)."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __bool__(self):
        return True


_current_level = -1


def enter_dual_level():
    """Open a new forward-AD level and return its index (torch allows one at a time)."""
    global _current_level
    if GRAD.fw is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    GRAD.fw = _Level(0)
    _current_level = 0
    return 0


def exit_dual_level(*, level=None):
    """Close forward-AD level `level` (the active one by default); its tangents are dropped."""
    global _current_level
    if level is None:
        level = _current_level
    if level != _current_level or GRAD.fw is None:
        if level < 0:
            raise RuntimeError("Dual level must be a positive number.")
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    GRAD.fw = None
    _current_level = -1


def _check_level(level, what):
    if level is None:
        level = _current_level
    if level < 0 or GRAD.fw is None:
        raise RuntimeError(f"Trying to {what} for forward AD but no level exists, make sure "
                           "to enter_dual_level() first.")
    if level != _current_level:
        raise RuntimeError(f"Invalid level {level}: forward AD level {_current_level} is the "
                           "only one active.")
    return GRAD.fw


def _alias(t):
    """A view of `t` sharing its data and history (recorded with forward AD off)."""
    level, GRAD.fw = GRAD.fw, None
    try:
        return t.view_as(t)
    finally:
        GRAD.fw = level


def make_dual(tensor, tangent, *, level=None):
    """Return a view of `tensor` whose tangent at `level` (the active one by default) is
    `tangent`, as torch.autograd.forward_ad.make_dual. The primal must be floating point or
    complex and the tangent of the same size."""
    lvl = _check_level(level, "create a dual Tensor")
    Tensor = _engine.Tensor
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError("make_dual(): expected tensor and tangent to be Tensors")
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError("Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not (tangent.is_floating_point() or tangent.is_complex()):
        raise ValueError("Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            "original Tensor, this is not supported. Tensor is of size "
            f"{list(tensor.shape)} while the given forward gradient is of size "
            f"{list(tangent.shape)}.")
    out = _alias(tensor)
    _engine.set_tangent(out, tangent, lvl)
    return out


class UnpackedDualTensor(namedtuple("UnpackedDualTensor", ["primal", "tangent"])):
    """The (primal, tangent) pair `unpack_dual` returns; tangent is None for a plain
    tensor."""

    __slots__ = ()


def unpack_dual(tensor, *, level=None):
    """Split `tensor` into its primal (a view without the tangent) and its tangent at `level`
    (None when it has none), as torch.autograd.forward_ad.unpack_dual. Outside any level
    the tensor itself comes back, with tangent None."""
    if level is None:
        level = _current_level
    if level < 0 or GRAD.fw is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_alias(tensor), _engine.tangent_of(tensor))


class dual_level:
    """Context manager for one forward-AD level: ``with dual_level():`` enters it (returning
    the level index) and exits it, dropping every tangent made inside."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, exc_type, exc_value, traceback):
        exit_dual_level()
        return False


def _is_fwd_grad_enabled():
    return True
