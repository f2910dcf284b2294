"""ember.vision.models against torchvision's architectures.

torchvision is not installable here, so each architecture is rebuilt below from real
`torch.nn` modules with torchvision's module names (the "mirror"); ember's model must have the
same state_dict keys and shapes, load the mirror's weights with strict=True and compute the
same outputs. Parameter counts are also checked against torchvision's published figures.
"""
import math
import os
from collections import OrderedDict
from functools import partial

import numpy as np
import pytest
import torch
import torch.nn as tnn

import ember
import ember.vision.models as models

from ._model_helpers import n_params, randomize_, shapes, to_ember_state

SLOW = pytest.mark.skipif(not os.environ.get("EMBER_SLOW"),
                          reason="builds 100M-parameter models: set EMBER_SLOW=1")

TORCHVISION_PARAMS = {
    "resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
    "vgg11": 132_863_336, "vgg16": 138_357_544, "vgg11_bn": 132_868_840,
    "vgg16_bn": 138_365_992, "mobilenet_v2": 3_504_872, "vit_b_16": 86_567_656,
}


def assert_same_outputs(emodel, tmodel, shape, train=False, rtol=1e-4, atol=1e-5):
    emodel.load_state_dict(to_ember_state(tmodel), strict=True)
    emodel.train(train)
    tmodel.train(train)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expect = tmodel(torch.from_numpy(x)).numpy()
    with ember.no_grad():
        got = emodel(ember.from_numpy(x)).numpy()
    assert got.shape == expect.shape
    np.testing.assert_allclose(got, expect, rtol=rtol, atol=atol)


# ----- torch mirrors of torchvision's architectures ------------------------------------------

class TBasic(tnn.Module):
    expansion = 1

    def __init__(self, inp, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tnn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.relu = tnn.ReLU(inplace=True)
        self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + idt)


class TBottleneck(tnn.Module):
    expansion = 4

    def __init__(self, inp, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tnn.Conv2d(inp, planes, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.conv2 = tnn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.conv3 = tnn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = tnn.BatchNorm2d(planes * 4)
        self.relu = tnn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + idt)


class TResNet(tnn.Module):
    def __init__(self, block, layers, num_classes=1000, small=False):
        super().__init__()
        self.inplanes = 64
        self.conv1 = (tnn.Conv2d(3, 64, 3, 1, 1, bias=False) if small
                      else tnn.Conv2d(3, 64, 7, 2, 3, bias=False))
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU(inplace=True)
        self.maxpool = tnn.Identity() if small else tnn.MaxPool2d(3, 2, 1)
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            setattr(self, f"layer{i + 1}", self._make(block, planes, n, 1 if i == 0 else 2))
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(512 * block.expansion, num_classes)

    def _make(self, block, planes, n, stride):
        down = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            down = tnn.Sequential(
                tnn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                tnn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, down)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, n)]
        return tnn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def t_vgg_features(cfg, bn):
    layers, c = [], 3
    for v in cfg:
        if v == "M":
            layers.append(tnn.MaxPool2d(2, 2))
        else:
            layers.append(tnn.Conv2d(c, v, 3, padding=1))
            if bn:
                layers.append(tnn.BatchNorm2d(v))
            layers.append(tnn.ReLU(inplace=True))
            c = v
    return tnn.Sequential(*layers)


