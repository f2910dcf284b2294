"""ember.vision.transforms against torchvision's documented formulas (torch as the oracle for
interpolate/grid_sample, Pillow for the PIL paths)."""
import colorsys
import math

import numpy as np
import pytest
import torch

import ember
from ember.vision import transforms as T
from ember.vision.transforms import functional as F

PIL = pytest.importorskip("PIL")
from PIL import Image, ImageEnhance  # noqa: E402

RNG = np.random.default_rng(0)


def rgb_pil(h=10, w=12, seed=0):
    arr = np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    return Image.fromarray(arr), arr


def et(a):
    return ember.from_numpy(np.ascontiguousarray(a))


# ---------------------------------------------------------------------------- conversion

def test_to_tensor_pil_and_ndarray():
    img, arr = rgb_pil()
    x = T.ToTensor()(img)
    assert x.dtype == ember.float32 and tuple(x.shape) == (3, 10, 12)
    np.testing.assert_allclose(x.numpy(), arr.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    gray = T.ToTensor()(Image.fromarray(arr[:, :, 0]))
    assert tuple(gray.shape) == (1, 10, 12)
    f = arr.astype(np.float32) * 2
    np.testing.assert_array_equal(T.ToTensor()(f).numpy(), f.transpose(2, 0, 1))  # not scaled
    binary = Image.fromarray(arr[:, :, 0] > 128)
    np.testing.assert_array_equal(T.ToTensor()(binary).numpy()[0], (arr[:, :, 0] > 128) * 1.0)
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2])


def test_pil_to_tensor_and_back():
    img, arr = rgb_pil()
    x = T.PILToTensor()(img)
    assert x.dtype == ember.uint8
    np.testing.assert_array_equal(x.numpy(), arr.transpose(2, 0, 1))
    back = T.ToPILImage()(x)
    assert back.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(back), arr)
    fl = F.to_pil_image(T.ToTensor()(img))
    np.testing.assert_array_equal(np.asarray(fl), arr)
    assert F.to_pil_image(x[:1]).mode == "L"
    assert F.to_pil_image(ember.rand(4, 3, 3)).mode == "RGBA"
    assert F.to_pil_image(ember.rand(1, 3, 3), mode="F").mode == "F"
    with pytest.raises(ValueError, match="> 4 channels"):
        F.to_pil_image(ember.rand(5, 3, 3))


