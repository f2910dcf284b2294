"""The torchvision pieces of the classic PyTorch tutorials (CIFAR-10 classifier, transfer
learning, DCGAN, spatial transformer, super-resolution, neural style transfer), run through
ember.vision and checked against the same steps written in plain torch (torchvision is not
installed beside the torch oracle, so each torchvision piece is mirrored here in torch/PIL)."""
import copy

import numpy as np
import pytest
import torch

import ember
import ember.vision as torchvision
from ember.vision import datasets, models, transforms

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def _pil(h, w, seed, mode="RGB"):
    rng = np.random.default_rng(seed)
    shape = (h, w, 3) if mode == "RGB" else (h, w)
    return Image.fromarray(rng.integers(0, 256, size=shape, dtype=np.uint8), mode=mode)


def _mirror_to_tensor(img):
    """transforms.ToTensor() in torch: HWC uint8 -> CHW float in [0, 1]."""
    a = torch.from_numpy(np.array(img, dtype=np.uint8).copy())
    if a.dim() == 2:
        a = a.unsqueeze(-1)
    return a.permute(2, 0, 1).float().div(255)


def _mirror_normalize(t, mean, std):
    return (t - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)


def _mirror_make_grid(t, nrow=8, padding=2, pad_value=0.0, normalize=False):
    """torchvision.utils.make_grid written with torch ops."""
    if t.size(1) == 1:
        t = t.repeat(1, 3, 1, 1)
    if normalize:
        t = (t - t.min()) / max(float(t.max() - t.min()), 1e-5)
    n, c, h, w = t.shape
    xm = min(nrow, n)
    ym = -(-n // xm)
    grid = torch.full((c, (h + padding) * ym + padding, (w + padding) * xm + padding),
                      float(pad_value))
    for k in range(n):
        y, x = divmod(k, xm)
        top, left = y * (h + padding) + padding, x * (w + padding) + padding
        grid[:, top:top + h, left:left + w] = t[k]
    return grid


def _np(t):
    return t.detach().numpy()


def test_cifar10_transform_compose():
    """CIFAR-10 tutorial: Compose([ToTensor(), Normalize((0.5,)*3, (0.5,)*3)]) on a PIL image."""
    transform = transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    img = _pil(32, 32, 1)
    got = transform(img)
    want = _mirror_normalize(_mirror_to_tensor(img), (0.5,) * 3, (0.5,) * 3)
    assert isinstance(got, ember.Tensor) and got.dtype == ember.float32
    assert tuple(got.shape) == (3, 32, 32)
    np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-6, atol=1e-6)
    # imshow(): img / 2 + 0.5, then numpy transpose to HWC
    npimg = (got / 2 + 0.5).numpy()
    np.testing.assert_allclose(np.transpose(npimg, (1, 2, 0)), np.array(img) / 255, atol=1e-6)


def test_fakedata_through_dataloader_and_net():
    """CIFAR-10 loop on FakeData: DataLoader batches, a conv net, torch.max(outputs, 1)."""
    ds = datasets.FakeData(size=8, image_size=(3, 32, 32), num_classes=10,
                           transform=transforms.ToTensor())
    loader = ember.utils.data.DataLoader(ds, batch_size=4, shuffle=False)
    images, labels = next(iter(loader))
    assert tuple(images.shape) == (4, 3, 32, 32) and images.dtype == ember.float32
    assert labels.dtype == ember.int64 and tuple(labels.shape) == (4,)
    assert float(images.min()) >= 0 and float(images.max()) <= 1
    conv = ember.nn.Conv2d(3, 6, 5)
    out = ember.nn.functional.max_pool2d(conv(images), 2)
    w = torch.from_numpy(_np(conv.weight).copy())
    b = torch.from_numpy(_np(conv.bias).copy())
    want = torch.nn.functional.max_pool2d(
        torch.nn.functional.conv2d(torch.from_numpy(_np(images).copy()), w, b), 2)
    np.testing.assert_allclose(_np(out), want.numpy(), rtol=1e-5, atol=1e-5)
    _, pred = ember.max(out.flatten(1), 1)
    assert pred.tolist() == torch.max(want.flatten(1), 1).indices.tolist()