class TVGG(tnn.Module):
    def __init__(self, cfg, bn, num_classes=1000):
        super().__init__()
        self.features = t_vgg_features(cfg, bn)
        self.avgpool = tnn.AdaptiveAvgPool2d((7, 7))
        self.classifier = tnn.Sequential(
            tnn.Linear(25088, 4096), tnn.ReLU(True), tnn.Dropout(),
            tnn.Linear(4096, 4096), tnn.ReLU(True), tnn.Dropout(), tnn.Linear(4096, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def t_cna(inp, out, k=3, stride=1, groups=1):
    return tnn.Sequential(tnn.Conv2d(inp, out, k, stride, (k - 1) // 2, groups=groups,
                                     bias=False), tnn.BatchNorm2d(out), tnn.ReLU6(inplace=True))


class TInvRes(tnn.Module):
    def __init__(self, inp, oup, stride, t):
        super().__init__()
        hid = int(round(inp * t))
        self.use_res = stride == 1 and inp == oup
        layers = [t_cna(inp, hid, 1)] if t != 1 else []
        layers += [t_cna(hid, hid, 3, stride, hid), tnn.Conv2d(hid, oup, 1, 1, 0, bias=False),
                   tnn.BatchNorm2d(oup)]
        self.conv = tnn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


class TMobileNetV2(tnn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                   [6, 160, 3, 2], [6, 320, 1, 1]]
        feats, c = [t_cna(3, 32, stride=2)], 32
        for t, o, n, s in setting:
            for i in range(n):
                feats.append(TInvRes(c, o, s if i == 0 else 1, t))
                c = o
        feats.append(t_cna(c, 1280, 1))
        self.features = tnn.Sequential(*feats)
        self.classifier = tnn.Sequential(tnn.Dropout(0.2), tnn.Linear(1280, num_classes))

    def forward(self, x):
        x = tnn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


class TEncoderBlock(tnn.Module):
    def __init__(self, heads, dim, mlp):
        super().__init__()
        ln = partial(tnn.LayerNorm, eps=1e-6)
        self.ln_1 = ln(dim)
        self.self_attention = tnn.MultiheadAttention(dim, heads, batch_first=True)
        self.dropout = tnn.Dropout(0.0)
        self.ln_2 = ln(dim)
        self.mlp = tnn.Sequential(tnn.Linear(dim, mlp), tnn.GELU(), tnn.Dropout(0.0),
                                  tnn.Linear(mlp, dim), tnn.Dropout(0.0))

    def forward(self, inp):
        x = self.ln_1(inp)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + inp
        return x + self.mlp(self.ln_2(x))


class TEncoder(tnn.Module):
    def __init__(self, seq, layers, heads, dim, mlp):
        super().__init__()
        self.pos_embedding = tnn.Parameter(torch.empty(1, seq, dim).normal_(std=0.02))
        self.dropout = tnn.Dropout(0.0)
        self.layers = tnn.Sequential(OrderedDict(
            (f"encoder_layer_{i}", TEncoderBlock(heads, dim, mlp)) for i in range(layers)))
        self.ln = tnn.LayerNorm(dim, eps=1e-6)

    def forward(self, x):
        return self.ln(self.layers(self.dropout(x + self.pos_embedding)))


class TViT(tnn.Module):
    def __init__(self, image, patch, layers, heads, dim, mlp, num_classes=1000):
        super().__init__()
        self.patch, self.dim = patch, dim
        self.conv_proj = tnn.Conv2d(3, dim, patch, patch)
        self.class_token = tnn.Parameter(torch.zeros(1, 1, dim))
        self.encoder = TEncoder((image // patch) ** 2 + 1, layers, heads, dim, mlp)
        self.heads = tnn.Sequential(OrderedDict(head=tnn.Linear(dim, num_classes)))

    def forward(self, x):
        n = x.shape[0]
        x = self.conv_proj(x).reshape(n, self.dim, -1).permute(0, 2, 1)
        x = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1)
        return self.heads(self.encoder(x)[:, 0])


class TLeNet5(tnn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = tnn.Sequential(tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(),
                                       tnn.MaxPool2d(2), tnn.Conv2d(6, 16, 5), tnn.ReLU(),
                                       tnn.MaxPool2d(2))
        self.classifier = tnn.Sequential(tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84),
                                         tnn.ReLU(), tnn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


VGG_CFG = {"A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
           "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                 512, 512, 512, "M"]}


# ----- tests -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,mirror", [
    ("resnet18", lambda: TResNet(TBasic, [2, 2, 2, 2])),
    ("resnet34", lambda: TResNet(TBasic, [3, 4, 6, 3])),
    ("resnet50", lambda: TResNet(TBottleneck, [3, 4, 6, 3])),
    ("mobilenet_v2", TMobileNetV2),
])
def test_cnn_keys_shapes_and_parameter_count(name, mirror):
    model = models.get_model(name)
    assert n_params(model) == TORCHVISION_PARAMS[name]
    theirs = mirror()
    assert n_params(theirs) == TORCHVISION_PARAMS[name]
    assert shapes(model) == shapes(theirs)
    assert model(ember.randn(1, 3, 64, 64)).shape == (1, 1000)


def test_torchvision_key_names():
    keys = set(models.resnet18().state_dict())
    for k in ["conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked",
              "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
              "layer2.0.downsample.1.running_var", "fc.weight", "fc.bias"]:
        assert k in keys
    keys = set(models.mobilenet_v2().state_dict())
    for k in ["features.0.0.weight", "features.0.1.running_mean", "features.1.conv.0.0.weight",
              "features.1.conv.1.weight", "features.2.conv.0.0.weight",
              "features.18.0.weight", "classifier.1.weight"]:
        assert k in keys
    keys = set(models.vit_tiny().state_dict())
    for k in ["conv_proj.weight", "class_token", "encoder.pos_embedding",
              "encoder.layers.encoder_layer_0.ln_1.weight",
              "encoder.layers.encoder_layer_0.self_attention.in_proj_weight",
              "encoder.layers.encoder_layer_0.self_attention.out_proj.weight",
              "encoder.layers.encoder_layer_0.mlp.0.weight",
              "encoder.layers.encoder_layer_5.mlp.3.bias", "encoder.ln.weight",
              "heads.head.weight"]:
        assert k in keys


@pytest.mark.parametrize("cfg,bn,name", [("A", False, "vgg11"), ("A", True, "vgg11_bn"),
                                         ("D", False, "vgg16"), ("D", True, "vgg16_bn")])
def test_vgg_features_and_parameter_count(cfg, bn, name):
    # The full VGGs hold 100M+ parameters (slow to initialise here), so the fast check is the
    # `features` part against the mirror plus the fixed classifier's size.
    ours = models.vgg.make_layers(models.vgg.cfgs[cfg], batch_norm=bn)
    theirs = t_vgg_features(VGG_CFG[cfg], bn)
    assert shapes(ours) == shapes(theirs)
    classifier = 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000
    assert n_params(ours) + classifier == TORCHVISION_PARAMS[name]
    x = ember.randn(1, 3, 32, 32)
    assert ours(x).shape == (1, 512, 1, 1)


@SLOW
@pytest.mark.parametrize("cfg,bn,name", [("A", False, "vgg11"), ("A", True, "vgg11_bn"),
                                         ("D", False, "vgg16"), ("D", True, "vgg16_bn")])
def test_vgg_full(cfg, bn, name):
    model = models.get_model(name)
    assert n_params(model) == TORCHVISION_PARAMS[name]
    theirs = TVGG(VGG_CFG[cfg], bn)
    assert shapes(model) == shapes(theirs)
    w = model.classifier[0].weight.detach().numpy()
    assert abs(w.std() - 0.01) < 1e-3 and np.all(model.classifier[0].bias.detach().numpy() == 0)
    if name == "vgg11_bn":
        assert_same_outputs(model, randomize_(theirs), (1, 3, 32, 32))


@SLOW
def test_vit_b_16_full():
    model = models.vit_b_16()
    assert n_params(model) == TORCHVISION_PARAMS["vit_b_16"]
    assert shapes(model) == shapes(TViT(224, 16, 12, 12, 768, 3072))


def test_vit_b_16_layout_without_building_it():
    # 86,567,656 = patch embedding + class token + positions + 12 blocks + final norm + head
    dim, mlp, seq = 768, 3072, (224 // 16) ** 2 + 1
    block = 2 * 2 * dim + (3 * dim * dim + 3 * dim) + (dim * dim + dim) \
        + (dim * mlp + mlp) + (mlp * dim + dim)
    total = 3 * 16 * 16 * dim + dim + dim + seq * dim + 12 * block + 2 * dim + dim * 1000 + 1000
    assert total == TORCHVISION_PARAMS["vit_b_16"]
    small = models.VisionTransformer(image_size=32, patch_size=16, num_layers=2, num_heads=12,
                                     hidden_dim=dim, mlp_dim=mlp)
    assert shapes(small) == shapes(TViT(32, 16, 2, 12, dim, mlp))


def test_resnet18_loads_torch_weights_and_matches():
    assert_same_outputs(models.resnet18(num_classes=7),
                        randomize_(TResNet(TBasic, [2, 2, 2, 2], num_classes=7)),
                        (2, 3, 40, 40))


def test_bottleneck_resnet_matches_torch():
    # resnet50's blocks in a one-block-per-stage ResNet, to keep the test quick
    model = models.ResNet(models.resnet.Bottleneck, [1, 1, 1, 1], num_classes=5)
    assert_same_outputs(model, randomize_(TResNet(TBottleneck, [1, 1, 1, 1], num_classes=5)),
                        (2, 3, 32, 32))


def test_resnet_cifar_matches_torch():
    model = models.resnet18_cifar()
    mirror = TResNet(TBasic, [2, 2, 2, 2], num_classes=10, small=True)
    assert shapes(model) == shapes(mirror)
    assert shapes(model)["conv1.weight"] == (64, 3, 3, 3)
    assert_same_outputs(model, randomize_(mirror), (2, 3, 32, 32))


def test_mobilenet_v2_matches_torch():
    assert_same_outputs(models.mobilenet_v2(num_classes=10), randomize_(TMobileNetV2(10)),
                        (2, 3, 32, 32))


def test_vit_tiny_matches_torch():
    model = models.vit_tiny()
    mirror = TViT(32, 4, 6, 3, 192, 768, num_classes=10)
    assert shapes(model) == shapes(mirror)
    assert_same_outputs(model, randomize_(mirror), (2, 3, 32, 32))
    with pytest.raises(ValueError, match="Wrong image size"):
        model(ember.randn(1, 3, 64, 64))


def test_lenet5_matches_torch():
    model = models.lenet5()
    assert n_params(model) == 61_706
    assert_same_outputs(model, randomize_(TLeNet5()), (3, 1, 28, 28))
    assert models.LeNet5(in_size=32)(ember.randn(1, 1, 32, 32)).shape == (1, 10)
    assert models.LeNet5(classic=True)(ember.randn(1, 1, 28, 28)).shape == (1, 10)


def test_initialisation_follows_torchvision():
    ember.manual_seed(0)
    m = models.resnet50()
    w = m.conv1.weight.detach().numpy()
    assert abs(w.std() / math.sqrt(2 / (64 * 7 * 7)) - 1) < 0.05  # kaiming fan_out
    w = m.layer3[0].conv2.weight.detach().numpy()
    assert abs(w.std() / math.sqrt(2 / (256 * 9)) - 1) < 0.05
    assert np.all(m.bn1.weight.detach().numpy() == 1) and np.all(m.bn1.bias.detach().numpy() == 0)
    assert np.all(m.layer1[0].bn3.weight.detach().numpy() == 1)
    bound = 1 / math.sqrt(2048)  # fc keeps nn.Linear's default init
    assert np.abs(m.fc.weight.detach().numpy()).max() <= bound
    z = models.resnet50(zero_init_residual=True)
    assert np.all(z.layer1[0].bn3.weight.detach().numpy() == 0)
    assert np.all(z.layer1[0].bn1.weight.detach().numpy() == 1)
    z = models.resnet18(zero_init_residual=True)
    assert np.all(z.layer4[1].bn2.weight.detach().numpy() == 0)

    mb = models.mobilenet_v2()
    w = mb.classifier[1].weight.detach().numpy()
    assert abs(w.std() - 0.01) < 1e-3 and np.all(mb.classifier[1].bias.detach().numpy() == 0)
    w = mb.features[0][0].weight.detach().numpy()
    assert abs(w.std() / math.sqrt(2 / (32 * 9)) - 1) < 0.15

    v = models.vit_tiny()
    assert np.all(v.heads.head.weight.detach().numpy() == 0)
    assert np.all(v.class_token.detach().numpy() == 0)
    assert abs(v.encoder.pos_embedding.detach().numpy().std() - 0.02) < 0.002
    w = v.conv_proj.weight.detach().numpy()
    # trunc_normal_(std=sqrt(1/fan_in)) with torch's default cut at +-2 (absolute)
    assert abs(w.std() / math.sqrt(1 / 48) - 1) < 0.05 and np.abs(w).max() <= 2
    b = v.encoder.layers.encoder_layer_0.mlp[0].bias.detach().numpy()
    assert np.abs(b).max() < 1e-5


def test_factory_arguments():
    assert models.resnet18(num_classes=3).fc.out_features == 3
    assert models.resnet18(weights=None, progress=False).fc.out_features == 1000
    assert models.resnet18(pretrained=False).fc.out_features == 1000
    for kwargs in ({"weights": "DEFAULT"}, {"weights": "IMAGENET1K_V1"}, {"pretrained": True}):
        with pytest.raises(RuntimeError, match="cannot download"):
            models.resnet18(**kwargs)
    with pytest.raises(TypeError):
        models.resnet18(True)
    assert "resnet18" in models.list_models() and "vit_b_16" in models.list_models()
    assert models.list_models(include="vgg1?_bn") == ["vgg11_bn", "vgg13_bn", "vgg16_bn",
                                                      "vgg19_bn"]
    assert models.get_model("lenet5", num_classes=4).classifier[-1].out_features == 4
    with pytest.raises(ValueError):
        models.get_model("nope")
    m = models.mobilenet_v2(width_mult=0.5, num_classes=2)
    assert m(ember.randn(2, 3, 32, 32)).shape == (2, 2)


def test_torch_code_runs_unchanged():
    import ember.vision as torchvision

    model = torchvision.models.resnet18(weights=None, num_classes=4)
    model.eval()
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    loss = ember.nn.functional.cross_entropy(model(ember.randn(2, 3, 32, 32)),
                                             ember.tensor([0, 3]))
    loss.backward()
    opt.step()
    assert model.fc.weight.grad is not None and model.conv1.weight.grad.shape == (64, 3, 7, 7)
