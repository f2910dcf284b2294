"""ember.utils.data samplers: structure and statistics against torch (streams differ)."""
import collections

import pytest
import torch.utils.data as tdata

import ember
import ember.utils.data as edata


def test_sequential_sampler():
    s = edata.SequentialSampler(range(5))
    assert list(s) == list(tdata.SequentialSampler(range(5))) and len(s) == 5


@pytest.mark.parametrize("kwargs", [{}, {"num_samples": 3}, {"num_samples": 23},
                                    {"replacement": True}, {"replacement": True,
                                                            "num_samples": 40}])
def test_random_sampler_structure(kwargs):
    data = range(10)
    got = list(edata.RandomSampler(data, **kwargs))
    ref = list(tdata.RandomSampler(data, **kwargs))
    assert len(got) == len(ref) == len(edata.RandomSampler(data, **kwargs))
    assert all(0 <= i < 10 for i in got)
    if not kwargs.get("replacement"):
        # without replacement: whole permutations, then a partial one
        n = len(got)
        for start in range(0, n - n % 10, 10):
            assert sorted(got[start:start + 10]) == list(range(10))
        assert len(set(got[n - n % 10:])) == n % 10


def test_random_sampler_generator_and_seed():
    def draw(seed):
        return list(edata.RandomSampler(range(50), generator=ember.Generator().manual_seed(seed)))

    assert draw(1) == draw(1) and draw(1) != draw(2)
    ember.manual_seed(7)
    a = list(edata.RandomSampler(range(50)))
    b = list(edata.RandomSampler(range(50)))
    ember.manual_seed(7)
    assert list(edata.RandomSampler(range(50))) == a and a != b


def test_random_sampler_with_replacement_is_uniform():
    g = ember.Generator().manual_seed(0)
    counts = collections.Counter(edata.RandomSampler(range(4), True, 8000, generator=g))
    assert set(counts) == {0, 1, 2, 3}
    assert all(1700 < c < 2300 for c in counts.values())


@pytest.mark.parametrize("kwargs, exc", [
    ({"replacement": 1}, TypeError),
    ({"num_samples": 0}, ValueError),
    ({"num_samples": 2.0}, ValueError),
])
def test_random_sampler_errors(kwargs, exc):
    with pytest.raises(exc) as expected:
        tdata.RandomSampler(range(3), **kwargs)
    with pytest.raises(exc) as got:
        edata.RandomSampler(range(3), **kwargs)
    assert str(got.value) == str(expected.value)


def test_subset_random_sampler():
    idx = [3, 9, 4, 12]
    s = edata.SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(0))
    assert len(s) == 4 and sorted(s) == sorted(idx)


def test_weighted_random_sampler_statistics():
    g = ember.Generator().manual_seed(0)
    s = edata.WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=g)
    got = list(s)
    assert len(s) == 4000 and len(got) == 4000
    counts = collections.Counter(got)
    assert counts[0] == 0 and 850 < counts[1] < 1150
    no_rep = list(edata.WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(no_rep) == [0, 1, 2, 3]
    assert isinstance(got[0], int)


@pytest.mark.parametrize("args, kwargs", [
    (([1.0, 2.0], 0), {}),
    (([1.0, 2.0], True), {}),
    (([1.0, 2.0], 2), {"replacement": 1}),
    (([[1.0, 2.0]], 2), {}),
])
def test_weighted_random_sampler_errors(args, kwargs):
    with pytest.raises(ValueError) as expected:
        tdata.WeightedRandomSampler(*args, **kwargs)
    with pytest.raises(ValueError) as got:
        edata.WeightedRandomSampler(*args, **kwargs)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("n, bs, drop", [(10, 3, False), (10, 3, True), (9, 3, True),
                                         (2, 5, False), (2, 5, True)])
def test_batch_sampler_matches_torch(n, bs, drop):
    got = edata.BatchSampler(edata.SequentialSampler(range(n)), bs, drop)
    ref = tdata.BatchSampler(tdata.SequentialSampler(range(n)), bs, drop)
    assert list(got) == list(ref) and len(got) == len(ref)


@pytest.mark.parametrize("bs, drop", [(0, False), (True, False), (2.0, False), (2, 1)])
def test_batch_sampler_errors(bs, drop):
    with pytest.raises(ValueError) as expected:
        tdata.BatchSampler(range(3), bs, drop)
    with pytest.raises(ValueError) as got:
        edata.BatchSampler(range(3), bs, drop)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("n", [10, 11, 3, 1])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_unshuffled_matches_torch(n, replicas, drop_last):
    for rank in range(replicas):
        got = edata.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                       drop_last=drop_last)
        ref = tdata.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                       drop_last=drop_last)
        assert list(got) == list(ref) and len(got) == len(ref)
        assert got.total_size == ref.total_size


@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_shuffle_partitions(drop_last):
    n, replicas = 22, 4
    samplers = [edata.DistributedSampler(range(n), replicas, r, seed=3, drop_last=drop_last)
                for r in range(replicas)]
    parts = [list(s) for s in samplers]
    flat = [i for p in parts for i in p]
    assert all(len(p) == len(samplers[0]) for p in parts)
    if drop_last:
        assert len(flat) == len(set(flat)) == 20
    else:
        assert len(flat) == 24 and set(flat) == set(range(n))
    again = [list(edata.DistributedSampler(range(n), replicas, r, seed=3, drop_last=drop_last))
             for r in range(replicas)]
    assert again == parts
    for s in samplers:
        s.set_epoch(1)
    assert [list(s) for s in samplers] != parts


def test_distributed_sampler_errors():
    for lib in (tdata, edata):
        with pytest.raises(ValueError, match="Invalid rank 2"):
            lib.DistributedSampler(range(4), num_replicas=2, rank=2)
        with pytest.raises(ValueError, match="Invalid rank -1"):
            lib.DistributedSampler(range(4), num_replicas=2, rank=-1)
    for lib in (tdata, edata):  # no default process group: torch's ValueError
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            lib.DistributedSampler(range(4))


def test_custom_sampler_subclass():
    class Evens(edata.Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(0, self.n, 2))

        def __len__(self):
            return (self.n + 1) // 2

    loader = edata.DataLoader(list(range(10)), sampler=Evens(10), batch_size=2)
    assert [b.tolist() for b in loader] == [[0, 2], [4, 6], [8]]
