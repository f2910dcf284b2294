"""ember.utils.data datasets, random_split and collation, differential against torch."""
import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata


def _plain(x):
    """A structure with tensors replaced by (dtype name, values), comparable across libs."""
    if isinstance(x, (torch.Tensor, ember.Tensor)):
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape), x.tolist())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, tuple(_plain(v) for v in x))
    if isinstance(x, dict):
        return (type(x).__name__, {k: _plain(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("ndarray", x.tolist())
    return x


def _both(lib_t, lib_e, fn):
    return fn(lib_t, torch), fn(lib_e, ember)


Point = collections.namedtuple("Point", "x y")


def _samples(mod):
    t = mod.tensor
    return [
        [1, 2, 3],
        [1.5, 2.0],
        [True, False],
        ["a", "b"],
        [b"a", b"b"],
        [np.float32(1), np.float32(2)],
        [np.int32(1), np.int32(4)],
        [np.bool_(True), np.bool_(False)],
        [np.array([1, 2]), np.array([3, 4])],
        [np.array(3.0), np.array(4.0)],
        [np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32)],
        [t([1.0, 2.0]), t([3.0, 4.0])],
        [t(1, dtype=mod.int16), t(2, dtype=mod.int16)],
        [(1, 2.0, "s"), (3, 4.0, "t")],
        [[1, 2], [3, 4]],
        [{"a": 1, "b": [t([1.0]), 2.5]}, {"a": 2, "b": [t([3.0]), 3.5]}],
        [collections.OrderedDict(k=1), collections.OrderedDict(k=2)],
        [Point(1, t([1])), Point(2, t([2]))],
        [(t([1, 2]), 3), (t([4, 5]), 6)],
    ]


@pytest.mark.parametrize("case", range(len(_samples(torch))))
def test_default_collate_matches_torch(case):
    expected = tdata.default_collate(_samples(torch)[case])
    got = edata.default_collate(_samples(ember)[case])
    assert _plain(got) == _plain(expected)


@pytest.mark.parametrize("case", range(len(_samples(torch))))
def test_default_convert_matches_torch(case):
    expected = tdata.default_convert(_samples(torch)[case])
    got = edata.default_convert(_samples(ember)[case])
    assert _plain(got) == _plain(expected)


@pytest.mark.parametrize("bad, exc", [
    ([object(), object()], TypeError),
    ([np.array(["a"]), np.array(["b"])], TypeError),
    ([[1, 2], [3]], RuntimeError),
])
def test_default_collate_errors(bad, exc):
    with pytest.raises(exc) as expected:
        tdata.default_collate(bad)
    with pytest.raises(exc) as got:
        edata.default_collate(bad)
    assert str(got.value) == str(expected.value)


def test_tensor_dataset():
    x, y = ember.arange(12.0).reshape(6, 2), ember.arange(6)
    ds = edata.TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[2]
    assert a.tolist() == [4.0, 5.0] and b.item() == 2
    assert ds[1:3][1].tolist() == [1, 2]
    with pytest.raises(AssertionError, match="Size mismatch"):
        edata.TensorDataset(x, ember.arange(5))


def test_stack_dataset_tuple_and_dict():
    a, b = list(range(4)), [str(i) for i in range(4)]
    for lib in (tdata, edata):
        assert lib.StackDataset(a, b)[2] == (2, "2")
        assert lib.StackDataset(x=a, y=b)[1] == {"x": 1, "y": "1"}
        assert len(lib.StackDataset(a, b)) == 4
        with pytest.raises(ValueError):
            lib.StackDataset(a, b[:2])
        with pytest.raises(ValueError):
            lib.StackDataset(a, y=b)
        with pytest.raises(ValueError):
            lib.StackDataset()


class _Range(edata.Dataset):
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def __len__(self):
        return self.hi - self.lo

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.lo + i


class _Stream(edata.IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def test_concat_dataset():
    ds = _Range(0, 3) + _Range(10, 12) + _Range(20, 24)
    assert isinstance(ds, edata.ConcatDataset)
    ref = tdata.ConcatDataset([list(range(3)), [10, 11], [20, 21, 22, 23]])
    assert len(ds) == len(ref) == 9
    assert [ds[i] for i in range(-9, 9)] == [ref[i] for i in range(-9, 9)]
    assert ds.cumulative_sizes == [3, 5, 9] or isinstance(ds.datasets[0], edata.ConcatDataset)
    with pytest.raises(ValueError, match="absolute value"):
        ds[-10]
    with pytest.raises(AssertionError):
        edata.ConcatDataset([])
    with pytest.raises(AssertionError):
        edata.ConcatDataset([_Stream([1])])


def test_chain_dataset():
    ds = _Stream([1, 2]) + _Stream([3])
    assert isinstance(ds, edata.ChainDataset)
    assert list(ds) == [1, 2, 3] and len(ds) == 3
    with pytest.raises(AssertionError):
        list(edata.ChainDataset([_Range(0, 2)]))


def test_subset():
    sub = edata.Subset(_Range(100, 110), [5, 1, 7])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [105, 101, 107]
    assert sub.__getitems__([2, 0]) == [107, 105]


@pytest.mark.parametrize("n, lengths", [(10, [3, 7]), (11, [0.3, 0.7]), (11, [0.5, 0.25, 0.25]),
                                        (11, [1 / 3] * 3), (11, [0.1] * 10)])
def test_random_split_sizes_match_torch(n, lengths):
    expected = [len(s) for s in tdata.random_split(range(n), lengths)]
    got = edata.random_split(_Range(0, n), lengths)
    assert [len(s) for s in got] == expected
    assert sorted(i for s in got for i in s.indices) == list(range(n))


def test_random_split_empty_part_warns():
    with pytest.warns(UserWarning, match="Length of split at index 0 is 0"):
        parts = edata.random_split(_Range(0, 7), [0.0, 1.0])
    assert [len(p) for p in parts] == [0, 7]


def test_random_split_lengths_and_errors():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        edata.random_split(_Range(0, 5), [2, 2])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        tdata.random_split(range(5), [2, 2])
    parts = edata.random_split(_Range(0, 10), [3, 7])
    assert all(isinstance(p, edata.Subset) for p in parts)
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))


def test_random_split_reproducible_with_generator():
    def split(seed):
        g = ember.Generator().manual_seed(seed)
        return [s.indices for s in edata.random_split(_Range(0, 20), [0.5, 0.5], generator=g)]

    assert split(3) == split(3)
    assert split(3) != split(4)
    ember.manual_seed(5)
    a = [s.indices for s in edata.random_split(_Range(0, 20), [10, 10])]
    ember.manual_seed(5)
    assert a == [s.indices for s in edata.random_split(_Range(0, 20), [10, 10])]


def test_base_classes():
    with pytest.raises(NotImplementedError):
        edata.Dataset()[0]
    with pytest.raises(TypeError, match="abstract"):  # as torch: __iter__ is abstract
        edata.IterableDataset()
