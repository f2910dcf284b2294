# misc: grad mode decorators, seeds, Tensor subclasses, dtype info, testing, distributions.
import numpy as np
import torch
import torch.nn.functional as F


@torch.no_grad()
def f1(x):
    return x * 2


@torch.inference_mode()
def f2(x):
    return x * 2


@torch.enable_grad()
def f3(x):
    return x * 2


x = torch.ones(2, requires_grad=True)
print(f1(x).requires_grad, f2(x).requires_grad, f3(x).requires_grad)
with torch.no_grad():
    print(f3(x).requires_grad, torch.is_grad_enabled())
with torch.set_grad_enabled(False):
    print((x * 2).requires_grad)
torch.set_grad_enabled(True)
print(torch.is_grad_enabled(), torch.is_inference_mode_enabled())
with torch.inference_mode():
    y = x * 3
    print(torch.is_inference_mode_enabled(), y.requires_grad, y.is_inference())
print(x.is_inference())
torch.manual_seed(123)
a = torch.rand(3)
r1 = torch.randn(2, 2)
torch.manual_seed(123)
b = torch.rand(3)
print(torch.equal(a, b), torch.equal(torch.randn(2, 2), r1))
g = torch.Generator().manual_seed(5)
g2 = torch.Generator().manual_seed(5)
print(torch.equal(torch.randint(0, 10, (5,), generator=g), torch.randint(0, 10, (5,), generator=g2)))
st = torch.get_rng_state()
c = torch.rand(2)
torch.set_rng_state(st)
print(torch.equal(c, torch.rand(2)), type(torch.initial_seed()).__name__)
print(torch.randperm(6).sort().values, torch.randint(3, (4,)).dtype, torch.rand(2, dtype=torch.float64).dtype)
print(torch.rand(100).min() >= 0, torch.randint_like(torch.zeros(3), 5).dtype, torch.normal(0.0, 1.0, (2,)).shape)


class MyTensor(torch.Tensor):
    pass


t = torch.tensor([1.0, 2.0])
mt = t.as_subclass(MyTensor)
print(type(mt).__name__, isinstance(mt, torch.Tensor), (mt + 1).tolist(), mt.grad_fn)
print(isinstance(t, torch.Tensor), torch.is_tensor(t), torch.is_tensor([1]), torch.numel(torch.zeros(3, 4)))
print(torch.get_default_dtype(), torch.tensor([1.0]).dtype)
torch.set_default_dtype(torch.float64)
print(torch.tensor([1.0]).dtype, torch.zeros(1).dtype, torch.arange(3.).dtype, torch.tensor([1]).dtype)
torch.set_default_dtype(torch.float32)
fi = torch.finfo(torch.float32)
print(fi.eps, fi.max, fi.min, fi.tiny, fi.bits, fi.resolution, fi.dtype)
print(torch.finfo(torch.float16).eps, torch.finfo(torch.bfloat16).eps, torch.finfo().bits, torch.iinfo(torch.int8).max, torch.iinfo(torch.int32).min)
print(torch.float32.is_floating_point, torch.int64.is_floating_point, torch.complex64.is_complex, torch.float16.itemsize, torch.int64.itemsize)
print(torch.bool.is_signed, torch.int8.is_signed, torch.uint8.is_signed, torch.float64.to_complex(), torch.complex64.to_real())
print(t.is_floating_point(), torch.tensor([1]).is_floating_point(), t.dtype == torch.float, torch.float is torch.float32, torch.long, torch.double)
print(torch.tensor([[1, 2], [3, 4]]).tolist(), t.tolist(), type(torch.tensor(2).tolist()).__name__)
print(torch.allclose(t, t + 1e-9), torch.allclose(torch.tensor([float("nan")]), torch.tensor([float("nan")]), equal_nan=True))
torch.testing.assert_close(t, t.clone())
try:
    torch.testing.assert_close(t, t + 1)
except AssertionError as e:
    print(type(e).__name__, "Tensor-likes are not close!" in str(e))
try:
    torch.testing.assert_close(t, t.double())
except AssertionError as e:
    print(type(e).__name__)
