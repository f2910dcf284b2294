"""ember.vision.datasets: IDX (MNIST family), CIFAR pickles, ImageFolder, FakeData."""
import gzip
import os
import pickle
import struct

import numpy as np
import pytest

import ember
from ember.vision import datasets, transforms

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402


def write_idx(path, arr, gz=False, type_byte=None, extra=b""):
    arr = np.asarray(arr)
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B,
             np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}
    if arr.dtype.itemsize > 1:
        arr = arr.astype(arr.dtype.newbyteorder(">"))
    code = type_byte if type_byte is not None else codes[arr.dtype]
    raw = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    raw += arr.tobytes() + extra
    path = str(path) + (".gz" if gz else "")
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as f:
        f.write(raw)
    return path


def make_mnist(root, name="MNIST", n_train=5, n_test=3, gz=False, seed=0):
    rng = np.random.default_rng(seed)
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        write_idx(os.path.join(raw, f"{prefix}-images-idx3-ubyte"), images, gz)
        write_idx(os.path.join(raw, f"{prefix}-labels-idx1-ubyte"), labels, gz)
        out[prefix] = (images, labels)
    return out


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_idx(tmp_path, gz):
    ref = make_mnist(tmp_path, gz=gz)
    ds = datasets.MNIST(str(tmp_path), train=True)
    assert ds.data.dtype == ember.uint8 and tuple(ds.data.shape) == (5, 28, 28)
    assert ds.targets.dtype == ember.int64
    np.testing.assert_array_equal(ds.data.numpy(), ref["train"][0])
    np.testing.assert_array_equal(ds.targets.numpy(), ref["train"][1])
    img, target = ds[2]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert type(target) is int and target == ref["train"][1][2]
    np.testing.assert_array_equal(np.asarray(img), ref["train"][0][2])
    test = datasets.MNIST(str(tmp_path), train=False, download=True)
    assert len(test) == 3
    np.testing.assert_array_equal(test.targets.numpy(), ref["t10k"][1])
    assert ds.class_to_idx["3 - three"] == 3 and len(ds.classes) == 10
    assert "Split: Train" in repr(ds) and "Split: Test" in repr(test)
    assert ds.raw_folder == os.path.join(str(tmp_path), "MNIST", "raw")


def test_mnist_transforms_and_loader(tmp_path):
    make_mnist(tmp_path, n_train=6)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST(tmp_path, transform=tf, target_transform=lambda t: t + 100)
    x, y = ds[0]
    expect = (ds.data[0].numpy().astype(np.float32) / 255 - 0.1307) / 0.3081
    np.testing.assert_allclose(x.numpy()[0], expect, rtol=1e-5, atol=1e-6)
    assert y == int(ds.targets[0]) + 100
    loader = ember.utils.data.DataLoader(ds, batch_size=4)
    xb, yb = next(iter(loader))
    assert tuple(xb.shape) == (4, 1, 28, 28) and yb.dtype == ember.int64
    assert "Transform: Compose(" in repr(ds)


@pytest.mark.parametrize("cls,name,first", [(datasets.FashionMNIST, "FashionMNIST", "T-shirt/top"),
                                            (datasets.KMNIST, "KMNIST", "o")])
def test_mnist_family_folders(tmp_path, cls, name, first):
    make_mnist(tmp_path, name=name)
    ds = cls(tmp_path)
    assert len(ds) == 5 and ds.classes[0] == first
    assert ds.class_to_idx[first] == 0


def test_mnist_missing_files_message(tmp_path):
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte") as info:
        datasets.MNIST(tmp_path)
    assert os.path.join(str(tmp_path), "MNIST", "raw") in str(info.value)
    with pytest.raises(RuntimeError, match="no network"):
        datasets.MNIST(tmp_path, download=True)


