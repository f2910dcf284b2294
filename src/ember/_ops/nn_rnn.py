"""Recurrent-layer nodes: sequence packing (`PackPaddedSequenceBackward0`, torch's
`_pack_padded_sequence`) and the fused LSTM layer (`MkldnnRnnLayerBackward0`, the node torch's
CPU LSTM records per layer and direction).

A padded batch (time-major (T, B, *), or (B, T, *) with batch_first) becomes the rows of a
PackedSequence: step by step, the first `batch_sizes[t]` sequences (lengths sorted in
decreasing order). One gather forward, one scatter into zeros backward.
"""
from ember._backend import xp
from ember._ops._util import make
from ember._ops.unary import _sigmoid
from ember._ops.engine import GRAD, Node, execute
from ember._ops.shape import cat as ember_cat
from ember._ops.shape import stack as ember_stack
from ember._ops import autocast as _ac


class PackPaddedSequenceBackward0(Node):
    """Gather the valid (step, sequence) rows of a padded batch, time-major."""

    def forward(self, x, batch_sizes, batch_first):
        if batch_first:
            x = x.swapaxes(0, 1)
        steps = xp.arange(len(batch_sizes))
        self.t_idx = xp.repeat(steps, batch_sizes)
        self.b_idx = xp.concatenate([xp.arange(n) for n in batch_sizes]) if len(batch_sizes) \
            else xp.zeros(0, dtype=xp.int64)
        self.in_shape = x.shape
        self.batch_first = batch_first
        return xp.ascontiguousarray(x[self.t_idx, self.b_idx])

    def backward(self, grad):
        out = grad.new_zeros(self.in_shape).index_put((make(self.t_idx), make(self.b_idx)),
                                                      grad)
        return out.transpose(0, 1) if self.batch_first else out


def pack_padded(input, batch_sizes, batch_first):
    """The packed rows of `input` for the given per-step batch sizes (a tuple of ints)."""
    return execute(PackPaddedSequenceBackward0, (input,), (input._data,),
                   (batch_sizes, batch_first))


# --- fused LSTM layer ----------------------------------------------------------------------

def _lstm_cell_arrays(a, c, h_dst, c_dst, hidden):
    """Turn the pre-activations `a` (B, 4H, gates i, f, g, o) into activations in place and
    write the step's cell and hidden states into `c_dst` / `h_dst`."""
    two, three = 2 * hidden, 3 * hidden
    a[:, :two] = _sigmoid(a[:, :two])
    a[:, three:] = _sigmoid(a[:, three:])
    xp.tanh(a[:, two:three], out=a[:, two:three])
    xp.multiply(a[:, hidden:two], c, out=c_dst)
    c_dst += a[:, :hidden] * a[:, two:three]
    xp.tanh(c_dst, out=h_dst)
    h_dst *= a[:, three:]


