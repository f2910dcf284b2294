"""ember.vision.io: read_image/decode_image and encoders through Pillow."""
import io
import sys

import numpy as np
import pytest

import ember
from ember.vision import io as vio

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402


@pytest.fixture
def pngs(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, size=(5, 7, 4), dtype=np.uint8)
    gray = rng.integers(0, 256, size=(5, 7), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    Image.fromarray(gray).save(tmp_path / "gray.png")
    Image.fromarray(rgb).convert("P").save(tmp_path / "pal.png")
    return tmp_path, rgb, rgba, gray


def test_read_image_modes(pngs):
    d, rgb, rgba, gray = pngs
    x = vio.read_image(str(d / "rgb.png"))
    assert x.dtype == ember.uint8 and tuple(x.shape) == (3, 5, 7)
    np.testing.assert_array_equal(x.numpy(), rgb.transpose(2, 0, 1))
    np.testing.assert_array_equal(vio.read_image(d / "rgba.png").numpy(), rgba.transpose(2, 0, 1))
    np.testing.assert_array_equal(vio.read_image(d / "gray.png").numpy(), gray[None])
    assert tuple(vio.read_image(d / "pal.png").shape) == (3, 5, 7)
    g = vio.read_image(d / "rgb.png", vio.ImageReadMode.GRAY)
    np.testing.assert_array_equal(g.numpy()[0], np.asarray(Image.fromarray(rgb).convert("L")))
    assert tuple(vio.read_image(d / "gray.png", vio.ImageReadMode.RGB).shape) == (3, 5, 7)
    assert tuple(vio.read_image(d / "rgb.png", vio.ImageReadMode.RGB_ALPHA).shape) == (4, 5, 7)
    assert tuple(vio.read_image(d / "rgba.png", "GRAY_ALPHA").shape) == (2, 5, 7)


def test_decode_and_encode_roundtrip(pngs):
    d, rgb, _, _ = pngs
    data = vio.read_file(d / "rgb.png")
    assert data.dtype == ember.uint8 and data.ndim == 1
    assert data.numpy().tobytes() == (d / "rgb.png").read_bytes()
    img = vio.decode_image(data)
    np.testing.assert_array_equal(img.numpy(), rgb.transpose(2, 0, 1))
    np.testing.assert_array_equal(vio.decode_png(data).numpy(), rgb.transpose(2, 0, 1))
    enc = vio.encode_png(img)
    np.testing.assert_array_equal(vio.decode_image(enc).numpy(), img.numpy())
    vio.write_png(img, str(d / "out.png"))
    np.testing.assert_array_equal(np.asarray(Image.open(d / "out.png")), rgb)
    smooth = ember.from_numpy(np.broadcast_to(
        (np.arange(16, dtype=np.uint8) * 8)[None, None], (3, 16, 16)).copy())
    jpg = vio.encode_jpeg(smooth, quality=95)
    assert jpg.numpy()[:2].tobytes() == b"\xff\xd8"
    dec = vio.decode_jpeg(jpg)
    assert tuple(dec.shape) == (3, 16, 16)
    assert np.abs(dec.numpy().astype(int) - smooth.numpy()).max() <= 8
    vio.write_file(str(d / "copy.png"), data)
    assert (d / "copy.png").read_bytes() == (d / "rgb.png").read_bytes()


def test_errors(tmp_path):
    with pytest.raises(RuntimeError, match="No such file"):
        vio.read_image(str(tmp_path / "missing.png"))
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    with pytest.raises(RuntimeError, match="Failed to decode"):
        vio.read_image(tmp_path / "bad.png")
    with pytest.raises(RuntimeError, match="1-D uint8"):
        vio.decode_image(ember.zeros(3, 3))
    with pytest.raises(RuntimeError, match="dtype should be uint8"):
        vio.encode_png(ember.zeros(3, 2, 2))


def test_pillow_missing_message(monkeypatch):
    from ember.vision import _pil
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"pip install 'ember\[vision\]'"):
        _pil.pil_image()


def test_vision_namespace():
    import ember.vision as torchvision
    assert torchvision.io is vio
    assert torchvision.utils.make_grid is not None
    assert torchvision.datasets.MNIST.__name__ == "MNIST"
    assert hasattr(torchvision.transforms, "Compose")
    buf = io.BytesIO()
    Image.new("RGB", (2, 3)).save(buf, format="BMP")
    x = vio.decode_image(ember.from_numpy(np.frombuffer(buf.getvalue(), np.uint8).copy()))
    assert tuple(x.shape) == (3, 3, 2)


def test_works_without_pillow_until_an_image_is_needed(tmp_path):
    import subprocess
    code = """
import sys
sys.modules['PIL'] = None
import ember
import ember.vision as tv
x = tv.transforms.Compose([tv.transforms.Resize(4), tv.transforms.Normalize((0.5,), (0.5,))])(
    ember.rand(1, 8, 8))
assert tuple(x.shape) == (1, 4, 4)
g = tv.utils.make_grid(ember.rand(4, 1, 3, 3))
try:
    tv.io.read_image('nothing.png')
except ImportError as e:
    assert "ember[vision]" in str(e)
else:
    raise SystemExit('no ImportError')
print('ok')
"""
    (tmp_path / "nothing.png").write_bytes(b"x")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
