# lr schedulers, grad clipping, early stopping.
import numpy as np
import torch
import torch.nn as nn
from torch.optim import lr_scheduler

rng = np.random.default_rng(7)
X = torch.tensor(rng.standard_normal((32, 3)), dtype=torch.float32)
Y = X @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1


def make():
    m = nn.Linear(3, 1)
    with torch.no_grad():
        m.weight.fill_(0.0)
        m.bias.fill_(0.0)
    return m


for name, ctor in [
    ("StepLR", lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5)),
    ("MultiStepLR", lambda o: lr_scheduler.MultiStepLR(o, milestones=[1, 3], gamma=0.1)),
    ("ExponentialLR", lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9)),
    ("CosineAnnealingLR", lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=4, eta_min=0.01)),
    ("LambdaLR", lambda o: lr_scheduler.LambdaLR(o, lambda e: 1.0 / (e + 1))),
    ("OneCycleLR", lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=6)),
    ("LinearLR", lambda o: lr_scheduler.LinearLR(o, start_factor=0.5, total_iters=3)),
    ("CosineAnnealingWarmRestarts", lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2)),
    ("CyclicLR", lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2)),
    ("PolynomialLR", lambda o: lr_scheduler.PolynomialLR(o, total_iters=4, power=2.0)),
]:
    m = make()
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    sched = ctor(opt)
    lrs = []
    for epoch in range(5):
        opt.zero_grad()
        loss = nn.functional.mse_loss(m(X), Y)
        loss.backward()
        opt.step()
        sched.step()
        lrs.append(round(sched.get_last_lr()[0], 6))
    print(name, lrs, round(loss.item(), 5))

m = make()
opt = torch.optim.Adam(m.parameters(), lr=0.05)
warm = lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=2)
cos = lr_scheduler.CosineAnnealingLR(opt, T_max=3)
seq = lr_scheduler.SequentialLR(opt, schedulers=[warm, cos], milestones=[2])
lrs = []
for i in range(5):
    opt.step()
    seq.step()
    lrs.append(round(opt.param_groups[0]["lr"], 6))
print("SequentialLR", lrs)
print(seq.state_dict().keys() if False else sorted(cos.state_dict().keys()))

# ReduceLROnPlateau + early stopping + clipping
m = make()
opt = torch.optim.SGD(m.parameters(), lr=0.5)
plateau = lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1)
best, bad, patience = float("inf"), 0, 3
for epoch in range(30):
    m.train()
    opt.zero_grad()
    loss = nn.functional.mse_loss(m(X), Y)
    loss.backward()
    total = nn.utils.clip_grad_norm_(m.parameters(), max_norm=1.0)
    nn.utils.clip_grad_value_(m.parameters(), clip_value=0.5)
    opt.step()
    m.eval()
    with torch.no_grad():
        val = nn.functional.mse_loss(m(X[:8]), Y[:8]).item()
    plateau.step(val)
    if epoch < 3:
        print(epoch, round(float(total), 4), total.dtype, round(val, 4), opt.param_groups[0]["lr"])
    if val < best - 1e-3:
        best, bad = val, 0
    else:
        bad += 1
        if bad >= patience:
            print("early stop at", epoch)
            break
print(round(best, 4), [round(g["lr"], 6) for g in opt.param_groups])
print(m.weight.detach().numpy().round(3), m.bias.item() > 0)
g = [torch.tensor([3.0, 4.0]), torch.tensor([12.0])]
ps = [nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(1))]
for p, gg in zip(ps, g):
    p.grad = gg.clone()
print(nn.utils.clip_grad_norm_(ps, 6.5), [p.grad for p in ps])
print(nn.utils.clip_grad_norm_(ps, 1.0, norm_type=float("inf")), [p.grad for p in ps])
print(nn.utils.parameters_to_vector(ps), nn.utils.get_total_norm([p.grad for p in ps]) if hasattr(nn.utils, "get_total_norm") else None)
