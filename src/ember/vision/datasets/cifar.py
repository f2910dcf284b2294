"""CIFAR-10 and CIFAR-100 read from their python-pickle batches through a safe unpickler."""
import codecs
import os
import pickle

import numpy as np

from ember.vision._pil import pil_image
from ember.vision.datasets.vision import VisionDataset, _split_repr, _transform_sample

__all__ = ["CIFAR10", "CIFAR100", "safe_load_pickle"]


def _latin1_encode(obj, encoding="latin1", errors="strict"):
    # Python 3 pickles (protocol < 3) spell bytes as _codecs.encode(str, 'latin1').
    if not isinstance(obj, str) or codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError("CIFAR batch: _codecs.encode is allowed only for latin1 "
                                     "strings")
    return codecs.encode(obj, encoding, errors)


def _numpy_globals():
    table = {}
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
        table[(mod, "_reconstruct")] = np.ndarray.__reduce__(np.zeros(0))[0]
        table[(mod, "scalar")] = np.int64(0).__reduce__()[0]
    for mod in ("numpy.core.numeric", "numpy._core.numeric"):
        table[(mod, "_frombuffer")] = np.zeros(1).__reduce_ex__(5)[0]
    table[("numpy", "ndarray")] = np.ndarray
    table[("numpy", "dtype")] = np.dtype
    table[("_codecs", "encode")] = _latin1_encode
    return table


_ALLOWED = None


class _CifarUnpickler(pickle.Unpickler):
    """Unpickler that reconstructs numpy arrays and plain containers only."""

    def find_class(self, module, name):
        """Resolve a global only if it is a numpy array reconstruction helper."""
        global _ALLOWED
        if _ALLOWED is None:
            _ALLOWED = _numpy_globals()
        obj = _ALLOWED.get((module, name))
        if obj is None:
            raise pickle.UnpicklingError(
                f"CIFAR batch refers to global '{module}.{name}', which is not allowed: only "
                "numpy array reconstruction is (a real CIFAR batch holds numpy arrays, lists, "
                "ints and strings)")
        return obj


def safe_load_pickle(path, encoding="latin1"):
    """Unpickle ``path`` allowing only numpy arrays, dtypes and builtin containers.

    Real CIFAR batches are python-2 pickles of dicts of numpy arrays and lists; any other
    global (a function, a class) raises ``pickle.UnpicklingError`` instead of running.
    """
    with open(path, "rb") as f:
        try:
            return _CifarUnpickler(f, encoding=encoding).load()
        except pickle.UnpicklingError as exc:
            raise pickle.UnpicklingError(f"{os.fspath(path)!r}: {exc}") from exc
        except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError,
                UnicodeDecodeError, MemoryError, OverflowError) as exc:
            raise pickle.UnpicklingError(f"{path!r} is not a valid CIFAR batch pickle "
                                         f"(truncated or corrupt): {exc}") from exc


class CIFAR10(VisionDataset):
    """CIFAR-10 (``torchvision.datasets.CIFAR10``) from ``root/cifar-10-batches-py``.

    Loads ``data_batch_1`` .. ``data_batch_5`` (``train=True``) or ``test_batch`` plus
    ``batches.meta``, all through a restricted unpickler that admits numpy arrays only.
    ``data`` is a uint8 numpy array ``N x 32 x 32 x 3`` (HWC), ``targets`` a list of ints,
    ``classes`` the label names; item ``i`` is ``(PIL RGB image, int target)`` after the
    transforms. With the files in place ``download=True`` just loads them; missing files raise
    RuntimeError naming them and the folder to put them in.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    train_list = [["data_batch_1", None], ["data_batch_2", None], ["data_batch_3", None],
                  ["data_batch_4", None], ["data_batch_5", None]]
    test_list = [["test_batch", None]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": None}
    _label_key = "labels"

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(self._missing_message(download))
        files = self.train_list if self.train else self.test_list
        data, self.targets = [], []
        for file_name, _ in files:
            path = os.path.join(self.root, self.base_folder, file_name)
            entry = self._load_entry(path)
            data.append(entry["data"])
            labels = entry["labels"] if "labels" in entry else entry.get("fine_labels")
            if labels is None:
                raise ValueError(f"CIFAR batch {path!r} has no 'labels' (or 'fine_labels') key")
            if len(labels) != len(entry["data"]):
                raise ValueError(f"CIFAR batch {path!r} holds {len(entry['data'])} images "
                                 f"but {len(labels)} labels")
            self.targets.extend(int(t) for t in labels)
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self._load_meta()

    @staticmethod
    def _load_entry(path):
        entry = safe_load_pickle(path)
        if not isinstance(entry, dict) or "data" not in entry:
            raise ValueError(f"CIFAR batch {path!r} should hold a dict with a 'data' key")
        data = entry["data"]
        if (not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2
                or data.shape[1] != 3 * 32 * 32):
            raise ValueError(f"CIFAR batch {path!r}: 'data' should be a uint8 array N x 3072, "
                             f"got {getattr(data, 'dtype', type(data).__name__)} "
                             f"{getattr(data, 'shape', '')}")
        return entry

    def _load_meta(self):
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not os.path.isfile(path):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use "
                               f"download=True to download it (expected {path!r})")
        data = safe_load_pickle(path)
        if not isinstance(data, dict) or self.meta["key"] not in data:
            raise ValueError(f"CIFAR meta file {path!r} has no {self.meta['key']!r} key")
        self.classes = list(data[self.meta["key"]])
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _needed(self):
        return [f for f, _ in self.train_list + self.test_list] + [self.meta["filename"]]

    def _check_integrity(self):
        folder = os.path.join(self.root, self.base_folder)
        return all(os.path.isfile(os.path.join(folder, f)) for f in self._needed())

    def _missing_message(self, download):
        folder = os.path.join(self.root, self.base_folder)
        missing = [f for f in self._needed() if not os.path.isfile(os.path.join(folder, f))]
        lead = ("download=True cannot fetch them: ember has no network access. "
                if download else "")
        return (f"Dataset not found or corrupted: {self.__class__.__name__} needs "
                f"{', '.join(missing)} in '{folder}'. {lead}Get {self.filename} from "
                f"{self.url} and extract it in '{self.root}'.")

    def download(self):
        """Check that the files are in place; ember never reaches the network."""
        if self._check_integrity():
            return
        raise RuntimeError(self._missing_message(True))

    def __getitem__(self, index):
        img, target = self.data[index], self.targets[index]
        img = pil_image().fromarray(img)
        return _transform_sample(self, img, target)

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return _split_repr(self.train)


class CIFAR100(CIFAR10):
    """CIFAR-100 (``torchvision.datasets.CIFAR100``) from ``root/cifar-100-python``
    (``train``/``test``/``meta``; targets are the fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    train_list = [["train", None]]
    test_list = [["test", None]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": None}
