# functional "scatter into a view" ops and histograms, as used in functorch-style and plotting code.
import torch

a = torch.zeros(3, 4, requires_grad=True)
s = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = torch.diagonal_scatter(a * 2, s * 3)
(y * torch.arange(12.).view(3, 4)).sum().backward()
print(y, y.grad_fn.name(), a.grad, s.grad)
print(torch.diagonal_scatter(torch.zeros(3, 4), torch.ones(2), 2), torch.diagonal_scatter(torch.zeros(2, 3, 3), torch.ones(2, 3), 0, 1, 2).sum())
row = torch.tensor([5.0, 6.0, 7.0, 8.0], requires_grad=True)
z = torch.select_scatter(torch.zeros(3, 4), row, 0, -1)
z.pow(2).sum().backward()
print(z, z.grad_fn.name(), row.grad)
print(torch.slice_scatter(torch.zeros(4, 4), torch.ones(4, 2), dim=1, start=0, step=2), torch.slice_scatter(torch.zeros(5), torch.ones(2), end=-3))
print(torch.zeros(2, 3).select_scatter(torch.ones(3, dtype=torch.int64), 0, 1))
try:
    torch.slice_scatter(torch.zeros(4), torch.ones(3), start=2)
except RuntimeError as e:
    print(type(e).__name__, e)
x = torch.tensor([0.1, 0.4, 0.4, 0.8, 0.9, 1.0, 2.5, -1.0])
h = torch.histogram(x, bins=4, range=(0.0, 1.0))
print(h, h.hist.sum(), type(h).__name__)
hist, edges = torch.histogram(x, torch.tensor([-1.0, 0.0, 1.0, 3.0]))
print(hist, edges)
print(torch.histogram(x, bins=3, weight=torch.ones(8) * 0.5, density=True))
print(x.histogram(2).bin_edges, torch.histc(x, bins=4, min=0, max=1))
