"""The 8x8 handwritten digits that ship inside scikit-learn, as a torchvision-style dataset."""
import numpy as np

import ember
from ember.vision._pil import pil_image
from ember.vision.datasets.vision import VisionDataset, _transform_sample

__all__ = ["Digits"]


class Digits(VisionDataset):
    """scikit-learn's ``load_digits`` (1,797 grey 8x8 images of the digits 0-9) in the shape of
    ``torchvision.datasets.MNIST``.

    The images are split once into train and test parts by a permutation drawn from
    ``split_seed``, stratified so each digit keeps the same share on both sides;
    ``train`` picks the part. Item ``i`` is ``(image, target)`` where ``image`` is a PIL image of
    mode ``'L'`` (the 0..16 ink values scaled to 0..255), so torchvision transforms such as
    ``ToTensor`` and ``Normalize`` apply as they do to MNIST, and ``target`` is an int.

    Attributes follow MNIST: ``data`` (uint8 tensor ``N x 8 x 8``), ``targets`` (int64 tensor),
    ``classes`` and ``class_to_idx``. ``root`` is accepted for API compatibility and unused:
    the data is read from scikit-learn's package, no download is needed.

    Example::

        >>> ds = Digits(train=True, transform=transforms.ToTensor())
        >>> img, label = ds[0]          # img: 1 x 8 x 8 float tensor in [0, 1]
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 split_seed=0, test_fraction=0.2):
        if not 0.0 < test_fraction < 1.0:
            raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
        try:
            from sklearn.datasets import load_digits
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError("Digits needs scikit-learn: pip install 'ember[demo]'") from exc
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        self.split_seed = split_seed
        self.test_fraction = test_fraction

        bunch = load_digits()
        images = bunch.images                          # float64, 0..16
        labels = bunch.target.astype(np.int64)
        index = self._split(labels, split_seed, test_fraction)[0 if train else 1]
        pixels = np.rint(images[index] * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)
        self.data = ember.from_numpy(np.ascontiguousarray(pixels))
        self.targets = ember.from_numpy(np.ascontiguousarray(labels[index]))
        self._pixels = pixels
        self._labels = labels[index]

    @staticmethod
    def _split(labels, seed, test_fraction):
        """Indices (train, test): per class, a seeded shuffle puts ``test_fraction`` aside."""
        rng = np.random.default_rng(seed)
        train, test = [], []
        for c in np.unique(labels):
            idx = rng.permutation(np.flatnonzero(labels == c))
            n_test = int(round(len(idx) * test_fraction))
            test.append(idx[:n_test])
            train.append(idx[n_test:])
        train = rng.permutation(np.concatenate(train))
        test = np.sort(np.concatenate(test))
        return train, test

    @property
    def class_to_idx(self):
        """Map from class name to index, as MNIST's."""
        return {name: i for i, name in enumerate(self.classes)}

    def __len__(self):
        return len(self._labels)

    def __getitem__(self, index):
        img = pil_image().fromarray(self._pixels[index])  # uint8 2-D: mode "L"
        target = int(self._labels[index])
        return _transform_sample(self, img, target)

    def extra_repr(self):
        """The split, for ``repr`` (as MNIST's)."""
        return f"Split: {'Train' if self.train else 'Test'}"
