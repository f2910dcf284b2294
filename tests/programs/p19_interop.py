# numpy/python interop that user code relies on: __array__, ufuncs, scalars, formatting, device moves.
import json
import math
import numpy as np
import torch

t = torch.tensor([[1.5, -2.0], [3.25, 4.0]])
a = np.asarray(t)
print(type(a).__name__, a.dtype, a.shape, np.array(t).sum(), np.mean(t.numpy()), np.float32(torch.tensor(2.5)))
print(np.exp(t.numpy()).round(3), float(np.max(np.abs(t.numpy()))), np.allclose(t.numpy(), a))
print(torch.tensor(np.float64(1.5)).dtype, torch.tensor([np.float32(1.0), np.float32(2.0)]).dtype, torch.tensor(np.array(3)).dtype, torch.tensor(np.int8(3)).dtype)
print(torch.as_tensor(np.array([True, False])), torch.from_numpy(np.zeros((2, 2), dtype=np.float16)).dtype, torch.from_numpy(np.arange(3, dtype=np.uint8)).dtype)
arr = np.arange(6, dtype=np.float32).reshape(2, 3)
ft = torch.from_numpy(arr)
ft[0, 0] = 42
print(arr[0, 0], ft.numpy() is not None, torch.from_numpy(arr.T.copy()).is_contiguous(), torch.from_numpy(arr[:, ::2].copy()).shape)
print(torch.tensor(arr.T).stride(), torch.tensor([[1, 2]], dtype=torch.float64).numpy().dtype)
loss = torch.tensor(0.123456)
print(f"{loss:.3f}", f"{loss.item():.2e}", "%.2f" % loss, round(loss.item(), 2), str(loss.item())[:5], "{:>8.3f}".format(loss))
print(math.isclose(loss, 0.123456, rel_tol=1e-6), math.sqrt(torch.tensor(4.0)), max(torch.tensor(1.0), 0.5), abs(torch.tensor(-2)))
print(json.dumps({"v": t.tolist(), "s": torch.tensor(3).item()}))
print(sorted([torch.tensor(3), torch.tensor(1), torch.tensor(2)]), sorted(torch.tensor([3, 1, 2]).tolist()))
d = {torch.tensor(1): "a"}
print(len(d), len({t, t}))
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.ones(2, device=device)
print(x.device, x.to(device).device, x.to("cpu", non_blocking=True).device, x.cpu().is_cuda, x.is_cpu, device.type, repr(device), str(torch.device("cpu")))
print(x.to(torch.float64).dtype, x.to(torch.zeros(1, dtype=torch.int32)).dtype, x.type_as(torch.zeros(1, dtype=torch.int64)).dtype, x.to("cpu", torch.float16).dtype)
try:
    torch.tensor([1.0], requires_grad=True).numpy()
except RuntimeError as e:
    print(type(e).__name__, "Use tensor.detach().numpy() instead" in str(e))
print(torch.tensor([1.0], requires_grad=True).detach().numpy(), torch.tensor([1.0], requires_grad=True).numpy(force=True) if "force" in torch.Tensor.numpy.__doc__ or True else None)
try:
    torch.tensor([[1, 2], [3]])
except ValueError as e:
    print(type(e).__name__)
try:
    torch.tensor([1, 2]) + torch.tensor([1, 2, 3])
except RuntimeError as e:
    print(type(e).__name__, e)
try:
    torch.zeros(2, 3).view(4, 2)
except RuntimeError as e:
    print(type(e).__name__, e)
try:
    torch.nn.Linear(3, 2)(torch.zeros(4, 5))
except RuntimeError as e:
    print(type(e).__name__, e)
try:
    torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor([0.0, 1.0]))
except RuntimeError as e:
    print(type(e).__name__)
g = torch.Generator()
g.manual_seed(7)
a1 = torch.randn(3, generator=g)
g.manual_seed(7)
print(torch.equal(a1, torch.randn(3, generator=g)), g.initial_seed(), type(g.get_state()).__name__, g.device)
print(torch.tensor([1, 2, 3]).sum().item() / 2, type(torch.tensor([1]).item()).__name__, type(torch.tensor(True).item()).__name__, torch.tensor([1.5]).long().item())
print(np.stack([torch.ones(2).numpy(), torch.zeros(2).numpy()]).shape, torch.tensor(np.stack([np.ones(2), np.zeros(2)])).dtype, torch.tensor([np.ones(2), np.zeros(2)]).shape)
print(torch.stack([torch.from_numpy(np.ones(2)), torch.tensor([1.0, 2.0], dtype=torch.float64)]).dtype, torch.cat([torch.ones(1, dtype=torch.int32), torch.ones(1)]).dtype)
print(t.max().item(), t.argmax().item(), t.sum(0).tolist(), t.mean().item(), t.std().item(), t.numel(), t.dtype.is_floating_point, str(t.dtype), t.dtype.__repr__())