def test_transfer_learning_imagefolder_and_val_transform(tmp_path):
    """Transfer-learning tutorial: ImageFolder per phase with the data_transforms dict."""
    for phase in ("train", "val"):
        for cls, seed in (("ants", 0), ("bees", 5)):
            d = tmp_path / phase / cls
            d.mkdir(parents=True)
            for k in range(2):
                _pil(30 + k, 40, seed + k).save(d / f"{k}.png")
    data_transforms = {
        'train': transforms.Compose([
            transforms.RandomResizedCrop(16), transforms.RandomHorizontalFlip(),
            transforms.ToTensor(), transforms.Normalize(MEAN, STD)]),
        'val': transforms.Compose([
            transforms.Resize(20), transforms.CenterCrop(16),
            transforms.ToTensor(), transforms.Normalize(MEAN, STD)]),
    }
    image_datasets = {x: datasets.ImageFolder(str(tmp_path / x), data_transforms[x])
                      for x in ['train', 'val']}
    dataloaders = {x: ember.utils.data.DataLoader(image_datasets[x], batch_size=2,
                                                  shuffle=False) for x in ['train', 'val']}
    dataset_sizes = {x: len(image_datasets[x]) for x in ['train', 'val']}
    assert dataset_sizes == {'train': 4, 'val': 4}
    assert image_datasets['train'].classes == ['ants', 'bees']
    assert image_datasets['val'].class_to_idx == {'ants': 0, 'bees': 1}
    inputs, classes = next(iter(dataloaders['train']))
    assert tuple(inputs.shape) == (2, 3, 16, 16) and classes.tolist() == [0, 0]
    # val path against the same steps written with PIL + torch
    path, target = image_datasets['val'].samples[3]
    img = Image.open(path).convert('RGB')
    w, h = img.size
    short = 20
    size = (short, int(short * w / h)) if h < w else (int(short * h / w), short)
    resized = img.resize((size[1], size[0]), Image.BILINEAR)
    t = _mirror_to_tensor(resized)
    top = int(round((size[0] - 16) / 2.0))
    left = int(round((size[1] - 16) / 2.0))
    want = _mirror_normalize(t[:, top:top + 16, left:left + 16], MEAN, STD)
    got, got_target = image_datasets['val'][3]
    assert got_target == target == 1
    np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-5, atol=1e-5)
    # inputs grid as in imshow(out): make_grid of the batch
    grid = torchvision.utils.make_grid(inputs)
    np.testing.assert_allclose(_np(grid), _mirror_make_grid(torch.from_numpy(
        _np(inputs).copy())).numpy(), atol=1e-6)


