"""VisionDataset: the base of torchvision's datasets (root, transforms, repr)."""
import os

from ember.utils.data import Dataset

__all__ = ["VisionDataset", "StandardTransform"]


class StandardTransform:
    """Applies ``transform`` to the input and ``target_transform`` to the target
    (``torchvision.datasets.vision.StandardTransform``)."""

    def __init__(self, transform=None, target_transform=None):
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input, target):
        if self.transform is not None:
            input = self.transform(input)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    def _format(self, transform, head):
        lines = repr(transform).splitlines()
        return [f"{head}{lines[0]}"] + [f"{' ' * len(head)}{line}" for line in lines[1:]]

    def __repr__(self):
        body = [self.__class__.__name__]
        if self.transform is not None:
            body += self._format(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += self._format(self.target_transform, "Target transform: ")
        return "\n".join(body)


def _transform_sample(dataset, img, target):
    """(img, target) after the dataset's ``transform`` and ``target_transform``, each when
    set, as torchvision's datasets apply them in ``__getitem__``."""
    if dataset.transform is not None:
        img = dataset.transform(img)
    if dataset.target_transform is not None:
        target = dataset.target_transform(target)
    return img, target


def _split_repr(train):
    """The ``Split: Train`` / ``Split: Test`` line of a dataset's ``repr``."""
    return f"Split: {'Train' if train is True else 'Test'}"


class VisionDataset(Dataset):
    """Base class of the image datasets (``torchvision.datasets.VisionDataset``).

    Stores ``root`` (user-expanded), ``transform``, ``target_transform`` and the joint
    ``transforms``; pass either ``transforms`` or the two single transforms, not both.
    """

    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        if isinstance(root, (str, bytes, os.PathLike)):
            root = os.path.expanduser(root)
        self.root = root
        has_transforms = transforms is not None
        has_separate = transform is not None or target_transform is not None
        if has_transforms and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as "
                             "argument")
        self.transform = transform
        self.target_transform = target_transform
        if has_separate:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def extra_repr(self):
        """Extra lines for ``repr`` (the split, for instance)."""
        return ""

    def __repr__(self):
        head = "Dataset " + self.__class__.__name__
        body = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if getattr(self, "transforms", None) is not None:
            body.append(repr(self.transforms))  # torchvision indents only its first line
        return "\n".join([head] + [" " * self._repr_indent + line for line in body])
