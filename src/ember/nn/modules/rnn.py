"""Recurrent layers (torch.nn.RNN, LSTM, GRU) and single-step cells (RNNCell, LSTMCell,
GRUCell).

Per layer and direction the input projection of every time step is one GEMM, then each step
is one GEMM for all gates followed by the gate nonlinearities. RNN and GRU (and LSTM in other
dtypes than float32, with projections, or on packed sequences) are composed from ember ops
(`addmm` per step, Python time loop): as torch on the CPU, the output of equal-length batches
is a `StackBackward0` over the steps. A float32 LSTM over an equal-length batch records one
fused `MkldnnRnnLayerBackward0` per layer and direction, as torch's CPU LSTM does (see
ember._ops.nn_rnn: the recurrence runs on arrays; double backward stays exact).

Variable-length batches (`PackedSequence`) run the same loop on the packed rows: at step t
only the first `batch_sizes[t]` sequences are advanced, so the packed output comes out
directly and each sequence's final state is the one of its last valid step.
"""
import math
import numbers
import warnings

import ember
from ember._ops.nn_rnn import lstm_layer
from ember.nn import functional as F
from ember.nn import init
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


# --------------------------------------------------------------------------- step math
# `gi` is the input projection of this step, x @ w_ih.T + b_ih (with b_hh already folded in
# for RNN and LSTM, where it is a plain sum); `h` (and `c`) the previous state.

# Weights come in transposed (w_hh_t = w_hh.t(), taken once per layer): the per-step gradients
# then accumulate contiguously and are transposed back once.

def _rnn_step(gi, h, w_hh_t, act):
    """One Elman step: act(gi + h @ w_hh.T)."""
    pre = ember.addmm(gi, h, w_hh_t)
    return pre.tanh() if act == "tanh" else pre.relu()


def _lstm_step(gi, h, c, w_hh_t, w_hr_t):
    """One LSTM step (gates in torch's order i, f, g, o); returns (h, c)."""
    gates = ember.addmm(gi, h, w_hh_t)
    i, f, g, o = gates.chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    if w_hr_t is not None:
        h = ember.mm(h, w_hr_t)
    return h, c


def _gru_step(gi, h, w_hh_t, b_hh):
    """One GRU step: r, z = sigmoid(.), n = tanh(gi_n + r * (h @ w_hn.T + b_hn)),
    h' = n + z * (h - n) (= (1 - z) * n + z * h)."""
    gh = ember.mm(h, w_hh_t) if b_hh is None else ember.addmm(b_hh, h, w_hh_t)
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (h - n)


def _input_projection(x, w_ih, b_ih, b_hh, fold_hh):
    """x (N, in) @ w_ih.T plus the bias (b_ih, and b_hh when it is a plain sum): one GEMM."""
    bias = b_ih
    if fold_hh and b_hh is not None:
        bias = b_ih + b_hh
    if bias is None:
        return ember.mm(x, w_ih.t())
    return ember.addmm(bias, x, w_ih.t())