def test_transfer_learning_resnet18_freeze_and_replace_fc():
    """model_conv = resnet18(); freeze; replace fc; only fc trains; best weights restore."""
    ember.manual_seed(0)
    model_conv = models.resnet18(weights=None)
    for param in model_conv.parameters():
        param.requires_grad = False
    num_ftrs = model_conv.fc.in_features
    assert num_ftrs == 512
    model_conv.fc = ember.nn.Linear(num_ftrs, 2)
    trainable = [n for n, p in model_conv.named_parameters() if p.requires_grad]
    assert trainable == ['fc.weight', 'fc.bias']
    optimizer_conv = ember.optim.SGD(model_conv.fc.parameters(), lr=0.001, momentum=0.9)
    scheduler = ember.optim.lr_scheduler.StepLR(optimizer_conv, step_size=7, gamma=0.1)
    best_model_wts = copy.deepcopy(model_conv.state_dict())
    x = ember.rand(2, 3, 32, 32)
    labels = ember.tensor([0, 1])
    model_conv.train()
    features = {}
    model_conv.avgpool.register_forward_hook(lambda m, i, o: features.setdefault('f', o))
    with ember.set_grad_enabled(True):
        outputs = model_conv(x)
        loss = ember.nn.functional.cross_entropy(outputs, labels)
    loss.backward()
    # the fc gradient against torch on the same pooled features
    f = torch.from_numpy(_np(features['f']).copy()).flatten(1)
    tw = torch.from_numpy(_np(model_conv.fc.weight).copy()).requires_grad_()
    tb = torch.from_numpy(_np(model_conv.fc.bias).copy()).requires_grad_()
    tl = torch.nn.functional.cross_entropy(f @ tw.t() + tb, torch.tensor([0, 1]))
    tl.backward()
    np.testing.assert_allclose(loss.item(), tl.item(), rtol=1e-5)
    np.testing.assert_allclose(_np(model_conv.fc.weight.grad), tw.grad.numpy(), rtol=1e-4,
                               atol=1e-6)
    assert model_conv.conv1.weight.grad is None and model_conv.layer4[1].bn2.weight.grad is None
    frozen = model_conv.conv1.weight.clone()
    optimizer_conv.step()
    scheduler.step()
    assert ember.equal(frozen, model_conv.conv1.weight)
    assert not ember.equal(best_model_wts['fc.weight'], model_conv.fc.weight)
    model_conv.load_state_dict(best_model_wts)
    assert ember.equal(best_model_wts['fc.weight'], model_conv.fc.weight)
    model_conv.eval()
    with ember.no_grad():
        _, preds = ember.max(model_conv(x), 1)
    assert preds.dtype == ember.int64 and tuple(preds.shape) == (2,)


def test_dcgan_make_grid_normalize():
    """DCGAN: vutils.make_grid(fake, padding=2, normalize=True) and the real-batch grid."""
    fake = ember.tanh(ember.randn(5, 3, 8, 8))
    got = torchvision.utils.make_grid(fake, padding=2, normalize=True)
    want = _mirror_make_grid(torch.from_numpy(_np(fake).copy()), padding=2, normalize=True)
    assert tuple(got.shape) == tuple(want.shape) == (3, 12, 52)
    np.testing.assert_allclose(_np(got), want.numpy(), atol=1e-6)
    got = torchvision.utils.make_grid(fake[:4], nrow=2, padding=1, pad_value=0.5)
    want = _mirror_make_grid(torch.from_numpy(_np(fake[:4]).copy()), nrow=2, padding=1,
                             pad_value=0.5)
    np.testing.assert_allclose(_np(got), want.numpy(), atol=1e-6)
    gray = ember.rand(3, 1, 4, 4)
    np.testing.assert_allclose(
        _np(torchvision.utils.make_grid(gray)),
        _mirror_make_grid(torch.from_numpy(_np(gray).copy())).numpy(), atol=1e-6)


def test_spatial_transformer_convert_image_np():
    """STN tutorial's convert_image_np(make_grid(...)) and the MNIST Normalize((0.1307,),
    (0.3081,)) transform."""
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    imgs = [_pil(12, 12, s, mode="L") for s in range(3)]
    batch = ember.stack([tf(i) for i in imgs])
    want = torch.stack([_mirror_normalize(_mirror_to_tensor(i), (0.1307,), (0.3081,))
                        for i in imgs])
    np.testing.assert_allclose(_np(batch), want.numpy(), rtol=1e-5, atol=1e-5)

    def convert_image_np(inp):
        inp = inp.numpy().transpose((1, 2, 0))
        mean = np.array([0.485, 0.456, 0.406])
        std = np.array([0.229, 0.224, 0.225])
        inp = std * inp + mean
        return np.clip(inp, 0, 1)

    theta = ember.tensor([[[0.8, 0.1, 0.0], [-0.1, 0.9, 0.1]]]).repeat(3, 1, 1)
    grid = ember.nn.functional.affine_grid(theta, batch.size(), align_corners=False)
    moved = ember.nn.functional.grid_sample(batch, grid, align_corners=False)
    tgrid = torch.nn.functional.affine_grid(torch.from_numpy(_np(theta).copy()),
                                            want.size(), align_corners=False)
    tmoved = torch.nn.functional.grid_sample(want, tgrid, align_corners=False)
    got = convert_image_np(torchvision.utils.make_grid(moved))
    exp = convert_image_np(_mirror_make_grid(tmoved))
    assert got.shape == exp.shape == (16, 44, 3)
    np.testing.assert_allclose(got, exp, rtol=1e-5, atol=1e-5)


