"""ember.autograd.graph: the autograd graph's node type and the hooks on saved tensors, as
torch.autograd.graph.

`saved_tensors_hooks(pack, unpack)` changes how the nodes recorded inside it keep the tensors
their backward needs: `pack(tensor)` runs when the node is recorded and its result is stored
instead of the tensor; `unpack(packed)` runs each time backward reads it and must return a
tensor with the original's values. As in torch, the in-place (version counter) check is not
made for tensors saved through hooks.
"""
import contextlib
from collections import namedtuple

from ember._ops import engine as _engine
from ember._ops.engine import GRAD, Node  # noqa: F401

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks",
           "increment_version", "GradientEdge", "get_gradient_edge"]


class saved_tensors_hooks:
    """Context manager installing a pack/unpack pair for the tensors saved for backward by
    the nodes recorded inside it (autograd.Function's `ctx.save_for_backward` included).

    `pack_hook(tensor)` may return any object; it must not modify the tensor in place.
    `unpack_hook(packed)` must return a tensor. Nested contexts: the innermost pair applies.

    Example::

        with saved_tensors_hooks(lambda t: t.numpy().copy(), lambda a: torch.from_numpy(a)):
            y = x.exp()
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if GRAD.hooks_off is not None:
            raise RuntimeError(GRAD.hooks_off)
        GRAD.saved_hooks.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        GRAD.saved_hooks.pop()
        return False


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are moved to CPU memory when saved (with `pin_memory`, into a fresh
    copy) and back to their device when backward needs them
    (torch.autograd.graph.save_on_cpu). As in torch, a CPU tensor saved without pin_memory
    is kept as is, so a later in-place change to it does reach backward."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(t):
            if pin_memory:
                return (t.device, t.detach().cpu().clone())
            return (t.device, t.cpu())

        def unpack(packed):
            device, cpu = packed
            return cpu.to(device)

        super().__init__(pack, unpack)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message):
    """Inside it, installing saved_tensors_hooks raises RuntimeError(`error_message`); entering
    it while hooks are installed raises the same error (as torch)."""
    prev = GRAD.hooks_off
    if GRAD.saved_hooks:
        raise RuntimeError(error_message)
    GRAD.hooks_off = error_message
    try:
        yield
    finally:
        GRAD.hooks_off = prev


def increment_version(tensor):
    """Bump the version counter of `tensor` (or of each tensor in an iterable), as an in-place
    change made outside autograd's knowledge would; backward then rejects saved copies."""
    tensors = (tensor,) if isinstance(tensor, _engine.Tensor) else tensor
    for t in tensors:
        if t._vc is None:
            t._vc = [0]
        t._vc[0] += 1


GradientEdge = namedtuple("GradientEdge", ("node", "output_nr"))
GradientEdge.__doc__ = "A graph edge: the node a gradient flows into and its output number."


def get_gradient_edge(tensor):
    """The GradientEdge (node, output_nr) through which `tensor`'s gradient flows: its grad_fn
    or, for a leaf that requires grad, its AccumulateGrad node."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that "
                           "does not require gradients")
    return GradientEdge(*_engine._edge(tensor))