class MkldnnRnnLayerBackward0(Node):
    """One LSTM layer in one direction over an equal-length time-major batch (T, B, in), as
    torch's CPU LSTM records it: inputs (input, w_ih, w_hh, b_ih, b_hh, h0, c0), outputs
    (output (T, B, H), h_n (B, H), c_n (B, H)).

    Forward runs on arrays: the input projection of every step is one GEMM, then each step is
    one GEMM for all four gates plus a few whole-batch elementwise passes; the gate
    activations and cell states are kept. Backward is back-propagation through time: the
    per-step factors of the chain rule are computed for all steps at once, the recursion is
    one GEMM and a few elementwise ops per step, and the weight and input gradients are
    single GEMMs over all steps. Without create_graph it runs on the kept arrays (a kernel,
    like forward); with create_graph the same math runs in ember ops on activations
    recomputed from the saved inputs, so double backward is exact."""

    saves = (0, 1, 2, 3, 4, 5, 6)
    _materialize = False

    def forward(self, x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse):
        steps, batch = x.shape[0], x.shape[1]
        hidden = w_hh.shape[1]
        self.reverse = reverse
        acts = xp.dot(x.reshape(steps * batch, x.shape[2]), w_ih.T)
        if b_ih is not None:
            acts += b_ih + b_hh
        acts = acts.reshape(steps, batch, 4 * hidden)
        out = xp.empty((steps, batch, hidden), dtype=x.dtype)
        cs = xp.empty((steps, batch, hidden), dtype=x.dtype)
        h, c = h0, c0
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            # (W_hh h^T)^T: OpenBLAS runs this shape (4H x H times H x B) faster than h W_hh^T
            acts[t] += xp.dot(w_hh, h.T).T
            _lstm_cell_arrays(acts[t], c, out[t], cs[t], hidden)
            h, c = out[t], cs[t]
        self.acts, self.cs = acts, cs
        return out, h.copy(), c.copy()

    def release(self):
        """Drop the saved inputs and the kept activations."""
        super().release()
        self.acts = self.cs = None

    def backward(self, gout, ghy, gcy):
        x, w_ih, w_hh, b_ih, b_hh, h0, c0 = self.saved()
        if not GRAD.enabled:  # no graph to record: the same recursion on arrays
            return self._backward_arrays(gout, ghy, gcy, x, w_ih, w_hh, b_ih, h0, c0)
        reverse = self.reverse
        steps, batch = x.shape[0], x.shape[1]
        hidden = w_hh.shape[1]
        # create_graph: the activations as a differentiable graph of the saved inputs
        acts, cs = _lstm_layer_composed(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse)
        i, f, g, o = acts.chunk(4, 2)
        tc = cs.tanh()
        h_all = o * tc
        if reverse:  # the state each step started from
            c_prev = ember_cat([cs[1:], c0.unsqueeze(0)], 0)
            h_prev = ember_cat([h_all[1:], h0.unsqueeze(0)], 0)
        else:
            c_prev = ember_cat([c0.unsqueeze(0), cs[:-1]], 0)
            h_prev = ember_cat([h0.unsqueeze(0), h_all[:-1]], 0)
        # chain-rule factors of every step at once: dc += dh * a_dc; gates i, f, g from dc,
        # gate o from dh
        a_dc = o * (1 - tc * tc)
        f_c = ember_stack([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g)], 2)
        f_o = tc * o * (1 - o)
        a_dc, f_c, f_o, f_keep = a_dc.unbind(0), f_c.unbind(0), f_o.unbind(0), f.unbind(0)
        gouts = gout.unbind(0) if gout is not None else None
        dh = ghy if ghy is not None else h0.new_zeros(h0.shape)
        dc = gcy if gcy is not None else c0.new_zeros(c0.shape)
        dgates = [None] * steps
        for t in (range(steps) if reverse else range(steps - 1, -1, -1)):
            if gouts is not None:
                dh = dh + gouts[t]
            dc = dc + dh * a_dc[t]
            d = ember_cat([(dc.unsqueeze(1) * f_c[t]).reshape(batch, 3 * hidden),
                           dh * f_o[t]], 1)
            dgates[t] = d
            dh = d.mm(w_hh)
            dc = dc * f_keep[t]
        dg = ember_stack(dgates, 0).reshape(steps * batch, 4 * hidden)
        gx = gw_ih = gw_hh = gb = None
        if self.needs(0):
            gx = dg.mm(w_ih).reshape(x.shape)
        if self.needs(1):
            gw_ih = dg.t().mm(x.reshape(steps * batch, x.shape[2]))
        if self.needs(2):
            gw_hh = dg.t().mm(h_prev.reshape(steps * batch, hidden))
        if b_ih is not None and (self.needs(3) or self.needs(4)):
            gb = dg.sum(0)
        return gx, gw_ih, gw_hh, gb, gb, dh, dc

    def _backward_arrays(self, gout, ghy, gcy, x, w_ih, w_hh, b_ih, h0, c0):
        """backward's recursion on the kept arrays (no graph to record): the per-step
        gradients of the gates overwrite the chain-rule factors in one (T, B, 4H) buffer."""
        acts, cs = self.acts, self.cs
        steps, batch, four = acts.shape
        hidden = four // 4
        w_ih, w_hh, h0, c0 = w_ih._data, w_hh._data, h0._data, c0._data
        i, f, g, o = (acts[..., k * hidden:(k + 1) * hidden] for k in range(4))
        tc = xp.tanh(cs)
        prev = slice(1, None) if self.reverse else slice(None, -1)
        cur = slice(None, -1) if self.reverse else slice(1, None)
        first = -1 if self.reverse else 0
        h_prev = xp.empty_like(cs)  # the state each step started from
        xp.multiply(o[prev], tc[prev], out=h_prev[cur])
        h_prev[first] = h0
        c_prev = xp.empty_like(cs)
        c_prev[cur] = cs[prev]
        c_prev[first] = c0
        # chain-rule factors of every step at once: dc += dh * a_dc, gates i, f, g from dc,
        # gate o from dh
        d = xp.empty_like(acts)
        one = acts.dtype.type(1)
        xp.multiply(g, i * (one - i), out=d[..., :hidden])
        xp.multiply(c_prev, f * (one - f), out=d[..., hidden:2 * hidden])
        xp.multiply(i, one - g * g, out=d[..., 2 * hidden:3 * hidden])
        xp.multiply(tc, o * (one - o), out=d[..., 3 * hidden:])
        a_dc = o * (one - tc * tc)
        d3 = d[..., :3 * hidden].reshape(steps, batch, 3, hidden)
        dh = ghy._data.copy() if ghy is not None else xp.zeros_like(h0)
        dc = gcy._data.copy() if gcy is not None else xp.zeros_like(c0)
        gout = gout._data if gout is not None else None
        for t in (range(steps) if self.reverse else range(steps - 1, -1, -1)):
            if gout is not None:
                dh += gout[t]
            dc += dh * a_dc[t]
            d3[t] *= dc[:, None, :]
            d[t, :, 3 * hidden:] *= dh
            dh = xp.dot(d[t], w_hh)
            dc *= f[t]
        dg = d.reshape(steps * batch, four)
        gx = gw_ih = gw_hh = gb = None
        if self.needs(0):
            gx = make(xp.dot(dg, w_ih).reshape(x.shape))
        if self.needs(1):
            gw_ih = make(xp.dot(dg.T, x._data.reshape(steps * batch, x.shape[2])))
        if self.needs(2):
            gw_hh = make(xp.dot(dg.T, h_prev.reshape(steps * batch, hidden)))
        if b_ih is not None and (self.needs(3) or self.needs(4)):
            gb = make(dg.sum(0))
        return gx, gw_ih, gw_hh, gb, gb, make(dh), make(dc)