def test_super_resolution_ycbcr_flow():
    """Super-resolution tutorial: YCbCr split, ToTensor()(img_y).unsqueeze_(0), back to PIL."""
    img = _pil(12, 10, 7)
    img_ycbcr = img.convert('YCbCr')
    img_y, img_cb, img_cr = img_ycbcr.split()
    to_tensor = transforms.ToTensor()
    y = to_tensor(img_y)
    y.unsqueeze_(0)
    assert tuple(y.shape) == (1, 1, 12, 10)
    np.testing.assert_allclose(_np(y)[0], _mirror_to_tensor(img_y).numpy(), atol=1e-7)
    out = ember.nn.functional.pixel_shuffle(y.repeat(1, 9, 1, 1), 3)
    out_y = out[0].detach().numpy()
    out_y *= 255.0
    out_y = out_y.clip(0, 255)
    out_img_y = Image.fromarray(np.uint8((out_y[0] + 0.5).astype(np.uint8)), mode='L')
    assert out_img_y.size == (30, 36)
    out_img_cb = img_cb.resize(out_img_y.size, Image.BICUBIC)
    out_img_cr = img_cr.resize(out_img_y.size, Image.BICUBIC)
    out_img = Image.merge("YCbCr", [out_img_y, out_img_cb, out_img_cr]).convert("RGB")
    assert out_img.size == (30, 36) and out_img.mode == "RGB"
    # Resize on a tensor (antialias bilinear) vs torch's interpolate
    small = transforms.Resize((6, 5), antialias=True)(y)
    want = torch.nn.functional.interpolate(torch.from_numpy(_np(y).copy()), size=(6, 5),
                                           mode="bilinear", antialias=True, align_corners=False)
    np.testing.assert_allclose(_np(small), want.numpy(), rtol=1e-5, atol=1e-6)


def test_style_transfer_loader_unloader_and_vgg_children():
    """Style transfer: loader = Compose([Resize(imsize), ToTensor()]), unloader = ToPILImage(),
    and walking vgg19().features.children() with isinstance checks."""
    imsize = 16
    loader = transforms.Compose([transforms.Resize(imsize), transforms.ToTensor()])
    image = _pil(20, 30, 3)
    t = loader(image).unsqueeze(0)
    want = _mirror_to_tensor(image.resize((24, 16), Image.BILINEAR)).unsqueeze(0)
    assert tuple(t.shape) == (1, 3, 16, 24)
    np.testing.assert_allclose(_np(t), want.numpy(), atol=1e-6)
    unloader = transforms.ToPILImage()
    back = unloader(t.cpu().clone().squeeze(0))
    assert back.size == (24, 16) and back.mode == "RGB"
    np.testing.assert_array_equal(np.array(back),
                                  want[0].mul(255).byte().permute(1, 2, 0).numpy())
    # vgg19(weights=None).features, built without vgg19's 100M-parameter classifier
    cnn = models.vgg.make_layers(models.vgg.cfgs["E"]).eval()
    kinds = []
    for layer in cnn.children():
        if isinstance(layer, ember.nn.Conv2d):
            kinds.append("conv")
        elif isinstance(layer, ember.nn.ReLU):
            kinds.append("relu")
            assert layer.inplace
        elif isinstance(layer, ember.nn.MaxPool2d):
            kinds.append("pool")
        else:
            raise AssertionError(type(layer).__name__)
    assert kinds.count("conv") == 16 and kinds.count("pool") == 5 and len(kinds) == 37
    feats = cnn[:4](t)
    assert tuple(feats.shape) == (1, 64, 16, 24)


