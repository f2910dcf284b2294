"""MNIST, FashionMNIST and KMNIST read from the IDX files in ``root/<Name>/raw``."""
import gzip
import os
import struct
import warnings
import zlib

import numpy as np

import ember
from ember.vision._pil import pil_image
from ember.vision.datasets.vision import VisionDataset, _split_repr, _transform_sample

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "read_sn3_pascalvincent_tensor",
           "read_image_file", "read_label_file"]

# IDX type byte -> (numpy big-endian dtype, item size)
_IDX_TYPES = {
    0x08: (np.dtype(np.uint8), 1),
    0x09: (np.dtype(np.int8), 1),
    0x0B: (np.dtype(">i2"), 2),
    0x0C: (np.dtype(">i4"), 4),
    0x0D: (np.dtype(">f4"), 4),
    0x0E: (np.dtype(">f8"), 8),
}
_CHUNK = 1 << 24


def _open_maybe_gz(path):
    path = os.fspath(path)
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _read_exact(f, nbytes, path):
    # Read in chunks so that a header claiming a huge payload cannot force a huge allocation
    # before the data is actually there (a truncated or hostile .gz in particular).
    buf = bytearray()
    while len(buf) < nbytes:
        chunk = f.read(min(_CHUNK, nbytes - len(buf)))
        if not chunk:
            raise ValueError(f"IDX file {path!r} is truncated: its header announces {nbytes} "
                             f"bytes of data but only {len(buf)} are present")
        buf += chunk
    return buf


def read_sn3_pascalvincent_tensor(path, strict=True):
    """Read an IDX file (raw or ``.gz``) into an ember tensor, validating the header.

    The header is two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64) and the number of dimensions, then one big-endian uint32 per
    dimension. Raises ValueError naming the file when the magic, type or sizes do not match
    the data (with ``strict``, trailing bytes are an error too).
    """
    try:
        f = _open_maybe_gz(path)
    except OSError as exc:
        raise RuntimeError(f"Cannot open IDX file {os.fspath(path)!r}: {exc}") from exc
    with f:
        try:
            magic = f.read(4)
            if len(magic) < 4:
                raise ValueError(f"IDX file {path!r} is truncated: {len(magic)} bytes, "
                                 "shorter than the 4-byte magic number")
            if magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_TYPES:
                raise ValueError(f"{path!r} is not an IDX file: bad magic number "
                                 f"0x{magic.hex()} (expected 0x0000TTNN with type TT in "
                                 "08, 09, 0B, 0C, 0D, 0E)")
            dtype, itemsize = _IDX_TYPES[magic[2]]
            nd = magic[3]
            if not 1 <= nd <= 4:
                raise ValueError(f"IDX file {path!r} has {nd} dimensions; expected 1 to 4")
            head = f.read(4 * nd)
            if len(head) < 4 * nd:
                raise ValueError(f"IDX file {path!r} is truncated inside its header")
            shape = struct.unpack(f">{nd}I", head)
            count = 1
            for s in shape:
                count *= s
            nbytes = count * itemsize
            size_hint = None if os.fspath(path).endswith(".gz") else os.path.getsize(path)
            if size_hint is not None and size_hint - 4 - 4 * nd < nbytes:
                raise ValueError(f"IDX file {path!r} is truncated: shape {list(shape)} needs "
                                 f"{nbytes} bytes of data but the file holds "
                                 f"{size_hint - 4 - 4 * nd}")
            data = _read_exact(f, nbytes, path)
            if strict and f.read(1):
                raise ValueError(f"IDX file {path!r} has data past the {nbytes} bytes that its "
                                 f"shape {list(shape)} announces")
        except (OSError, EOFError, zlib.error) as exc:
            raise RuntimeError(f"Cannot read IDX file {os.fspath(path)!r}: {exc}") from exc
    arr = np.frombuffer(data, dtype=dtype).reshape(shape)
    return ember.from_numpy(arr.astype(dtype.newbyteorder("="), copy=True))


def read_label_file(path):
    """Read an IDX label file (1-D uint8) as an int64 tensor."""
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != ember.uint8 or x.ndim != 1:
        raise ValueError(f"IDX label file {path!r} should hold a 1-D uint8 array, got "
                         f"{x.ndim}-D {x.dtype}")
    return x.long()


