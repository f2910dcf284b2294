"""Converting convolution weights to a memory format, as torch.nn.utils.memory_format.

ember tensors are always laid out contiguously (there is no channels_last stride order), so
the weights keep their values and their layout; the functions exist so that code calling
them runs unchanged."""
__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module, memory_format, classes):
    from ember.nn import modules as M
    kinds = tuple(getattr(M, name) for name in classes)
    if isinstance(module, kinds):
        weight = module.weight.detach().clone(memory_format=memory_format)
        module.weight.data = weight
    for child in module.children():
        _convert(child, memory_format, classes)
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Give the weight of every Conv2d / ConvTranspose2d in `module` (recursively) the memory
    format `memory_format` (e.g. ember.channels_last), as torch does before running a model in
    channels-last layout. Values are unchanged; returns the module."""
    return _convert(module, memory_format, ("Conv2d", "ConvTranspose2d"))


def convert_conv3d_weight_memory_format(module, memory_format):
    """convert_conv2d_weight_memory_format for Conv3d / ConvTranspose3d weights (e.g.
    ember.channels_last_3d). Values are unchanged; returns the module."""
    return _convert(module, memory_format, ("Conv3d", "ConvTranspose3d"))
