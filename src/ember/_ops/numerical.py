"""NumPy-style numerical helpers: `histogramdd` (counts of points in a grid of bins) and
`gradient` (central finite differences). `gradient` is composed from ember ops (narrow,
arithmetic, cat), so it is differentiable to any order; histograms are not differentiable."""
import numbers

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make, wrap_dim
from ember._ops.reduction import RETURN_TYPES, _equal_edges, _not_implemented, return_type
from ember._ops.registry import export

RETURN_TYPES["histogramdd"] = return_type("histogramdd", ("hist", "bin_edges"))


def _edges_for(values, bins, lo_hi, dtype):
    """Equal-width edges (bins + 1 of them) over `lo_hi` or over the data's extent."""
    return _equal_edges(values, bins, lo_hi).astype(dtype)


def _bin_index(values, edges):
    """Bin of each value with edges[i] <= v < edges[i + 1] (the last bin closed); -1 outside."""
    idx = xp.searchsorted(edges, values, side="right") - 1
    last = len(edges) - 2
    idx = xp.where(values == edges[-1], last, idx)
    inside = (values >= edges[0]) & (values <= edges[-1])
    return xp.where(inside, idx, -1)


@export(method=False)
def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """Multi-dimensional histogram (torch.histogramdd) of the points in the innermost dim of
    `input` (shape (*, D)): `bins` is an int, D ints or D 1-D tensors of edges; returns
    (hist of shape (b_1, ..., b_D), tuple of D edge tensors)."""
    if input.dtype.category != _dt.FLOAT or input.dtype.name in ("float16", "bfloat16"):
        raise _not_implemented("histogramdd", input.dtype)
    if input.dim() < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    D = input.shape[-1]
    pts = input._data.reshape(-1, D)
    if isinstance(bins, numbers.Integral):
        bins = [int(bins)] * D
    bins = list(bins)
    if len(bins) != D:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                           "dimension of the input.")
    if range is not None and len(range) != 2 * D:
        raise RuntimeError(f"torch.histogramdd: for a {D}-dimensional histogram range should "
                           f"have {2 * D} elements, but got {len(range)}")
    w = None
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape[:-1]):
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape "
                "as the input tensor excluding its innermost dimension, but got input with "
                f"shape {list(input.shape)} and weight with shape {list(weight.shape)}")
        if weight.dtype is not input.dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight "
                "tensor should have the same dtype")
        w = weight._data.reshape(-1)
    dt = input.dtype.np
    edges, idx = [], []
    for d, b in enumerate(bins):
        if isinstance(b, numbers.Integral):
            if b <= 0:
                raise RuntimeError(f"torch.histogramdd(): bins must be > 0, but got {b} for "
                                   f"dimension {d}")
            lim = None if range is None else (range[2 * d], range[2 * d + 1])
            if lim is not None and lim[0] > lim[1]:
                raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                                   f"{lim[0]} max {lim[1]} for dimension {d}")
            e = _edges_for(pts[:, d], int(b), lim, dt)
        else:
            e = b._data.astype(dt)
        edges.append(e)
        idx.append(_bin_index(pts[:, d], e))
    shape = tuple(len(e) - 1 for e in edges)
    keep = xp.ones(pts.shape[0], dtype=bool)
    for i in idx:
        keep &= i >= 0
    flat = xp.ravel_multi_index(tuple(i[keep] for i in idx), shape) if shape else None
    size = int(xp.prod(shape)) if shape else 1
    hist = xp.bincount(flat, weights=None if w is None else w[keep], minlength=size)
    hist = hist.astype(dt).reshape(shape)
    if density:
        total = hist.sum()
        widths = xp.ones(shape, dtype=dt)
        for d, e in enumerate(edges):
            view = [1] * len(shape)
            view[d] = shape[d]
            widths = widths * xp.diff(e).reshape(view)
        hist = hist / (total * widths)
    return RETURN_TYPES["histogramdd"](make(hist.astype(dt)),
                                       tuple(make(e) for e in edges))


# --- numerical gradient ---------------------------------------------------------------------

