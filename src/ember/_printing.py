"""Tensor printing in torch's format: `tensor([1., 2.], requires_grad=True)`.

Floats print with 4 decimals by default; all-integer floats print as `1.`; scientific
notation when the magnitudes span more than 1000x or leave [1e-4, 1e8]; more than 1000
elements are summarised with `...`.
"""
import math

import numpy as np

from ember._backend import dtypes as _dt


class _PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print (torch.set_printoptions)."""
    if profile == "default":
        OPTS.precision, OPTS.threshold, OPTS.edgeitems, OPTS.linewidth = 4, 1000, 3, 80
    elif profile == "short":
        OPTS.precision, OPTS.threshold, OPTS.edgeitems, OPTS.linewidth = 2, 1000, 2, 80
    elif profile == "full":
        OPTS.precision, OPTS.threshold, OPTS.edgeitems, OPTS.linewidth = 4, math.inf, 3, 80
    if precision is not None:
        OPTS.precision = precision
    if threshold is not None:
        OPTS.threshold = threshold
    if edgeitems is not None:
        OPTS.edgeitems = edgeitems
    if linewidth is not None:
        OPTS.linewidth = linewidth
    OPTS.sci_mode = sci_mode


def get_printoptions():
    return {"precision": OPTS.precision, "threshold": OPTS.threshold,
            "edgeitems": OPTS.edgeitems, "linewidth": OPTS.linewidth, "sci_mode": OPTS.sci_mode}


class _Formatter:
    def __init__(self, values, floating):
        """`values`: a flat NumPy array of the (summarised) elements."""
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = OPTS.precision
        if not floating:
            for v in values.tolist():
                self.max_width = max(self.max_width, len(str(v)))
        else:
            finite = values[np.isfinite(values) & (values != 0)].astype(np.float64)
            if finite.size:
                a = np.abs(finite)
                lo, hi = a.min(), a.max()
                self.int_mode = bool((np.ceil(finite) == finite).all())
                # the notation decides the widths, so a forced sci_mode applies first
                self.sci_mode = (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4) \
                    if OPTS.sci_mode is None else OPTS.sci_mode
                vals = finite.tolist()
                if self.sci_mode:
                    self.max_width = max(len(f"{v:.{p}e}") for v in vals)
                elif self.int_mode:
                    self.max_width = max(len(f"{v:.0f}") + 1 for v in vals)
                else:
                    self.max_width = max(len(f"{v:.{p}f}") for v in vals)

    def format(self, value):
        p = OPTS.precision
        if self.floating:
            if self.sci_mode:
                s = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{p}f}"
        else:
            s = str(value)
        return (self.max_width - len(s)) * " " + s


def _summarized(a):
    """The elements shown when summarising (edge items of every dim)."""
    e = OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate([a[:e], a[-e:]]) if a.shape[0] > 2 * e else a
    if a.shape[0] > 2 * e:
        rows = [_summarized(r) for r in a[:e]] + [_summarized(r) for r in a[-e:]]
    else:
        rows = [_summarized(r) for r in a]
    return np.stack(rows)


def _scalar_str(value, f1, f2=None):
    if f2 is None:
        return f1.format(value)
    real = f1.format(value.real)
    imag = (f2.format(value.imag) + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector_str(a, indent, summarize, f1, f2):
    width = f1.max_width + 2
    if f2 is not None:
        width += f2.max_width + 1
    per_line = max(1, int(math.floor((OPTS.linewidth - indent) / width)))
    e = OPTS.edgeitems

    def fmt(v):
        return _scalar_str(v, f1, f2)

    if summarize and not e:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        data = [fmt(v) for v in a[:e].tolist()] + [" ..."] + [fmt(v) for v in a[-e:].tolist()]
    else:
        data = [fmt(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a, indent, summarize, f1, f2):
    if a.ndim == 0:
        return _scalar_str(a.item(), f1, f2)
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, f1, f2)
    e = OPTS.edgeitems
    if summarize and a.shape[0] > 2 * e:
        slices = [_nested_str(a[i], indent + 1, summarize, f1, f2) for i in range(e)] + \
            ["..."] + [_nested_str(a[i], indent + 1, summarize, f1, f2)
                       for i in range(a.shape[0] - e, a.shape[0])]
    else:
        slices = [_nested_str(a[i], indent + 1, summarize, f1, f2) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def array_str(a, dtype, indent):
    """The bracketed body of a tensor's repr."""
    if a.size == 0:
        return "[]"
    summarize = a.size > OPTS.threshold
    if dtype in (_dt.float16, _dt.bfloat16):
        a = a.astype(np.float32)
    shown = _summarized(a) if summarize else a
    if dtype.category == _dt.COMPLEX:
        f1 = _Formatter(shown.real.reshape(-1), True)
        f2 = _Formatter(shown.imag.reshape(-1), True)
    else:
        f1 = _Formatter(shown.reshape(-1), dtype.category == _dt.FLOAT)
        f2 = None
    return _nested_str(a, indent, summarize, f1, f2)


def _add_suffixes(body, suffixes, indent):
    parts = [body]
    last = len(body) - body.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > OPTS.linewidth:
            parts.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            parts.append(", " + s)
            last += len(s) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t, prefix=None):
    """torch's repr of tensor t: `tensor(` (or the subclass name), the values, and suffixes
    for the dtype, size, grad_fn or requires_grad where torch shows them."""
    if prefix is None:
        cls = type(t)
        plain = cls.__name__ in ("Tensor", "Parameter") and cls.__module__.startswith("ember")
        prefix = "tensor(" if plain else f"{cls.__name__}("
    indent = len(prefix)
    a = t._data
    dtype = t.dtype
    default = _dt.get_default_dtype()
    plain = dtype in (default, _dt.int64, _dt.bool, default.to_complex())
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype}")
        body = "[]"
    else:
        if not OPTS.edgeitems:
            suffixes.append(f"size={tuple(a.shape)}")
        if not plain:
            suffixes.append(f"dtype={dtype}")
        body = array_str(a, dtype, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
