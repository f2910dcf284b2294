# custom autograd.Function, gradcheck, hooks on tensors, retain_grad, higher-order grads.
import torch
from torch.autograd import Function, gradcheck, gradgradcheck


class MyReLU(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class MulConst(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


class Split2(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.mark_non_differentiable
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * 2 + g2 * 3


x = torch.linspace(-1, 1, 5, requires_grad=True)
y = MyReLU.apply(x)
print(y, y.grad_fn.__class__.__name__)
y.sum().backward()
print(x.grad)
p3 = LegendrePolynomial3.apply
z = p3(x)
print(z)
g, = torch.autograd.grad(z.sum(), x)
print(g)
inp = torch.randn(4, dtype=torch.double, requires_grad=True)
print(gradcheck(LegendrePolynomial3.apply, (inp,), eps=1e-6, atol=1e-4))
print(gradcheck(lambda t: MulConst.apply(t, 3.0), (inp,)))
a, b = Split2.apply(x)
(a.sum() + b.sum()).backward()
print(x.grad)
print(gradgradcheck(lambda t: (t ** 3).sin(), (inp,)))

# hooks / retain_grad / create_graph
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = w * 2
h.retain_grad()
seen = []
handle = h.register_hook(lambda grad: seen.append(grad.clone()) or grad * 10)
out = (h ** 2).sum()
out.backward()
print(h.grad, w.grad, seen)
handle.remove()
print(h.is_leaf, w.is_leaf, h.requires_grad, h.grad_fn.name())
print([type(n[0]).__name__ if n[0] is not None else None for n in out.grad_fn.next_functions])
xx = torch.tensor(2.0, requires_grad=True)
yy = xx ** 4
d1, = torch.autograd.grad(yy, xx, create_graph=True)
d2, = torch.autograd.grad(d1, xx, create_graph=True)
d3, = torch.autograd.grad(d2, xx)
print(d1, d2, d3)
try:
    yy.backward()
    yy.backward()
except RuntimeError as e:
    print(type(e).__name__)
v = torch.ones(3, requires_grad=True)
o = v * torch.tensor([1.0, 2.0, 3.0])
o.backward(torch.tensor([1.0, 0.1, 0.01]))
print(v.grad)
try:
    torch.ones(3, requires_grad=True).mul(2).backward()
except RuntimeError as e:
    print(type(e).__name__, "grad can be implicitly created only for scalar outputs" in str(e))
j = torch.autograd.functional.jacobian(lambda t: t ** 2, torch.tensor([1.0, 2.0]))
print(j)
hs = torch.autograd.functional.hessian(lambda t: (t ** 3).sum(), torch.tensor([1.0, 2.0]))
print(hs)
det = torch.tensor([1.0, 2.0], requires_grad=True).detach()
print(det.requires_grad, torch.tensor([1.0]).requires_grad_().requires_grad)
with torch.autograd.set_detect_anomaly(True):
    q = torch.tensor([4.0], requires_grad=True)
    q.sqrt().backward()
print(q.grad)
