"""Matrix products: matmul/@ (dispatching to dot, mv, mm, bmm as torch does), addmm, addmv,
baddbmm, outer, einsum, tensordot."""
from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import broadcast_shapes, wrap_dim
from ember._ops.engine import Node, execute
from ember._ops.registry import export

ndarray = xp.ndarray


def _promote2(a, b, name):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_long_name(a.dtype)} != {_long_name(b.dtype)}")
    if a.device is not b.device:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {a.device} and {b.device}!")
    return a._data, b._data


def _long_name(d):
    from ember._ops.elementwise import _scalar_type_name
    return {"Float": "float", "Double": "double", "Long": "long int", "Int": "int",
            "Half": "c10::Half", "BFloat16": "c10::BFloat16"}.get(_scalar_type_name(d),
                                                                   _scalar_type_name(d))


def _mm_grads(node, grad, a, b):
    ga = grad.mm(b.t().conj()) if node.needs(0) else None
    gb = a.t().conj().mm(grad) if node.needs(1) else None
    return ga, gb


class MmBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return a @ b

    def backward(self, grad):
        a, b = self.saved()
        return _mm_grads(self, grad, a, b)


@export
def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors."""
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError(f"{'self' if input._data.ndim != 2 else 'mat2'} must be a matrix")
    a, b = _promote2(input, mat2, "mm")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                           f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    return execute(MmBackward0, (input, mat2), (a, b))


class BmmBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return a @ b

    def backward(self, grad):
        a, b = self.saved()
        ga = grad.bmm(b.transpose(1, 2).conj()) if self.needs(0) else None
        gb = a.transpose(1, 2).conj().bmm(grad) if self.needs(1) else None
        return ga, gb


@export
def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-D tensors with the same batch size."""
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    a, b = _promote2(input, mat2, "bmm")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, "
                           f"{b.shape[1]}].")
    return execute(BmmBackward0, (input, mat2), (a, b))


class MvBackward0(Node):
    saves = (0, 1)

    def forward(self, a, v):
        return a @ v

    def backward(self, grad):
        a, v = self.saved()
        ga = grad.unsqueeze(1) * v.conj().unsqueeze(0) if self.needs(0) else None
        gv = a.t().conj().mv(grad) if self.needs(1) else None
        return ga, gv


@export
def mv(input, vec, *, out=None):
    """Matrix-vector product."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, "
                           f"{vec._data.ndim}")
    a, v = _promote2(input, vec, "mv")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x"
                           f"{a.shape[1]}), vec ({v.shape[0]})")
    return execute(MvBackward0, (input, vec), (a, v))


class DotBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.dot(a, b)

    def backward(self, grad):
        a, b = self.saved()
        return (grad * b.conj() if self.needs(0) else None,
                grad * a.conj() if self.needs(1) else None)


@export
def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors (no conjugation)."""
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{tensor._data.ndim}D tensors")
    if input.dtype is not tensor.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_long_name(input.dtype).title()} and "
                           f"{_long_name(tensor.dtype).title()}")
    if input._data.shape[0] != tensor._data.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._data.shape[0]}]"
                           f" and src [{tensor._data.shape[0]}] to have the same number of "
                           "elements, but got "
                           f"{input._data.shape[0]} and {tensor._data.shape[0]} elements "
                           "respectively")
    return execute(DotBackward0, (input, tensor), (input._data, tensor._data))


class VdotBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.vdot(a, b)

    def backward(self, grad):
        a, b = self.saved()
        return (grad.conj() * b if self.needs(0) else None,
                grad * a if self.needs(1) else None)


@export
def vdot(input, other):
    """Inner product conjugating the first argument."""
    return execute(VdotBackward0, (input, other), (input._data, other._data))


class SqueezeBackward4(Node):
    """squeeze_(dim) inside matmul's vector-matrix path."""

    def forward(self, a, dim):
        self.dim = dim
        return xp.squeeze(a, dim)

    def backward(self, grad):
        return grad.unsqueeze(self.dim)


