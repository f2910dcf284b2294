"""ember.nn.utils: gradient clipping, parameter/vector conversion, parametrizations, spectral
norm, BatchNorm fusion, packed sequences and stateless calls, as torch.nn.utils."""
from ember.nn.utils import (clip_grad, convert_parameters, fusion, init,  # noqa: F401
                            parametrize, rnn, stateless)
from ember.nn.utils import parametrizations  # noqa: F401,E402  (uses parametrize)
from ember.nn.utils.clip_grad import (clip_grad_norm, clip_grad_norm_,  # noqa: F401
                                      clip_grad_value_, clip_grads_with_norm_,
                                      get_total_norm)
from ember.nn.utils.convert_parameters import (parameters_to_vector,  # noqa: F401
                                               vector_to_parameters)
from ember.nn.utils.fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights,  # noqa: F401
                                   fuse_linear_bn_eval, fuse_linear_bn_weights)
from ember.nn.utils.init import skip_init  # noqa: F401
from ember.nn.utils.memory_format import (convert_conv2d_weight_memory_format,  # noqa: F401
                                          convert_conv3d_weight_memory_format)
from ember.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from ember.nn.utils.weight_norm import remove_weight_norm, weight_norm  # noqa: F401

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "get_total_norm", "parameters_to_vector",
           "remove_spectral_norm", "remove_weight_norm", "skip_init", "spectral_norm",
           "vector_to_parameters", "weight_norm"]
