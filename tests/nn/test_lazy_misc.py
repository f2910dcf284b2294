"""Lazy convolutions (LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d), CrossMapLRN2d,
SyncBatchNorm (single process) and nn.utils.convert_conv{2,3}d_weight_memory_format against
torch 2.13: reprs, parameter shapes, the class change at the first call, outputs, gradients."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as enn

RTOL, ATOL = 1e-5, 1e-6

LAZY = [("LazyConv1d", (4, 3), {"padding": 1}, (2, 3, 7)),
        ("LazyConv1d", (4, 2), {"groups": 2, "bias": False}, (6, 5)),
        ("LazyConv2d", (4, 3), {"stride": 2, "padding_mode": "reflect", "padding": 1},
         (2, 3, 6, 5)),
        ("LazyConv3d", (2, 2), {"dilation": 2}, (1, 2, 5, 5, 6)),
        ("LazyConvTranspose1d", (4, 3), {"stride": 2, "output_padding": 1}, (2, 3, 5)),
        ("LazyConvTranspose2d", (4, 3), {"groups": 2}, (1, 4, 3, 3)),
        ("LazyConvTranspose3d", (2, 2), {"bias": False}, (3, 2, 2, 3))]


@pytest.mark.parametrize("name,args,kwargs,shape", LAZY)
def test_lazy_conv(name, args, kwargs, shape):
    mt, me = getattr(torch.nn, name)(*args, **kwargs), getattr(enn, name)(*args, **kwargs)
    assert repr(me) == repr(mt)
    assert me.has_uninitialized_params()
    assert isinstance(me.weight, enn.UninitializedParameter)
    assert list(me.state_dict()) == list(mt.state_dict())
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    yt = mt(torch.tensor(x))
    me(ember.tensor(x))
    assert type(me).__name__ == type(mt).__name__ == name[4:]
    assert type(me) is getattr(enn, name[4:])
    assert repr(me) == repr(mt)
    assert not isinstance(me.weight, enn.UninitializedParameter)
    assert tuple(me.weight.shape) == tuple(mt.weight.shape)
    # default init: kaiming-uniform bounds of the inferred fan-in
    bound = 1 / np.sqrt(mt.weight[0].numel() if not mt.transposed else
                        mt.weight.shape[1] * np.prod(mt.kernel_size))
    assert np.abs(me.weight.detach().numpy()).max() <= bound + 1e-6
    # with torch's parameters, the same outputs and gradients
    me.load_state_dict({k: ember.tensor(v.numpy()) for k, v in mt.state_dict().items()})
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    yt, ye = mt(xt), me(xe)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), RTOL, ATOL)
    yt.square().sum().backward()
    ye.square().sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), RTOL, ATOL)
    np.testing.assert_allclose(me.weight.grad.numpy(), mt.weight.grad.numpy(), 1e-4, 1e-5)


def test_lazy_conv_load_state_dict_and_errors():
    src = enn.Conv2d(3, 4, 3)
    m = enn.LazyConv2d(4, 3)
    m.load_state_dict(src.state_dict())
    assert type(m) is enn.LazyConv2d  # becomes Conv2d at its first call
    assert tuple(m.weight.shape) == (4, 3, 3, 3)
    np.testing.assert_array_equal(m.weight.detach().numpy(), src.weight.detach().numpy())
    m(ember.zeros(1, 3, 4, 4))
    assert type(m) is enn.Conv2d
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="Expected 3D .unbatched. or 4D .batched. input "
                                               "to LazyConv2d"):
            lib.nn.LazyConv2d(4, 3)(lib.zeros(3, 4))
        with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
            lib.nn.LazyConv1d(4, 3, groups=2)(lib.zeros(1, 3, 5))


@pytest.mark.parametrize("size,channels", [(2, 2), (2, 5), (3, 3), (3, 6), (4, 3), (5, 8),
                                           (7, 5), (3, 1)])
def test_cross_map_lrn2d(size, channels):
    rng = np.random.default_rng(size * 10 + channels)
    x = rng.standard_normal((2, channels, 3, 4))
    g = rng.standard_normal(x.shape)
    res = []
    for lib in (torch, ember):
        m = lib.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.5)
        xt = lib.tensor(x, requires_grad=True)
        y = m(xt)
        y.backward(lib.tensor(g))
        res.append((y.detach().numpy(), xt.grad.numpy(), type(y.grad_fn).__name__, repr(m)))
    (yt, gt, nt, rt), (ye, ge, ne, re) = res
    assert ne == nt == "CrossMapLRN2dBackward"
    assert re == rt
    np.testing.assert_allclose(ye, yt, 1e-10, 1e-12)
    np.testing.assert_allclose(ge, gt, 1e-10, 1e-12)


def test_cross_map_lrn2d_float32_and_errors():
    x = np.random.default_rng(1).standard_normal((1, 4, 2, 2)).astype("float32")
    yt = torch.nn.CrossMapLRN2d(3)(torch.tensor(x))
    ye = enn.CrossMapLRN2d(3)(ember.tensor(x))
    assert ye.dtype == ember.float32
    np.testing.assert_allclose(ye.numpy(), yt.numpy(), RTOL, ATOL)
    assert repr(enn.CrossMapLRN2d(5, 1e-3, 0.5, 2)) == repr(torch.nn.CrossMapLRN2d(5, 1e-3,
                                                                                    0.5, 2))
    with pytest.raises(ValueError, match="CrossMapLRN2d: Expected input to be 4D, got 3D"):
        enn.CrossMapLRN2d(3)(ember.zeros(2, 3, 4))


@pytest.mark.parametrize("shape,kwargs", [((4, 3), {}), ((2, 3, 5), {"momentum": None}),
                                          ((2, 3, 2, 2), {"affine": False}),
                                          ((2, 3, 2, 1, 2), {"track_running_stats": False}),
                                          ((3, 3, 2), {"bias": False})])
def test_sync_batch_norm(shape, kwargs):
    rng = np.random.default_rng(2)
    mt, me = torch.nn.SyncBatchNorm(3, **kwargs), enn.SyncBatchNorm(3, **kwargs)
    assert repr(me) == repr(mt)
    assert list(me.state_dict()) == list(mt.state_dict())
    for train in (True, True, False):
        mt.train(train)
        me.train(train)
        x = rng.standard_normal(shape).astype("float32")
        xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
        yt, ye = mt(xt), me(xe)
        assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), 1e-4, 1e-5)
        yt.square().sum().backward()
        ye.square().sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), 1e-4, 1e-5)
    for k, v in mt.state_dict().items():
        np.testing.assert_allclose(me.state_dict()[k].numpy(), v.numpy(), 1e-5, 1e-6)


def test_sync_batch_norm_errors_and_convert():
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="expected at least 2D input .got 1D input."):
            lib.nn.SyncBatchNorm(3)(lib.zeros(3))
        with pytest.raises(ValueError, match="number of input channels should be non-zero"):
            lib.nn.SyncBatchNorm(0)(lib.zeros(2, 0))
    nets = []
    for lib in (torch, ember):
        net = lib.nn.Sequential(lib.nn.Conv2d(2, 3, 1), lib.nn.BatchNorm2d(3),
                                lib.nn.Sequential(lib.nn.BatchNorm1d(4, affine=False)))
        net[1].eval()
        bn = net[1]
        out = lib.nn.SyncBatchNorm.convert_sync_batchnorm(net)
        assert out is net
        assert type(net[1]).__name__ == "SyncBatchNorm" and not net[1].training
        assert net[1].weight is bn.weight and net[1].running_mean is bn.running_mean
        assert type(net[2][0]).__name__ == "SyncBatchNorm"
        single = lib.nn.SyncBatchNorm.convert_sync_batchnorm(lib.nn.BatchNorm1d(5))
        nets.append((repr(net), repr(single), list(net.state_dict())))
    assert nets[1] == nets[0]


def test_convert_weight_memory_format():
    net = enn.Sequential(enn.Conv2d(2, 3, 3), enn.Sequential(enn.ConvTranspose2d(3, 2, 2)),
                         enn.Conv3d(1, 1, 1))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    params = list(net.parameters())
    assert enn.utils.convert_conv2d_weight_memory_format(net, ember.channels_last) is net
    assert enn.utils.convert_conv3d_weight_memory_format(net, ember.channels_last_3d) is net
    assert all(a is b for a, b in zip(net.parameters(), params))
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k].numpy())
    x = ember.randn(1, 2, 5, 5)
    assert tuple(net[1](net[0](x)).shape) == (1, 2, 4, 4)