def read_image_file(path):
    """Read an IDX image file (N x H x W uint8) as a uint8 tensor."""
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != ember.uint8 or x.ndim != 3:
        raise ValueError(f"IDX image file {path!r} should hold a 3-D uint8 array, got "
                         f"{x.ndim}-D {x.dtype}")
    return x


class MNIST(VisionDataset):
    """The MNIST digits (``torchvision.datasets.MNIST``).

    Reads ``train-images-idx3-ubyte``/``train-labels-idx1-ubyte`` (``train=True``) or the
    ``t10k-`` pair from ``root/MNIST/raw/``, each either as is or gzipped (``.gz``).
    ``data`` is a uint8 tensor ``N x 28 x 28``, ``targets`` an int64 tensor; item ``i`` is
    ``(PIL image of mode 'L', int target)`` after the transforms. ember cannot download: with
    the files in place ``download=True`` just loads them, and a missing file raises
    RuntimeError naming the files and the folder to put them in.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", None), ("train-labels-idx1-ubyte.gz", None),
                 ("t10k-images-idx3-ubyte.gz", None), ("t10k-labels-idx1-ubyte.gz", None)]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if self._check_legacy_exist():
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(self._missing_message(download))
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self):
        """``root/<ClassName>/raw``, where the IDX files live."""
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self):
        """``root/<ClassName>/processed``, the legacy ``training.pt``/``test.pt`` place."""
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self):
        """Maps each class name to its index."""
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def train_labels(self):
        """Deprecated alias of ``targets`` (warns)."""
        warnings.warn("train_labels has been renamed targets")
        return self.targets

    @property
    def test_labels(self):
        """Deprecated alias of ``targets`` (warns)."""
        warnings.warn("test_labels has been renamed targets")
        return self.targets

    @property
    def train_data(self):
        """Deprecated alias of ``data`` (warns)."""
        warnings.warn("train_data has been renamed data")
        return self.data

    @property
    def test_data(self):
        """Deprecated alias of ``data`` (warns)."""
        warnings.warn("test_data has been renamed data")
        return self.data

    def _split_files(self):
        prefix = "train" if self.train else "t10k"
        return [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]

    def _all_files(self):
        return [os.path.splitext(os.path.basename(name))[0] for name, _ in self.resources]

    def _find(self, name):
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _check_legacy_exist(self):
        folder = self.processed_folder
        if not os.path.isdir(folder):
            return False
        return all(os.path.isfile(os.path.join(folder, f))
                   for f in (self.training_file, self.test_file))

    def _load_legacy_data(self):
        data_file = self.training_file if self.train else self.test_file
        return ember.load(os.path.join(self.processed_folder, data_file))

    def _check_exists(self):
        return all(self._find(name) is not None for name in self._split_files())

    def _missing_message(self, download):
        missing = [n for n in self._split_files() if self._find(n) is None]
        lead = ("download=True cannot fetch them: ember has no network access. "
                if download else "")
        return (f"Dataset not found: {self.__class__.__name__} needs "
                f"{', '.join(missing)} (raw, or gzipped with .gz) in '{self.raw_folder}'. "
                f"{lead}Get them from {self.mirrors[0]} (the files "
                f"{', '.join(n for n, _ in self.resources)}) and place them in that folder.")

    def download(self):
        """Check that the files are in place; ember never reaches the network."""
        if self._check_exists():
            return
        raise RuntimeError(self._missing_message(True))

    def _load_data(self):
        image_file, label_file = (self._find(n) for n in self._split_files())
        data = read_image_file(image_file)
        targets = read_label_file(label_file)
        if data.shape[0] != targets.shape[0]:
            raise ValueError(f"{self.__class__.__name__}: {image_file!r} holds {data.shape[0]} "
                             f"images but {label_file!r} holds {targets.shape[0]} labels")
        return data, targets

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        img = pil_image().fromarray(img.numpy())
        return _transform_sample(self, img, target)

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return _split_repr(self.train)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (``torchvision.datasets.FashionMNIST``): MNIST's file layout in
    ``root/FashionMNIST/raw/``, ten clothing classes."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST (``torchvision.datasets.KMNIST``): MNIST's file layout in
    ``root/KMNIST/raw/``, ten cursive Japanese characters."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