def test_transforms_v2_tutorial_pipeline():
    """`from torchvision.transforms import v2`: ToImage -> RandomResizedCrop ->
    RandomHorizontalFlip -> ToDtype(float32, scale=True) -> Normalize, as in the v2 docs."""
    from ember.vision.transforms import v2
    img = _pil(20, 24, 11)
    t = v2.ToImage()(img)
    assert t.dtype == ember.uint8 and tuple(t.shape) == (3, 20, 24)
    np.testing.assert_array_equal(t.numpy(), np.array(img).transpose(2, 0, 1))
    f = v2.ToDtype(ember.float32, scale=True)(t)
    np.testing.assert_allclose(f.numpy(), _mirror_to_tensor(img).numpy(), atol=1e-7)
    assert v2.ToDtype(ember.float32)(t).max().item() == float(np.array(img).max())
    assert v2.ToDtype({ember.Tensor: ember.float64}, scale=True)(t).dtype == ember.float64
    pipeline = v2.Compose([
        v2.ToImage(),
        v2.RandomResizedCrop(size=(8, 8), antialias=True),
        v2.RandomHorizontalFlip(p=0.5),
        v2.ToDtype(ember.float32, scale=True),
        v2.Normalize(mean=MEAN, std=STD),
    ])
    out = pipeline(img)
    assert tuple(out.shape) == (3, 8, 8) and out.dtype == ember.float32
    # deterministic part against the torch mirror
    det = v2.Compose([v2.ToImage(), v2.CenterCrop(10), v2.ToDtype(ember.float32, scale=True),
                      v2.Normalize(MEAN, STD)])
    want = _mirror_normalize(_mirror_to_tensor(img)[:, 5:15, 7:17], MEAN, STD)
    np.testing.assert_allclose(det(img).numpy(), want.numpy(), rtol=1e-6, atol=1e-6)


def test_transforms_v2_joint_inputs_share_random_draws():
    """v2 transforms called on (image, mask, label) crop/flip image and mask alike and pass
    the label through."""
    from ember.vision.transforms import v2
    image = ember.arange(2 * 12 * 10, dtype=ember.float32).reshape(2, 12, 10)
    mask = image[:1].clone()
    tf = v2.Compose([v2.RandomResizedCrop((6, 5), antialias=False,
                                          interpolation=v2.InterpolationMode.NEAREST),
                     v2.RandomHorizontalFlip(p=0.5)])
    for seed in range(4):
        ember.manual_seed(seed)
        out_img, out_mask, label = tf(image, mask, 3)
        assert label == 3 and tuple(out_img.shape) == (2, 6, 5)
        assert ember.equal(out_img[:1], out_mask)
    sample = {"image": image, "label": 7}
    res = v2.RandomVerticalFlip(p=1.0)(sample)
    assert res["label"] == 7 and ember.equal(res["image"], image.flip(-2))
    assert v2.ToPureTensor()(image) is image


class _TorchBasicBlock(torch.nn.Module):
    """torchvision's BasicBlock written in plain torch (same attribute names)."""

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes))

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + idt)


