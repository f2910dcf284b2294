"""The fused attention node torch records for F.scaled_dot_product_attention on CPU when it
picks its flash kernel (4-D inputs, no dropout, no mask gradient): forward on backend arrays,
backward in ember ops (so, unlike torch's, it can be differentiated again).

With s = q k^T * scale (+ mask), p = softmax(s) and out = p v, the gradients are
    dv = p^T g,  dp = g v^T,  ds = p * (dp - sum(dp * p, -1)),  dq = ds k * scale,
    dk = ds^T q * scale.
A query row whose keys are all masked gives zeros (torch's kernel does the same).
"""
from ember._backend import xp
from ember._ops._util import make
from ember._ops.engine import Node, execute


def _scores(q, k, scale, keep, bias):
    """Masked scores on arrays, and the rows with nothing to attend to."""
    s = (q @ xp.swapaxes(k, -1, -2)) * scale
    if bias is not None:
        s = s + bias
    if keep is not None:
        s = xp.where(keep, s, -xp.inf)
    dead = xp.isneginf(s).all(axis=-1, keepdims=True)
    return xp.where(dead, 0, s).astype(q.dtype, copy=False), dead


class ScaledDotProductFlashAttentionForCpuBackward0(Node):
    saves = (0, 1, 2)

    def forward(self, q, k, v, scale, keep, bias):
        self.scale, self.keep, self.bias = scale, keep, bias
        s, self.dead = _scores(q, k, scale, keep, bias)
        e = xp.exp(s - s.max(axis=-1, keepdims=True))  # masked keys: exp(-inf) = 0
        p = xp.where(self.dead, 0, e / e.sum(axis=-1, keepdims=True))
        return (p.astype(q.dtype, copy=False) @ v).astype(q.dtype, copy=False)

    def backward(self, grad):
        q, k, v = self.saved()
        s = (q @ k.transpose(-2, -1)) * self.scale
        if self.bias is not None:
            s = s + make(self.bias)
        dead = self.dead
        if self.keep is not None:
            s = s.masked_fill(make(~(self.keep | dead)), -float("inf"))
        if self.bias is not None and dead.any():
            s = s.masked_fill(make(dead), 0.0)
        p = s.softmax(-1)
        if dead.any():
            p = p.masked_fill(make(dead), 0.0)
        dv = p.transpose(-2, -1) @ grad if self.needs(2) else None
        dq = dk = None
        if self.needs(0) or self.needs(1):
            dp = grad @ v.transpose(-2, -1)
            ds = p * (dp - (dp * p).sum(-1, keepdim=True))
            dq = (ds @ k) * self.scale if self.needs(0) else None
            dk = (ds.transpose(-2, -1) @ q) * self.scale if self.needs(1) else None
        return dq, dk, dv


def flash_attention_cpu(query, key, value, scale, keep=None, bias=None):
    """softmax(q k^T * scale + bias, masked by `keep`) v as one node (torch's CPU flash
    kernel); `keep` (bool) and `bias` (float) are tensors that get no gradient."""
    return execute(ScaledDotProductFlashAttentionForCpuBackward0, (query, key, value),
                   (query._data, key._data, value._data),
                   (scale, None if keep is None else keep._data,
                    None if bias is None else bias._data))
