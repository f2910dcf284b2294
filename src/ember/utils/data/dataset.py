"""Datasets: map-style and iterable, and the helpers that combine or split them."""
import bisect
import itertools
import math
import typing
import warnings

import ember

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split"]

_T_co = typing.TypeVar("_T_co", covariant=True)
_T_stack = typing.TypeVar("_T_stack", tuple, dict)


class Dataset(typing.Generic[_T_co]):
    """A map-style dataset (``torch.utils.data.Dataset``): subclasses implement
    ``__getitem__`` (and usually ``__len__``); ``a + b`` gives a :class:`ConcatDataset`.
    Generic as torch's, so ``class MyData(Dataset[tuple[Tensor, int]])`` works."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset[_T_co], typing.Iterable[_T_co]):
    """A dataset read as a stream (``torch.utils.data.IterableDataset``): subclasses
    implement ``__iter__`` (an abstract method, so as in torch a subclass without one cannot
    be instantiated); ``a + b`` gives a :class:`ChainDataset`."""

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Wraps tensors sharing their first dimension; item ``i`` is the tuple of each
    tensor's ``[i]`` (``torch.utils.data.TensorDataset``)."""

    def __init__(self, *tensors):
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class StackDataset(Dataset[_T_stack]):
    """Zips datasets of equal length: item ``i`` is a tuple (positional arguments) or a
    dict (keyword arguments) of each dataset's item ``i`` (``torch.utils.data.StackDataset``)."""

    def __init__(self, *args, **kwargs):
        if args:
            if kwargs:
                raise ValueError("Supported either ``tuple``- (via ``args``) or"
                                 "``dict``- (via ``kwargs``) like input/output, but both types"
                                 " are given.")
            self._length = len(args[0])
            if any(self._length != len(d) for d in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets = args
        elif kwargs:
            values = list(kwargs.values())
            self._length = len(values[0])
            if any(self._length != len(d) for d in values):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices):
        """The samples at ``indices``, each inner dataset read with its own
        ``__getitems__`` where it has one (a batched read), as torch does."""
        datasets = (self.datasets.items() if isinstance(self.datasets, dict)
                    else enumerate(self.datasets))
        batch = [{} for _ in indices]
        for key, dataset in datasets:
            if callable(getattr(dataset, "__getitems__", None)):
                items = dataset.__getitems__(indices)
                if len(items) != len(indices):
                    raise ValueError("Nested dataset's output size mismatch. "
                                     f"Expected {len(indices)}, got {len(items)}")
            else:
                items = [dataset[i] for i in indices]
            for sample, item in zip(batch, items):
                sample[key] = item
        if isinstance(self.datasets, dict):
            return batch
        return [tuple(sample[k] for k in range(len(self.datasets))) for sample in batch]

    def __len__(self):
        return self._length


class ConcatDataset(Dataset[_T_co]):
    """Concatenation of map-style datasets (``torch.utils.data.ConcatDataset``); negative
    indices count from the end of the whole."""

    @staticmethod
    def cumsum(sequence):
        """Running totals of the datasets' lengths."""
        out, total = [], 0
        for d in sequence:
            total += len(d)
            out.append(total)
        return out

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Chains iterable datasets one after another (``torch.utils.data.ChainDataset``)."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset[_T_co]):
    """The items of ``dataset`` at ``indices``, in that order (``torch.utils.data.Subset``)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Splits ``dataset`` into non-overlapping random :class:`Subset` s of the given
    ``lengths``; fractions summing to 1 are turned into lengths (floor, then the remainder
    dealt one by one from the first) as ``torch.utils.data.random_split`` does. The
    permutation is drawn with ``ember.randperm(generator=generator)``."""
    if generator is None:
        generator = ember.default_generator
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(len(dataset) * frac)))
        remainder = len(dataset) - sum(counts)
        for i in range(remainder):
            counts[i % len(counts)] += 1
        for i, n in enumerate(counts):
            if n == 0:
                warnings.warn(f"Length of split at index {i} is 0. "
                              f"This might result in an empty dataset.")
        lengths = counts
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = ember.randperm(sum(lengths), generator=generator).tolist()
    out = []
    for offset, n in zip(itertools.accumulate(lengths), lengths):
        out.append(Subset(dataset, indices[offset - n:offset]))
    return out