class _TorchResNet18(torch.nn.Module):
    """torchvision.models.resnet18 written in plain torch, for loading ember's state_dict."""

    def __init__(self, num_classes=1000):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        widths, inp = (64, 128, 256, 512), 64
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", nn.Sequential(_TorchBasicBlock(inp, w, stride),
                                                         _TorchBasicBlock(w, w)))
            inp = w
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def test_resnet18_matches_torchvision_architecture():
    """ember.vision.models.resnet18's state_dict loads into torchvision's layout (mirrored in
    torch) and both compute the same logits, in eval and in train mode (batch statistics; 64x64
    inputs so that layer4's batch norm sees 2x2 maps, not ill-conditioned 1x1 ones)."""
    ember.manual_seed(3)
    model = models.resnet18(weights=None, num_classes=5)
    ref = _TorchResNet18(num_classes=5)
    sd = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    assert list(sd) == list(ref.state_dict())
    ref.load_state_dict(sd)
    x = np.random.default_rng(0).random((2, 3, 64, 64)).astype(np.float32)
    for train in (False, True):
        model.train(train)
        ref.train(train)
        got = model(ember.from_numpy(x))
        want = ref(torch.from_numpy(x))
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-4,
                                   atol=1e-4)
    np.testing.assert_allclose(model.layer2[0].bn1.running_mean.numpy(),
                               ref.layer2[0].bn1.running_mean.numpy(), rtol=1e-4, atol=1e-6)


class _TorchFire(torch.nn.Module):
    def __init__(self, inp, sq, e1, e3):
        super().__init__()
        nn = torch.nn
        self.squeeze = nn.Conv2d(inp, sq, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(sq, e1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(sq, e3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


def _torch_squeezenet1_1(num_classes):
    """torchvision.models.squeezenet1_1's layout in plain torch."""
    nn = torch.nn
    pool = lambda: nn.MaxPool2d(3, 2, ceil_mode=True)  # noqa: E731
    m = nn.Module()
    m.features = nn.Sequential(
        nn.Conv2d(3, 64, 3, stride=2), nn.ReLU(inplace=True), pool(),
        _TorchFire(64, 16, 64, 64), _TorchFire(128, 16, 64, 64), pool(),
        _TorchFire(128, 32, 128, 128), _TorchFire(256, 32, 128, 128), pool(),
        _TorchFire(256, 48, 192, 192), _TorchFire(384, 48, 192, 192),
        _TorchFire(384, 64, 256, 256), _TorchFire(512, 64, 256, 256))
    m.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(512, num_classes, 1),
                                 nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)))
    return lambda x: torch.flatten(m.classifier(m.features(x)), 1), m


def _torch_alexnet(num_classes):
    """torchvision.models.alexnet's layout in plain torch."""
    nn = torch.nn
    m = nn.Module()
    m.features = nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(True), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(True), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(True),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(True),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(True), nn.MaxPool2d(3, 2))
    m.avgpool = nn.AdaptiveAvgPool2d((6, 6))
    m.classifier = nn.Sequential(nn.Dropout(), nn.Linear(9216, 4096), nn.ReLU(True), nn.Dropout(),
                                 nn.Linear(4096, 4096), nn.ReLU(True), nn.Linear(4096, num_classes))
    return lambda x: m.classifier(torch.flatten(m.avgpool(m.features(x)), 1)), m


def test_finetuning_tutorial_initialize_model_squeezenet_and_alexnet():
    """"Finetuning Torchvision Models": initialize_model() for squeezenet and alexnet
    (feature extraction, replaced heads), checked against torchvision's layouts in torch."""
    def set_parameter_requires_grad(model, feature_extracting):
        if feature_extracting:
            for param in model.parameters():
                param.requires_grad = False

    ember.manual_seed(0)
    x = np.random.default_rng(1).random((2, 3, 64, 64)).astype(np.float32)
    sq = models.squeezenet1_1(weights=None)
    set_parameter_requires_grad(sq, True)
    sq.classifier[1] = ember.nn.Conv2d(512, 3, kernel_size=(1, 1), stride=(1, 1))
    sq.num_classes = 3
    assert [n for n, p in sq.named_parameters() if p.requires_grad] == [
        "classifier.1.weight", "classifier.1.bias"]
    al = models.alexnet(weights=None)
    set_parameter_requires_grad(al, True)
    num_ftrs = al.classifier[6].in_features
    al.classifier[6] = ember.nn.Linear(num_ftrs, 3)
    assert num_ftrs == 4096
    for model, mirror in ((sq, _torch_squeezenet1_1), (al, _torch_alexnet)):
        fwd, ref = mirror(3)
        sd = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
        assert list(sd) == list(ref.state_dict())
        ref.load_state_dict(sd)
        model.eval()
        ref.eval()
        got = model(ember.from_numpy(x))
        want = fwd(torch.from_numpy(x))
        assert tuple(got.shape) == (2, 3)
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)
    # torchvision's initialisation: final_conv normal(0, 0.01), other convs kaiming-uniform
    fresh = models.squeezenet1_0(weights=None, num_classes=10)
    assert abs(float(fresh.classifier[1].weight.std()) - 0.01) < 0.002
    assert float(fresh.features[0].bias.abs().sum()) == 0.0
    assert models.get_model("alexnet", num_classes=4).classifier[6].out_features == 4