def _raw_mnist(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    write_idx(raw / "train-labels-idx1-ubyte", np.zeros(2, np.uint8))
    return raw


def test_idx_truncated(tmp_path):
    raw = _raw_mnist(tmp_path)
    path = write_idx(raw / "train-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-10])
    with pytest.raises(ValueError, match="truncated"):
        datasets.MNIST(tmp_path)
    open(path, "wb").write(data[:6])
    with pytest.raises(ValueError, match="truncated"):
        datasets.MNIST(tmp_path)


def test_idx_truncated_gz(tmp_path):
    raw = _raw_mnist(tmp_path)
    write_idx(raw / "train-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8)[:, :, :27], gz=True)
    path = raw / "train-images-idx3-ubyte.gz"
    # the header claims 2 x 28 x 27 but we rewrite it to claim more than is stored
    body = gzip.decompress(path.read_bytes())
    hostile = body[:4] + struct.pack(">3I", 60000, 28, 28) + body[16:]
    path.write_bytes(gzip.compress(hostile))
    with pytest.raises(ValueError, match="truncated"):
        datasets.MNIST(tmp_path)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_hostile_header_no_allocation(tmp_path, gz):
    raw = _raw_mnist(tmp_path)
    head = bytes([0, 0, 8, 3]) + struct.pack(">3I", 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1)
    path = raw / ("train-images-idx3-ubyte" + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(head + b"\0" * 64) if gz else head + b"\0" * 64)
    with pytest.raises(ValueError, match="truncated"):
        datasets.MNIST(tmp_path)


def test_idx_bad_magic_and_type(tmp_path):
    raw = _raw_mnist(tmp_path)
    path = raw / "train-images-idx3-ubyte"
    path.write_bytes(b"\x89PNG" + b"\0" * 100)
    with pytest.raises(ValueError, match="magic"):
        datasets.MNIST(tmp_path)
    write_idx(path, np.zeros((2, 28, 28), np.int32))
    with pytest.raises(ValueError, match="uint8"):
        datasets.MNIST(tmp_path)
    write_idx(path, np.zeros((2, 28, 28), np.uint8), extra=b"junk")
    assert len(datasets.MNIST(tmp_path)) == 2  # torchvision reads images non-strictly
    from ember.vision.datasets.mnist import read_sn3_pascalvincent_tensor
    with pytest.raises(ValueError, match="past"):
        read_sn3_pascalvincent_tensor(path, strict=True)
    write_idx(path, np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="3 images but .* 2 labels"):
        datasets.MNIST(tmp_path)


def test_idx_corrupt_gzip(tmp_path):
    raw = _raw_mnist(tmp_path)
    (raw / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00garbage" * 4)
    with pytest.raises(RuntimeError, match="Cannot read IDX"):
        datasets.MNIST(tmp_path)


def test_idx_dtypes():
    from ember.vision.datasets.mnist import read_sn3_pascalvincent_tensor
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        for dt in (np.int8, np.int16, np.int32, np.float32, np.float64):
            arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dt)
            p = write_idx(os.path.join(d, "x"), arr.astype(np.dtype(dt).newbyteorder(">")))
            np.testing.assert_array_equal(read_sn3_pascalvincent_tensor(p).numpy(), arr)


# ---------------------------------------------------------------------------- CIFAR

def make_cifar(root, protocol=2, n=4, nbatches=5, seed=0, folder="cifar-10-batches-py"):
    rng = np.random.default_rng(seed)
    d = os.path.join(root, folder)
    os.makedirs(d, exist_ok=True)
    batches = []
    names = [f"data_batch_{i}" for i in range(1, nbatches + 1)] + ["test_batch"]
    for name in names:
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=n)]
        with open(os.path.join(d, name), "wb") as f:
            pickle.dump({"batch_label": name, "data": data, "labels": labels,
                         "filenames": [f"{i}.png" for i in range(n)]}, f, protocol=protocol)
        batches.append((data, labels))
    with open(os.path.join(d, "batches.meta"), "wb") as f:
        pickle.dump({"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog",
                                     "frog", "horse", "ship", "truck"], "num_vis": 3072}, f,
                    protocol=protocol)
    return batches


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar10(tmp_path, protocol):
    batches = make_cifar(tmp_path, protocol)
    ds = datasets.CIFAR10(str(tmp_path), train=True)
    assert isinstance(ds.data, np.ndarray) and ds.data.dtype == np.uint8
    assert ds.data.shape == (20, 32, 32, 3)
    expect = np.vstack([b[0] for b in batches[:5]]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(ds.data, expect)
    assert ds.targets == sum((b[1] for b in batches[:5]), [])
    assert ds.classes[3] == "cat" and ds.class_to_idx["truck"] == 9
    img, target = ds[5]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(img), expect[5])
    assert type(target) is int
    test = datasets.CIFAR10(tmp_path, train=False, download=True, transform=transforms.ToTensor())
    x, _ = test[0]
    assert tuple(x.shape) == (3, 32, 32)
    np.testing.assert_allclose(x.numpy(), batches[5][0][0].reshape(3, 32, 32) / 255, rtol=1e-6)
    assert "Split: Test" in repr(test)