def _gradient_dims(input, spacing, dim):
    nd = input.dim()
    if dim is None:
        dims = list(range(nd))
    elif isinstance(dim, numbers.Integral):
        dims = [wrap_dim(int(dim), nd)]
    else:
        dims = [wrap_dim(int(d), nd) for d in dim]
        for i, d in enumerate(dims):
            if d in dims[:i]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            if dim is None:
                raise RuntimeError(
                    "torch.gradient expected spacing to be unspecified, a scalar, or a list of "
                    f"length equal to 'self.dim() = {nd}', since dim argument was not given, "
                    f"but got a list of length {len(spacing)}")
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar or it's spacing "
                "and dim arguments to have the same length, but got a spacing argument of "
                f"length {len(spacing)} and a dim argument of length {len(dims)}.")
        spacing = list(spacing)
    else:
        spacing = [spacing] * len(dims)
    return dims, spacing


def _uniform(x, d, h, edge_order):
    from ember._ops.shape import narrow
    n = x.shape[d]

    def at(i, k=1):
        return narrow(x, d, i if i >= 0 else n + i, k)

    interior = (at(2, n - 2) - at(0, n - 2)) / (2 * h)
    if edge_order == 1:
        left = (at(1) - at(0)) / h
        right = (at(-1) - at(-2)) / h
    else:
        left = (-1.5 * at(0) + 2 * at(1) - 0.5 * at(2)) / h
        right = (0.5 * at(-3) - 2 * at(-2) + 1.5 * at(-1)) / h
    return left, interior, right


def _coordinates(x, d, c, edge_order):
    from ember._ops.shape import narrow
    n = x.shape[d]
    shape = [1] * x.dim()
    shape[d] = -1

    def at(i, k=1):
        return narrow(x, d, i if i >= 0 else n + i, k)

    dx = c[1:] - c[:-1]
    a1, a2 = dx[:-1], dx[1:]
    ca = (-a2 / (a1 * (a1 + a2))).reshape(shape)
    cb = ((a2 - a1) / (a1 * a2)).reshape(shape)
    cc = (a1 / (a2 * (a1 + a2))).reshape(shape)
    interior = ca * at(0, n - 2) + cb * at(1, n - 2) + cc * at(2, n - 2)
    if edge_order == 1:
        left = (at(1) - at(0)) / dx[0]
        right = (at(-1) - at(-2)) / dx[-1]
    else:
        p, q = dx[0], dx[1]
        left = (-(2 * p + q) / (p * (p + q)) * at(0) + (p + q) / (p * q) * at(1)
                - p / (q * (p + q)) * at(2))
        p, q = dx[-2], dx[-1]
        right = (q / (p * (p + q)) * at(-3) - (q + p) / (p * q) * at(-2)
                 + (2 * q + p) / (q * (p + q)) * at(-1))
    return left, interior, right


@export(method=False)
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Estimate the derivative of a sampled function along each of `dim` (all dims by default)
    with second-order central differences inside and first- or second-order (`edge_order`)
    one-sided differences at the ends (torch.gradient). `spacing` is a scalar step, one step
    per dim, or one coordinate tensor per dim. Returns a tuple with one tensor per dim."""
    from ember._ops.elementwise import _to_copy
    from ember._ops.shape import cat
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims, spacing = _gradient_dims(input, spacing, dim)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    x = input
    if x.dtype.category < _dt.FLOAT:
        x = _to_copy(x, _dt.get_default_dtype())
    out = []
    for d, h in zip(dims, spacing):
        if hasattr(h, "dim") and h.dim() == 1:
            if h.shape[0] != x.shape[d]:
                raise RuntimeError(
                    f"torch.gradient expected each tensor to be on the same device and to have "
                    f"the same size as the input along dim {d}, but got size {h.shape[0]}")
            parts = _coordinates(x, d, h, edge_order)
        else:
            h = h.item() if hasattr(h, "item") else h
            parts = _uniform(x, d, h, edge_order)
        out.append(cat(list(parts), d))
    return tuple(out)
