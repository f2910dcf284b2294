"""ember.vision.utils: make_grid layout and save_image pixels, as torchvision defines them."""
import numpy as np
import pytest

import ember
from ember.vision import utils

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402


def grid_reference(batch, nrow=8, padding=2, pad_value=0.0):
    b, c, h, w = batch.shape
    if c == 1:
        batch = np.repeat(batch, 3, axis=1)
        c = 3
    xmaps = min(nrow, b)
    ymaps = -(-b // xmaps)
    out = np.full((c, (h + padding) * ymaps + padding, (w + padding) * xmaps + padding),
                  pad_value, dtype=batch.dtype)
    for k in range(b):
        y, x = divmod(k, xmaps)
        top, left = y * (h + padding) + padding, x * (w + padding) + padding
        out[:, top:top + h, left:left + w] = batch[k]
    return out


@pytest.mark.parametrize("b,c,nrow,padding", [(5, 3, 8, 2), (10, 1, 4, 2), (7, 3, 3, 0),
                                              (4, 1, 2, 5)])
def test_make_grid_layout(b, c, nrow, padding):
    x = np.random.default_rng(0).random((b, c, 6, 4)).astype(np.float32)
    g = utils.make_grid(ember.from_numpy(x), nrow=nrow, padding=padding, pad_value=0.5)
    np.testing.assert_array_equal(g.numpy(), grid_reference(x, nrow, padding, 0.5))


def test_make_grid_sizes_and_inputs():
    # 64 MNIST-sized images: torchvision's 8 x 8 grid is 3 x 242 x 242
    g = utils.make_grid(ember.rand(64, 1, 28, 28))
    assert tuple(g.shape) == (3, 242, 242)
    one = ember.rand(1, 3, 5, 5)
    assert ember.equal(utils.make_grid(one), one[0])
    single = ember.rand(1, 5, 5)
    assert tuple(utils.make_grid(single).shape) == (3, 5, 5)
    as_list = utils.make_grid([ember.rand(3, 4, 4) for _ in range(3)], nrow=2)
    assert tuple(as_list.shape) == (3, 2 * 6 + 2, 2 * 6 + 2)
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        utils.make_grid(np.zeros((2, 3, 4, 4)))


def test_make_grid_normalize():
    x = np.stack([np.linspace(-2, 2, 16, dtype=np.float32).reshape(1, 4, 4),
                  np.linspace(0, 1, 16, dtype=np.float32).reshape(1, 4, 4) * 10])
    t = ember.from_numpy(x)
    g = utils.make_grid(t, normalize=True, padding=0).numpy()
    expect = (x - x.min()) / (x.max() - x.min())
    np.testing.assert_allclose(g[0], np.concatenate([expect[0, 0], expect[1, 0]], 1), rtol=1e-6)
    g = utils.make_grid(t, normalize=True, scale_each=True, padding=0).numpy()
    each = [(a - a.min()) / (a.max() - a.min()) for a in x[:, 0]]
    np.testing.assert_allclose(g[1], np.concatenate(each, 1), rtol=1e-6, atol=1e-7)
    g = utils.make_grid(t, normalize=True, value_range=(0.0, 2.0), padding=0).numpy()
    np.testing.assert_allclose(g[2], np.concatenate(np.clip(x[:, 0], 0, 2) / 2, 1), rtol=1e-6)
    assert ember.equal(t, ember.from_numpy(x))  # the input is not modified
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        utils.make_grid(t, normalize=True, value_range=[0, 1])


def test_save_image_pixels_and_size(tmp_path):
    x = np.random.default_rng(1).random((6, 1, 28, 28)).astype(np.float32)
    path = tmp_path / "grid.png"
    utils.save_image(ember.from_numpy(x), path, nrow=3)
    img = Image.open(path)
    assert img.mode == "RGB" and img.size == (3 * 30 + 2, 2 * 30 + 2)
    expect = np.clip(grid_reference(x, 3) * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(np.asarray(img), expect)
    utils.save_image(ember.rand(3, 5, 7), str(tmp_path / "one.jpg"), format="JPEG")
    assert Image.open(tmp_path / "one.jpg").size == (7, 5)