class _Py2Pickler(pickle._Pickler):
    """Writes bytes as python 2 ``str`` (BINSTRING), as cPickle did for real CIFAR files."""

    dispatch = dict(pickle._Pickler.dispatch)

    def _save_py2_str(self, obj):
        self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_py2_str


def py2_pickle(obj):
    import io
    buf = io.BytesIO()
    _Py2Pickler(buf, protocol=2).dump(obj)
    # numpy 1.x (what wrote the real files) names the reconstructor numpy.core.multiarray
    return buf.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


def test_cifar_python2_pickle(tmp_path):
    make_cifar(tmp_path)
    d = tmp_path / "cifar-10-batches-py"
    arr = np.arange(4 * 3072, dtype=np.uint64).astype(np.uint8).reshape(4, 3072)
    payload = py2_pickle({b"batch_label": b"training batch 1 of 5", b"data": arr,
                          b"labels": [1, 2, 3, 4], b"filenames": [b"a.png"] * 4})
    assert b"numpy.core.multiarray" in payload and b"_codecs" not in payload
    (d / "data_batch_1").write_bytes(payload)
    (d / "batches.meta").write_bytes(py2_pickle({b"label_names": [b"plane"] * 10}))
    ds = datasets.CIFAR10(tmp_path)
    np.testing.assert_array_equal(ds.data[:4].transpose(0, 3, 1, 2).reshape(4, -1), arr)
    assert ds.targets[:4] == [1, 2, 3, 4] and ds.classes[0] == "plane"


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_cifar_hostile_pickle_rejected(tmp_path):
    make_cifar(tmp_path)
    d = tmp_path / "cifar-10-batches-py"
    (d / "data_batch_2").write_bytes(pickle.dumps({"data": _Evil(), "labels": []}))
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        datasets.CIFAR10(tmp_path)
    (d / "data_batch_2").write_bytes(b"\x80\x02cbuiltins\neval\nq\x00X\x04\x00\x00\x001+1q"
                                     b"\x01\x85q\x02Rq\x03.")
    with pytest.raises(pickle.UnpicklingError, match="builtins.eval"):
        datasets.CIFAR10(tmp_path)


