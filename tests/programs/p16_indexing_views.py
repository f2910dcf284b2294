# advanced indexing, views and in-place semantics, storage sharing, version counters.
import torch

x = torch.arange(24.).view(2, 3, 4)
print(x[..., 0], x[:, None, 1].shape, x[1, :, ::2], x[:, [0, 2]][:, :, [1, 3]], x[[0, 1], [1, 2], [2, 3]])
print(x[x.sum(-1) > 20].shape, x[torch.tensor([True, False])].shape, x[:, torch.tensor([0, 0, 2])].shape)
print(x[0, -1], x[-1][-1][-1], x[:, 1:-1, 1:3], x[0, torch.tensor(1)], x[torch.tensor([[0], [1]]), torch.tensor([[0, 1]])].shape)
y = torch.zeros(5)
y[torch.tensor([0, 0, 2])] = torch.tensor([1.0, 2.0, 3.0])
print(y)
y.index_put_((torch.tensor([0, 0, 2]),), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
print(y)
z = torch.zeros(3, 4)
z[z == 0] = torch.arange(12.)
z[1:, ::2] = -1
z[:, -1] *= 10
z[..., 0] = torch.tensor([7.0, 8.0, 9.0])
print(z)
m = torch.zeros(3, 3)
m.index_add_(0, torch.tensor([0, 2, 0]), torch.ones(3, 3))
m.index_copy_(1, torch.tensor([1]), torch.full((3, 1), 5.0))
m.index_fill_(0, torch.tensor([1]), -2.0)
m.masked_scatter_(m < 0, torch.tensor([10.0, 11.0, 12.0]))
m.put_(torch.tensor([0, 8]), torch.tensor([-5.0, -6.0]))
print(m)
print(torch.take_along_dim(x, torch.tensor([[[0], [1], [2]]]), dim=2).shape, x.unfold(2, 2, 2).shape, torch.arange(6).unfold(0, 3, 1))
base = torch.arange(6.)
v = base.view(2, 3)
v[0, 0] = 100
t = base[2:]
t.add_(1)
print(base, v._base is base, t._base is base, v.is_contiguous(), v.t().is_contiguous(), v.stride(), v.t().stride(), t.storage_offset())
print(base._version, v._version, base.data_ptr() == v.data_ptr(), base.untyped_storage().nbytes())
c = base.clone()
print(c.data_ptr() != base.data_ptr())
n = base.numpy()
n[0] = -1
print(base[0], torch.from_numpy(n).dtype)
a = torch.ones(2, 2, requires_grad=True)
b = a * 2
b2 = b.view(4)
b2[0] = 10
b.sum().backward()
print(a.grad, b.grad_fn.name(), b2.grad_fn.name())
try:
    a.add_(1)
except RuntimeError as e:
    print(type(e).__name__, "leaf Variable that requires grad" in str(e))
w = torch.ones(3, requires_grad=True)
u = w.exp()
u.add_(1)
try:
    u.sum().backward()
    print(w.grad)
except RuntimeError as e:
    print(type(e).__name__)
w2 = torch.ones(3, requires_grad=True)
s = w2.sigmoid()
s.mul_(2)
try:
    s.sum().backward()
except RuntimeError as e:
    print(type(e).__name__, "modified by an inplace operation" in str(e))
q = torch.arange(6.).reshape(2, 3)
print(q.as_strided((2, 2), (1, 2)), q.expand_as(torch.zeros(4, 2, 3)).shape, q.T.contiguous().view(-1), q.reshape(3, -1))
try:
    q.T.view(-1)
except RuntimeError as e:
    print(type(e).__name__, "view size is not compatible" in str(e))
print(q.flatten(), q.ravel(), q.view(torch.int32).shape if False else q.view(3, 2), q.squeeze(0).shape, q.unsqueeze(1).stride())
print(torch.tensor([[1, 2], [3, 4]]).swapaxes(0, 1), q.narrow(0, 1, 1), q.select(1, 2), q.movedim(1, 0).shape, torch.atleast_2d(torch.tensor(1.)).shape)
r = torch.arange(10)
print(r[r % 2 == 0], r[-3:], r[::3], r.masked_select(r > 6), torch.where(r > 5, r, -r), r.clamp(2, 5), r.argwhere().shape)
l = [torch.tensor(1), torch.tensor(2)]
print(torch.stack(l), torch.tensor([t.item() for t in l]), sum(l), max(torch.tensor([3, 1, 2])), list(torch.tensor([1, 2])), [int(t) for t in torch.arange(3)])
for row in torch.eye(2):
    print(row)
print(len(torch.zeros(4, 2)), 3 in torch.tensor([1, 2, 3]), torch.tensor([1.5]).__float__(), int(torch.tensor(2.7)), float(torch.tensor([2])), complex(torch.tensor(1.0)))
print(torch.tensor([1, 2, 3])[torch.tensor([True, False, True])], torch.tensor(5)[None], torch.tensor(5)[()], torch.arange(4)[torch.tensor(2)])
idx = torch.tensor([2, 0])
e = torch.zeros(3, 2)
e[idx] += 1
e[idx, 1] = torch.tensor([4., 5.])
print(e, e[idx].shape)
