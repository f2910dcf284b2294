"""torch.testing for ember: `assert_close` (tensors, scalars and nested containers compared
with dtype-dependent tolerances and torch's failure messages) and `make_tensor`."""
import collections.abc
import math

import ember
from ember._backend import xp

__all__ = ["assert_close", "make_tensor"]

# (rtol, atol) torch uses by default for each dtype; other dtypes compare exactly
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5),
               "float32": (1.3e-6, 1e-5), "complex64": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7), "complex128": (1e-7, 1e-7)}


class _Mismatch(AssertionError):
    """A failed comparison; `path` gathers the container keys that led to it."""

    def __init__(self, message, path=()):
        super().__init__(message)
        self.message = message
        self.path = list(path)


def _default_tolerances(*dtypes):
    pairs = [_TOLERANCES.get(d.name, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _scalar_dtype(value):
    if isinstance(value, bool):
        return ember.bool
    if isinstance(value, int):
        return ember.int64
    if isinstance(value, complex):
        return ember.complex128
    return ember.float64


def _is_scalar(x):
    return isinstance(x, (bool, int, float, complex))


def _fmt(value):
    return repr(value)


def _check_values(actual, expected, rtol, atol, equal_nan, scalar, shown):
    """Compare two tensors of one shape element by element; raise _Mismatch with torch's
    report when some elements are not close."""
    a, e = actual.detach(), expected.detach()
    if a.dtype is not e.dtype:
        common = ember.promote_types(a.dtype, e.dtype)
        a, e = a.to(common), e.to(common)
    if a.dtype is ember.bool:
        a, e = a.to(ember.uint8), e.to(ember.uint8)
    av, ev = a.numpy(), e.numpy()
    with xp.errstate(invalid="ignore", over="ignore"):
        if av.dtype.kind in "iu":
            diff = xp.abs(av.astype(xp.int64) - ev.astype(xp.int64))
            ok = diff <= atol + rtol * xp.abs(ev.astype(xp.float64))
        else:
            diff = xp.abs(av - ev)
            ok = diff <= atol + rtol * xp.abs(ev)
            same = av == ev  # infinities of one sign
            ok |= same
            if equal_nan:
                ok |= xp.isnan(av) & xp.isnan(ev)
    if bool(ok.all()):
        return
    exact = rtol == 0 and atol == 0
    what = "equal" if exact else "close"
    limits = lambda tol: "" if exact else f" (up to {_fmt(tol)} allowed)"  # noqa: E731
    if av.dtype.kind in "iu":
        rel = (diff.astype(xp.float32) / xp.abs(ev).astype(xp.float32))
        diff_values = diff
    else:
        rel = diff / xp.abs(ev)
        diff_values = diff
    if scalar:
        got = shown[0]
        want = shown[1]
        d = diff_values.reshape(()).item()
        r = rel.reshape(()).item()
        raise _Mismatch(f"Scalars are not {what}!\n\nExpected {want} but got {got}.\n"
                        f"Absolute difference: {_fmt(d)}{limits(atol)}\n"
                        f"Relative difference: {_fmt(r)}{limits(rtol)}")
    bad = ~ok
    n_bad, n = int(bad.sum()), ok.size
    # nan differences are the greatest, as torch's argmax over them reports
    d_flat = xp.where(xp.isnan(diff_values), xp.inf, diff_values).reshape(-1) \
        if diff_values.dtype.kind in "fc" else diff_values.reshape(-1)
    r_flat = xp.where(xp.isnan(rel), xp.inf, rel).reshape(-1)
    i_d, i_r = int(xp.argmax(d_flat)), int(xp.argmax(r_flat))
    at = lambda i: tuple(int(k) for k in xp.unravel_index(i, ok.shape))  # noqa: E731
    d_val = diff_values.reshape(-1)[i_d].item()
    r_val = rel.reshape(-1)[i_r].item()
    raise _Mismatch(f"Tensor-likes are not {what}!\n\n"
                    f"Mismatched elements: {n_bad} / {n} ({n_bad / n:.1%})\n"
                    f"Greatest absolute difference: {_fmt(d_val)} at index {at(i_d)}"
                    f"{limits(atol)}\n"
                    f"Greatest relative difference: {_fmt(r_val)} at index {at(i_r)}"
                    f"{limits(rtol)}")


def _compare(actual, expected, rtol, atol, equal_nan, check_dtype, allow_subclasses, path):
    if isinstance(actual, xp.ndarray) and isinstance(expected, xp.ndarray):
        actual, expected = ember.from_numpy(actual), ember.from_numpy(expected)
    a_tensor, e_tensor = isinstance(actual, ember.Tensor), isinstance(expected, ember.Tensor)
    if a_tensor and e_tensor:
        if not allow_subclasses and type(actual) is not type(expected):
            raise TypeError(f"No comparison pair was able to handle inputs of type "
                            f"{type(actual)} and {type(expected)}.")
        if actual.shape != expected.shape:
            raise _Mismatch(f"The values for attribute 'shape' do not match: {actual.shape} "
                            f"!= {expected.shape}.", path)
        if check_dtype and actual.dtype is not expected.dtype:
            raise _Mismatch(f"The values for attribute 'dtype' do not match: {actual.dtype} "
                            f"!= {expected.dtype}.", path)
        if rtol is None:
            rtol, atol = _default_tolerances(actual.dtype, expected.dtype)
        shown = None
        if actual.dim() == 0:
            shown = (actual.item(), expected.item())
        try:
            _check_values(actual, expected, rtol, atol, equal_nan, actual.dim() == 0, shown)
        except _Mismatch as m:
            m.path = list(path)
            raise
        return
    if _is_scalar(actual) and _is_scalar(expected):
        da, de = _scalar_dtype(actual), _scalar_dtype(expected)
        if check_dtype and type(actual) is not type(expected):
            raise _Mismatch(f"The values for attribute 'dtype' do not match: {da} != {de}.",
                            path)
        if rtol is None:
            rtol, atol = _default_tolerances(da, de)
        try:
            _check_values(ember.tensor(actual, dtype=da), ember.tensor(expected, dtype=de),
                          rtol, atol, equal_nan, True, (actual, expected))
        except _Mismatch as m:
            m.path = list(path)
            raise
        return
    if (isinstance(actual, collections.abc.Sequence) and not isinstance(actual, str)
            and isinstance(expected, collections.abc.Sequence)
            and not isinstance(expected, str) and not a_tensor and not e_tensor):
        if len(actual) != len(expected):
            raise _Mismatch(f"The length of the sequences mismatch: {len(actual)} != "
                            f"{len(expected)}", path)
        for i, (x, y) in enumerate(zip(actual, expected)):
            _compare(x, y, rtol, atol, equal_nan, check_dtype, allow_subclasses, path + [i])
        return
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected,
                                                                  collections.abc.Mapping):
        ka, ke = set(actual.keys()), set(expected.keys())
        if ka != ke:
            raise _Mismatch(f"The keys of the mappings do not match:\nMissing keys in the "
                            f"actual mapping: {sorted(ke - ka, key=repr)}\nAdditional keys in "
                            f"the actual mapping: {sorted(ka - ke, key=repr)}", path)
        for k in actual:
            _compare(actual[k], expected[k], rtol, atol, equal_nan, check_dtype,
                     allow_subclasses, path + [k])
        return
    if actual is None and expected is None:
        return
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                    f"{type(expected)}.")


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise AssertionError unless `actual` and `expected` are close, as
    torch.testing.assert_close: tensors (and nested sequences or mappings of them, or Python
    scalars) must match in shape and (with `check_dtype`) dtype, and every element must
    satisfy |actual - expected| <= atol + rtol * |expected|. Omitted tolerances default by
    dtype (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7, 1e-7; integers: exact)."""
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {missing}.")
    try:
        _compare(actual, expected, rtol, atol, equal_nan, check_dtype, allow_subclasses, [])
    except _Mismatch as m:
        if msg is not None:
            text = msg(m.message) if callable(msg) else msg
        else:
            text = m.message
            if m.path:
                text += "\n\nThe failure occurred for item " + "".join(f"[{k!r}]"
                                                                      for k in m.path)
        raise AssertionError(text) from None


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None):
    """A tensor of `shape` and `dtype` filled with random values from [low, high), as
    torch.testing.make_tensor (defaults: floats in [-9, 9), integers in [-9, 10), bools at
    random); `exclude_zero` replaces zeros by a small non-zero value."""
    if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
        shape = tuple(shape[0])
    d = ember.empty(0, dtype=dtype).dtype
    if d is ember.bool:
        out = ember.randint(0, 2, shape).to(ember.bool)
    elif not d.is_floating_point and not d.is_complex:
        lo = -9 if low is None else math.ceil(low)
        hi = 10 if high is None else math.ceil(high)
        if d is ember.uint8:
            lo = max(lo, 0)
        out = ember.randint(lo, max(hi, lo + 1), shape, dtype=d)
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        base = d.to_real() if d.is_complex else d
        out = ember.rand(shape, dtype=ember.float64) * (hi - lo) + lo
        if d.is_complex:
            im = ember.rand(shape, dtype=ember.float64) * (hi - lo) + lo
            out = ember.complex(out, im)
        out = out.to(d) if d.is_complex else out.to(base)
    if exclude_zero:
        small = 1 if not (d.is_floating_point or d.is_complex) else ember.finfo(
            d.to_real() if d.is_complex else d).tiny
        out = ember.where(out == 0, ember.full_like(out, small), out)
    if noncontiguous and out.numel() > 1:
        out = ember.repeat_interleave(out.reshape(-1), 2)[::2].reshape(out.shape)
    if requires_grad:
        out.requires_grad_(True)
    return out
