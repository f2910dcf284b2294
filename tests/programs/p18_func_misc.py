# utilities people reach for: torch.utils.checkpoint, nn.utils.rnn, weight_norm/parametrize, copy.deepcopy, pickle, amp autocast.
import copy
import io
import pickle
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_sequence, pad_packed_sequence, PackedSequence, unpad_sequence

m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
with torch.no_grad():
    for i, p in enumerate(m.parameters()):
        p.copy_(torch.linspace(-1, 1, p.numel()).view(p.shape) * (i + 1) / 3)
m2 = copy.deepcopy(m)
print(torch.equal(m2[0].weight, m[0].weight), m2[0].weight is m[0].weight, m2[0].weight.data_ptr() != m[0].weight.data_ptr())
buf = pickle.dumps(m)
m3 = pickle.loads(buf)
print(type(m3).__name__, m3(torch.ones(1, 2)))
t = torch.arange(4.)
t2 = pickle.loads(pickle.dumps(t))
print(t2, copy.copy(t), copy.deepcopy(torch.tensor([1.0], requires_grad=True)))
from torch.utils.checkpoint import checkpoint
x = torch.ones(2, 2, requires_grad=True)
y = checkpoint(lambda a: (a * 3).sin(), x, use_reentrant=False)
y.sum().backward()
print(x.grad)
ps = pack_sequence([torch.tensor([1., 2., 3.]), torch.tensor([4., 5.]), torch.tensor([6.])])
print(isinstance(ps, PackedSequence), ps.data, ps.batch_sizes, ps.sorted_indices, ps.unsorted_indices)
padded, lens = pad_packed_sequence(ps, batch_first=True)
print(padded, lens)
print(unpad_sequence(padded, lens, batch_first=True))
ps2 = pack_sequence([torch.tensor([1.]), torch.tensor([4., 5.])], enforce_sorted=False)
print(ps2.sorted_indices, ps2.data)
lin = nn.Linear(3, 2)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[3.0, 0.0, 4.0], [0.0, 1.0, 0.0]]))
wn = nn.utils.parametrizations.weight_norm(lin)
print([n for n, _ in wn.named_parameters()], wn.parametrizations.weight.original0.flatten(), wn.weight)
sn = nn.utils.parametrizations.spectral_norm(nn.Linear(3, 2))
print(type(sn.parametrizations.weight[0]).__name__)
import torch.nn.utils.parametrize as P


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


layer = nn.Linear(3, 3)
P.register_parametrization(layer, "weight", Symmetric())
print(torch.allclose(layer.weight, layer.weight.T), P.is_parametrized(layer), type(layer).__name__)
print(layer)
with torch.autocast("cpu", dtype=torch.bfloat16):
    out = nn.Linear(4, 4)(torch.ones(2, 4))
    print(out.dtype, torch.mm(torch.ones(2, 2), torch.ones(2, 2)).dtype, (torch.ones(2) + 1).dtype)
print(torch.get_autocast_dtype("cpu") if hasattr(torch, "get_autocast_dtype") else None)
scaler = torch.amp.GradScaler("cpu", enabled=False) if hasattr(torch.amp, "GradScaler") else None
print(type(scaler).__name__, scaler.is_enabled() if scaler else None)
fn = torch.compile(lambda a: a * 2)
print(fn(torch.ones(2)))
from torch.profiler import profile, record_function, ProfilerActivity
with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    with record_function("model_inference"):
        torch.ones(2) + 1
print(type(prof).__name__, "model_inference" in prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
print([e.key for e in prof.key_averages() if e.key == "model_inference"][0], isinstance(prof.key_averages().table(), str))
print(torch.utils.data.get_worker_info())
def hook(module, args, kwargs, output):
    return output * 0
h = nn.Linear(1, 1).register_forward_hook(hook, with_kwargs=True)
print(type(h).__name__)
state = {"w": torch.tensor([1.0, 2.0])}
bio = io.BytesIO()
torch.save(state, bio, _use_new_zipfile_serialization=True)
print(len(bio.getvalue()) > 0)
print(torch.nn.modules.module.Module is nn.Module, nn.modules.linear.Linear is nn.Linear, issubclass(nn.Conv2d, nn.modules.conv._ConvNd))
print(torch.nn.init.calculate_gain("relu"), torch.nn.init.calculate_gain("leaky_relu", 0.2), torch.nn.init.calculate_gain("tanh"))
w = torch.empty(3, 5)
print(torch.nn.init._calculate_fan_in_and_fan_out(w), nn.init.eye_(torch.empty(2, 3)), nn.init.dirac_(torch.empty(2, 2, 3)).sum())
print(nn.init.constant_(w, 0.3).sum(), nn.init.zeros_(w).abs().sum(), nn.init.ones_(w).mean())
torch.manual_seed(0)
for f in [nn.init.xavier_uniform_, nn.init.xavier_normal_, nn.init.kaiming_uniform_, nn.init.kaiming_normal_, nn.init.orthogonal_, nn.init.trunc_normal_, nn.init.normal_, nn.init.uniform_]:
    r = f(torch.empty(30, 40))
    print(f.__name__, r.shape, r.dtype)
q = nn.init.orthogonal_(torch.empty(4, 4))
print(torch.allclose(q @ q.T, torch.eye(4), atol=1e-5), bool((nn.init.trunc_normal_(torch.empty(1000), a=-1, b=1).abs() <= 1).all()))
print(nn.init.kaiming_uniform_(torch.empty(100, 50), a=5 ** 0.5).abs().max() <= 1 / 50 ** 0.5 + 1e-6)
