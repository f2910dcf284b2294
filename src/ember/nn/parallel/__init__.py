"""ember.nn.parallel: DataParallel. ember runs on one CPU device, so, as torch's
DataParallel does when no accelerator is available, the wrapper calls its module directly
(state_dict keys still carry the `module.` prefix)."""
import contextlib

from ember.nn.modules.module import Module

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]


class DataParallel(Module):
    """Wrap `module` for data-parallel training across devices, as torch.nn.DataParallel.
    With no accelerator (always, in ember) `device_ids` is empty and forward runs the wrapped
    module on its inputs unchanged."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []
        self.dim = dim
        self.output_device = None

    def forward(self, *inputs, **kwargs):
        """The wrapped module's output for these inputs."""
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """Evaluate `module(*inputs)` in parallel over devices (on ember: directly)."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))


class DistributedDataParallel(Module):
    """Wrap `module` for multi-process data-parallel training, as
    torch.nn.parallel.DistributedDataParallel. ember's process groups hold one process, so
    there is nothing to synchronise: forward runs the wrapped module, and gradients are the
    module's own. Needs an initialised default group (ember.distributed.init_process_group)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, **kwargs):
        from ember import distributed
        if not distributed.is_initialized():
            raise ValueError(distributed._NOT_INIT)
        super().__init__()
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters

    def forward(self, *inputs, **kwargs):
        """The wrapped module's output."""
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Skip gradient synchronisation inside the block (there is none to skip)."""
        yield
