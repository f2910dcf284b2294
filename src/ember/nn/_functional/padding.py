"""Padding (torch.nn.functional.pad): constant (ConstantPadNdBackward0), reflect and
replicate (ReflectionPad*DBackward0 / ReplicationPad*DBackward0 nodes in ember._ops.conv),
and circular, composed from slice copies as torch does."""
from ember._ops.conv import constant_pad_nd, index_pad
from ember._ops import autocast as _ac

__all__ = ["pad"]


def _circular(input, pad):
    """Circular padding as torch builds it: copy the (cropped) input into a new tensor, then
    fill each dim's borders from the opposite side of that tensor (CopySlices nodes)."""
    nd = len(pad) // 2
    lead = input.dim() - nd
    shape, src, dst = list(input.shape), [], []
    for i in range(nd):
        lo, hi = pad[2 * (nd - 1 - i)], pad[2 * (nd - 1 - i) + 1]
        size = input.shape[lead + i]
        if lo > size or hi > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        shape[lead + i] = size + lo + hi
        if shape[lead + i] <= 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension.")
        src.append(slice(max(-lo, 0), size - max(-hi, 0)))
        dst.append(slice(max(lo, 0), shape[lead + i] - max(hi, 0)))
    out = input.new_empty(shape)
    out[(Ellipsis,) + tuple(dst)] = input[(Ellipsis,) + tuple(src)]
    for i in range(nd):
        lo, hi = pad[2 * (nd - 1 - i)], pad[2 * (nd - 1 - i) + 1]
        n = shape[lead + i]
        rest = (slice(None),) * (nd - 1 - i)
        a, b = max(lo, 0), max(hi, 0)
        if lo > 0:
            out[(Ellipsis, slice(0, lo)) + rest] = out[(Ellipsis, slice(n - b - lo, n - b))
                                                       + rest]
        if hi > 0:
            out[(Ellipsis, slice(n - hi, n)) + rest] = out[(Ellipsis, slice(a, a + hi))
                                                           + rest]
    return out


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad) // 2 dims of `input`; `pad` lists (left, right) amounts from the
    last dim backwards. mode: 'constant' (with `value`, default 0; negative amounts crop),
    'reflect' (mirror without repeating the edge), 'replicate' (repeat the edge) or
    'circular' (wrap around)."""
    pad = [int(p) for p in pad]
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = len(pad) // 2
    if nd not in (1, 2, 3) or input.dim() not in (nd + 1, nd + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode == "circular":
        return _circular(input, pad)
    if _ac.on and _ac.active() and (mode == "replicate" or nd < 3):
        input = _ac.to_fp32(input)  # torch's autocast lists reflection_pad1d/2d, replication_pad*
    return index_pad(input, pad, mode)
