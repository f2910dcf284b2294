"""More ember.vision.models architectures against torchvision's layouts.

torchvision is not installable here, so each architecture is rebuilt from real `torch.nn`
modules with torchvision's module names (the "mirror"). ember's model must have the mirror's
state_dict keys and shapes, load its weights with strict=True and compute the same outputs.
Parameter counts are checked against torchvision's published figures.
"""
import math
import os
import warnings
from collections import OrderedDict, namedtuple
from functools import partial

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import ember
import ember.vision.models as models

from ._model_helpers import n_params, randomize_, shapes, to_ember_state

SLOW = pytest.mark.skipif(not os.environ.get("EMBER_SLOW"),
                          reason="299x299 Inception forward: set EMBER_SLOW=1")

TORCHVISION_PARAMS = {
    "mobilenet_v3_small": 2_542_856, "mobilenet_v3_large": 5_483_032,
    "efficientnet_b0": 5_288_548, "efficientnet_b1": 7_794_184,
    "shufflenet_v2_x0_5": 1_366_792, "shufflenet_v2_x1_0": 2_278_604,
    "shufflenet_v2_x1_5": 3_503_624, "shufflenet_v2_x2_0": 7_393_996,
    "googlenet": 13_004_888, "inception_v3": 27_161_264, "convnext_tiny": 28_589_128,
    "regnet_y_400mf": 4_344_144, "regnet_y_800mf": 6_432_512, "regnet_x_400mf": 5_495_976,
    "regnet_x_800mf": 7_259_656,
}


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """The oracle's small convolutions run far faster single-threaded on a busy machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def assert_same_outputs(emodel, tmodel, shape, train=False, rtol=1e-4, atol=1e-5):
    assert shapes(emodel) == shapes(tmodel)
    emodel.load_state_dict(to_ember_state(tmodel), strict=True)
    emodel.train(train)
    tmodel.train(train)
    if train:  # dropout draws differ between the libraries: switch it off on both sides
        for m in list(emodel.modules()) + list(tmodel.modules()):
            if type(m).__name__ == "Dropout":
                m.p = 0.0
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expect = tmodel(torch.from_numpy(x))
    with ember.no_grad():
        got = emodel(ember.from_numpy(x))
    if isinstance(expect, tuple):
        assert type(got).__name__ == type(expect).__name__
        assert got._fields == expect._fields
        pairs = list(zip(got, expect))
    else:
        pairs = [(got, expect)]
    for g, e in pairs:
        assert tuple(g.shape) == tuple(e.shape)
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=rtol, atol=atol)


def _div(v, d=8):
    new_v = max(d, int(v + d / 2) // d * d)
    return new_v + d if new_v < 0.9 * v else new_v


# ----- torchvision.ops building blocks, rebuilt on torch.nn -------------------------------------

class TCNA(tnn.Sequential):
    """Conv2dNormActivation."""

    def __init__(self, i, o, k=3, s=1, g=1, norm=tnn.BatchNorm2d, act=tnn.ReLU, d=1, p=None,
                 bias=None):
        p = (k - 1) // 2 * d if p is None else p
        layers = [tnn.Conv2d(i, o, k, s, p, dilation=d, groups=g,
                             bias=norm is None if bias is None else bias)]
        if norm is not None:
            layers.append(norm(o))
        if act is not None:
            layers.append(act(inplace=True))
        super().__init__(*layers)


class TSE(tnn.Module):
    def __init__(self, c, sq, act=tnn.ReLU, scale=tnn.Sigmoid):
        super().__init__()
        self.avgpool = tnn.AdaptiveAvgPool2d(1)
        self.fc1 = tnn.Conv2d(c, sq, 1)
        self.fc2 = tnn.Conv2d(sq, c, 1)
        self.activation = act()
        self.scale_activation = scale()

    def forward(self, x):
        s = self.fc2(self.activation(self.fc1(self.avgpool(x))))
        return self.scale_activation(s) * x


# ----- MobileNetV3 -------------------------------------------------------------------------------

SMALL = [(16, 3, 16, 16, 1, 0, 2), (16, 3, 72, 24, 0, 0, 2), (24, 3, 88, 24, 0, 0, 1),
         (24, 5, 96, 40, 1, 1, 2), (40, 5, 240, 40, 1, 1, 1), (40, 5, 240, 40, 1, 1, 1),
         (40, 5, 120, 48, 1, 1, 1), (48, 5, 144, 48, 1, 1, 1), (48, 5, 288, 96, 1, 1, 2),
         (96, 5, 576, 96, 1, 1, 1), (96, 5, 576, 96, 1, 1, 1)]


class TMBV3Block(tnn.Module):
    def __init__(self, i, k, e, o, se, hs, s, norm):
        super().__init__()
        act = tnn.Hardswish if hs else tnn.ReLU
        layers = [TCNA(i, e, 1, norm=norm, act=act)] if e != i else []
        layers.append(TCNA(e, e, k, s, g=e, norm=norm, act=act))
        if se:
            layers.append(TSE(e, _div(e // 4), scale=tnn.Hardsigmoid))
        layers.append(TCNA(e, o, 1, norm=norm, act=None))
        self.block = tnn.Sequential(*layers)
        self.res = s == 1 and i == o

    def forward(self, x):
        y = self.block(x)
        return y + x if self.res else y


class TMobileNetV3(tnn.Module):
    def __init__(self, rows, last_channel, num_classes=1000):
        super().__init__()
        norm = partial(tnn.BatchNorm2d, eps=0.001, momentum=0.01)
        feats = [TCNA(3, rows[0][0], 3, 2, norm=norm, act=tnn.Hardswish)]
        feats += [TMBV3Block(*r, norm=norm) for r in rows]
        c = rows[-1][3]
        feats.append(TCNA(c, 6 * c, 1, norm=norm, act=tnn.Hardswish))
        self.features = tnn.Sequential(*feats)
        self.avgpool = tnn.AdaptiveAvgPool2d(1)
        self.classifier = tnn.Sequential(tnn.Linear(6 * c, last_channel),
                                         tnn.Hardswish(inplace=True),
                                         tnn.Dropout(0.2, inplace=True),
                                         tnn.Linear(last_channel, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def test_mobilenet_v3_small_matches_torch():
    torch.manual_seed(0)
    tmodel = randomize_(TMobileNetV3(SMALL, 1024))
    emodel = models.mobilenet_v3_small()
    assert n_params(tmodel) == n_params(emodel) == TORCHVISION_PARAMS["mobilenet_v3_small"]
    assert_same_outputs(emodel, tmodel, (2, 3, 64, 64))
    assert_same_outputs(emodel, tmodel, (2, 3, 64, 64), train=True)


def assert_same_grads(emodel, tmodel, shape, rtol=1e-3, atol=1e-5):
    """Train-mode forward, sum of squares loss, and the same parameter gradients."""
    emodel.load_state_dict(to_ember_state(tmodel), strict=True)
    for m in list(emodel.modules()) + list(tmodel.modules()):
        if type(m).__name__ == "Dropout":
            m.p = 0.0
        if type(m).__name__ == "StochasticDepth":
            m.p = 0.0
    emodel.train()
    tmodel.train()
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    (tmodel(torch.from_numpy(x)) ** 2).sum().backward()
    (emodel(ember.from_numpy(x)) ** 2).sum().backward()
    tgrads = {k: p.grad for k, p in tmodel.named_parameters()}
    for k, p in emodel.named_parameters():
        g = tgrads[k].numpy()
        np.testing.assert_allclose(p.grad.numpy(), g, rtol=rtol,
                                   atol=atol + 1e-3 * np.abs(g).max(), err_msg=k)


def test_mobilenet_v3_small_gradients_match_torch():
    tmodel = randomize_(TMobileNetV3(SMALL, 1024, num_classes=10), seed=3)
    assert_same_grads(models.mobilenet_v3_small(num_classes=10), tmodel, (2, 3, 64, 64))


def test_mobilenet_v3_large_layout():
    emodel = models.mobilenet_v3_large(num_classes=10)
    sd = emodel.state_dict()
    assert n_params(models.mobilenet_v3_large()) == TORCHVISION_PARAMS["mobilenet_v3_large"]
    assert tuple(sd["features.4.block.2.fc1.weight"].shape) == (24, 72, 1, 1)
    assert tuple(sd["features.16.0.weight"].shape) == (960, 160, 1, 1)
    assert tuple(sd["classifier.3.weight"].shape) == (10, 1280)
    bn = emodel.features[0][1]
    assert bn.eps == 0.001 and bn.momentum == 0.01
    emodel.eval()
    assert tuple(emodel(ember.randn(1, 3, 32, 32)).shape) == (1, 10)


def test_mobilenet_v3_options():
    m = models.mobilenet_v3_small(reduced_tail=True, dilated=True, width_mult=0.75)
    sd = m.state_dict()
    # reduced tail halves the last stage (96 -> 48, x0.75 -> 40) and last_channel (1024 -> 512,
    # x0.75 -> 384)
    assert tuple(sd["classifier.0.weight"].shape) == (384, 240)
    assert m.features[9].block[1][0].dilation == (2, 2)
    assert m.features[9].block[1][0].stride == (1, 1)


# ----- EfficientNet ------------------------------------------------------------------------------

B0 = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
      (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]


class TMBConv(tnn.Module):
    def __init__(self, t, k, s, i, o):
        super().__init__()
        e = _div(i * t)
        layers = [TCNA(i, e, 1, act=tnn.SiLU)] if e != i else []
        layers += [TCNA(e, e, k, s, g=e, act=tnn.SiLU),
                   TSE(e, max(1, i // 4), act=partial(tnn.SiLU, inplace=True)),
                   TCNA(e, o, 1, act=None)]
        self.block = tnn.Sequential(*layers)
        self.res = s == 1 and i == o

    def forward(self, x):
        y = self.block(x)
        return y + x if self.res else y   # stochastic depth is the identity in eval


class TEfficientNet(tnn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        feats = [TCNA(3, 32, 3, 2, act=tnn.SiLU)]
        for t, k, s, i, o, n in B0:
            feats.append(tnn.Sequential(*[TMBConv(t, k, s if j == 0 else 1, i if j == 0 else o,
                                                  o) for j in range(n)]))
        feats.append(TCNA(320, 1280, 1, act=tnn.SiLU))
        self.features = tnn.Sequential(*feats)
        self.avgpool = tnn.AdaptiveAvgPool2d(1)
        self.classifier = tnn.Sequential(tnn.Dropout(0.2, inplace=True),
                                         tnn.Linear(1280, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def test_efficientnet_b0_matches_torch():
    tmodel = randomize_(TEfficientNet(num_classes=10))
    emodel = models.efficientnet_b0(num_classes=10)
    assert n_params(models.efficientnet_b0()) == TORCHVISION_PARAMS["efficientnet_b0"]
    assert_same_outputs(emodel, tmodel, (2, 3, 32, 32))


def test_efficientnet_b0_gradients_match_torch():
    tmodel = randomize_(TEfficientNet(num_classes=10), seed=4)
    # at 32x32 the last stages are 1x1 and training-mode batch norm over two values makes
    # the gradients blow up (~1e8); 4x64x64 keeps them well conditioned
    assert_same_grads(models.efficientnet_b0(num_classes=10), tmodel, (4, 3, 64, 64))


def test_efficientnet_stochastic_depth_schedule():
    m = models.efficientnet_b0()
    probs = [b.stochastic_depth.p for stage in m.features[1:-1] for b in stage]
    assert len(probs) == 16
    np.testing.assert_allclose(probs, [0.2 * i / 16 for i in range(16)])
    assert n_params(models.efficientnet_b1()) == TORCHVISION_PARAMS["efficientnet_b1"]
    lin = m.classifier[1]
    bound = 1 / math.sqrt(1000)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(lin.bias.detach().numpy() == 0)


def test_stochastic_depth_training():
    from ember.vision.models._layers import stochastic_depth
    ember.manual_seed(0)
    x = ember.ones(2000, 3)
    y = stochastic_depth(x, 0.25, "row", training=True).numpy()
    rows = y[:, 0]
    assert np.all(np.isclose(rows, 0) | np.isclose(rows, 1 / 0.75))
    assert np.all(y == y[:, :1])
    assert abs((rows == 0).mean() - 0.25) < 0.05
    assert stochastic_depth(x, 0.25, "row", training=False) is x
    with pytest.raises(ValueError):
        stochastic_depth(x, 1.5, "row")


# ----- ShuffleNetV2 ------------------------------------------------------------------------------

class TShuffleUnit(tnn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        bf = o // 2
        self.stride = s
        if s > 1:
            self.branch1 = tnn.Sequential(
                tnn.Conv2d(i, i, 3, s, 1, groups=i, bias=False), tnn.BatchNorm2d(i),
                tnn.Conv2d(i, bf, 1, bias=False), tnn.BatchNorm2d(bf), tnn.ReLU(inplace=True))
        else:
            self.branch1 = tnn.Sequential()
        self.branch2 = tnn.Sequential(
            tnn.Conv2d(i if s > 1 else bf, bf, 1, bias=False), tnn.BatchNorm2d(bf),
            tnn.ReLU(inplace=True), tnn.Conv2d(bf, bf, 3, s, 1, groups=bf, bias=False),
            tnn.BatchNorm2d(bf), tnn.Conv2d(bf, bf, 1, bias=False), tnn.BatchNorm2d(bf),
            tnn.ReLU(inplace=True))

    def forward(self, x):
        if self.stride == 1:
            a, b = x.chunk(2, dim=1)
            out = torch.cat((a, self.branch2(b)), 1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), 1)
        n, c, h, w = out.shape
        return out.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)


class TShuffleNetV2(tnn.Module):
    def __init__(self, reps, chans, num_classes=1000):
        super().__init__()
        self.conv1 = tnn.Sequential(tnn.Conv2d(3, chans[0], 3, 2, 1, bias=False),
                                    tnn.BatchNorm2d(chans[0]), tnn.ReLU(inplace=True))
        self.maxpool = tnn.MaxPool2d(3, 2, 1)
        c = chans[0]
        for name, r, o in zip(("stage2", "stage3", "stage4"), reps, chans[1:]):
            setattr(self, name, tnn.Sequential(TShuffleUnit(c, o, 2),
                                               *[TShuffleUnit(o, o, 1) for _ in range(r - 1)]))
            c = o
        self.conv5 = tnn.Sequential(tnn.Conv2d(c, chans[-1], 1, bias=False),
                                    tnn.BatchNorm2d(chans[-1]), tnn.ReLU(inplace=True))
        self.fc = tnn.Linear(chans[-1], num_classes)

    def forward(self, x):
        x = self.stage4(self.stage3(self.stage2(self.maxpool(self.conv1(x)))))
        return self.fc(self.conv5(x).mean([2, 3]))


def test_shufflenet_v2_matches_torch():
    tmodel = randomize_(TShuffleNetV2([4, 8, 4], [24, 48, 96, 192, 1024]))
    emodel = models.shufflenet_v2_x0_5()
    assert n_params(emodel) == TORCHVISION_PARAMS["shufflenet_v2_x0_5"]
    assert_same_outputs(emodel, tmodel, (2, 3, 64, 64))
    # batch statistics over 2x2 maps (stage4) amplify float32 rounding differences
    assert_same_outputs(emodel, tmodel, (2, 3, 64, 64), train=True, rtol=1e-3, atol=1e-4)


def test_shufflenet_v2_gradients_match_torch():
    tmodel = randomize_(TShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 128], num_classes=5), seed=5)
    from ember.vision.models.shufflenetv2 import ShuffleNetV2
    emodel = ShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 128], num_classes=5)
    assert_same_grads(emodel, tmodel, (4, 3, 64, 64))


@pytest.mark.parametrize("name", ["shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
                                  "shufflenet_v2_x2_0"])
def test_shufflenet_v2_parameter_counts(name):
    assert n_params(models.get_model(name)) == TORCHVISION_PARAMS[name]


# ----- RegNet ------------------------------------------------------------------------------------

Y400 = [(48, 1, 8), (104, 3, 8), (208, 6, 8), (440, 6, 8)]   # width, depth, group width


class TResBottleneck(tnn.Module):
    def __init__(self, i, o, s, gw, se_ratio):
        super().__init__()
        self.proj = TCNA(i, o, 1, s, act=None) if i != o or s != 1 else None
        f = OrderedDict(a=TCNA(i, o, 1), b=TCNA(o, o, 3, s, g=o // gw))
        if se_ratio:
            f["se"] = TSE(o, int(round(se_ratio * i)))
        f["c"] = TCNA(o, o, 1, act=None)
        self.f = tnn.Sequential(f)
        self.activation = tnn.ReLU(inplace=True)

    def forward(self, x):
        sc = x if self.proj is None else self.proj(x)
        return self.activation(sc + self.f(x))


class TRegNet(tnn.Module):
    def __init__(self, stages, se_ratio=0.25, num_classes=1000):
        super().__init__()
        self.stem = TCNA(3, 32, 3, 2)
        c = 32
        trunk = OrderedDict()
        for si, (w, d, gw) in enumerate(stages, 1):
            stage = tnn.Sequential()
            for j in range(d):
                stage.add_module(f"block{si}-{j}", TResBottleneck(c if j == 0 else w, w,
                                                                   2 if j == 0 else 1, gw,
                                                                   se_ratio))
            trunk[f"block{si}"] = stage
            c = w
        self.trunk_output = tnn.Sequential(trunk)
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(c, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.avgpool(self.trunk_output(self.stem(x))), 1))


def test_regnet_y_400mf_matches_torch():
    p = models.regnet.BlockParams.from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09,
                                                   group_width=8, se_ratio=0.25)
    assert [(w, d, g) for w, d, g in zip(p.widths, p.depths, p.group_widths)] == Y400
    tmodel = randomize_(TRegNet(Y400))
    emodel = models.regnet_y_400mf()
    assert n_params(emodel) == TORCHVISION_PARAMS["regnet_y_400mf"]
    assert_same_outputs(emodel, tmodel, (2, 3, 32, 32))


@pytest.mark.parametrize("name", ["regnet_y_800mf", "regnet_x_400mf", "regnet_x_800mf"])
def test_regnet_parameter_counts(name):
    assert n_params(models.get_model(name)) == TORCHVISION_PARAMS[name]


# ----- ConvNeXt ----------------------------------------------------------------------------------

class TLayerNorm2d(tnn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = TF.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class TPermute(tnn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.permute(*self.dims)


class TCNBlock(tnn.Module):
    def __init__(self, dim):
        super().__init__()
        self.block = tnn.Sequential(
            tnn.Conv2d(dim, dim, 7, padding=3, groups=dim), TPermute([0, 2, 3, 1]),
            tnn.LayerNorm(dim, eps=1e-6), tnn.Linear(dim, 4 * dim), tnn.GELU(),
            tnn.Linear(4 * dim, dim), TPermute([0, 3, 1, 2]))
        self.layer_scale = tnn.Parameter(torch.ones(dim, 1, 1) * 1e-6)

    def forward(self, x):
        return self.layer_scale * self.block(x) + x


class TConvNeXt(tnn.Module):
    def __init__(self, setting, num_classes=1000):
        super().__init__()
        norm = partial(TLayerNorm2d, eps=1e-6)
        feats = [TCNA(3, setting[0][0], 4, 4, p=0, norm=norm, act=None, bias=True)]
        for i, o, n in setting:
            feats.append(tnn.Sequential(*[TCNBlock(i) for _ in range(n)]))
            if o is not None:
                feats.append(tnn.Sequential(norm(i), tnn.Conv2d(i, o, 2, 2)))
        self.features = tnn.Sequential(*feats)
        self.avgpool = tnn.AdaptiveAvgPool2d(1)
        last = setting[-1][1] or setting[-1][0]
        self.classifier = tnn.Sequential(norm(last), tnn.Flatten(1),
                                         tnn.Linear(last, num_classes))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))


def test_convnext_small_setting_matches_torch():
    from ember.vision.models.convnext import CNBlockConfig, ConvNeXt
    setting = [(16, 32, 1), (32, 64, 2), (64, None, 1)]
    tmodel = randomize_(TConvNeXt(setting, num_classes=7))
    emodel = ConvNeXt([CNBlockConfig(*s) for s in setting], stochastic_depth_prob=0.1,
                      num_classes=7)
    assert_same_outputs(emodel, tmodel, (2, 3, 32, 32))


def test_convnext_tiny_layout():
    m = models.convnext_tiny()
    assert n_params(m) == TORCHVISION_PARAMS["convnext_tiny"]
    sd = shapes(m)
    assert sd["features.0.0.weight"] == (96, 3, 4, 4)
    assert sd["features.1.0.layer_scale"] == (96, 1, 1)
    assert sd["features.5.8.block.3.weight"] == (1536, 384)
    assert sd["features.6.1.weight"] == (768, 384, 2, 2)
    assert sd["classifier.2.weight"] == (1000, 768)
    np.testing.assert_allclose(m.features[1][0].layer_scale.detach().numpy(), 1e-6)
    probs = [b.stochastic_depth.p for i in (1, 3, 5, 7) for b in m.features[i]]
    np.testing.assert_allclose(probs, [0.1 * k / 17 for k in range(18)])


# ----- GoogLeNet / Inception v3 ------------------------------------------------------------------

def test_googlenet_layout_and_outputs():
    with pytest.warns(FutureWarning):
        models.googlenet(aux_logits=False)
    m = models.googlenet(init_weights=True)
    assert n_params(m) == TORCHVISION_PARAMS["googlenet"]
    assert n_params(models.googlenet(aux_logits=False, init_weights=True)) == 6_624_904
    sd = shapes(m)
    assert sd["conv1.conv.weight"] == (64, 3, 7, 7)
    assert sd["inception3a.branch3.1.conv.weight"] == (32, 16, 3, 3)
    assert sd["inception5b.branch4.1.bn.running_var"] == (128,)
    assert sd["aux1.fc1.weight"] == (1024, 2048)
    assert sd["aux2.conv.conv.weight"] == (128, 528, 1, 1)
    assert m.conv1.bn.eps == 0.001
    w = m.fc.weight.detach().numpy()
    # torchvision's trunc_normal_(std=0.01, a=-2, b=2): the bounds are absolute, so they
    # never bite and the weights are plain N(0, 0.01)
    assert abs(w.std() - 0.01) < 0.001 and np.abs(w).max() > 0.03
    m.train()
    out = m(ember.randn(2, 3, 64, 64))
    assert type(out).__name__ == "GoogLeNetOutputs"
    assert [tuple(o.shape) for o in out] == [(2, 1000)] * 3
    m.eval()
    with ember.no_grad():
        assert tuple(m(ember.randn(1, 3, 64, 64)).shape) == (1, 1000)


class TBasicConv2d(tnn.Module):
    def __init__(self, i, o, **kw):
        super().__init__()
        self.conv = tnn.Conv2d(i, o, bias=False, **kw)
        self.bn = tnn.BatchNorm2d(o, eps=0.001)

    def forward(self, x):
        return TF.relu(self.bn(self.conv(x)), inplace=True)


class TInception(tnn.Module):
    def __init__(self, i, c1, c3r, c3, c5r, c5, pp):
        super().__init__()
        self.branch1 = TBasicConv2d(i, c1, kernel_size=1)
        self.branch2 = tnn.Sequential(TBasicConv2d(i, c3r, kernel_size=1),
                                      TBasicConv2d(c3r, c3, kernel_size=3, padding=1))
        self.branch3 = tnn.Sequential(TBasicConv2d(i, c5r, kernel_size=1),
                                      TBasicConv2d(c5r, c5, kernel_size=3, padding=1))
        self.branch4 = tnn.Sequential(tnn.MaxPool2d(3, 1, 1, ceil_mode=True),
                                      TBasicConv2d(i, pp, kernel_size=1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x),
                          self.branch4(x)], 1)


def test_googlenet_inception_block_matches_torch():
    from ember.vision.models.googlenet import Inception
    tblock = randomize_(TInception(192, 64, 96, 128, 16, 32, 32))
    eblock = Inception(192, 64, 96, 128, 16, 32, 32)
    assert_same_outputs(eblock, tblock, (2, 192, 7, 7))


class TGoogLeNetAux(tnn.Module):
    def __init__(self, i, num_classes):
        super().__init__()
        self.conv = TBasicConv2d(i, 128, kernel_size=1)
        self.fc1 = tnn.Linear(2048, 1024)
        self.fc2 = tnn.Linear(1024, num_classes)
        self.dropout = tnn.Dropout(0.7)

    def forward(self, x):
        x = torch.flatten(self.conv(TF.adaptive_avg_pool2d(x, (4, 4))), 1)
        return self.fc2(self.dropout(TF.relu(self.fc1(x), inplace=True)))


class TGoogLeNet(tnn.Module):
    CFG = {"3a": (192, 64, 96, 128, 16, 32, 32), "3b": (256, 128, 128, 192, 32, 96, 64),
           "4a": (480, 192, 96, 208, 16, 48, 64), "4b": (512, 160, 112, 224, 24, 64, 64),
           "4c": (512, 128, 128, 256, 24, 64, 64), "4d": (512, 112, 144, 288, 32, 64, 64),
           "4e": (528, 256, 160, 320, 32, 128, 128), "5a": (832, 256, 160, 320, 32, 128, 128),
           "5b": (832, 384, 192, 384, 48, 128, 128)}

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = TBasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = tnn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = TBasicConv2d(64, 64, kernel_size=1)
        self.conv3 = TBasicConv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = tnn.MaxPool2d(3, 2, ceil_mode=True)
        for k in ("3a", "3b"):
            setattr(self, "inception" + k, TInception(*self.CFG[k]))
        self.maxpool3 = tnn.MaxPool2d(3, 2, ceil_mode=True)
        for k in ("4a", "4b", "4c", "4d", "4e"):
            setattr(self, "inception" + k, TInception(*self.CFG[k]))
        self.maxpool4 = tnn.MaxPool2d(2, 2, ceil_mode=True)
        for k in ("5a", "5b"):
            setattr(self, "inception" + k, TInception(*self.CFG[k]))
        self.aux1 = TGoogLeNetAux(512, num_classes)
        self.aux2 = TGoogLeNetAux(528, num_classes)
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.dropout = tnn.Dropout(0.2)
        self.fc = tnn.Linear(1024, num_classes)

    def forward(self, x):
        x = self.maxpool2(self.conv3(self.conv2(self.maxpool1(self.conv1(x)))))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        a1 = self.aux1(x) if self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        a2 = self.aux2(x) if self.training else None
        x = self.inception5b(self.inception5a(self.maxpool4(self.inception4e(x))))
        x = self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
        if self.training:
            return namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])(
                x, a2, a1)
        return x


def test_googlenet_matches_torch():
    tmodel = randomize_(TGoogLeNet(num_classes=10))
    emodel = models.googlenet(num_classes=10, init_weights=False)
    assert_same_outputs(emodel, tmodel, (2, 3, 64, 64))
    assert_same_outputs(emodel, tmodel, (2, 3, 64, 64), train=True, rtol=1e-3, atol=1e-4)


def test_googlenet_transform_input():
    from ember.vision.models.googlenet import _transform_input
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    got = _transform_input(ember.from_numpy(x)).numpy()
    mean = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]
    std = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
    np.testing.assert_allclose(got, x * std / 0.5 + (mean - 0.5) / 0.5, rtol=1e-6, atol=1e-6)


def test_inception_v3_layout_and_small_input():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        m = models.inception_v3()
    assert n_params(m) == TORCHVISION_PARAMS["inception_v3"]
    assert n_params(models.inception_v3(aux_logits=False, init_weights=False)) == 23_834_568
    sd = shapes(m)
    assert sd["Conv2d_1a_3x3.conv.weight"] == (32, 3, 3, 3)
    assert sd["Mixed_5b.branch_pool.conv.weight"] == (32, 192, 1, 1)
    assert sd["Mixed_6b.branch7x7dbl_5.conv.weight"] == (192, 128, 1, 7)
    assert sd["Mixed_7c.branch3x3dbl_3b.conv.weight"] == (384, 384, 3, 1)
    assert sd["AuxLogits.conv1.conv.weight"] == (768, 128, 5, 5)
    assert sd["fc.weight"] == (1000, 2048)
    aux_fc = m.AuxLogits.fc.weight.detach().numpy()
    assert abs(aux_fc.std() - 0.001) < 1e-4
    assert abs(m.fc.weight.detach().numpy().std() - 0.1) < 0.01
    m.eval()
    with ember.no_grad():
        assert tuple(m(ember.randn(1, 3, 75, 75)).shape) == (1, 1000)


def _bc(i, o, k, s=1, p=0):
    return TBasicConv2d(i, o, kernel_size=k, stride=s, padding=p)


class TIncA(tnn.Module):
    def __init__(self, i, pf):
        super().__init__()
        self.branch1x1 = _bc(i, 64, 1)
        self.branch5x5_1, self.branch5x5_2 = _bc(i, 48, 1), _bc(48, 64, 5, p=2)
        self.branch3x3dbl_1 = _bc(i, 64, 1)
        self.branch3x3dbl_2, self.branch3x3dbl_3 = _bc(64, 96, 3, p=1), _bc(96, 96, 3, p=1)
        self.branch_pool = _bc(i, pf, 1)

    def forward(self, x):
        return torch.cat([self.branch1x1(x), self.branch5x5_2(self.branch5x5_1(x)),
                          self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                          self.branch_pool(TF.avg_pool2d(x, 3, 1, 1))], 1)


class TIncB(tnn.Module):
    def __init__(self, i):
        super().__init__()
        self.branch3x3 = _bc(i, 384, 3, s=2)
        self.branch3x3dbl_1 = _bc(i, 64, 1)
        self.branch3x3dbl_2, self.branch3x3dbl_3 = _bc(64, 96, 3, p=1), _bc(96, 96, 3, s=2)

    def forward(self, x):
        return torch.cat([self.branch3x3(x),
                          self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                          TF.max_pool2d(x, 3, 2)], 1)


class TIncC(tnn.Module):
    def __init__(self, i, c):
        super().__init__()
        self.branch1x1 = _bc(i, 192, 1)
        self.branch7x7_1 = _bc(i, c, 1)
        self.branch7x7_2 = _bc(c, c, (1, 7), p=(0, 3))
        self.branch7x7_3 = _bc(c, 192, (7, 1), p=(3, 0))
        self.branch7x7dbl_1 = _bc(i, c, 1)
        self.branch7x7dbl_2 = _bc(c, c, (7, 1), p=(3, 0))
        self.branch7x7dbl_3 = _bc(c, c, (1, 7), p=(0, 3))
        self.branch7x7dbl_4 = _bc(c, c, (7, 1), p=(3, 0))
        self.branch7x7dbl_5 = _bc(c, 192, (1, 7), p=(0, 3))
        self.branch_pool = _bc(i, 192, 1)

    def forward(self, x):
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = self.branch7x7dbl_1(x)
        for k in range(2, 6):
            d = getattr(self, f"branch7x7dbl_{k}")(d)
        return torch.cat([self.branch1x1(x), b7, d,
                          self.branch_pool(TF.avg_pool2d(x, 3, 1, 1))], 1)


class TIncD(tnn.Module):
    def __init__(self, i):
        super().__init__()
        self.branch3x3_1, self.branch3x3_2 = _bc(i, 192, 1), _bc(192, 320, 3, s=2)
        self.branch7x7x3_1 = _bc(i, 192, 1)
        self.branch7x7x3_2 = _bc(192, 192, (1, 7), p=(0, 3))
        self.branch7x7x3_3 = _bc(192, 192, (7, 1), p=(3, 0))
        self.branch7x7x3_4 = _bc(192, 192, 3, s=2)

    def forward(self, x):
        b = x
        for k in range(1, 5):
            b = getattr(self, f"branch7x7x3_{k}")(b)
        return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), b, TF.max_pool2d(x, 3, 2)], 1)


class TIncE(tnn.Module):
    def __init__(self, i):
        super().__init__()
        self.branch1x1 = _bc(i, 320, 1)
        self.branch3x3_1 = _bc(i, 384, 1)
        self.branch3x3_2a = _bc(384, 384, (1, 3), p=(0, 1))
        self.branch3x3_2b = _bc(384, 384, (3, 1), p=(1, 0))
        self.branch3x3dbl_1 = _bc(i, 448, 1)
        self.branch3x3dbl_2 = _bc(448, 384, 3, p=1)
        self.branch3x3dbl_3a = _bc(384, 384, (1, 3), p=(0, 1))
        self.branch3x3dbl_3b = _bc(384, 384, (3, 1), p=(1, 0))
        self.branch_pool = _bc(i, 192, 1)

    def forward(self, x):
        a = self.branch3x3_1(x)
        a = torch.cat([self.branch3x3_2a(a), self.branch3x3_2b(a)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        return torch.cat([self.branch1x1(x), a, d,
                          self.branch_pool(TF.avg_pool2d(x, 3, 1, 1))], 1)


class TInception3(tnn.Module):
    """Inception3 without the auxiliary head (aux_logits=False)."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.Conv2d_1a_3x3 = _bc(3, 32, 3, s=2)
        self.Conv2d_2a_3x3 = _bc(32, 32, 3)
        self.Conv2d_2b_3x3 = _bc(32, 64, 3, p=1)
        self.maxpool1 = tnn.MaxPool2d(3, 2)
        self.Conv2d_3b_1x1 = _bc(64, 80, 1)
        self.Conv2d_4a_3x3 = _bc(80, 192, 3)
        self.maxpool2 = tnn.MaxPool2d(3, 2)
        self.Mixed_5b, self.Mixed_5c, self.Mixed_5d = TIncA(192, 32), TIncA(256, 64), \
            TIncA(288, 64)
        self.Mixed_6a = TIncB(288)
        self.Mixed_6b, self.Mixed_6c = TIncC(768, 128), TIncC(768, 160)
        self.Mixed_6d, self.Mixed_6e = TIncC(768, 160), TIncC(768, 192)
        self.Mixed_7a, self.Mixed_7b, self.Mixed_7c = TIncD(768), TIncE(1280), TIncE(2048)
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.dropout = tnn.Dropout(0.5)
        self.fc = tnn.Linear(2048, num_classes)

    def forward(self, x):
        for m in list(self.children())[:-3]:
            x = m(x)
        return self.fc(torch.flatten(self.dropout(self.avgpool(x)), 1))