def test_densenet_matches_torchvision_layout_and_math():
    """DenseNet: torchvision's parameter counts and key names; a small configuration's eval
    forward against the same computation written with torch.nn.functional on its state_dict;
    the finetuning tutorial's `model_ft.classifier = nn.Linear(num_ftrs, num_classes)`."""
    assert sum(p.numel() for p in models.densenet121().parameters()) == 7978856
    ember.manual_seed(0)
    net = models.DenseNet(growth_rate=4, block_config=(2, 3), num_init_features=8, bn_size=2,
                          num_classes=5).eval()
    with ember.no_grad():  # non-trivial batch-norm statistics
        for name, b in net.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(ember.rand(b.shape) * 0.2)
            elif name.endswith("running_var"):
                b.copy_(ember.rand(b.shape) + 0.5)
    sd = {k: torch.from_numpy(v.numpy().copy()) for k, v in net.state_dict().items()}
    assert "features.denseblock2.denselayer3.conv2.weight" in sd
    assert "features.transition1.conv.weight" in sd and "features.norm5.running_var" in sd
    tF = torch.nn.functional

    def bn_relu(x, p):
        return tF.relu(tF.batch_norm(x, sd[p + ".running_mean"], sd[p + ".running_var"],
                                     sd[p + ".weight"], sd[p + ".bias"], False))

    def reference(x):
        x = tF.conv2d(x, sd["features.conv0.weight"], stride=2, padding=3)
        x = tF.max_pool2d(bn_relu(x, "features.norm0"), 3, 2, 1)
        for b, n in ((1, 2), (2, 3)):
            feats = [x]
            for i in range(1, n + 1):
                p = f"features.denseblock{b}.denselayer{i}"
                h = tF.conv2d(bn_relu(torch.cat(feats, 1), p + ".norm1"), sd[p + ".conv1.weight"])
                feats.append(tF.conv2d(bn_relu(h, p + ".norm2"), sd[p + ".conv2.weight"],
                                       padding=1))
            x = torch.cat(feats, 1)
            if b == 1:
                x = tF.avg_pool2d(tF.conv2d(bn_relu(x, "features.transition1.norm"),
                                            sd["features.transition1.conv.weight"]), 2)
        x = tF.adaptive_avg_pool2d(bn_relu(x, "features.norm5"), 1).flatten(1)
        return tF.linear(x, sd["classifier.weight"], sd["classifier.bias"])

    x = np.random.default_rng(2).random((2, 3, 32, 32)).astype(np.float32)
    np.testing.assert_allclose(net(ember.from_numpy(x)).detach().numpy(),
                               reference(torch.from_numpy(x)).numpy(), rtol=1e-4, atol=1e-5)
    num_ftrs = net.classifier.in_features
    net.classifier = ember.nn.Linear(num_ftrs, 2)
    assert num_ftrs == (8 + 2 * 4) // 2 + 3 * 4 and tuple(net(ember.from_numpy(x)).shape) == (2, 2)