def test_cifar_truncated_and_bad(tmp_path):
    make_cifar(tmp_path)
    d = tmp_path / "cifar-10-batches-py"
    data = (d / "data_batch_3").read_bytes()
    (d / "data_batch_3").write_bytes(data[: len(data) // 2])
    with pytest.raises(pickle.UnpicklingError, match="truncated"):
        datasets.CIFAR10(tmp_path)
    (d / "data_batch_3").write_bytes(pickle.dumps({"data": np.zeros((2, 10), np.uint8),
                                                   "labels": [0, 1]}))
    with pytest.raises(ValueError, match="N x 3072"):
        datasets.CIFAR10(tmp_path)
    (d / "data_batch_3").unlink()
    with pytest.raises(RuntimeError, match="data_batch_3"):
        datasets.CIFAR10(tmp_path, download=True)


def test_cifar100(tmp_path):
    d = tmp_path / "cifar-100-python"
    d.mkdir()
    data = np.zeros((3, 3072), np.uint8)
    for name in ("train", "test"):
        (d / name).write_bytes(pickle.dumps({"data": data, "fine_labels": [5, 6, 7],
                                             "coarse_labels": [0, 1, 2]}))
    (d / "meta").write_bytes(pickle.dumps({"fine_label_names": [f"c{i}" for i in range(100)]}))
    ds = datasets.CIFAR100(tmp_path)
    assert ds.targets == [5, 6, 7] and len(ds.classes) == 100


# ---------------------------------------------------------------------------- folders

def make_folder(root):
    rng = np.random.default_rng(0)
    paths = {}
    for cls, n in (("dog", 2), ("cat", 3)):
        os.makedirs(os.path.join(root, cls, "sub"), exist_ok=True)
        for i in range(n):
            arr = rng.integers(0, 256, size=(5 + i, 7, 3), dtype=np.uint8)
            where = os.path.join(root, cls, "sub" if i == 0 else "", f"img{i}.PNG")
            Image.fromarray(arr).save(where, format="PNG")
            paths[os.path.normpath(where)] = arr
        open(os.path.join(root, cls, "notes.txt"), "w").write("not an image")
    return paths


def test_image_folder(tmp_path):
    arrays = make_folder(tmp_path)
    ds = datasets.ImageFolder(str(tmp_path))
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert len(ds) == 5 and ds.targets == [0, 0, 0, 1, 1]
    assert ds.imgs is ds.samples
    assert all(p.lower().endswith(".png") for p, _ in ds.samples)
    assert [os.path.relpath(p, tmp_path) for p, _ in ds.samples][:3] == [
        os.path.join("cat", "img1.PNG"), os.path.join("cat", "img2.PNG"),
        os.path.join("cat", "sub", "img0.PNG")]
    img, target = ds[2]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and target == 0
    np.testing.assert_array_equal(np.asarray(img), arrays[os.path.normpath(ds.samples[2][0])])
    tds = datasets.ImageFolder(tmp_path, transform=transforms.Compose(
        [transforms.Resize((4, 4)), transforms.ToTensor()]))
    assert tuple(tds[0][0].shape) == (3, 4, 4)
    assert ".png" in datasets.folder.IMG_EXTENSIONS
    only_txt = datasets.ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".txt"))
    assert len(only_txt) == 2 and only_txt.extensions is None


def test_dataset_folder_and_errors(tmp_path):
    make_folder(tmp_path)
    ds = datasets.DatasetFolder(tmp_path, loader=lambda p: open(p).read(), extensions=(".txt",))
    assert ds[0] == ("not an image", 0) and ds.extensions == (".txt",)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(tmp_path)
    ds = datasets.ImageFolder(tmp_path, allow_empty=True)
    assert ds.classes == ["cat", "dog", "empty"] and len(ds) == 5
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        datasets.DatasetFolder(tmp_path, loader=print)
    (tmp_path / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    ds = datasets.ImageFolder(tmp_path, allow_empty=True)
    idx = [i for i, (p, _) in enumerate(ds.samples) if p.endswith("broken.png")][0]
    with pytest.raises(RuntimeError, match="broken.png"):
        ds[idx]


def test_image_folder_no_classes(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path)


def test_fake_data():
    ds = datasets.FakeData(size=3, image_size=(3, 6, 5), num_classes=4,
                           transform=transforms.PILToTensor())
    ember.manual_seed(7)
    before = ember.rand(3)
    ember.manual_seed(7)
    a, ta = ds[1]
    b, tb = ds[1]
    assert ember.equal(ember.rand(3), before)
    assert tuple(a.shape) == (3, 6, 5) and a.dtype == ember.uint8
    assert ember.equal(a, b) and ta == tb and 0 <= ta < 4
    assert not ember.equal(a, ds[0][0])
    with pytest.raises(IndexError):
        ds[3]
    assert len(ds) == 3