def test_inception_v3_matches_torch():
    tmodel = randomize_(TInception3(num_classes=10))
    emodel = models.inception_v3(num_classes=10, aux_logits=False, init_weights=False)
    assert_same_outputs(emodel, tmodel, (1, 3, 75, 75))
    # training-mode batch norm over the 2x2 maps of Mixed_7* is badly conditioned: float32
    # rounding differences grow to ~2e-4 on logits of order 1
    assert_same_outputs(emodel, tmodel, (4, 3, 107, 107), train=True, rtol=1e-3, atol=1e-3)


@SLOW
def test_inception_v3_training_outputs_at_299():
    m = models.inception_v3(init_weights=True, num_classes=10)
    m.train()
    out = m(ember.randn(2, 3, 299, 299))
    assert type(out).__name__ == "InceptionOutputs"
    assert [tuple(o.shape) for o in out] == [(2, 10), (2, 10)]


# ----- shared factory conventions ---------------------------------------------------------------

NEW = ["mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "shufflenet_v2_x0_5",
       "googlenet", "inception_v3", "convnext_tiny", "regnet_y_400mf"]


@pytest.mark.parametrize("name", NEW)
def test_factory_conventions(name):
    fn = getattr(models, name)
    assert name in models.list_models()
    with pytest.raises(RuntimeError, match="cannot download"):
        fn(weights="DEFAULT")
    with pytest.raises(RuntimeError, match="cannot download"):
        fn(pretrained=True)
    with pytest.raises(TypeError):
        fn(None)