def test_convert_image_dtype():
    u = et(np.array([[[0, 1, 127, 128, 255]]], dtype=np.uint8))
    np.testing.assert_allclose(F.convert_image_dtype(u, ember.float32).numpy(),
                               u.numpy() / 255.0, rtol=1e-7)
    f = et(np.array([[[0.0, 0.2, 0.5, 0.999, 1.0]]], dtype=np.float32))
    expect = (f.numpy() * np.float32(255 + 1 - 1e-3)).astype(np.uint8)
    np.testing.assert_array_equal(T.ConvertImageDtype(ember.uint8)(f).numpy(), expect)
    i32 = F.convert_image_dtype(u, ember.int32)
    np.testing.assert_array_equal(i32.numpy(), u.numpy().astype(np.int64) * (2 ** 31 // 256))
    np.testing.assert_array_equal(F.convert_image_dtype(i32, ember.uint8).numpy(), u.numpy())
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(f, ember.int32)
    assert F.convert_image_dtype(f, ember.float64).dtype == ember.float64


def test_normalize():
    x = RNG.random((2, 3, 4, 5)).astype(np.float32)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    y = T.Normalize(mean, std)(et(x))
    expect = (x - np.float32(mean)[:, None, None]) / np.float32(std)[:, None, None]
    np.testing.assert_allclose(y.numpy(), expect, rtol=1e-6, atol=1e-6)
    src = et(x)
    F.normalize(src, mean, std, inplace=True)
    np.testing.assert_allclose(src.numpy(), expect, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(et(x), mean, (1.0, 0.0, 1.0))
    with pytest.raises(TypeError, match="float tensor"):
        F.normalize(ember.zeros(3, 2, 2, dtype=ember.uint8), mean, std)
    assert repr(T.Normalize((0.5,), (0.5,))) == "Normalize(mean=(0.5,), std=(0.5,))"


# ---------------------------------------------------------------------------- resize

@pytest.mark.parametrize("size", [(7, 9), (30, 40), (5, 50), (17, 23)])
@pytest.mark.parametrize("mode,antialias", [("bilinear", True), ("bilinear", False),
                                            ("bicubic", True), ("bicubic", False),
                                            ("nearest", False), ("nearest-exact", False)])
def test_resize_tensor_matches_interpolate(size, mode, antialias):
    x = RNG.random((2, 3, 17, 23)).astype(np.float32)
    kw = {} if mode.startswith("nearest") else {"align_corners": False, "antialias": antialias}
    ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode, **kw)
    got = F.resize(et(x), list(size), F.InterpolationMode(mode), antialias=antialias)
    assert tuple(got.shape) == tuple(ref.shape)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-5, atol=3e-6)


def test_resize_uint8_tensor_and_size_rules():
    u = RNG.integers(0, 256, size=(3, 17, 23), dtype=np.uint8)
    ref = torch.nn.functional.interpolate(torch.from_numpy(u)[None].float(), size=(8, 10),
                                          mode="bilinear", antialias=True,
                                          align_corners=False)[0]
    got = T.Resize((8, 10))(et(u))
    assert got.dtype == ember.uint8
    assert np.abs(got.numpy().astype(int) - ref.round().clamp(0, 255).numpy()).max() <= 1
    # int size: smaller edge, the other scaled by int(size * long / short)
    assert tuple(T.Resize(8)(et(u)).shape) == (3, 8, int(8 * 23 / 17))
    assert tuple(T.Resize([8])(ember.zeros(1, 30, 20)).shape) == (1, 12, 8)
    assert tuple(T.Resize(8, max_size=10)(ember.zeros(1, 10, 40)).shape) == (1, 2, 10)
    with pytest.raises(ValueError, match="max_size"):
        T.Resize(8, max_size=8)(ember.zeros(1, 10, 40))
    same = ember.zeros(1, 8, 8)
    assert T.Resize(8)(same) is same


def test_resize_pil_uses_pillow_bilinear():
    img, _ = rgb_pil(40, 30)
    out = T.Resize(12)(img)
    assert out.size == (12, 16)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img.resize((12, 16),
                                                                        Image.BILINEAR)))
    out = T.Resize((5, 7), interpolation=T.InterpolationMode.NEAREST)(img)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img.resize((7, 5),
                                                                        Image.NEAREST)))
    assert repr(T.Resize(5)) == "Resize(size=5, interpolation=bilinear, max_size=None, " \
                                "antialias=True)"


# ---------------------------------------------------------------------------- crops, pads

def test_center_crop_offsets_and_padding():
    x = np.arange(7 * 8, dtype=np.float32).reshape(1, 7, 8)
    got = T.CenterCrop((3, 4))(et(x)).numpy()
    top, left = int(round((7 - 3) / 2.0)), int(round((8 - 4) / 2.0))
    np.testing.assert_array_equal(got, x[:, top:top + 3, left:left + 4])
    got = T.CenterCrop(4)(et(x[:, :6, :5])).numpy()
    np.testing.assert_array_equal(got, x[:, 1:5, 0:4] if False else x[:, :6, :5][:, 1:5, 0:4])
    big = T.CenterCrop((9, 11))(et(x)).numpy()
    expect = np.zeros((1, 9, 11), np.float32)
    expect[:, 1:8, 1:9] = x
    np.testing.assert_array_equal(big, expect)
    img, arr = rgb_pil(7, 8)
    np.testing.assert_array_equal(np.asarray(T.CenterCrop((3, 4))(img)), arr[2:5, 2:6])
    np.testing.assert_array_equal(np.asarray(T.CenterCrop((9, 11))(img))[1:8, 1:9], arr)


