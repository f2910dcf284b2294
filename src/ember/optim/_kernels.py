"""In-place update kernels of the common optimizers, on raw backend arrays.

The optimizers' general path is written with ember ops, each of which allocates its result.
For plain (not differentiable, not capturable) float32/float64 steps these kernels do the same
arithmetic, operation by operation and in the same order (so the results are bitwise those of
the general path), but write into the state and a few reusable scratch buffers, a cache-sized
piece at a time.
"""
import threading

from ember._backend import xp

_FAST_DTYPES = (xp.dtype(xp.float32), xp.dtype(xp.float64))
_LOCAL = threading.local()
CHUNK = 1 << 16  # elements per piece of a large contiguous parameter (fits in L2)


def fast_ok(p, states, scalars):
    """True when `p`'s step can run on raw arrays: a real float32/float64 parameter with a
    dense gradient and state tensors (`states`, None skipped) of its dtype and shape, and
    Python-number hyperparameters (`scalars`)."""
    g = p.grad
    d = p._data
    if d.dtype not in _FAST_DTYPES or g is None or g.is_sparse:
        return False
    for t in (g,) + tuple(states):
        if t is not None and (t._data.dtype != d.dtype or t._data.shape != d.shape):
            return False
    return all(s.__class__ in (float, int) for s in scalars)


def _scratch(arr, k):
    """Scratch buffer `k` with arr's shape and dtype (kept per thread, grown as needed, so a
    step allocates nothing)."""
    bufs = getattr(_LOCAL, "bufs", None)
    if bufs is None:
        bufs = _LOCAL.bufs = {}
    key = (arr.dtype, k)
    buf = bufs.get(key)
    n = arr.size
    if buf is None or buf.size < n:
        buf = bufs[key] = xp.empty(max(n, 1), arr.dtype)
    return buf[:n].reshape(arr.shape)


def _grad(p, g, maximize, wd):
    """The gradient as the update sees it: negated for maximize, plus wd * p for L2 decay
    (in scratch buffer 0; buffer 1 is free again on return)."""
    if not maximize and wd == 0:
        return g
    out = _scratch(p, 0)
    if maximize:
        g = xp.negative(g, out=out)
        if wd != 0:
            xp.add(g, xp.multiply(p, wd, out=_scratch(p, 1)), out=g)
        return g
    return xp.add(g, xp.multiply(p, wd, out=out), out=out)


def _chunks(*arrays):
    """Matching pieces of `arrays` (None entries stay None), CHUNK elements at a time when
    all are C-contiguous, so the scratch buffers stay in cache; else the whole arrays."""
    real = [a for a in arrays if a is not None]
    if real[0].size <= CHUNK or not all(a.flags.c_contiguous for a in real):
        yield arrays
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    for s in range(0, real[0].size, CHUNK):
        yield [None if a is None else a[s:s + CHUNK] for a in flat]


def adam_(p, g, m, v, vmax, *, beta1, beta2, lr, wd, eps, step, maximize, decoupled):
    """One Adam/AdamW step on arrays (parameter p, gradient g, moments m, v, optional
    running max vmax), in place; `step` is the step count after this step."""
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
    step_size = lr / bias_correction1
    for p, g, m, v, vmax in _chunks(p, g, m, v, vmax):
        if wd != 0 and decoupled:
            xp.multiply(p, 1 - lr * wd, out=p)
        g = _grad(p, g, maximize, 0 if decoupled else wd)
        t1, t2 = _scratch(p, 1), _scratch(p, 2)
        w = 1 - beta1
        d = xp.subtract(g, m, out=t1)
        if abs(w) < 0.5:  # torch's two-sided lerp, exact at both ends
            m += xp.multiply(d, w, out=d)
        else:
            xp.subtract(g, xp.multiply(d, 1 - w, out=d), out=m)
        v *= beta2
        t = xp.multiply(g, 1 - beta2, out=t1)
        v += xp.multiply(t, g, out=t)
        if vmax is not None:
            xp.maximum(vmax, v, out=vmax)
            v = vmax
        denom = xp.sqrt(v, out=t1)
        denom /= bias_correction2_sqrt
        denom += eps
        upd = xp.multiply(m, -step_size, out=t2)
        upd /= denom
        p += upd


def sgd_(p, g, buf, *, lr, wd, momentum, dampening, nesterov, maximize):
    """One SGD step on arrays, in place. `buf` is the momentum buffer, or None on the first
    step with momentum (then a new buffer, a copy of the gradient, is returned)."""
    new_buf = None
    if momentum != 0 and buf is None:
        new_buf = buf = xp.empty_like(p)  # filled below with the gradient, as clone()
    for p, g, buf in _chunks(p, g, buf):
        g = _grad(p, g, maximize, wd)
        if momentum != 0:
            if new_buf is not None:
                buf[...] = g
            else:
                buf *= momentum
                alpha = 1 - dampening
                buf += g if alpha == 1 else xp.multiply(g, alpha, out=_scratch(p, 1))
            if nesterov:
                t = xp.multiply(buf, momentum, out=_scratch(p, 2))
                g = xp.add(g, t, out=t)
            else:
                g = buf
        alpha = -lr
        p += g if alpha == 1 else xp.multiply(g, alpha, out=_scratch(p, 1))
    return new_buf