def _run_direction(mode, x, sizes, h0, c0, weights, reverse):
    """Run one layer in one direction over the time-major rows `x` (N, in), step t holding
    `sizes[t]` rows (non-increasing). Returns the output rows (N, H_out) in the same order
    and the final states (B rows each, B = sizes[0])."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    gi_all = _input_projection(x, w_ih, b_ih, b_hh, mode != "GRU")
    steps = len(sizes)
    full = sizes[0] if steps else h0.shape[0]
    uniform = all(n == full for n in sizes)
    if uniform:
        gis = gi_all.view(steps, full, gi_all.shape[-1]).unbind(0) if steps else ()
    else:
        gis = gi_all.split(list(sizes), 0)
    act = "relu" if mode == "RNN_RELU" else "tanh"
    w_hh_t = w_hh.t()
    w_hr_t = w_hr.t() if w_hr is not None else None

    def step(gi, h, c):
        if mode == "LSTM":
            return _lstm_step(gi, h, c, w_hh_t, w_hr_t)
        if mode == "GRU":
            return _gru_step(gi, h, w_hh_t, b_hh), None
        return _rnn_step(gi, h, w_hh_t, act), None

    outs = [None] * steps
    h, c = h0, c0
    if uniform:
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for t in order:
            h, c = step(gis[t], h, c)
            outs[t] = h
        return outs, h, c
    if not reverse:
        done_h, done_c = [], []
        for t in range(steps):
            n = sizes[t]
            if n < h.shape[0]:  # sequences n.. have ended: keep their last state
                done_h.append(h[n:])
                h = h[:n]
                if c is not None:
                    done_c.append(c[n:])
                    c = c[:n]
            h, c = step(gis[t], h, c)
            outs[t] = h
        h = ember.cat([h] + done_h[::-1], 0) if done_h else h
        if c is not None and done_c:
            c = ember.cat([c] + done_c[::-1], 0)
        return outs, h, c
    cur = sizes[-1]
    h = h0[:cur]
    c = c0[:cur] if c0 is not None else None
    for t in range(steps - 1, -1, -1):
        n = sizes[t]
        if n > cur:  # sequences cur..n start here (their last step), from the initial state
            h = ember.cat([h, h0[cur:n]], 0)
            if c is not None:
                c = ember.cat([c, c0[cur:n]], 0)
            cur = n
        h, c = step(gis[t], h, c)
        outs[t] = h
    return outs, h, c


# --------------------------------------------------------------------------- layers

class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU: parameters named `weight_ih_l{k}`,
    `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}` (and `weight_hr_l{k}` with an LSTM
    projection), `_reverse` suffixed for the backward direction, all drawn from
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout) if isinstance(dropout, numbers.Number) else dropout
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, "
                          "so non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError("batch_first should be of type bool, got: "
                            f"{type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: "
                            f"{type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_in = input_size if layer == 0 else real_hidden * directions
                shapes = [("weight_ih", (gate_size, layer_in)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(ember.empty(shape, device=device,
                                                              dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters, one list per (layer, direction)."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """No-op: ember keeps no fused weight buffer (torch uses this for cuDNN)."""

    def reset_parameters(self):
        """Re-draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ----------------------------------------------------------------- forward helpers

    def _layer_weights(self, layer, direction):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of one layer and direction (None where absent)."""
        suffix = "_reverse" if direction == 1 else ""
        get = self._parameters.get
        return (get(f"weight_ih_l{layer}{suffix}"), get(f"weight_hh_l{layer}{suffix}"),
                get(f"bias_ih_l{layer}{suffix}"), get(f"bias_hh_l{layer}{suffix}"),
                get(f"weight_hr_l{layer}{suffix}"))

    def _check_input(self, input, batch_sizes):
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError("input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")
        weight = self._flat_weights[0]
        if input.dtype != weight.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight.dtype}). Convert input: input.to({weight.dtype}), "
                             f"or convert model: model.to({input.dtype})")

    def _expected_hidden(self, input, batch_sizes, size):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        directions = 2 if self.bidirectional else 1
        return (self.num_layers * directions, mini_batch, size)

    @staticmethod
    def _check_hidden(hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    def _run(self, input, batch_sizes, hx, cx):
        """The stacked (and bidirectional) recurrence. `input` is time-major (T, B, in) or
        packed rows (N, in) with `batch_sizes`; hx/cx are (layers * dirs, B, H).
        Returns (output, h_n, c_n) in the same layout."""
        if (self.mode == "LSTM" and batch_sizes is None and self.proj_size == 0
                and input.dtype is ember.float32):
            return self._run_fused_lstm(input, hx, cx)
        if batch_sizes is None:
            steps, batch = input.shape[0], input.shape[1]
            sizes = [batch] * steps
            x = input.reshape(steps * batch, input.shape[2])
        else:
            sizes = [int(n) for n in batch_sizes.tolist()]
            x = input
        uniform = batch_sizes is None
        directions = 2 if self.bidirectional else 1
        hs, cs = [], []
        layer_out = x
        for layer in range(self.num_layers):
            if uniform and layer:  # (T, B, features) -> the (T * B, features) rows
                layer_out = layer_out.reshape(steps * batch, layer_out.shape[2])
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                c0 = cx[k] if cx is not None else None
                steps_out, h_n, c_n = _run_direction(
                    self.mode, layer_out, sizes, hx[k], c0,
                    self._layer_weights(layer, direction), direction == 1)
                # equal batches: stacked (T, B, H) as torch's StackBackward0; packed: rows
                outs.append(ember.stack(steps_out, 0) if uniform else ember.cat(steps_out, 0))
                hs.append(h_n)
                if c_n is not None:
                    cs.append(c_n)
            layer_out = outs[0] if directions == 1 else ember.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_out = F.dropout(layer_out, self.dropout, True)
        h_n = ember.stack(hs, 0)
        c_n = ember.stack(cs, 0) if cx is not None else None
        return layer_out, h_n, c_n

    def _run_fused_lstm(self, input, hx, cx):
        """float32 LSTM over an equal-length (T, B, in) batch, one fused node per layer and
        direction (torch's CPU LSTM records MkldnnRnnLayerBackward0 the same way)."""
        directions = 2 if self.bidirectional else 1
        hs, cs = [], []
        layer_in = input
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                w_ih, w_hh, b_ih, b_hh, _ = self._layer_weights(layer, direction)
                out, h_n, c_n = lstm_layer(layer_in, hx[k], cx[k], w_ih, w_hh, b_ih, b_hh,
                                           direction == 1)
                outs.append(out)
                hs.append(h_n)
                cs.append(c_n)
            layer_in = outs[0] if directions == 1 else ember.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, True)
        return layer_in, ember.stack(hs, 0), ember.stack(cs, 0)

    def _forward_impl(self, input, hx, name):
        """Shared forward: unpack/permute inputs and states, run, and re-wrap the result."""
        from ember.nn.utils.rnn import PackedSequence
        is_lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        batch_sizes = sorted_indices = unsorted_indices = None
        batched = True
        if packed:
            input, batch_sizes, sorted_indices, unsorted_indices = input
            max_batch = int(batch_sizes[0])
        else:
            if input.dim() not in (2, 3):
                if is_lstm or self.mode == "GRU":
                    raise ValueError(f"{name}: Expected input to be 2D or 3D, got "
                                     f"{input.dim()}D instead")
                raise ValueError(f"RNN: Expected input to be 2D or 3D, got {input.dim()}D "
                                 "tensor instead")
            batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not batched:
                input = input.unsqueeze(batch_dim)
                if hx is not None:
                    if is_lstm:
                        if hx[0].dim() != 2 or hx[1].dim() != 2:
                            raise RuntimeError(
                                "For unbatched 2-D input, hx and cx should also be 2-D but "
                                f"got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                        hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
                    else:
                        if hx.dim() != 2:
                            raise RuntimeError("For unbatched 2-D input, hx should also be "
                                               f"2-D but got {hx.dim()}-D tensor")
                        hx = hx.unsqueeze(1)
            elif hx is not None:
                if is_lstm:
                    if hx[0].dim() != 3 or hx[1].dim() != 3:
                        raise RuntimeError(
                            "For batched 3-D input, hx and cx should also be 3-D but got "
                            f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                elif hx.dim() != 3:
                    raise RuntimeError("For batched 3-D input, hx should also be 3-D but got "
                                       f"{hx.dim()}-D tensor")
            max_batch = input.size(0) if self.batch_first else input.size(1)
        self._check_input(input, batch_sizes)
        if not packed and input.size(1 if self.batch_first else 0) == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if hx is None:
            h0 = input.new_zeros((self.num_layers * directions, max_batch, real_hidden))
            c0 = (input.new_zeros((self.num_layers * directions, max_batch, self.hidden_size))
                  if is_lstm else None)
        else:
            h0, c0 = (hx[0], hx[1]) if is_lstm else (hx, None)
            if sorted_indices is not None:
                h0 = h0.index_select(1, sorted_indices)
                if c0 is not None:
                    c0 = c0.index_select(1, sorted_indices)
            if is_lstm:
                self._check_hidden(h0, self._expected_hidden(input, batch_sizes, real_hidden),
                                   "Expected hidden[0] size {}, got {}")
                self._check_hidden(c0, self._expected_hidden(input, batch_sizes,
                                                             self.hidden_size),
                                   "Expected hidden[1] size {}, got {}")
            else:
                self._check_hidden(h0, self._expected_hidden(input, batch_sizes, real_hidden))
        if not packed and self.batch_first:
            input = input.transpose(0, 1)
        output, h_n, c_n = self._run(input, batch_sizes, h0, c0)
        if packed:
            output = PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices)
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
                if c_n is not None:
                    c_n = c_n.index_select(1, unsorted_indices)
        else:
            if self.batch_first:  # torch's RNN/GRU kernels transpose in place (TransposeBackward1)
                output = output.transpose(0, 1) if is_lstm else output.transpose_(0, 1)
            if not batched:
                output = output.squeeze(batch_dim)
                h_n = h_n.squeeze(1)
                if c_n is not None:
                    c_n = c_n.squeeze(1)
        return output, ((h_n, c_n) if is_lstm else h_n)


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh), act tanh or relu
    (`nonlinearity`), stacked `num_layers` deep, optionally bidirectional. forward(input,
    hx=None) -> (output, h_n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        """Run the sequence (T, B, in) / (B, T, in) with `batch_first` / (T, in) unbatched /
        PackedSequence; returns the top layer's outputs and the final hidden states."""
        return self._forward_impl(input, hx, "RNN")


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o from x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh,
    c_t = f * c + i * g, h_t = o * tanh(c_t) (projected by W_hr when `proj_size` > 0).
    forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n))."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx=None):
        """Run the sequence; returns the top layer's outputs and the final (h, c) states."""
        return self._forward_impl(input, hx, "LSTM")


