# every common optimizer on a tiny regression, state_dict contents, zero_grad semantics, LBFGS closure.
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(14)
X = torch.tensor(rng.standard_normal((20, 3)), dtype=torch.float32)
Y = torch.tensor(rng.standard_normal((20, 1)), dtype=torch.float32)


def make():
    m = nn.Linear(3, 1)
    with torch.no_grad():
        m.weight.copy_(torch.tensor([[0.1, -0.2, 0.3]]))
        m.bias.fill_(0.05)
    return m


configs = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, maximize=False)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adadelta", dict(lr=1.0)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adamax", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01)),
    ("ASGD", dict(lr=0.01)),
    ("Rprop", dict(lr=0.01)),
]
for name, kw in configs:
    m = make()
    opt = getattr(torch.optim, name)(m.parameters(), **kw)
    for _ in range(5):
        opt.zero_grad()
        loss = ((m(X) - Y) ** 2).mean()
        loss.backward()
        opt.step()
    st = opt.state_dict()
    keys = sorted(st["state"][0].keys()) if st["state"] else []
    print(name, kw, round(loss.item(), 5), m.weight.detach().numpy().round(4).tolist(), keys)
m = make()
opt = torch.optim.LBFGS(m.parameters(), lr=0.5, max_iter=10, history_size=5)


def closure():
    opt.zero_grad()
    loss = ((m(X) - Y) ** 2).mean()
    loss.backward()
    return loss


for _ in range(3):
    l = opt.step(closure)
print("LBFGS", round(l.item(), 5), round(closure().item(), 5))
m = make()
opt = torch.optim.SGD(m.parameters(), lr=0.1)
((m(X) - Y) ** 2).mean().backward()
print(m.weight.grad is not None)
opt.zero_grad()
print(m.weight.grad)
((m(X) - Y) ** 2).mean().backward()
opt.zero_grad(set_to_none=False)
print(m.weight.grad)
print(opt)
print(opt.state_dict()["param_groups"])
opt2 = torch.optim.Adam([{"params": [m.weight]}, {"params": [m.bias], "lr": 0.5}], lr=0.1, betas=(0.8, 0.9))
print(opt2)
print(repr(opt2.param_groups[1]["betas"]), opt2.defaults["eps"])
try:
    torch.optim.SGD(m.parameters(), lr=-1)
except ValueError as e:
    print("ValueError", e)
try:
    torch.optim.Adam([], lr=0.1)
except ValueError as e:
    print("ValueError", e)
p = nn.Parameter(torch.tensor([1.0, 2.0]))
o = torch.optim.SGD([p], lr=0.1, momentum=0.9)
p.grad = torch.tensor([1.0, 1.0])
o.step()
print(p, o.state[p]["momentum_buffer"])
o.param_groups[0]["lr"] = 0.01
o.step()
print(p.data)