def _lstm_layer_composed(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse):
    """The gate activations (T, B, 4H) and cell states (T, B, H) of one LSTM layer, computed
    with ember ops (the graph double backward differentiates)."""
    steps, batch = x.shape[0], x.shape[1]
    x2 = x.reshape(steps * batch, x.shape[2])
    pre = x2.mm(w_ih.t()) if b_ih is None else (b_ih + b_hh).addmm(x2, w_ih.t())
    pre = pre.reshape(steps, batch, pre.shape[1]).unbind(0)
    acts, cs = [None] * steps, [None] * steps
    h, c = h0, c0
    w_hh_t = w_hh.t()
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        i, f, g, o = pre[t].addmm(h, w_hh_t).chunk(4, 1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c = f * c + i * g
        h = o * c.tanh()
        acts[t] = ember_cat([i, f, g, o], 1)
        cs[t] = c
    return ember_stack(acts, 0), ember_stack(cs, 0)


def lstm_layer(input, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
    """One fused LSTM layer over the time-major (T, B, in) `input` from states h0, c0 (B, H):
    returns (output (T, B, H), h_n, c_n), recorded as one MkldnnRnnLayerBackward0."""
    if _ac.on and _ac.active():
        return _ac.lower(lstm_layer, input, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)
    arrays = tuple(None if t is None else t._data for t in (input, w_ih, w_hh, b_ih, b_hh, h0,
                                                             c0))
    return execute(MkldnnRnnLayerBackward0, (input, w_ih, w_hh, b_ih, b_hh, h0, c0), arrays,
                   (bool(reverse),))