@export(method_names=("__matmul__",))
def matmul(input, other, *, out=None):
    """Matrix product with torch's rules: dot for 1-D x 1-D, mv, mm, and batched products with
    broadcast batch dims."""
    from ember._ops.shape import _view
    na, nb = input._data.ndim, other._data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if na == 2 and nb == 2:
        return mm(input, other)
    if na == 1 and nb == 1:
        return dot(input, other)
    if na == 2 and nb == 1:
        return mv(input, other)
    if na == 1 and nb == 2:
        return _view(SqueezeBackward4, mm(input.unsqueeze(0), other), (0,))
    if nb <= 2 and na >= 3:
        # fold the batch into rows: one mm, then view back
        if input._data.shape[-1] != other._data.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({_rows(input._data.shape)}x{input._data.shape[-1]} and "
                               f"{other._data.shape[0]}x"
                               f"{other._data.shape[1] if nb == 2 else 1})")
        lead = input._data.shape[:-1]
        folded = input.reshape(-1, input._data.shape[-1])
        if nb == 1:
            return mv(folded, other).reshape(lead)
        r = mm(folded, other)
        return _unsafe_view(r, lead + (other._data.shape[1],))
    # general batched case
    a, b = input, other
    if na == 1:
        a = a.unsqueeze(0)
    if nb == 1:
        b = b.unsqueeze(-1)
    if a._data.shape[-1] != b._data.shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{_rows(b._data.shape[:-2]) or 1}, {a._data.shape[-1]}] but got: "
                           f"[{_rows(b._data.shape[:-2]) or 1}, {b._data.shape[-2]}].")
    batch = broadcast_shapes(a._data.shape[:-2], b._data.shape[:-2])
    n, k, m = a._data.shape[-2], a._data.shape[-1], b._data.shape[-1]
    if a._data.ndim == 3 and b._data.ndim == 3 and a._data.shape[0] == b._data.shape[0]:
        r = bmm(a, b)
    else:
        a3 = a.expand(batch + (n, k)).reshape(-1, n, k)
        b3 = b.expand(batch + (k, m)).reshape(-1, k, m)
        r = _unsafe_view(bmm(a3, b3), batch + (n, m))
    if na == 1:
        r = r.squeeze(-2)
    if nb == 1:
        r = r.squeeze(-1)
    return r


def _rows(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _unsafe_view(t, shape):
    from ember._ops.shape import UnsafeViewBackward0
    return execute(UnsafeViewBackward0, (t,), (t._data,), (shape,))


def __rmatmul__(self, other):
    return matmul(other, self)


export(__rmatmul__, function=False)


class AddmmBackward0(Node):
    saves = (1, 2)

    def forward(self, bias, a, b, beta, alpha):
        self.beta, self.alpha = beta, alpha
        prod = a @ b
        if alpha != 1:
            prod = prod * alpha
        if beta == 0:
            return prod
        return prod + (bias if beta == 1 else bias * beta)

    def backward(self, grad):
        a, b = self.saved()
        gbias = (grad if self.beta == 1 else grad * self.beta) if self.needs(0) else None
        g = grad if self.alpha == 1 else grad * self.alpha
        ga, gb = _mm_grads(self, g, a, b) if (self.needs(1) or self.needs(2)) else (None, None)
        return gbias, (ga if self.needs(1) else None), (gb if self.needs(2) else None)


@export
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2)."""
    if mat1._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError("mat1 must be a matrix" if mat1._data.ndim != 2 else
                           "mat2 must be a matrix")
    if mat1._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1._data.shape[0]}x"
                           f"{mat1._data.shape[1]} and {mat2._data.shape[0]}x"
                           f"{mat2._data.shape[1]})")
    a, b = _promote2(mat1, mat2, "addmm")
    return execute(AddmmBackward0, (input, mat1, mat2), (input._data, a, b), (beta, alpha))


class AddmvBackward0(Node):
    saves = (1, 2)

    def forward(self, bias, m, v, beta, alpha):
        self.beta, self.alpha = beta, alpha
        return beta * bias + alpha * (m @ v)

    def backward(self, grad):
        m, v = self.saved()
        g = grad * self.alpha
        return (grad * self.beta if self.needs(0) else None,
                g.unsqueeze(1) * v.conj().unsqueeze(0) if self.needs(1) else None,
                m.t().conj().mv(g) if self.needs(2) else None)


@export
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    return execute(AddmvBackward0, (input, mat, vec), (input._data, mat._data, vec._data),
                   (beta, alpha))


class BaddbmmBackward0(Node):
    saves = (1, 2)

    def forward(self, bias, a, b, beta, alpha):
        self.beta, self.alpha = beta, alpha
        return beta * bias + alpha * (a @ b)

    def backward(self, grad):
        a, b = self.saved()
        g = grad * self.alpha
        return (grad * self.beta if self.needs(0) else None,
                g.bmm(b.transpose(1, 2).conj()) if self.needs(1) else None,
                a.transpose(1, 2).conj().bmm(g) if self.needs(2) else None)


@export
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2)."""
    return execute(BaddbmmBackward0, (input, batch1, batch2),
                   (input._data, batch1._data, batch2._data), (beta, alpha))


@export
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * sum over the batch of batch1[i] @ batch2[i]."""
    return input * beta + bmm(batch1, batch2).sum(0) * alpha


@export
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2)."""
    return input * beta + outer(vec1, vec2) * alpha


@export(names=("ger",))
def outer(input, vec2):
    """Outer product of two 1-D tensors (composed of unsqueeze and mul, as torch)."""
    return input.unsqueeze(1) * vec2.unsqueeze(0)


