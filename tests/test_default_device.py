"""get_default_device / set_default_device as torch's (CPU only in ember)."""
import pytest
import torch

import ember


def test_default_device_is_cpu_like_torch():
    assert repr(ember.get_default_device()) == repr(torch.get_default_device())
    ember.set_default_device("cpu")
    ember.set_default_device(None)
    assert ember.get_default_device() == ember.device("cpu")


def test_set_default_device_cuda_raises():
    with pytest.raises(RuntimeError):
        ember.set_default_device("cuda")
