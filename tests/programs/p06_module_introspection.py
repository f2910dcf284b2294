# module introspection: named_modules, apply(init), buffers, hooks, strict=False load, freezing, param groups.
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, n)
        self.bn = nn.BatchNorm1d(n)
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))
        self.register_buffer("tmp", torch.ones(2), persistent=False)

    def forward(self, x):
        self.steps += 1
        return torch.relu(self.bn(self.fc(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block(4) for _ in range(2)])
        self.head = nn.ModuleDict({"cls": nn.Linear(4, 3), "reg": nn.Linear(4, 1)})
        self.scale = nn.Parameter(torch.tensor(2.0))
        self.plist = nn.ParameterList([nn.Parameter(torch.ones(2)) for _ in range(2)])

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.head["cls"](x) * self.scale, self.head["reg"](x)


net = Net()
print(net)
for name, m in net.named_modules():
    print(repr(name), type(m).__name__)
print([n for n, _ in net.named_children()])
print([(n, tuple(p.shape)) for n, p in net.named_parameters()])
print([(n, b.dtype) for n, b in net.named_buffers()])
print(list(net.state_dict().keys()))


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.1)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm1d):
        nn.init.ones_(m.weight)


print(net.apply(init_weights) is net)
print(sum(p.numel() for p in net.parameters()), sum(p.numel() for p in net.parameters() if p.requires_grad))
acts = {}


def fwd_hook(mod, inp, out):
    acts[type(mod).__name__] = (tuple(inp[0].shape), tuple(out.shape))


def pre_hook(mod, inp):
    return (inp[0] * 2,)


h1 = net.blocks[0].fc.register_forward_hook(fwd_hook)
h2 = net.head["reg"].register_forward_pre_hook(pre_hook)
grads = []
h3 = net.head["cls"].register_full_backward_hook(lambda m, gi, go: grads.append(tuple(go[0].shape)))
x = torch.arange(12.).reshape(3, 4) / 10
out_cls, out_reg = net(x)
print(acts, out_cls, out_reg)
(out_cls.sum() + out_reg.sum()).backward()
print(grads, net.scale.grad, net.blocks[0].steps, net.blocks[0].bn.running_mean, net.blocks[0].bn.num_batches_tracked)
h1.remove(); h2.remove(); h3.remove()
sd = net.state_dict()
print(type(sd).__name__, sd["blocks.0.bn.running_var"], sd["blocks.0.steps"])
sd2 = {k: v for k, v in sd.items() if not k.startswith("head.reg")}
sd2["extra.weight"] = torch.zeros(1)
net2 = Net()
res = net2.load_state_dict(sd2, strict=False)
print(res.missing_keys, res.unexpected_keys)
print(res)
try:
    net2.load_state_dict(sd2)
except RuntimeError as e:
    print(type(e).__name__, str(e).splitlines()[0])
try:
    net2.load_state_dict({"scale": torch.zeros(3)}, strict=False)
except RuntimeError as e:
    print(type(e).__name__, "size mismatch" in str(e))
print(torch.equal(net2.blocks[1].fc.weight, net.blocks[1].fc.weight))
for p in net.blocks.parameters():
    p.requires_grad_(False)
print(sum(p.numel() for p in net.parameters() if p.requires_grad))
net.blocks[0].requires_grad_(True)
print([n for n, p in net.named_parameters() if p.requires_grad])
opt = torch.optim.SGD([
    {"params": net.blocks.parameters()},
    {"params": net.head.parameters(), "lr": 1e-2},
], lr=1e-1, momentum=0.9)
print(len(opt.param_groups), [g["lr"] for g in opt.param_groups], [len(g["params"]) for g in opt.param_groups])
print(sorted(opt.param_groups[1].keys()))
opt.add_param_group({"params": [net.scale], "lr": 0.5})
print([g["lr"] for g in opt.param_groups], opt.param_groups[2]["momentum"])
print(net.training, net.eval().training, net.blocks[0].bn.training, net.train().training)
net.zero_grad()
print(net.scale.grad)
print(net.get_submodule("blocks.1.bn"), net.get_parameter("head.cls.bias").shape)
seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
seq.add_module("final", nn.Linear(2, 1))
seq.append(nn.Sigmoid())
print(seq, len(seq), seq[1:])
print(nn.Sequential(*list(seq.children())[:2]))
from collections import OrderedDict
od = nn.Sequential(OrderedDict([("a", nn.Linear(1, 1)), ("b", nn.Tanh())]))
print(od.a, od[1], [n for n, _ in od.named_modules()])
m = nn.Linear(3, 2)
print(m.weight.dtype, m.double().weight.dtype, m.float().bias.dtype, m.to(torch.float64).weight.dtype)
print(isinstance(m.weight, nn.Parameter), isinstance(m.weight, torch.Tensor), repr(nn.Parameter(torch.ones(2))))
print(nn.Identity()(torch.ones(2)), nn.Flatten(0)(torch.ones(2, 3)).shape, nn.Unflatten(1, (2, 2))(torch.ones(3, 4)).shape)
print(list(nn.Linear(2, 2).state_dict().items())[0][1].requires_grad)