def test_crop_out_of_bounds_tensor_pads_with_zero():
    x = np.arange(12, dtype=np.float32).reshape(1, 3, 4) + 1
    got = F.crop(et(x), -1, 2, 3, 4).numpy()
    expect = np.zeros((1, 3, 4), np.float32)
    expect[:, 1:3, 0:2] = x[:, 0:2, 2:4]
    np.testing.assert_array_equal(got, expect)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("padding", [1, (1, 2), (2, 0, 1, 3)])
def test_pad_matches_numpy(mode, padding):
    arr = RNG.integers(0, 256, size=(5, 6, 3), dtype=np.uint8)
    p = [padding] * 4 if isinstance(padding, int) else (
        [padding[0], padding[1]] * 2 if len(padding) == 2 else list(padding))
    left, top, right, bottom = p
    kw = {"constant_values": 7} if mode == "constant" else {}
    expect = np.pad(arr, ((top, bottom), (left, right), (0, 0)), mode, **kw)
    got = T.Pad(padding, fill=7, padding_mode=mode)(et(arr.transpose(2, 0, 1)))
    np.testing.assert_array_equal(got.numpy().transpose(1, 2, 0), expect)
    pil = T.Pad(padding, fill=7, padding_mode=mode)(Image.fromarray(arr))
    np.testing.assert_array_equal(np.asarray(pil), expect)


def test_pad_errors():
    with pytest.raises(ValueError, match="1, 2, or 4 element"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode"):
        F.pad(ember.zeros(1, 2, 2), 1, padding_mode="wrap")
    neg = F.pad(et(np.arange(16.0).reshape(1, 4, 4)), [-1, 0, 0, -1])
    np.testing.assert_array_equal(neg.numpy(), np.arange(16.0).reshape(1, 4, 4)[:, :3, 1:])


def test_random_crop_reproducible_and_padding():
    x = et(np.arange(2 * 9 * 10, dtype=np.float32).reshape(2, 9, 10))
    t = T.RandomCrop(6, padding=2)
    ember.manual_seed(3)
    a = t(x)
    ember.manual_seed(3)
    b = t(x)
    assert ember.equal(a, b) and tuple(a.shape) == (2, 6, 6)
    ember.manual_seed(3)
    i = ember.randint(0, 13 - 6 + 1, size=(1,)).item()
    j = ember.randint(0, 14 - 6 + 1, size=(1,)).item()
    padded = F.pad(x, 2)
    assert ember.equal(a, padded[:, i:i + 6, j:j + 6])
    assert tuple(T.RandomCrop((12, 4), pad_if_needed=True)(x).shape) == (2, 12, 4)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(20)(x)
    img, _ = rgb_pil(9, 10)
    assert T.RandomCrop(5, padding=(1, 2))(img).size == (5, 5)


def test_random_resized_crop_params():
    img, _ = rgb_pil(40, 50)
    ember.manual_seed(0)
    params = [T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3)) for _ in range(20)]
    ember.manual_seed(0)
    again = [T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3)) for _ in range(20)]
    assert params == again
    for i, j, h, w in params:
        assert 0 < h <= 40 and 0 < w <= 50 and i + h <= 40 and j + w <= 50
        assert 0.08 * 2000 * 0.8 <= h * w <= 2000
    # first draw follows torchvision's recipe
    ember.manual_seed(5)
    area = 40 * 50 * ember.empty(1).uniform_(0.08, 1.0).item()
    lr = ember.log(ember.tensor((3 / 4, 4 / 3))).tolist()
    aspect = ember.exp(ember.empty(1).uniform_(lr[0], lr[1])).item()
    w, h = int(round(math.sqrt(area * aspect))), int(round(math.sqrt(area / aspect)))
    ember.manual_seed(5)
    assert T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3))[2:] == (h, w)
    # impossible scale: central crop fallback
    assert T.RandomResizedCrop.get_params(img, (5.0, 6.0), (1.0, 1.0)) == (0, 5, 40, 40)
    ember.manual_seed(1)
    out = T.RandomResizedCrop(16)(img)
    assert out.size == (16, 16)
    x = T.RandomResizedCrop((8, 6))(ember.rand(3, 20, 20))
    assert tuple(x.shape) == (3, 8, 6)


