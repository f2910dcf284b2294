# save/load checkpoints with optimizer state, resume training.
import io
import os
import tempfile
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(10)
X = torch.tensor(rng.standard_normal((16, 4)), dtype=torch.float32)
Y = torch.tensor(rng.standard_normal((16, 2)), dtype=torch.float32)


def make():
    m = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    sd = {k: torch.tensor(np.linspace(-0.5, 0.5, v.numel()).reshape(tuple(v.shape)), dtype=torch.float32)
          for k, v in m.state_dict().items()}
    m.load_state_dict(sd)
    return m


def train(m, opt, sched, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(m(X), Y)
        loss.backward()
        opt.step()
        sched.step()
    return loss.item()


for opt_name in ["Adam", "SGD", "AdamW", "RMSprop"]:
    kw = {"lr": 0.01}
    if opt_name == "SGD":
        kw["momentum"] = 0.9
    m = make()
    opt = getattr(torch.optim, opt_name)(m.parameters(), **kw)
    sched = torch.optim.lr_scheduler.StepLR(opt, 2, 0.5)
    train(m, opt, sched, 3)
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "ckpt.pt")
    torch.save({"epoch": 3, "model_state_dict": m.state_dict(), "optimizer_state_dict": opt.state_dict(),
                "scheduler": sched.state_dict(), "loss": 0.5, "note": "hi"}, path)
    ref = train(m, opt, sched, 3)
    m2 = make()
    opt2 = getattr(torch.optim, opt_name)(m2.parameters(), **kw)
    sched2 = torch.optim.lr_scheduler.StepLR(opt2, 2, 0.5)
    ck = torch.load(path, weights_only=True)
    m2.load_state_dict(ck["model_state_dict"])
    opt2.load_state_dict(ck["optimizer_state_dict"])
    sched2.load_state_dict(ck["scheduler"])
    print(opt_name, ck["epoch"], ck["note"], sorted(ck.keys()))
    osd = ck["optimizer_state_dict"]
    print(sorted(osd.keys()), sorted(osd["state"].keys()), sorted(osd["state"][0].keys()))
    print(sorted(k for k in osd["param_groups"][0].keys()), osd["param_groups"][0]["params"])
    res = train(m2, opt2, sched2, 3)
    print(round(ref, 6), round(res, 6), abs(ref - res) < 1e-6, opt2.param_groups[0]["lr"])
    if "step" in osd["state"][0]:
        print(osd["state"][0]["step"], type(osd["state"][0]["step"]).__name__)
    os.remove(path)

buf = io.BytesIO()
t = torch.arange(6.).view(2, 3)
torch.save({"a": t, "b": t[0], "lst": [1, 2, torch.tensor(3)], "tup": (torch.ones(1, dtype=torch.int64),)}, buf)
buf.seek(0)
obj = torch.load(buf)
print(obj["a"], obj["b"], obj["lst"], obj["tup"], obj["b"].dtype)
obj["a"][0, 0] = 100
print(obj["b"])
m = make()
buf = io.BytesIO()
torch.save(m, buf)
buf.seek(0)
m3 = torch.load(buf, weights_only=False)
print(type(m3).__name__, torch.equal(m3[0].weight, m[0].weight))
print(list(m.state_dict().keys()), m.state_dict()["0.bias"])
sd = m.state_dict()
sd["0.bias"].add_(1)
print(m[0].bias[:3])
sd = {k: v.clone() for k, v in m.state_dict().items()}
print(m.load_state_dict(sd))
