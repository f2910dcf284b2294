"""Helpers shared by the vision model tests (test_models.py, test_more_models.py): parameter
counts, state_dict shapes, moving a torch mirror's weights into an ember model and comparing
the two models' outputs."""
import math
from collections import OrderedDict

import numpy as np
import torch

import ember


def n_params(model):
    """Number of parameter elements of a torch or ember model."""
    return sum(p.numel() for p in model.parameters())


def shapes(model):
    """The model's state_dict as an OrderedDict of name -> shape tuple."""
    return OrderedDict((k, tuple(v.shape)) for k, v in model.state_dict().items())


def to_ember_state(tmodel):
    """A torch model's state_dict as ember tensors (copies)."""
    return OrderedDict((k, ember.from_numpy(v.detach().numpy().copy()))
                       for k, v in tmodel.state_dict().items())


def randomize_(tmodel, seed=0):
    """Give every float tensor of a torch model (buffers included) non-trivial values."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in tmodel.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith("running_var") or name.endswith(".weight") and t.dim() == 1:
                t.copy_(0.5 + torch.rand(t.shape, generator=g))
            else:
                fan = t[0].numel() if t.dim() > 1 else t.numel()
                t.copy_(torch.randn(t.shape, generator=g) / math.sqrt(fan))
    return tmodel