def test_flips():
    x = et(np.arange(12.0).reshape(1, 3, 4))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(x).numpy(), x.numpy()[..., ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(x).numpy(), x.numpy()[:, ::-1])
    assert T.RandomHorizontalFlip(0.0)(x) is x
    img, arr = rgb_pil()
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(1.0)(img)), arr[:, ::-1])
    np.testing.assert_array_equal(np.asarray(T.RandomVerticalFlip(1.0)(img)), arr[::-1])
    t = T.RandomHorizontalFlip()
    ember.manual_seed(0)
    flips = [t(x) is not x for _ in range(16)]
    ember.manual_seed(0)
    assert flips == [ember.rand(1).item() < 0.5 for _ in range(16)]


# ---------------------------------------------------------------------------- rotate, affine

def _torch_affine_grid_sample(x, matrix, mode, oh=None, ow=None):
    h, w = x.shape[-2:]
    oh, ow = oh or h, ow or w
    theta = torch.tensor(matrix, dtype=torch.float32).reshape(1, 2, 3)
    base = torch.empty(1, oh, ow, 3)
    base[..., 0].copy_(torch.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, steps=ow))
    base[..., 1].copy_(torch.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, steps=oh).unsqueeze(-1))
    base[..., 2].fill_(1)
    grid = base.view(1, oh * ow, 3).bmm(theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h]))
    grid = grid.view(1, oh, ow, 2)
    xt = torch.from_numpy(x)[None]
    mask = torch.ones(1, 1, h, w)
    out = torch.nn.functional.grid_sample(torch.cat([xt, mask], 1), grid, mode=mode,
                                          padding_mode="zeros", align_corners=False)[0]
    return out[:-1].numpy(), out[-1:].numpy()


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_affine_tensor_matches_grid_sample(mode):
    x = RNG.random((3, 9, 11)).astype(np.float32)
    angle, translate, scale, shear = 30.0, [1, 2], 1.2, [10.0, 5.0]
    m = F._get_inverse_affine_matrix([0.0, 0.0], angle, translate, scale, shear)
    ref, mask = _torch_affine_grid_sample(x, m, mode)
    got = F.affine(et(x), angle, translate, scale, shear, F.InterpolationMode(mode))
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-5, atol=1e-6)
    filled = F.affine(et(x), angle, translate, scale, shear, F.InterpolationMode(mode),
                      fill=[0.5, 0.25, 1.0])
    fill = np.array([0.5, 0.25, 1.0], np.float32)[:, None, None]
    if mode == "nearest":
        expect = np.where(mask < 0.5, fill, ref)
    else:
        expect = ref * mask + (1 - mask) * fill
    np.testing.assert_allclose(filled.numpy(), expect, rtol=1e-5, atol=1e-6)


