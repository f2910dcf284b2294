# legacy and launcher-style code: Variable, type(x), torch.typename, single-process torch.distributed + DDP,
# torch.jit markers inside models, collate helpers at their torch path, einsum sublists.
import os
import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.autograd import Variable
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler
from torch.utils.data._utils.collate import collate, default_collate_fn_map

x = torch.ones(2, 3)
print(type(x), type(x.shape), type(x.dtype), type(x.device), type(nn.Linear(1, 1)), type(nn.Parameter(x)))
print(torch.typename(x), torch.typename(x.dtype), torch.typename(3), torch.typename(nn.Linear), x.type())
v = Variable(torch.tensor([1.0, 2.0]), requires_grad=True)
y = (v * v).sum()
y.backward()
print(v.grad, isinstance(x, Variable), Variable(x).requires_grad, type(Variable(x)))
print(Variable(torch.ones(1) * 2, requires_grad=False).is_leaf)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor([[0.1, 0.2, 0.3], [-0.1, 0.0, 0.5]]))
            self.fc.bias.fill_(0.1)

    def forward(self, x):
        if not torch.jit.is_scripting() and not torch.jit.is_tracing():
            x = x * 1.0
        return self.fc(x)

    @torch.jit.ignore
    def helper(self):
        return "ignored"

    @torch.jit.unused
    def unused(self):
        return "unused"


@torch.jit.script
def scale(t: torch.Tensor, k: float) -> torch.Tensor:
    return t * k


print(scale(torch.ones(2), 3.0), Net().helper(), Net().unused(), torch.jit.annotate(int, 4))


def setup():
    rank = int(os.environ.get("RANK", 0))
    world_size = int(os.environ.get("WORLD_SIZE", 1))
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29517")
    print(dist.is_available(), dist.is_initialized())
    try:
        dist.get_rank()
    except ValueError as e:
        print(type(e).__name__, e)
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    return rank, world_size


rank, world_size = setup()
print(dist.is_initialized(), dist.get_rank(), dist.get_world_size(), dist.get_backend(), dist.ReduceOp.SUM)
model = DDP(Net())
print(model)
rng = np.random.default_rng(25)
ds = TensorDataset(torch.tensor(rng.standard_normal((10, 3)), dtype=torch.float32), torch.arange(10) % 2)
sampler = DistributedSampler(ds, shuffle=False)
loader = DataLoader(ds, batch_size=4, sampler=sampler)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    sampler.set_epoch(epoch)
    total = torch.zeros(1)
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.detach()
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    total /= dist.get_world_size()
    if rank == 0:
        print(f"epoch {epoch} loss {total.item():.4f}")
gathered = [torch.zeros(2) for _ in range(dist.get_world_size())]
dist.all_gather(gathered, torch.tensor([float(rank), 1.0]))
dist.broadcast(total, src=0)
dist.barrier()
print(gathered, len(sampler), list(model.state_dict().keys()))
with model.no_sync():
    model(torch.ones(1, 3)).sum().backward()
dist.destroy_process_group()
print(dist.is_initialized())


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


def collate_point(batch, *, collate_fn_map=None):
    return torch.tensor([[p.x, p.y] for p in batch])


fn_map = {**default_collate_fn_map, Point: collate_point}
print(collate([Point(1, 2), Point(3, 4)], collate_fn_map=fn_map))
print(collate([{"p": Point(0, 1), "t": torch.ones(2)}] * 2, collate_fn_map=fn_map))
print(torch.einsum(torch.arange(6.).view(2, 3), [0, 1], torch.arange(3.), [1], [0]), torch.einsum(torch.eye(2), [0, 0]))
print(torch.einsum(torch.ones(2, 2, 3), [Ellipsis, 1], torch.ones(3, 4), [1, 2], [Ellipsis, 2]).shape)
