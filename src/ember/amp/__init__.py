"""ember.amp (torch.amp): automatic mixed precision.

`autocast` runs the ops of a region in a lower-precision dtype where torch's op lists say so
(bfloat16 on the CPU for matrix products and convolutions, float32 for losses), and
`GradScaler` scales losses so reduced-precision gradients do not underflow.
"""
from ember.amp.autocast_mode import (autocast, custom_bwd, custom_fwd,  # noqa: F401
                                     is_autocast_available)
from ember.amp.grad_scaler import GradScaler  # noqa: F401

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]
