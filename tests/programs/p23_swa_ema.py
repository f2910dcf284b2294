# SWA / EMA with torch.optim.swa_utils, DataParallel wrapper on CPU, fill_diagonal_, Tensor.new, sum_to_size.
import numpy as np
import torch
import torch.nn as nn
from torch.optim.swa_utils import AveragedModel, SWALR, update_bn, get_ema_multi_avg_fn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(23)
X = torch.tensor(rng.standard_normal((32, 4)), dtype=torch.float32)
Y = torch.tensor(rng.standard_normal((32, 1)), dtype=torch.float32)
loader = DataLoader(TensorDataset(X, Y), batch_size=8)


def make():
    m = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 1))
    with torch.no_grad():
        for i, p in enumerate(m.parameters()):
            p.copy_(torch.linspace(-0.5, 0.5, p.numel()).view(p.shape) * (i + 1))
    return m


model = make()
swa_model = AveragedModel(model)
ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
print(list(swa_model.state_dict().keys())[:3], swa_model.n_averaged)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
swa_start = 2
swa_scheduler = SWALR(optimizer, swa_lr=0.05, anneal_epochs=2)
for epoch in range(5):
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        ema_model.update_parameters(model)
    if epoch > swa_start:
        swa_model.update_parameters(model)
        swa_scheduler.step()
    else:
        scheduler.step()
    print(epoch, [round(g["lr"], 6) for g in optimizer.param_groups], int(swa_model.n_averaged))
update_bn(loader, swa_model)
print(swa_model.module[1].running_mean, swa_model.module[1].momentum, swa_model.module[1].num_batches_tracked)
swa_model.eval()
print(swa_model(X[:3]), ema_model(X[:3]).shape, int(ema_model.n_averaged))
print(swa_model.module[0].weight[0], ema_model.module[0].weight[0])
avg = AveragedModel(nn.Linear(2, 1), avg_fn=lambda a, b, n: a + (b - a) / (n + 1))
src = nn.Linear(2, 1)
for k in range(3):
    with torch.no_grad():
        src.weight.fill_(float(k))
        src.bias.fill_(float(-k))
    avg.update_parameters(src)
print(avg.module.weight, avg.module.bias)
dp = nn.DataParallel(make())
print(type(dp).__name__, list(dp.state_dict().keys())[:2], dp.module.__class__.__name__, dp(X[:2]).shape)
plain = make()
plain.load_state_dict({k.replace("module.", ""): v for k, v in dp.state_dict().items()})
print(torch.equal(plain[0].weight, dp.module[0].weight))
sim = torch.arange(16.).view(4, 4)
sim.fill_diagonal_(-float("inf"))
print(sim, torch.ones(6, 2).fill_diagonal_(3, wrap=True))
w = torch.ones(3, 3, requires_grad=True)
z = w * 2
z.fill_diagonal_(0)
z.sum().backward()
print(w.grad, z.grad_fn.name())
t = torch.tensor([1.0, 2.0], dtype=torch.float64)
print(t.new(2, 2).shape, t.new([3, 4]), t.new().dtype, t.new(torch.Size([1, 3])).shape)
print(torch.ones(2, 3, 4).sum_to_size(3, 1), torch.ones(4).is_same_size(torch.zeros(4)))
g = torch.ones(2, 3, requires_grad=True)
print(g.sum_to_size(1, 3).grad_fn.name(), g.sum_to_size(3).grad_fn.name())
