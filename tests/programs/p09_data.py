# torch.utils.data: custom Dataset, collate_fn, random_split, samplers.
import numpy as np
import torch
from torch.utils.data import (Dataset, DataLoader, random_split, WeightedRandomSampler, Subset,
                              SequentialSampler, RandomSampler, BatchSampler, ConcatDataset,
                              TensorDataset, IterableDataset, default_collate)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        return {"x": torch.tensor([idx, idx ** 2], dtype=torch.float32), "y": idx % 3, "name": f"s{idx}"}


ds = Squares(10)
dl = DataLoader(ds, batch_size=4)
for batch in dl:
    print(batch["x"].shape, batch["y"], batch["name"])
print(len(dl), len(ds))


def pad_collate(batch):
    seqs = [torch.arange(len(b)) for b in batch]
    lengths = torch.tensor([len(s) for s in seqs])
    padded = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=-1)
    return padded, lengths


words = ["a", "abc", "ab", "abcd", "abcde"]
for p, l in DataLoader(words, batch_size=2, collate_fn=pad_collate):
    print(p, l)
print(DataLoader(list(range(7)), batch_size=3, drop_last=True).__len__())
for b in DataLoader([(1, 2.0), (3, 4.0)], batch_size=2):
    print(b, [t.dtype for t in b])
print(default_collate([np.array([1, 2]), np.array([3, 4])]))
print(default_collate([(torch.ones(2), 1), (torch.zeros(2), 0)]))

g = torch.Generator().manual_seed(42)
tr, va = random_split(range(10), [7, 3], generator=g)
print(len(tr), len(va), type(tr).__name__, sorted(list(tr) + list(va)) == list(range(10)))
g = torch.Generator().manual_seed(42)
tr2, va2 = random_split(range(10), [7, 3], generator=g)
print(list(tr) == list(tr2))
parts = random_split(range(10), [0.5, 0.3, 0.2], generator=torch.Generator().manual_seed(1))
print([len(p) for p in parts])
w = [0.0, 0.0, 1.0, 0.0, 0.0]
s = WeightedRandomSampler(w, num_samples=6, replacement=True)
print(list(s), len(s))
s2 = WeightedRandomSampler([1.0, 1.0, 1.0], num_samples=3, replacement=False, generator=torch.Generator().manual_seed(0))
print(sorted(list(s2)))
print(list(SequentialSampler(range(4))), sorted(RandomSampler(range(5))), len(RandomSampler(range(5), num_samples=3, replacement=True)))
print(list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False)))
print(list(Subset(ds, [1, 3])[1]["x"]), len(ConcatDataset([ds, ds])), ConcatDataset([ds, Squares(2)])[11]["name"])
td = TensorDataset(torch.arange(6).view(3, 2), torch.tensor([1, 0, 1]))
print(td[1], len(td), td.tensors[0].shape)
loader = DataLoader(td, batch_size=2, shuffle=True, generator=torch.Generator().manual_seed(3))
tot = sum(int(yb.sum()) for _, yb in loader)
print(tot, len(loader))


class Stream(IterableDataset):
    def __iter__(self):
        return iter(range(5))


print([b.tolist() for b in DataLoader(Stream(), batch_size=2)])
print(next(iter(DataLoader(td, batch_size=3, sampler=SequentialSampler(td))))[0])
bs = DataLoader(td, batch_sampler=[[0, 2], [1]])
print([x[1].tolist() for x in bs])
print(DataLoader(ds, batch_size=None)._auto_collation if hasattr(DataLoader(ds), "_auto_collation") else "n/a")
print(next(iter(DataLoader(ds, batch_size=None)))["x"])
