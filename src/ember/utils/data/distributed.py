"""DistributedSampler: each of ``num_replicas`` processes reads its own share of a dataset."""
import math
import typing

import ember
from ember.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]

_T_co = typing.TypeVar("_T_co", covariant=True)


class DistributedSampler(Sampler[_T_co]):
    """The indices for replica ``rank`` of ``num_replicas`` (``torch.utils.data.
    DistributedSampler``): an optional shuffle seeded by ``seed + epoch`` (call
    :meth:`set_epoch` each epoch), padded by repeating indices to a multiple of
    ``num_replicas`` (or cut to one when ``drop_last``), then every ``num_replicas``-th index
    from ``rank``. ``rank`` and ``num_replicas`` default to those of the (single-process)
    default group."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from ember import distributed as dist  # ValueError unless a group was made
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(dataset) % num_replicas != 0:
            self.num_samples = math.ceil((len(dataset) - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        if self.shuffle:
            gen = ember.Generator()
            gen.manual_seed(self.seed + self.epoch)
            indices = ember.randperm(len(self.dataset), generator=gen).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        assert len(indices) == self.total_size
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Sets the epoch mixed into the shuffle's seed, so each epoch orders differently."""
        self.epoch = epoch