torch.testing.assert_close(t, t.double(), check_dtype=False)
print(torch.promote_types(torch.int32, torch.float32), torch.result_type(torch.tensor([1]), 1.0), torch.can_cast(torch.float32, torch.int32))
print((torch.tensor([1]) + torch.tensor([1.5])).dtype, (torch.tensor([1], dtype=torch.int8) + 1000).dtype, (torch.tensor([True]) + True).dtype)
print(F.softplus(torch.tensor([0.0, 30.0])), F.gelu(torch.tensor([1.0])), F.gelu(torch.tensor([1.0]), approximate="tanh"))
print(F.silu(torch.tensor([1.0])), F.mish(torch.tensor([1.0])), F.leaky_relu(torch.tensor([-1.0]), 0.2), F.elu(torch.tensor([-1.0])), F.hardtanh(torch.tensor([-2.0, 0.5])))
print(F.normalize(torch.tensor([[3.0, 4.0]])), F.cosine_similarity(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]])))
print(F.log_softmax(torch.tensor([1.0, 2.0]), dim=0), F.softmin(torch.tensor([1.0, 2.0]), dim=0), F.glu(torch.tensor([1.0, 2.0])))
print(F.binary_cross_entropy(torch.tensor([0.8]), torch.tensor([1.0])), F.binary_cross_entropy_with_logits(torch.tensor([0.5]), torch.tensor([1.0]), pos_weight=torch.tensor([2.0])))
print(F.nll_loss(torch.log_softmax(torch.tensor([[1.0, 2.0, 3.0]]), 1), torch.tensor([2])), F.smooth_l1_loss(torch.tensor([0.0, 3.0]), torch.tensor([0.5, 0.0])), F.huber_loss(torch.tensor([3.0]), torch.tensor([0.0]), delta=2.0))
print(F.l1_loss(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]), reduction="sum"), F.kl_div(torch.tensor([-1.0]), torch.tensor([0.5]), reduction="batchmean"), F.triplet_margin_loss(torch.ones(1, 2), torch.zeros(1, 2), torch.ones(1, 2)))
print(F.embedding(torch.tensor([1]), torch.eye(3)), F.linear(torch.ones(1, 2), torch.ones(3, 2)), F.unfold(torch.arange(16.).view(1, 1, 4, 4), 2, stride=2).shape)
print(F.pixel_shuffle(torch.arange(8.).view(1, 4, 1, 2), 2).shape, F.affine_grid(torch.eye(2, 3).unsqueeze(0), [1, 1, 2, 2], align_corners=False).shape)
try:
    import torch.distributions as D
    n = D.Normal(torch.tensor(0.0), torch.tensor(1.0))
    print(n.log_prob(torch.tensor(0.5)), n.mean, n.stddev, n.entropy())
    cat = D.Categorical(probs=torch.tensor([0.2, 0.3, 0.5]))
    print(cat.log_prob(torch.tensor(2)), cat.entropy(), cat.probs, cat.sample((4,)).shape)
    print(D.kl_divergence(n, D.Normal(torch.tensor(1.0), torch.tensor(2.0))))
    print(D.Bernoulli(probs=torch.tensor(0.3)).log_prob(torch.tensor(1.0)), D.Uniform(0.0, 2.0).log_prob(torch.tensor(1.0)))
except ImportError as e:
    print("no distributions")
x = torch.tensor([1.0, 2.0], requires_grad=True)
print(x.detach().requires_grad, x.data.requires_grad, x.clone().grad_fn.name(), type(x.sum().grad_fn).__name__)
print(torch.tensor([1, 2]) == torch.tensor([1, 3]), torch.equal(torch.tensor([1]), torch.tensor([1])), bool(torch.tensor([0])))
try:
    bool(torch.tensor([1, 2]))
except RuntimeError as e:
    print(type(e).__name__)
try:
    torch.ones(2, 3) @ torch.ones(2, 3)
except RuntimeError as e:
    print(type(e).__name__, "cannot be multiplied" in str(e))
try:
    torch.ones(2).view(3)
except RuntimeError as e:
    print(type(e).__name__)
try:
    torch.tensor([1, 2])[5]
except IndexError as e:
    print(type(e).__name__)
try:
    torch.cat([torch.ones(2), torch.ones(2, 2)])
except RuntimeError as e:
    print(type(e).__name__)
print(hash(torch.float32) == hash(torch.float32), torch.device("cpu") == torch.device("cpu"), str(torch.device("cpu", 0) if False else torch.device("cpu")))
print(torch.__version__ is not None, hasattr(torch, "cuda"), torch.cuda.is_available(), torch.backends.mps.is_available())
print(torch.tensor([3.0]).pin_memory().is_pinned() if torch.cuda.is_available() else "skip", torch.tensor([1]).cpu().device.type)
print(torch.Tensor([1, 2]).dtype, torch.FloatTensor([1]).dtype, torch.LongTensor([1]).dtype, torch.Tensor(2, 3).shape)
