"""torch's low-level RNN entry points: torch.lstm, torch.gru, torch.rnn_tanh, the *_cell forms.
"""
from ember._ops.registry import export


# --- torch's low-level RNN entry points (torch.lstm, torch.gru_cell, ...) ---------------------

def _affine(x, w, b):
    y = x.matmul(w.t())
    return y if b is None else y + b


@export(method=False)
def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step: tanh(input W_ih^T + b_ih + hx W_hh^T + b_hh)."""
    return (_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)).tanh()


@export(method=False)
def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step with ReLU: relu(input W_ih^T + b_ih + hx W_hh^T + b_hh)."""
    return (_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)).relu()


@export(method=False)
def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step from hx = (h, c): returns (h', c') with gates i, f, g, o in that order
    along W's rows."""
    h, c = hx
    i, f, g, o = (_affine(input, w_ih, b_ih) + _affine(h, w_hh, b_hh)).chunk(4, 1)
    cy = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * cy.tanh(), cy


@export(method=False)
def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: r, z gates and the candidate n (rows of W in that order);
    h' = n + z * (hx - n)."""
    i_r, i_z, i_n = _affine(input, w_ih, b_ih).chunk(3, 1)
    h_r, h_z, h_n = _affine(hx, w_hh, b_hh).chunk(3, 1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return (hx - n) * z + n


def _rnn(mode, input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    """The stacked (and optionally bidirectional) recurrence behind torch.lstm / gru /
    rnn_tanh / rnn_relu, step by step with the cell functions above."""
    from ember._ops.nn_norm import dropout as _dropout
    from ember._ops.shape import cat, stack
    dirs = 2 if bidirectional else 1
    params = list(params)
    per = len(params) // (num_layers * dirs)
    proj = per == (5 if has_biases else 3)
    h0, c0 = (hx if mode == "lstm" else (hx, None))
    x = input.transpose(0, 1) if batch_first else input
    unbatched = x.dim() == 2
    if unbatched:
        x, h0 = x.unsqueeze(1), h0.unsqueeze(1)
        c0 = c0.unsqueeze(1) if c0 is not None else None
    cell = {"lstm": lstm_cell, "gru": gru_cell, "rnn_tanh": rnn_tanh_cell,
            "rnn_relu": rnn_relu_cell}[mode]
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            w = params[k * per:(k + 1) * per]
            w_ih, w_hh = w[0], w[1]
            b_ih, b_hh = (w[2], w[3]) if has_biases else (None, None)
            w_hr = w[-1] if proj else None
            h = h0[k]
            c = c0[k] if c0 is not None else None
            steps = range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])
            seq = [None] * x.shape[0]
            for t in steps:
                if mode == "lstm":
                    h, c = cell(x[t], (h, c), w_ih, w_hh, b_ih, b_hh)
                    if w_hr is not None:
                        h = h.matmul(w_hr.t())
                else:
                    h = cell(x[t], h, w_ih, w_hh, b_ih, b_hh)
                seq[t] = h
            outs.append(stack(seq, 0))
            hs.append(h)
            cs.append(c)
        x = outs[0] if dirs == 1 else cat(outs, 2)
        if dropout and train and layer < num_layers - 1:
            x = _dropout(x, dropout, True)
    h_n = stack(hs, 0)
    c_n = stack(cs, 0) if mode == "lstm" else None
    if unbatched:
        x, h_n = x.squeeze(1), h_n.squeeze(1)
        c_n = c_n.squeeze(1) if c_n is not None else None
    elif batch_first:  # torch's GRU/RNN kernels transpose their result in place
        x = x.transpose(0, 1) if mode == "lstm" else x.transpose_(0, 1)
    return (x, h_n, c_n) if mode == "lstm" else (x, h_n)


@export(method=False)
def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    """torch.lstm: a multi-layer LSTM over `input` from hx = (h0, c0) with the flat weight
    list `params` (nn.LSTM's _flat_weights order); returns (output, h_n, c_n)."""
    return _rnn("lstm", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)


@export(method=False)
def gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
        batch_first):
    """torch.gru: a multi-layer GRU; returns (output, h_n)."""
    return _rnn("gru", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)


@export(method=False)
def rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """torch.rnn_tanh: a multi-layer Elman RNN with tanh; returns (output, h_n)."""
    return _rnn("rnn_tanh", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)


@export(method=False)
def rnn_relu(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """torch.rnn_relu: a multi-layer Elman RNN with ReLU; returns (output, h_n)."""
    return _rnn("rnn_relu", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)