def test_rotate_tensor_90_is_rot90_and_expand():
    x = RNG.random((2, 6, 6)).astype(np.float32)
    got = F.rotate(et(x), 90.0)
    np.testing.assert_allclose(got.numpy(), np.rot90(x, 1, axes=(1, 2)), atol=1e-6)
    y = RNG.random((1, 4, 6)).astype(np.float32)
    out = F.rotate(et(y), 90.0, expand=True)
    assert tuple(out.shape) == (1, 6, 4)
    np.testing.assert_allclose(out.numpy(), np.rot90(y, 1, axes=(1, 2)), atol=1e-6)
    y = RNG.random((1, 4, 7)).astype(np.float32)
    # the expanded canvas is Pillow's (away from the 90-degree special case)
    for w, h, a in ((7, 4, 33.0), (9, 5, 120.0), (6, 6, 45.0)):
        m = F._get_inverse_affine_matrix([0.0, 0.0], -a, [0.0, 0.0], 1.0, [0.0, 0.0])
        assert F._affine_output_size(m, w, h) == Image.new("L", (w, h)).rotate(a, expand=True).size
    m = F._get_inverse_affine_matrix([0.0, 0.0], -33.0, [0.0, 0.0], 1.0, [0.0, 0.0])
    ow, oh = F._affine_output_size(m, 7, 4)
    ref, _ = _torch_affine_grid_sample(y, m, "bilinear", oh, ow)
    got = F.rotate(et(y), 33.0, T.InterpolationMode.BILINEAR, expand=True)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-5, atol=1e-6)


def test_rotate_and_affine_pil_use_pillow():
    img, _ = rgb_pil(11, 13)
    ember.manual_seed(4)
    out = T.RandomRotation(30, fill=(1, 2, 3))(img)
    ember.manual_seed(4)
    angle = ember.empty(1).uniform_(-30.0, 30.0).item()
    np.testing.assert_array_equal(np.asarray(out),
                                  np.asarray(img.rotate(angle, Image.NEAREST, False, None,
                                                        fillcolor=(1, 2, 3))))
    m = F._get_inverse_affine_matrix([6.5, 5.5], 20.0, [1, -2], 0.9, [5.0, 0.0])
    out = F.affine(img, 20.0, [1, -2], 0.9, 5.0)
    np.testing.assert_array_equal(np.asarray(out),
                                  np.asarray(img.transform((13, 11), Image.AFFINE, m,
                                                           Image.NEAREST, fillcolor=(0, 0, 0))))


def test_random_affine_params_and_reproducible():
    t = T.RandomAffine(10, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=(-5, 5, -3, 3))
    ember.manual_seed(2)
    p = T.RandomAffine.get_params(t.degrees, t.translate, t.scale, t.shear, [20, 30])
    ember.manual_seed(2)
    u = [ember.empty(1).uniform_(lo, hi).item()
         for lo, hi in ((-10, 10), (-2.0, 2.0), (-6.0, 6.0), (0.8, 1.2), (-5, 5), (-3, 3))]
    assert p == (u[0], (int(round(u[1])), int(round(u[2]))), u[3], (u[4], u[5]))
    x = ember.rand(3, 8, 8)
    ember.manual_seed(9)
    a = t(x)
    ember.manual_seed(9)
    assert ember.equal(a, t(x))
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(2, 0))
    with pytest.raises(ValueError, match="must be positive"):
        T.RandomRotation(-3)
    assert T.RandomRotation(5).degrees == [-5.0, 5.0]


# ---------------------------------------------------------------------------- colour

def _gray(x):
    return 0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]


def test_grayscale():
    x = RNG.random((3, 4, 5)).astype(np.float32)
    g = T.Grayscale()(et(x))
    np.testing.assert_allclose(g.numpy()[0], _gray(x), rtol=1e-6)
    g3 = T.Grayscale(3)(et(x))
    assert tuple(g3.shape) == (3, 4, 5)
    np.testing.assert_allclose(g3.numpy()[2], _gray(x), rtol=1e-6)
    u = (x * 255).astype(np.uint8)
    gu = F.rgb_to_grayscale(et(u)).numpy()[0]
    np.testing.assert_array_equal(gu, _gray(u.astype(np.float32)).astype(np.uint8))
    img, arr = rgb_pil()
    np.testing.assert_array_equal(np.asarray(T.Grayscale()(img)), np.asarray(img.convert("L")))
    p3 = T.Grayscale(3)(img)
    assert p3.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(p3)[:, :, 1], np.asarray(img.convert("L")))