@export
def inner(input, other):
    """Sum over the last dims of both inputs' products."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return tensordot(input, other, ([-1], [-1]))


class EinsumBackward0(Node):
    """einsum as one node: each operand's gradient is another einsum."""

    def forward(self, *arrays_and_eq):
        *arrays, eq = arrays_and_eq
        self.eq = eq
        self.shapes = [a.shape for a in arrays]
        self.arrays = arrays
        return xp.einsum(eq, *arrays)

    def backward(self, grad):
        ins, out = self.eq.split("->")
        subs = ins.split(",")
        saved = self.saved_operands
        grads = []
        for i, s in enumerate(subs):
            if not self.needs(i):
                grads.append(None)
                continue
            others = [saved[j] for j in range(len(subs)) if j != i]
            other_subs = [subs[j] for j in range(len(subs)) if j != i]
            # letters of s missing from the output and the other operands were summed out:
            # the gradient is broadcast over them through a ones tensor
            present = set(out) | set("".join(other_subs))
            missing = [c for c in dict.fromkeys(s) if c not in present]
            ops, op_subs = [grad] + others, [out] + other_subs
            if missing:
                from ember._ops.creation import ones
                sizes = [self.shapes[i][s.index(c)] for c in missing]
                ops.append(ones(sizes, dtype=grad.dtype))
                op_subs.append("".join(missing))
            target = "".join(dict.fromkeys(s))
            g = einsum(",".join(op_subs) + "->" + target, *[o.conj() if k else o for k, o in
                                                            enumerate(ops)])
            if target != s:  # repeated letters (a diagonal): place back on the diagonal
                g = _undiag(g, target, s, self.shapes[i])
            grads.append(g)
        return tuple(grads)


def _undiag(g, target, s, shape):
    from ember._ops.creation import zeros
    out = zeros(shape, dtype=g.dtype)
    idx = []
    from ember._ops.creation import arange
    for c in s:
        pos = target.index(c)
        n = g.shape[pos]
        view = [1] * len(target)
        view[pos] = n
        idx.append(arange(n).reshape(view))
    return out.index_put(tuple(idx), g, accumulate=True)


def _normalize_equation(eq, operands):
    eq = eq.replace(" ", "")
    if "->" not in eq:
        ins = eq.split(",")
        letters = "".join(ins)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c != "."))
        eq = eq + "->" + out
    if "..." in eq:
        ins, out = eq.split("->")
        subs = ins.split(",")
        used = set(eq)
        free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
        nell = max((op.ndim - (len(s) - 3) for s, op in zip(subs, operands) if "..." in s),
                   default=0)
        ell = "".join(free[:nell])
        new = []
        for s, op in zip(subs, operands):
            if "..." in s:
                k = op.ndim - (len(s) - 3)
                s = s.replace("...", ell[nell - k:])
            new.append(s)
        out = out.replace("...", ell) if "..." in out else \
            (ell + out if "->" in eq and out == "" and False else out)
        eq = ",".join(new) + "->" + out
    return eq


@export
def einsum(equation, *operands):
    """Einstein summation over the operands, e.g. einsum('ij,jk->ik', a, b)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = _normalize_equation(equation, operands)
    ins = eq.split("->")[0].split(",")
    if len(ins) != len(operands):
        raise RuntimeError(f"einsum(): more operands were provided than specified in the "
                           f"equation" if len(operands) > len(ins) else
                           "einsum(): fewer operands were provided than specified in the "
                           "equation")
    sizes = {}
    for s, op in zip(ins, operands):
        if len(s) != op._data.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions ({op._data.ndim}) for "
                               f"operand {operands.index(op)} and no ellipsis was given")
        for c, n in zip(s, op._data.shape):
            if c in sizes and sizes[c] != n and 1 not in (n, sizes[c]):
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes "
                                   f"(original->remapped): subscript {c} has sizes {sizes[c]} "
                                   f"and {n}")
            sizes[c] = n
    dt = operands[0].dtype
    for op in operands[1:]:
        dt = _dt._PROMOTE[dt, op.dtype]
    arrays = tuple(op._data if op.dtype is dt else op._data.astype(dt.np) for op in operands)
    node_out = execute(EinsumBackward0, tuple(operands), arrays, (eq,))
    if node_out.grad_fn is not None:
        node_out.grad_fn.saved_operands = operands
    return node_out


@export
def tensordot(a, b, dims=2, out=None):
    """Sum products over the given dims of a and b (the last `dims` of a with the first of
    b when dims is an int)."""
    if isinstance(dims, int):
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    da = [wrap_dim(d, a.ndim) for d in da]
    db = [wrap_dim(d, b.ndim) for d in db]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out_s = [c for k, c in enumerate(sa) if k not in da] + \
        [c for k, c in enumerate(sb) if k not in db]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out_s)}", a, b)


@export
def kron(input, other):
    """Kronecker product."""
    nd = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (nd - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (nd - other.ndim) + tuple(other.shape))
    sa, sb = a.shape, b.shape
    ai = a.reshape([v for s in sa for v in (s, 1)])
    bi = b.reshape([v for s in sb for v in (1, s)])
    return (ai * bi).reshape([x * y for x, y in zip(sa, sb)])


@export
def chain_matmul(*matrices):
    r = matrices[0]
    for m in matrices[1:]:
        r = r @ m
    return r


@export
def cross(input, other, dim=None):
    """Cross product of 3-vectors along dim (the first size-3 dim when None)."""
    if dim is None:
        dim = next(i for i, s in enumerate(input.shape) if s == 3)
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    a = [input.select(d, i) for i in range(3)]
    b = [other.select(d, i) for i in range(3)]
    from ember._ops.shape import stack
    return stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                  a[0] * b[1] - a[1] * b[0]], d)


del engine
