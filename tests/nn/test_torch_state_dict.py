"""A state_dict taken from a torch model loads into the same ember model (through NumPy
arrays) and then gives torch's outputs: an MLP, a ResNet-style CNN with BatchNorm, a 2-layer
bidirectional LSTM and a Transformer encoder."""
import numpy as np
import pytest
import torch

import ember


def build(lib, kind):
    nn = lib.nn
    if kind == "mlp":
        return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    if kind == "resnet":
        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(c)
                self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(c)

            def forward(self, x):
                out = lib.relu(self.bn1(self.conv1(x)))
                return lib.relu(self.bn2(self.conv2(out)) + x)

        return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                             Block(8), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
    if kind == "lstm":
        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(6, 10, num_layers=2, bidirectional=True, batch_first=True)
                self.head = nn.Linear(20, 3)

            def forward(self, x):
                out, _ = self.lstm(x)
                return self.head(out)

        return Tagger()
    if kind == "transformer":
        layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0,
                                           batch_first=True)
        return nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    raise ValueError(kind)


INPUTS = {"mlp": (5, 8), "resnet": (2, 3, 8, 8), "lstm": (3, 7, 6), "transformer": (2, 5, 16)}


@pytest.mark.parametrize("kind", list(INPUTS))
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_torch_state_dict_loads_and_matches(kind, mode):
    torch.manual_seed(0)
    t_model = build(torch, kind)
    e_model = build(ember, kind)
    t_state = t_model.state_dict()
    e_state = e_model.state_dict()
    assert list(e_state) == list(t_state)
    for k in t_state:
        assert tuple(e_state[k].shape) == tuple(t_state[k].shape), k
    loaded = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_state.items()}
    result = e_model.load_state_dict(loaded)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    getattr(t_model, mode)()
    getattr(e_model, mode)()
    x = np.random.default_rng(1).standard_normal(INPUTS[kind]).astype(np.float32)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    ex = ember.from_numpy(x.copy()).requires_grad_(True)
    t_out, e_out = t_model(tx), e_model(ex)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    t_out.square().sum().backward()
    e_out.square().sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, tp), (_, ep) in zip(t_model.named_parameters(), e_model.named_parameters()):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=name)
    if mode == "train":  # running statistics moved the same way
        for (name, tb), (_, eb) in zip(t_model.named_buffers(), e_model.named_buffers()):
            np.testing.assert_allclose(eb.numpy(), tb.numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=name)