def test_adjust_brightness_contrast_saturation_formulas():
    x = RNG.random((3, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(F.adjust_brightness(et(x), 1.5).numpy(),
                               np.clip(1.5 * x, 0, 1), rtol=1e-6)
    mean = _gray(x).mean()
    np.testing.assert_allclose(F.adjust_contrast(et(x), 0.3).numpy(),
                               np.clip(0.3 * x + 0.7 * mean, 0, 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(F.adjust_saturation(et(x), 1.7).numpy(),
                               np.clip(1.7 * x - 0.7 * _gray(x), 0, 1), rtol=1e-5, atol=1e-6)
    u = RNG.integers(0, 256, size=(3, 4, 5), dtype=np.uint8)
    np.testing.assert_array_equal(F.adjust_brightness(et(u), 1.3).numpy(),
                                  np.clip(1.3 * u.astype(np.float32), 0, 255).astype(np.uint8))
    img, _ = rgb_pil()
    np.testing.assert_array_equal(np.asarray(F.adjust_contrast(img, 0.4)),
                                  np.asarray(ImageEnhance.Contrast(img).enhance(0.4)))
    np.testing.assert_array_equal(np.asarray(F.adjust_saturation(img, 0.4)),
                                  np.asarray(ImageEnhance.Color(img).enhance(0.4)))
    with pytest.raises(ValueError, match="not non-negative"):
        F.adjust_brightness(et(x), -1)


def test_adjust_hue_matches_colorsys():
    x = RNG.random((3, 4, 5)).astype(np.float32)
    got = F.adjust_hue(et(x), 0.2).numpy()
    expect = np.empty_like(x)
    for i in range(4):
        for j in range(5):
            h, s, v = colorsys.rgb_to_hsv(*x[:, i, j])
            expect[:, i, j] = colorsys.hsv_to_rgb((h + 0.2) % 1.0, s, v)
    np.testing.assert_allclose(got, expect, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(F.adjust_hue(et(x), 0.0).numpy(), x, atol=1e-6)
    with pytest.raises(ValueError, match=r"is not in \[-0.5, 0.5\]"):
        F.adjust_hue(et(x), 0.7)
    img, arr = rgb_pil()
    out = F.adjust_hue(img, -0.1)
    h, s, v = img.convert("HSV").split()
    hh = (np.asarray(h).astype(int) + int(-0.1 * 255)) % 256
    ref = Image.merge("HSV", (Image.fromarray(hh.astype(np.uint8)), s, v)).convert("RGB")
    np.testing.assert_array_equal(np.asarray(out), np.asarray(ref))


def test_color_jitter_order_and_seed():
    t = T.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.1)
    assert t.brightness == (0.5, 1.5) and t.hue == (-0.1, 0.1)
    x = ember.rand(3, 6, 6)
    ember.manual_seed(11)
    a = t(x)
    ember.manual_seed(11)
    order = ember.randperm(4).tolist()
    factors = [ember.empty(1).uniform_(lo, hi).item()
               for lo, hi in ((0.5, 1.5), (0.5, 1.5), (0.5, 1.5), (-0.1, 0.1))]
    fns = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue]
    y = x
    for k in order:
        y = fns[k](y, factors[k])
    np.testing.assert_allclose(a.numpy(), y.numpy(), rtol=1e-6, atol=1e-7)
    assert T.ColorJitter().brightness is None
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.6)
    img, _ = rgb_pil()
    assert t(img).size == img.size


# ---------------------------------------------------------------------------- composition

def test_compose_lambda_repr():
    t = T.Compose([T.Lambda(lambda x: x * 2), T.Lambda(lambda x: x + 1)])
    assert t(3) == 7
    assert repr(t) == "Compose(\n    Lambda()\n    Lambda()\n)"
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        T.Lambda(3)
    assert isinstance(T.Normalize((0.5,), (0.5,)), ember.nn.Module)
    tv = __import__("ember.vision", fromlist=["transforms"])
    assert tv.transforms.functional is F


def test_imagenet_style_pipeline_on_pil():
    img, _ = rgb_pil(60, 80)
    train = T.Compose([T.RandomResizedCrop(32), T.RandomHorizontalFlip(),
                       T.ColorJitter(0.4, 0.4, 0.4, 0.1), T.RandomRotation(10),
                       T.RandomAffine(5, translate=(0.1, 0.1)), T.ToTensor(),
                       T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    ember.manual_seed(0)
    a = train(img)
    ember.manual_seed(0)
    assert ember.equal(a, train(img)) and tuple(a.shape) == (3, 32, 32)
    test = T.Compose([T.Resize(40), T.CenterCrop(32), T.ToTensor()])
    assert tuple(test(img).shape) == (3, 32, 32)


def test_gaussian_blur_matches_conv2d():
    x = RNG.random((2, 3, 9, 11)).astype(np.float32)
    ks, sig = [5, 3], [1.2, 0.7]

    def k1(k, s):
        t = torch.linspace(-(k - 1) * 0.5, (k - 1) * 0.5, steps=k)
        p = torch.exp(-0.5 * (t / s).pow(2))
        return p / p.sum()

    k2 = torch.mm(k1(ks[1], sig[1])[:, None], k1(ks[0], sig[0])[None, :]).expand(3, 1, 3, 5)
    xt = torch.nn.functional.pad(torch.from_numpy(x), [2, 2, 1, 1], mode="reflect")
    ref = torch.nn.functional.conv2d(xt, k2, groups=3).numpy()
    got = F.gaussian_blur(et(x), ks, sig).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    img, _ = rgb_pil()
    out = T.GaussianBlur(3, sigma=1.0)(img)
    assert out.size == img.size and out.mode == "RGB"
    with pytest.raises(ValueError, match="odd and positive"):
        T.GaussianBlur(4)


def test_random_erasing():
    x = ember.rand(3, 10, 12)
    t = T.RandomErasing(p=1.0, value=(0.1, 0.2, 0.3))
    ember.manual_seed(6)
    y = t(x)
    ember.manual_seed(6)
    ember.rand(1)
    i, j, h, w, v = T.RandomErasing.get_params(x, (0.02, 0.33), (0.3, 3.3), [0.1, 0.2, 0.3])
    expect = x.clone()
    expect[..., i:i + h, j:j + w] = v
    assert ember.equal(y, expect) and not ember.equal(y, x)
    assert T.RandomErasing(p=0.0)(x) is x
    with pytest.raises(ValueError, match="should be 'random'"):
        T.RandomErasing(value="noise")


def test_batched_and_2d_tensors():
    x = ember.rand(2, 3, 8, 10)
    r = F.rotate(x, 30.0, T.InterpolationMode.BILINEAR, fill=[0.5, 0.5, 0.5])
    for k in range(2):
        single = F.rotate(x[k], 30.0, T.InterpolationMode.BILINEAR, fill=[0.5, 0.5, 0.5])
        np.testing.assert_allclose(r[k].numpy(), single.numpy(), rtol=1e-6, atol=1e-7)
    assert tuple(T.Resize((4, 5))(x).shape) == (2, 3, 4, 5)
    assert tuple(T.Resize((4, 5))(ember.rand(8, 10)).shape) == (4, 5)
    assert tuple(T.GaussianBlur(3)(x).shape) == (2, 3, 8, 10)
    u = (x * 255).to(ember.uint8)
    out = F.affine(u, 10.0, [1, 1], 1.0, 0.0, fill=[0.0, 0.0, 0.0])
    assert out.dtype == ember.uint8 and tuple(out.shape) == (2, 3, 8, 10)
