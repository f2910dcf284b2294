"""ember.fft: torch.fft's discrete Fourier transforms, frequency helpers and shifts.

The transforms are three autograd nodes (FftR2CBackward0, FftC2CBackward0, FftC2RBackward0)
defined in ember._ops.spectral, with torch's dtype rules: real float32 input gives complex64,
integers are promoted to the default float, float16/bfloat16 are refused.
"""
from ember._ops.spectral import (fft, fft2, fftfreq, fftn, fftshift, hfft, hfft2,  # noqa: F401
                                 hfftn, ifft, ifft2, ifftn, ifftshift, ihfft, ihfft2, ihfftn,
                                 irfft, irfft2, irfftn, rfft, rfft2, rfftfreq, rfftn)

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
           "rfftn", "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq",
           "rfftfreq", "fftshift", "ifftshift"]