class GRU(RNNBase):
    """Gated recurrent unit: r, z = sigmoid(.), n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h_t = (1 - z) * n + z * h. forward(input, hx=None) -> (output, h_n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        """Run the sequence; returns the top layer's outputs and the final hidden states."""
        return self._forward_impl(input, hx, "GRU")


# --------------------------------------------------------------------------- cells

class RNNCellBase(Module):
    """Shared parameters of the cells: weight_ih (G*H, in), weight_hh (G*H, H), bias_ih and
    bias_hh (G*H), drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(ember.empty((num_chunks * hidden_size, input_size),
                                               device=device, dtype=dtype))
        self.weight_hh = Parameter(ember.empty((num_chunks * hidden_size, hidden_size),
                                               device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ember.empty(num_chunks * hidden_size, device=device,
                                                 dtype=dtype))
            self.bias_hh = Parameter(ember.empty(num_chunks * hidden_size, device=device,
                                                 dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        """Re-draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input, name):
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        return input.dim() == 2

    def _batch_hidden(self, input, hx, name):
        """(input, hx, batched) for a one-state cell: unbatched input and hx given a batch dim
        of 1, and hx zeros when None."""
        batched = self._prepare(input, name)
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.dim()}D "
                             "instead")
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = input.new_zeros((input.size(0), self.hidden_size))
        elif not batched:
            hx = hx.unsqueeze(0)
        return input, hx, batched

    def _gi(self, input):
        fold = not isinstance(self, GRUCell)
        return _input_projection(input, self.weight_ih, self.bias_ih, self.bias_hh, fold)


class RNNCell(RNNCellBase):
    """One Elman step: h' = act(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh), act tanh or relu."""

    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        """Next hidden state for input (B, in) or (in,) and hx (zeros when None)."""
        input, hx, batched = self._batch_hidden(input, hx, "RNNCell")
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        out = _rnn_step(self._gi(input), hx, self.weight_hh.t(), self.nonlinearity)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c') from input and (h, c) (zeros when None)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        """(h', c') for input (B, in) or (in,) and hx = (h, c)."""
        batched = self._prepare(input, "LSTMCell")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got "
                                     f"{value.dim()}D instead")
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = input.new_zeros((input.size(0), self.hidden_size))
            hx = (zeros, zeros)
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = _lstm_step(self._gi(input), hx[0], hx[1], self.weight_hh.t(), None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: h' = (1 - z) * n + z * h with reset/update gates r, z."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        """Next hidden state for input (B, in) or (in,) and hx (zeros when None)."""
        input, hx, batched = self._batch_hidden(input, hx, "GRUCell")
        out = _gru_step(self._gi(input), hx, self.weight_hh.t(), self.bias_hh)
        return out if batched else out.squeeze(0)
