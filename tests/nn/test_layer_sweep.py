"""Breadth sweep of nn layers against torch 2.13 (issue 9 acceptance checks).

One table of (constructor string, inputs): each constructor is evaluated once with
``{'nn': torch.nn}`` and once with ``{'nn': ember.nn}``; torch's state_dict (buffers too) is
copied into the ember module through numpy.  In train and in eval mode we compare forward
outputs (tuples and PackedSequences too), buffers after the forward, input gradients and every
parameter gradient for a fixed random upstream gradient; once per config we compare
``state_dict`` keys / order / shapes, parameter names and ``repr``.  Configs flagged ``dd``
also compare double backward (``autograd.grad(create_graph=True)`` then a second grad).
Stochastic layers run at p=0, or in eval mode only.  Deep per-family checks (gradcheck,
grad_fn names, error messages) live in the other files of this folder.
"""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember

RTOL, ATOL = 1e-5, 1e-6


# -- input specs -----------------------------------------------------------------------------
class Idx:
    """An int64 tensor of random indices in [0, high)."""

    def __init__(self, shape, high):
        self.shape, self.high = shape, high

    def make(self, rng):
        return rng.integers(0, self.high, self.shape).astype(np.int64), False


class Const:
    """A fixed array (mask, offsets, indices); requires grad only when asked (float values)."""

    def __init__(self, value, dtype=None, grad=False):
        self.value, self.grad = np.asarray(value, dtype=dtype), grad

    def make(self, rng):
        return self.value.copy(), self.grad


class Scaled:
    """A float32 normal array times ``scale`` (extreme logits), requiring grad."""

    def __init__(self, shape, scale=1.0, positive=False, dtype=np.float32):
        self.shape, self.scale, self.positive, self.dtype = shape, scale, positive, dtype

    def make(self, rng):
        a = rng.standard_normal(self.shape)
        if self.positive:
            a = np.abs(a) + 0.5
        return (a * self.scale).astype(self.dtype), True


def Pos(*shape):
    """A positive float input (LPPool, Poisson rates)."""
    return Scaled(shape, positive=True)


def _inputs(specs, rng):
    out = []
    for s in specs:
        if isinstance(s, tuple):
            out.append((rng.standard_normal(s).astype(np.float32), True))
        else:
            out.append(s.make(rng))
    return out


def _tensors(lib, arrays):
    return [lib.tensor(a.copy(), requires_grad=g) for a, g in arrays]


# -- the table -------------------------------------------------------------------------------
CONFIGS = []


def c(ctor, *inputs, call=None, dd=None, tol=None, modes=("train", "eval"), name=None):
    """Add one configuration: ``call(L, m, *xs)`` overrides ``m(*xs)`` (L is torch or ember).
    dd=True: double backward must match torch's; None: compared where torch supports it."""
    CONFIGS.append(dict(ctor=ctor, inputs=inputs, call=call, dd=dd, tol=tol or (RTOL, ATOL),
                        modes=modes, name=name or ctor))


# containers of basic layers
c("nn.Identity(3, unused=1)", (3, 4))
c("nn.Linear(4, 3)", (2, 4), dd=True)
c("nn.Linear(4, 3, bias=False)", (2, 5, 4))
c("nn.Linear(4, 3)", (4,), name="Linear-1d")
c("nn.Bilinear(3, 4, 2)", (5, 3), (5, 4), dd=True)
c("nn.Bilinear(3, 4, 2, bias=False)", (2, 5, 3), (2, 5, 4))
c("nn.Flatten()", (2, 3, 4, 5))
c("nn.Flatten(0, -2)", (2, 3, 4))
c("nn.Unflatten(1, (2, 3))", (4, 6, 5))
c("nn.Unflatten(-1, (2, -1))", (3, 8))

# convolutions
c("nn.Conv1d(4, 6, 3)", (2, 4, 9), dd=True)
c("nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2)", (2, 4, 11))
c("nn.Conv1d(4, 4, 4, padding='same', padding_mode='reflect')", (2, 4, 9))
c("nn.Conv1d(4, 4, 3, padding=2, padding_mode='circular')", (2, 4, 7))
c("nn.Conv1d(4, 4, 3, padding=1, padding_mode='replicate', bias=False)", (2, 4, 7))
c("nn.Conv1d(2, 4, 3, padding='valid')", (2, 2, 6))
c("nn.Conv2d(4, 6, 3)", (2, 4, 7, 6), dd=True)
c("nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)",
  (2, 4, 7, 8))
c("nn.Conv2d(4, 4, 3, padding='same', padding_mode='reflect')", (2, 4, 5, 6))
c("nn.Conv2d(4, 4, 3, padding=1, padding_mode='replicate')", (2, 4, 5, 6))
c("nn.Conv2d(4, 4, 3, padding=(1, 2), padding_mode='circular')", (2, 4, 5, 6), dd=True)
c("nn.Conv2d(4, 8, 3, groups=4, padding='same', dilation=2)", (2, 4, 6, 6))
c("nn.Conv2d(3, 2, 3, stride=2)", (3, 7, 6), name="Conv2d-unbatched")
c("nn.Conv3d(2, 4, 3)", (1, 2, 5, 5, 5))
c("nn.Conv3d(4, 4, (1, 2, 3), stride=2, padding=1, groups=2, padding_mode='circular')",
  (1, 4, 4, 5, 5))
c("nn.Conv3d(2, 2, 3, padding='same', padding_mode='reflect')", (1, 2, 4, 5, 5))
c("nn.Conv3d(2, 2, 2, padding=1, padding_mode='replicate', dilation=(1, 2, 1))",
  (1, 2, 3, 4, 3))
c("nn.ConvTranspose1d(4, 6, 3)", (2, 4, 5), dd=True)
c("nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2)",
  (2, 4, 5))
c("nn.ConvTranspose2d(4, 6, 3, stride=2)", (2, 4, 4, 5), dd=True)
c("nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2), "
  "groups=2, bias=False)", (2, 4, 3, 4))
c("nn.ConvTranspose2d(2, 3, 3, dilation=2)", (2, 4, 4), name="ConvTranspose2d-unbatched")
c("nn.ConvTranspose2d(4, 2, 3, stride=2)", (1, 4, 4, 5),
  call=lambda L, m, x: m(x, output_size=[10, 12]), name="ConvTranspose2d-output_size")
c("nn.ConvTranspose3d(2, 4, 3, stride=2, output_padding=1)", (1, 2, 3, 3, 3))
c("nn.ConvTranspose3d(4, 2, 2, groups=2, padding=1)", (1, 4, 3, 4, 3))

# pooling
c("nn.MaxPool1d(3)", (2, 3, 10))
c("nn.MaxPool1d(3, stride=2, padding=1, dilation=2, return_indices=True, ceil_mode=True)",
  (2, 3, 10))
c("nn.MaxPool2d(2)", (2, 3, 6, 7), dd=True)
c("nn.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=(1, 2), ceil_mode=True, "
  "return_indices=True)", (2, 3, 7, 8))
c("nn.MaxPool3d(2, return_indices=True)", (1, 2, 4, 5, 4))
c("nn.MaxPool3d(3, stride=2, padding=1, ceil_mode=True, dilation=(1, 1, 2))", (1, 2, 5, 6, 7))
c("nn.MaxUnpool2d(2)", (2, 3, 4, 6),
  call=lambda L, m, x: m(*L.nn.functional.max_pool2d(x, 2, return_indices=True)))
c("nn.MaxUnpool2d(2, stride=2)", (1, 2, 5, 5),
  call=lambda L, m, x: m(*L.nn.functional.max_pool2d(x, 2, return_indices=True),
                         output_size=(5, 5)), name="MaxUnpool2d-output_size")
c("nn.MaxUnpool1d(2)", (1, 2, 6),
  call=lambda L, m, x: m(*L.nn.functional.max_pool1d(x, 2, return_indices=True)))
c("nn.AvgPool1d(2)", (2, 3, 9))
c("nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)", (2, 3, 10))
c("nn.AvgPool2d(3, stride=2, padding=1)", (2, 3, 7, 6), dd=True)
c("nn.AvgPool2d((3, 2), stride=(2, 1), padding=1, ceil_mode=True, count_include_pad=False)",
  (2, 3, 7, 8))
c("nn.AvgPool2d(2, divisor_override=3)", (2, 3, 5, 6))
c("nn.AvgPool3d(2, stride=1, padding=1, count_include_pad=False)", (1, 2, 3, 4, 4))
c("nn.AvgPool3d(3, stride=2, padding=1, ceil_mode=True, divisor_override=5)", (1, 2, 6, 5, 4))
c("nn.LPPool2d(2, 2)", Pos(2, 3, 6, 6))
c("nn.LPPool2d(3, (3, 2), stride=(2, 1), ceil_mode=True)", Pos(2, 3, 7, 6))
c("nn.LPPool1d(1.5, 3)", Pos(2, 3, 9))
c("nn.AdaptiveAvgPool1d(4)", (2, 3, 10))
c("nn.AdaptiveAvgPool2d((3, None))", (2, 3, 7, 5))
c("nn.AdaptiveAvgPool2d(4)", (2, 3, 7, 9), dd=True)
c("nn.AdaptiveAvgPool3d((2, 3, 1))", (1, 2, 5, 6, 4))
c("nn.AdaptiveMaxPool1d(4, return_indices=True)", (2, 3, 10))
c("nn.AdaptiveMaxPool2d((3, 2))", (2, 3, 7, 5), dd=True)
c("nn.AdaptiveMaxPool2d(3, return_indices=True)", (3, 8, 7), name="AdaptiveMaxPool2d-unbatched")
c("nn.AdaptiveMaxPool3d(2)", (1, 2, 5, 4, 3))

# normalization
c("nn.BatchNorm1d(3)", (4, 3), dd=True)
c("nn.BatchNorm1d(3, momentum=None)", (4, 3, 5))
c("nn.BatchNorm1d(3, affine=False)", (4, 3))
c("nn.BatchNorm1d(3, track_running_stats=False)", (4, 3))
c("nn.BatchNorm2d(3, eps=1e-3, momentum=0.3)", (2, 3, 4, 5), dd=True)
c("nn.BatchNorm2d(3, affine=False, track_running_stats=False)", (2, 3, 4, 5))
c("nn.BatchNorm3d(2)", (2, 2, 3, 3, 3))
c("nn.LayerNorm(5)", (3, 4, 5), dd=True)
c("nn.LayerNorm((4, 5), elementwise_affine=False)", (3, 4, 5))
c("nn.LayerNorm(5, bias=False)", (3, 5))
c("nn.RMSNorm(5)", (3, 4, 5), dd=True)
c("nn.RMSNorm((4, 5), eps=1e-3)", (3, 4, 5))
c("nn.RMSNorm(5, elementwise_affine=False)", (3, 5))
c("nn.GroupNorm(2, 4)", (3, 4, 5), dd=True)
c("nn.GroupNorm(4, 4, affine=False)", (2, 4, 3, 3))
c("nn.GroupNorm(1, 6, eps=1e-3)", (2, 6, 2, 2, 2))
c("nn.InstanceNorm1d(3)", (2, 3, 6))
c("nn.InstanceNorm1d(3, affine=True, track_running_stats=True)", (2, 3, 6))
c("nn.InstanceNorm1d(3)", (3, 6), name="InstanceNorm1d-unbatched")
c("nn.InstanceNorm2d(3, affine=True)", (2, 3, 4, 5), dd=True)
c("nn.InstanceNorm2d(3, track_running_stats=True, momentum=None)", (2, 3, 4, 5))
c("nn.InstanceNorm3d(2, affine=True)", (2, 2, 3, 3, 3))
c("nn.LocalResponseNorm(3)", (2, 5, 4, 4), dd=True)
c("nn.LocalResponseNorm(2, alpha=1e-2, beta=0.5, k=2.0)", (2, 6, 7))

# padding modules
c("nn.ZeroPad1d((1, 2))", (2, 3, 4))
c("nn.ZeroPad2d((1, 0, 2, 1))", (2, 3, 4, 4))
c("nn.ZeroPad3d(1)", (1, 2, 2, 3, 3))
c("nn.ConstantPad1d(2, 3.5)", (2, 3, 4))
c("nn.ConstantPad2d((1, 2, 0, 1), -1.0)", (3, 4, 4))
c("nn.ConstantPad3d((1, 0, 0, 1, 2, 0), 0.5)", (1, 2, 2, 3, 3))
c("nn.ReflectionPad1d((2, 1))", (2, 3, 4))
c("nn.ReflectionPad2d((1, 2, 2, 1))", (2, 3, 4, 4), dd=True)
c("nn.ReflectionPad3d(1)", (1, 2, 2, 3, 3))
c("nn.ReplicationPad1d((3, 1))", (2, 3, 4))
c("nn.ReplicationPad2d((0, 2, 1, 3))", (2, 3, 4, 4))
c("nn.ReplicationPad3d((1, 1, 0, 2, 1, 0))", (1, 2, 2, 3, 3))
c("nn.CircularPad1d((2, 1))", (2, 3, 4))
c("nn.CircularPad2d((1, 2, 2, 1))", (2, 3, 4, 4))
c("nn.CircularPad3d(1)", (1, 2, 2, 3, 3))

# dropout family: p=0 in both modes, p>0 in eval only
for _cls, _shape in [("Dropout", (3, 4)), ("Dropout1d", (2, 3, 4)), ("Dropout2d", (2, 3, 4, 4)),
                     ("Dropout3d", (1, 2, 3, 3, 2)), ("AlphaDropout", (3, 4)),
                     ("FeatureAlphaDropout", (2, 3, 4, 4))]:
    c(f"nn.{_cls}(0.0)", _shape)
    c(f"nn.{_cls}(0.5)", _shape, modes=("eval",))
c("nn.Dropout(0.0, inplace=True)", (3, 4), call=lambda L, m, x: m(x * 1))
for _cls, _shape in [("Dropout1d", (2, 3, 4)), ("Dropout2d", (2, 3, 4, 4)),
                     ("Dropout3d", (1, 2, 3, 3, 2)), ("AlphaDropout", (3, 4)),
                     ("FeatureAlphaDropout", (2, 3, 4, 4))]:
    c(f"nn.{_cls}(0.0, inplace=True)", _shape, call=lambda L, m, x: m(x * 1))
    c(f"nn.{_cls}(0.3, inplace=True)", _shape, call=lambda L, m, x: m(x * 1), modes=("eval",))
c("nn.Softmax2d()", (3, 4, 5), name="Softmax2d-3d")

# sparse
_bag_idx = Const([1, 2, 4, 5, 4, 3, 2, 9], np.int64)
c("nn.Embedding(10, 3)", Idx((2, 4), 10))
c("nn.Embedding(10, 3, padding_idx=1)", Const([[1, 2, 1], [4, 1, 2]], np.int64))
c("nn.Embedding(10, 3, max_norm=1.0)", Const([[1, 2, 1], [4, 3, 2]], np.int64))
c("nn.Embedding(10, 3, max_norm=1.5, norm_type=1.0)", Const([0, 5, 5, 7], np.int64))
c("nn.Embedding(10, 3, scale_grad_by_freq=True)", Const([[1, 2, 1], [4, 1, 1]], np.int64))
c("nn.Embedding(10, 3, padding_idx=-2, scale_grad_by_freq=True)",
  Const([[8, 2, 8], [4, 1, 1]], np.int64))
c("nn.Embedding.from_pretrained(T([[1., 2], [3, 4], [5, 6]]), freeze=False, padding_idx=0)",
  Const([0, 2, 1, 2], np.int64))
c("nn.Embedding.from_pretrained(T([[1., 2], [3, 4], [5, 6]]))", Const([0, 2, 1], np.int64))
c("nn.EmbeddingBag(10, 3)", Idx((2, 4), 10))
c("nn.EmbeddingBag(10, 3, mode='sum')", _bag_idx, Const([0, 2, 2, 5], np.int64))
c("nn.EmbeddingBag(10, 3, mode='max')", _bag_idx, Const([0, 3, 4], np.int64))
c("nn.EmbeddingBag(10, 3, mode='sum')", _bag_idx, Const([0, 2, 5], np.int64), (8,),
  name="EmbeddingBag-per_sample_weights")
c("nn.EmbeddingBag(10, 3, mode='mean', include_last_offset=True, padding_idx=2)",
  _bag_idx, Const([0, 2, 5, 8], np.int64))
c("nn.EmbeddingBag(10, 3, mode='mean', max_norm=1.0)", Const([[1, 2, 1], [4, 3, 2]], np.int64))
# every index twice: torch 2.13's CPU embedding_bag backward divides by the count of the wrong
# index when counts differ (pytorch/pytorch#190063); ember divides by each index's own count
c("nn.EmbeddingBag(10, 3, mode='sum', scale_grad_by_freq=True)",
  Const([4, 2, 4, 7, 2, 7], np.int64), Const([0, 3], np.int64))
c("nn.EmbeddingBag(10, 3, mode='mean', scale_grad_by_freq=True)",
  Const([[4, 2, 4], [7, 2, 7]], np.int64))


# recurrent
def _pack_call(lengths, sorted_):
    def call(L, m, x):
        rnn = L.nn.utils.rnn
        packed = rnn.pack_padded_sequence(x, lengths, batch_first=m.batch_first,
                                          enforce_sorted=sorted_)
        out, h = m(packed)
        padded, lens = rnn.pad_packed_sequence(out, batch_first=m.batch_first)
        return out, padded, lens, h
    return call


c("nn.RNN(3, 4)", (5, 2, 3), dd=True)
c("nn.RNN(3, 4, num_layers=2, nonlinearity='relu', bidirectional=True, batch_first=True)",
  (2, 5, 3))
c("nn.RNN(3, 4, bias=False)", (5, 2, 3), (1, 2, 4))
c("nn.RNN(3, 4, batch_first=True)", (3, 5, 3), call=_pack_call([5, 2, 4], False),
  name="RNN-packed")
c("nn.LSTM(3, 4)", (5, 2, 3), dd=True)
c("nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True, dropout=0.0)",
  (2, 5, 3), (4, 2, 4), (4, 2, 4), call=lambda L, m, x, h, c: m(x, (h, c)))
c("nn.LSTM(3, 4, proj_size=2)", (5, 2, 3))
c("nn.LSTM(3, 4, proj_size=2, num_layers=2, bidirectional=True)", (5, 2, 3), (4, 2, 2),
  (4, 2, 4), call=lambda L, m, x, h, c: m(x, (h, c)))
c("nn.LSTM(3, 4)", (5, 3), name="LSTM-unbatched")
c("nn.LSTM(3, 4, batch_first=True, bidirectional=True)", (3, 5, 3),
  call=_pack_call([5, 2, 4], False), name="LSTM-packed")
c("nn.LSTM(3, 4, proj_size=2)", (5, 3, 3), call=_pack_call([5, 3, 2], True),
  name="LSTM-proj-packed")
c("nn.GRU(3, 4)", (5, 2, 3), dd=True)
c("nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True, dropout=0.0)",
  (2, 5, 3), (4, 2, 4))
c("nn.GRU(3, 4, num_layers=2)", (5, 3, 3), call=_pack_call([5, 3, 2], True), name="GRU-packed")
c("nn.RNNCell(3, 4)", (2, 3))
c("nn.RNNCell(3, 4, nonlinearity='relu', bias=False)", (2, 3), (2, 4))
c("nn.LSTMCell(3, 4)", (2, 3), (2, 4), (2, 4), call=lambda L, m, x, h, c: m(x, (h, c)),
  dd=True)
c("nn.LSTMCell(3, 4)", (3,), name="LSTMCell-unbatched")
c("nn.GRUCell(3, 4)", (2, 3), (2, 4), dd=True)
c("nn.GRUCell(3, 4, bias=False)", (3,), name="GRUCell-unbatched")

# attention and transformers
_kpm = Const([[False, False, True, True], [False, False, False, True]])
_causal3 = Const(np.triu(np.ones((3, 3), bool), 1))
c("nn.MultiheadAttention(8, 2)", (3, 2, 8), (4, 2, 8), (4, 2, 8), dd=True)
c("nn.MultiheadAttention(8, 2, batch_first=True)", (2, 3, 8), (2, 4, 8), (2, 4, 8), _kpm,
  call=lambda L, m, q, k, v, kpm: m(q, k, v, key_padding_mask=kpm, average_attn_weights=False))
c("nn.MultiheadAttention(8, 2, kdim=5, vdim=6)", (3, 2, 8), (4, 2, 5), (4, 2, 6),
  Scaled((3, 4)), call=lambda L, m, q, k, v, am: m(q, k, v, attn_mask=am.detach()))
c("nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True)", (3, 2, 8), (4, 2, 8),
  (4, 2, 8), Const(np.eye(3, 4, 1, dtype=bool)), _kpm,
  call=lambda L, m, q, k, v, am, kpm: m(q, k, v, attn_mask=am, key_padding_mask=kpm))
c("nn.MultiheadAttention(8, 2, bias=False)", (3, 2, 8),
  call=lambda L, m, x: m(x, x, x, need_weights=False), name="MHA-self-no-weights")
c("nn.MultiheadAttention(8, 4)", (3, 8), (5, 8), (5, 8), name="MHA-unbatched")
c("nn.MultiheadAttention(8, 2, batch_first=True)", (2, 3, 8), _causal3,
  call=lambda L, m, x, am: m(x, x, x, attn_mask=am, is_causal=True), name="MHA-is_causal")
# no double backward: torch 2.13 routes the CPU attention through flash attention, whose
# backward is not differentiable
c("nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)", (3, 2, 8))
c("nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation='gelu', norm_first=True, "
  "batch_first=True)", (2, 4, 8), _kpm,
  call=lambda L, m, x, kpm: m(x, src_key_padding_mask=kpm))
c("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2)",
  (2, 4, 8), _kpm, call=lambda L, m, x, kpm: m(x, src_key_padding_mask=kpm),
  name="TransformerEncoder-nested-fast-path")
c("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0), 2, norm=nn.LayerNorm(8), "
  "enable_nested_tensor=False)", (3, 2, 8), _causal3,
  call=lambda L, m, x, am: m(x, mask=am))
c("nn.TransformerDecoderLayer(8, 2, 16, 0.0)", (3, 2, 8), (4, 2, 8))
c("nn.TransformerDecoderLayer(8, 2, 16, 0.0, activation=nn.functional.gelu, norm_first=True, "
  "batch_first=True)", (2, 3, 8), (2, 4, 8), _causal3, _kpm,
  call=lambda L, m, t, s, tm, kpm: m(t, s, tgt_mask=tm, memory_key_padding_mask=kpm))
c("nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, 0.0), 2)", (3, 2, 8), (4, 2, 8))
c("nn.Transformer(8, 2, 1, 1, 16, 0.0)", (4, 2, 8), (3, 2, 8))
c("nn.Transformer(8, 2, 2, 1, 16, 0.0, batch_first=True, norm_first=True, activation='gelu')",
  (2, 4, 8), (2, 3, 8), _causal3, _kpm,
  call=lambda L, m, s, t, tm, kpm: m(s, t, tgt_mask=tm, src_key_padding_mask=kpm,
                                     memory_key_padding_mask=kpm))

# resampling and reshuffling
c("nn.Upsample(scale_factor=2)", (1, 2, 3, 4))
c("nn.Upsample(size=(5, 7), mode='bilinear')", (1, 2, 3, 4))
c("nn.Upsample(scale_factor=1.5, mode='bilinear', align_corners=True)", (1, 2, 3, 4))
c("nn.Upsample(scale_factor=2, mode='bicubic')", (1, 2, 3, 4))
c("nn.Upsample(size=7, mode='linear')", (1, 2, 4))
c("nn.Upsample(scale_factor=(2, 1, 1.5), mode='trilinear')", (1, 2, 2, 3, 2))
c("nn.Upsample(scale_factor=1.7, mode='nearest-exact')", (1, 2, 3, 4))
c("nn.UpsamplingNearest2d(scale_factor=2)", (1, 2, 3, 3))
c("nn.UpsamplingBilinear2d(size=(5, 6))", (1, 2, 3, 4))
c("nn.PixelShuffle(2)", (1, 8, 3, 3))
c("nn.PixelUnshuffle(2)", (1, 2, 4, 6))
c("nn.ChannelShuffle(2)", (1, 4, 2, 2))
c("nn.Fold(output_size=(4, 5), kernel_size=2)", (1, 12, 12))
c("nn.Fold((5, 5), (2, 3), padding=1, stride=2)", (2, 6, 9))
c("nn.Unfold(2)", (1, 3, 4, 5))
c("nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1))", (2, 2, 5, 5))
c("nn.CosineSimilarity()", (3, 5), (3, 5))
# the second gradient for the broadcast x2 is ~0 by cancellation (1e-14 in float64): its
# float32 value is rounding noise of the O(1) terms, so atol is 1e-5 there
c("nn.CosineSimilarity(dim=0, eps=1e-4)", (4, 3), (1, 3), tol=(RTOL, 1e-5))
c("nn.PairwiseDistance()", (3, 5), (3, 5))
c("nn.PairwiseDistance(p=1.0, keepdim=True, eps=1e-3)", (3, 5), (3, 5))
c("nn.PairwiseDistance(p=3)", (3, 5), (5,))

# activations (inplace ones run on a non-leaf copy, as torch requires)
_ACTS = ["nn.ELU(alpha=0.5)", "nn.Hardshrink(0.3)", "nn.Hardsigmoid()", "nn.Hardtanh(-0.5, 0.7)",
         "nn.Hardswish()", "nn.LeakyReLU(0.2)", "nn.LogSigmoid()", "nn.PReLU()",
         "nn.PReLU(3, init=0.1)", "nn.ReLU()", "nn.ReLU6()", "nn.SELU()", "nn.CELU(1.5)",
         "nn.GELU()", "nn.GELU('tanh')", "nn.Sigmoid()", "nn.SiLU()", "nn.Mish()",
         "nn.Softplus(beta=2, threshold=5)", "nn.Softshrink(0.4)", "nn.Softsign()", "nn.Tanh()",
         "nn.Tanhshrink()", "nn.Threshold(0.1, -2.0)", "nn.GLU(dim=2)", "nn.Softmin(1)",
         "nn.Softmax(dim=-1)", "nn.Softmax2d()", "nn.LogSoftmax(1)"]
_DD_ACTS = {"nn.ELU(alpha=0.5)", "nn.GELU()", "nn.GELU('tanh')", "nn.Mish()", "nn.SELU()",
            "nn.Softplus(beta=2, threshold=5)", "nn.LogSoftmax(1)", "nn.PReLU(3, init=0.1)",
            "nn.SiLU()", "nn.GLU(dim=2)"}
for _a in _ACTS:
    c(_a, (2, 3, 4, 2), dd=_a in _DD_ACTS)
c("nn.RReLU(0.2, 0.2)", (2, 3, 4))
c("nn.RReLU(0.1, 0.3)", (2, 3, 4), modes=("eval",))
for _a in ["nn.ReLU(inplace=True)", "nn.ELU(inplace=True)", "nn.LeakyReLU(0.1, inplace=True)",
           "nn.Hardtanh(inplace=True)", "nn.SiLU(inplace=True)", "nn.Hardswish(inplace=True)",
           "nn.Threshold(0.1, 20.0, inplace=True)", "nn.SELU(inplace=True)",
           "nn.CELU(inplace=True)", "nn.ReLU6(inplace=True)", "nn.Mish(inplace=True)",
           "nn.Hardsigmoid(inplace=True)", "nn.RReLU(0.2, 0.2, inplace=True)"]:
    c(_a, (2, 3, 4), call=lambda L, m, x: m(x * 2))


# functional forms (no module)
def _fn(name, *args, **kw):
    return lambda L, m, *xs: getattr(L.nn.functional, name)(*xs, *args, **kw)


def _top(name, *args, **kw):
    return lambda L, m, *xs: getattr(L, name)(*xs, *args, **kw)


_sdpa = "F.scaled_dot_product_attention"
c(None, (2, 2, 3, 8), (2, 2, 4, 8), (2, 2, 4, 8), call=_fn("scaled_dot_product_attention"),
  name=_sdpa)
c(None, (2, 2, 3, 8), (2, 2, 4, 8), (2, 2, 4, 8), Const(np.tril(np.ones((3, 4), bool))),
  call=lambda L, m, q, k, v, am: L.nn.functional.scaled_dot_product_attention(
      q, k, v, attn_mask=am), name=_sdpa + "-bool-mask")
c(None, (2, 2, 3, 8), (2, 2, 4, 8), (2, 2, 4, 8), (2, 1, 3, 4),
  call=lambda L, m, q, k, v, am: L.nn.functional.scaled_dot_product_attention(
      q, k, v, attn_mask=am, scale=0.3), name=_sdpa + "-float-mask-scale")
c(None, (2, 2, 4, 8), (2, 2, 4, 8), (2, 2, 4, 6),
  call=_fn("scaled_dot_product_attention", is_causal=True), name=_sdpa + "-causal")
c(None, (1, 4, 3, 8), (1, 2, 5, 8), (1, 2, 5, 8),
  call=_fn("scaled_dot_product_attention", enable_gqa=True, is_causal=True),
  name=_sdpa + "-gqa")
c(None, Idx((2, 3), 5), call=_fn("one_hot", 5), name="F.one_hot")
c(None, Const([0, 3, 1], np.int64), call=_fn("one_hot"), name="F.one_hot-infer")
c(None, (3, 4), call=_fn("normalize"), name="F.normalize")
c(None, (3, 4, 2), call=_fn("normalize", p=1.0, dim=0, eps=1e-3), name="F.normalize-p1")
c(None, (2, 3, 4), (2, 5, 4), call=_top("cdist"), name="torch.cdist")
c(None, (3, 4), (5, 4), call=_top("cdist", p=1.0), name="torch.cdist-p1")
c(None, (3, 4), (5, 4), call=_top("cdist", p=3.0), name="torch.cdist-p3")
c(None, (3, 4), (5, 4), call=_top("cdist", p=float("inf")), name="torch.cdist-pinf")
c(None, (5, 4), call=_fn("pdist"), name="F.pdist")
c(None, (5, 4), call=_fn("pdist", p=1.0), name="F.pdist-p1")
for _mode, _pad in [("constant", (1, 2, 0, 1)), ("reflect", (2, 1)), ("reflect", (1, 1, 2, 0)),
                    ("replicate", (0, 2, 1, 1, 1, 0)), ("circular", (1, 2, 2, 1))]:
    _shape = (2, 3, 4) if len(_pad) == 2 else (2, 3, 4, 5) if len(_pad) == 4 else (1, 2, 3, 3, 3)
    c(None, _shape, call=_fn("pad", _pad, mode=_mode), name=f"F.pad-{_mode}-{len(_pad)}")
c(None, (2, 3), call=_fn("pad", (1, -1, 2, 0), value=2.5), name="F.pad-constant-negative")

# losses at ordinary and extreme logits (|x| ~ 1e4), each reduction
_tgt_cls = Const([0, 3, 1, 4], np.int64)
_X = Scaled((4, 5), 1e4)
for _red in ("none", "mean", "sum"):
    c(f"nn.CrossEntropyLoss(reduction='{_red}', label_smoothing=0.1)", _X, _tgt_cls)
    c(f"nn.CrossEntropyLoss(reduction='{_red}', ignore_index=3, weight=T([1., 2, 3, 4, 5]))",
      _X, _tgt_cls)
    c(f"nn.CrossEntropyLoss(reduction='{_red}')", _X, Scaled((4, 5), 1.0, positive=True),
      call=lambda L, m, x, p: m(x, (p / p.sum(1, keepdim=True)).detach()),
      name=f"CrossEntropyLoss-probs-{_red}")
    c(f"nn.BCEWithLogitsLoss(reduction='{_red}', pos_weight=T([1., 2, 3, 4, 5]))", _X,
      Const(np.eye(4, 5, dtype=np.float32)))
    c(f"nn.NLLLoss(reduction='{_red}', ignore_index=1)", (4, 5), _tgt_cls)
    c(f"nn.KLDivLoss(reduction='{_red}', log_target=True)", (4, 5), (4, 5))
    # at |x| = 1e4 torch's soft_margin_loss overflows to inf (ember stays finite); at 20
    # (|x| up to ~80) torch's log(1 + exp(-y x)) is still finite everywhere
    c(f"nn.SoftMarginLoss(reduction='{_red}')", Scaled((4, 5), 20.0),
      Const(np.sign(np.eye(4, 5) - .5)))
    c(f"nn.MultiLabelSoftMarginLoss(reduction='{_red}')", _X, Const(np.eye(4, 5)))
    c(f"nn.SmoothL1Loss(reduction='{_red}', beta=0.5)", (4, 5), (4, 5))
    c(f"nn.HuberLoss(reduction='{_red}', delta=0.7)", (4, 5), (4, 5))
    c(f"nn.PoissonNLLLoss(reduction='{_red}', log_input=False, full=True)", Pos(4, 5),
      Const(np.arange(20.0, dtype=np.float32).reshape(4, 5)))
    c(f"nn.MultiMarginLoss(reduction='{_red}', p=2, margin=0.5)", (4, 5), _tgt_cls)
c("nn.KLDivLoss(reduction='batchmean')", (4, 5), Pos(4, 5))
c("nn.GaussianNLLLoss(full=True)", (4, 5), (4, 5), Pos(4, 5))
c("nn.MarginRankingLoss(margin=0.2)", (6,), (6,), Const([1., -1, 1, 1, -1, -1]))
c("nn.CosineEmbeddingLoss(margin=0.1)", (4, 5), (4, 5), Const([1., -1, 1, -1]))
c("nn.TripletMarginLoss(margin=0.5, p=1.0, swap=True)", (4, 5), (4, 5), (4, 5))
c("nn.HingeEmbeddingLoss(margin=0.5, reduction='sum')", (4, 5), Const(np.sign(np.eye(4, 5) - .5)))


# -- second pass: edge cases and options the first pass leaves out ------------------------------
c("nn.Linear(4, 3)", (0, 4), name="Linear-empty-batch")
c("nn.LayerNorm(4)", (0, 4), name="LayerNorm-empty-batch")
c("nn.Conv2d(2, 3, 3, padding=1)", (0, 2, 4, 4), name="Conv2d-empty-batch")
c("nn.ZeroPad2d((-1, 2, 1, -1))", (2, 3, 4, 4), name="ZeroPad2d-negative")
c("nn.ConstantPad1d((-1, 2), 1.5)", (2, 3, 4), name="ConstantPad1d-negative")
c("nn.LPPool3d(2, 2)", Pos(1, 2, 4, 4, 4))
c("nn.LPPool1d(float('inf'), 2)", (2, 3, 8), name="LPPool1d-inf")
c("nn.AdaptiveMaxPool3d((2, 1, 3), return_indices=True)", (1, 2, 5, 4, 6))
c("nn.AdaptiveAvgPool1d(3)", (3, 10), name="AdaptiveAvgPool1d-unbatched")
c("nn.MaxUnpool3d(2)", (1, 2, 4, 4, 2),
  call=lambda L, m, x: m(*L.nn.functional.max_pool3d(x, 2, return_indices=True)))
c("nn.AvgPool2d(3, stride=1, padding=1, ceil_mode=True)", (3, 5, 5), name="AvgPool2d-unbatched")
c("nn.MaxPool2d(3, stride=2, ceil_mode=True)", (3, 6, 6), name="MaxPool2d-unbatched")
# two training steps: momentum=None is a cumulative average, num_batches_tracked counts
for _bn in ["nn.BatchNorm1d(3, momentum=None)", "nn.BatchNorm2d(3, momentum=0.5)",
            "nn.InstanceNorm1d(3, track_running_stats=True, momentum=None)"]:
    c(_bn, (4, 3, 5) if "1d" in _bn else (2, 3, 4, 4),
      call=lambda L, m, x: (m(x), m(x * 2 + 1)), name=_bn + "-twice")
c("nn.BatchNorm1d(3)", (4, 3), dd=True, modes=("eval",), name="BatchNorm1d-eval-dd")
c("nn.GroupNorm(3, 6)", (2, 6, 4), dd=True, name="GroupNorm-3d-dd")
c("nn.Embedding(10, 3)", Idx((2, 4), 10), dd=True, name="Embedding-dd")
c("nn.EmbeddingBag(10, 3, mode='mean')", _bag_idx, Const([0, 2, 5], np.int64), dd=True,
  name="EmbeddingBag-mean-dd")
c("nn.EmbeddingBag(10, 3, mode='max')", Idx((3, 4), 10), name="EmbeddingBag-max-2d")
c("nn.Upsample(scale_factor=2, mode='bilinear')", (1, 2, 3, 4), dd=True, name="bilinear-dd")
c("nn.Upsample(size=(3, 5), mode='bicubic', align_corners=True)", (1, 2, 5, 4))
c("nn.Upsample(scale_factor=0.5, mode='nearest')", (1, 2, 6, 8))
c("nn.Upsample(scale_factor=2.5, mode='linear', recompute_scale_factor=True)", (1, 2, 4))
c(None, (1, 2, 7, 9), call=_fn("interpolate", size=(3, 4), mode="area"), name="F.interp-area")
c(None, (1, 2, 7, 9), call=_fn("interpolate", size=(3, 4), mode="bilinear", antialias=True),
  name="F.interp-bilinear-antialias")
c(None, (1, 2, 7, 9), call=_fn("interpolate", scale_factor=0.5, mode="bicubic", antialias=True),
  name="F.interp-bicubic-antialias")
c(None, (1, 2, 3, 4), call=_fn("interpolate", scale_factor=(1.5, 2.5), mode="nearest-exact"),
  name="F.interp-nearest-exact")
c("nn.CosineSimilarity(dim=-1)", (3, 5), (2, 1, 5), dd=True, name="CosineSimilarity-bcast-dd")
c("nn.PairwiseDistance(p=2.5)", (3, 5), (1, 5), dd=True, name="PairwiseDistance-dd")
c(None, (5, 4), call=_fn("pdist", p=3.0), name="F.pdist-p3")  # torch: no double backward
c(None, (2, 3, 4), (2, 5, 4), call=_top("cdist", compute_mode="use_mm_for_euclid_dist"),
  name="torch.cdist-mm", tol=(1e-4, 1e-5))  # the mm form cancels |x|^2 + |y|^2 - 2xy
c(None, (3, 4), call=_fn("normalize", p=float("inf"), dim=-1), name="F.normalize-pinf")
c(None, (2, 5, 6), call=_fn("glu", dim=-1), dd=True, name="F.glu")
c("nn.LSTM(3, 4, num_layers=2, dropout=0.5)", (5, 2, 3), modes=("eval",),
  name="LSTM-dropout-eval")
c("nn.GRU(3, 4, num_layers=2, dropout=0.5, bidirectional=True)", (5, 2, 3), modes=("eval",),
  name="GRU-dropout-eval")
c("nn.RNN(3, 4, nonlinearity='relu', batch_first=True)", (1, 5, 3), dd=True,
  name="RNN-relu-dd")
c("nn.LSTM(3, 4, proj_size=2, batch_first=True)", (2, 5, 3), dd=True, name="LSTM-proj-dd")


def _pack_h0_call(lengths):
    def call(L, m, x, h, c_):
        rnn = L.nn.utils.rnn
        packed = rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        out, hc = m(packed, (h, c_))
        return rnn.pad_packed_sequence(out, total_length=6), hc
    return call


c("nn.LSTM(3, 4, num_layers=2, bidirectional=True)", (5, 3, 3), (4, 3, 4), (4, 3, 4),
  call=_pack_h0_call([3, 5, 2]), name="LSTM-packed-unsorted-h0")


def _pack_h_call(lengths, sorted_):
    def call(L, m, x, h):
        rnn = L.nn.utils.rnn
        packed = rnn.pack_padded_sequence(x, lengths, batch_first=m.batch_first,
                                          enforce_sorted=sorted_)
        out, hn = m(packed, h)
        return rnn.pad_packed_sequence(out, batch_first=m.batch_first, padding_value=0.5), hn
    return call


c("nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True)", (3, 5, 3), (4, 3, 4),
  call=_pack_h_call([2, 5, 4], False), name="GRU-packed-unsorted-h0")
c("nn.RNN(3, 4, nonlinearity='relu', bidirectional=True)", (4, 3, 3), (2, 3, 4),
  call=_pack_h_call([4, 4, 1], True), name="RNN-packed-sorted-h0")
c("nn.LSTM(3, 4, proj_size=2, bidirectional=True, batch_first=True)", (3, 4, 3),
  call=_pack_call([1, 4, 2], False), name="LSTM-proj-bidir-packed")
c(None, (4, 2, 3), (2, 2, 3), (3, 2, 3),
  call=lambda L, m, a, b, c_: L.nn.utils.rnn.pad_sequence([a[:, 0], b[:, 1], c_[:, 0]],
                                                          batch_first=True, padding_value=-1.),
  name="pad_sequence")
c("nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)", (2, 3, 8), (2, 4, 8),
  (2, 4, 8), modes=("eval",), name="MHA-dropout-eval")
c("nn.MultiheadAttention(6, 3, kdim=4, vdim=4, add_bias_kv=True, batch_first=True)",
  (2, 3, 6), (2, 4, 4), (2, 4, 4), Scaled((2, 4)),
  call=lambda L, m, q, k, v, kpm: m(q, k, v, key_padding_mask=kpm.detach()),
  dd=True, name="MHA-kdim-bias_kv-float-kpm-dd")
c("nn.TransformerEncoderLayer(8, 2, 16, 0.0, activation=nn.GELU(), layer_norm_eps=1e-3, "
  "bias=False)", (3, 2, 8))
c("nn.TransformerDecoderLayer(8, 2, 16, 0.0, batch_first=True)", (2, 3, 8), (2, 4, 8),
  call=lambda L, m, t, s: m(t, s, tgt_is_causal=True,
                            tgt_mask=L.nn.Transformer.generate_square_subsequent_mask(3)),
  name="TransformerDecoderLayer-tgt_is_causal")
c(None, (2, 2, 3, 8), (2, 2, 4, 8), (2, 2, 4, 8), (2, 2, 3, 4),
  call=lambda L, m, q, k, v, am: L.nn.functional.scaled_dot_product_attention(
      q, k, v, attn_mask=am, dropout_p=0.0, enable_gqa=False), name=_sdpa + "-mask-grad")
c(None, (3, 8), (4, 8), (4, 8),
  call=_fn("scaled_dot_product_attention", scale=2.0), name=_sdpa + "-2d")
_fmask = np.random.default_rng(5).standard_normal((2, 1, 3, 4)).astype(np.float32)
_fmask[1, 0, 2] = -np.inf  # a query row with nothing to attend to
_fmask[0, 0, 1, :2] = -np.inf
c(None, (2, 2, 3, 8), (2, 2, 4, 8), (2, 2, 4, 8), Const(_fmask),
  call=lambda L, m, q, k, v, am: L.nn.functional.scaled_dot_product_attention(
      q, k, v, attn_mask=am), name=_sdpa + "-float-mask-inf-rows")
c(None, (1, 2, 3, 8), (1, 2, 4, 8), (1, 2, 4, 8), Const(np.tril(np.ones((3, 4), bool), -1)),
  call=lambda L, m, q, k, v, am: L.nn.functional.scaled_dot_product_attention(
      q, k, v, attn_mask=am, scale=0.1), name=_sdpa + "-bool-mask-dead-row")
c(None, (2, 2, 3, 8), (1, 2, 4, 8), (1, 2, 4, 8), call=_fn("scaled_dot_product_attention"),
  name=_sdpa + "-broadcast-batch")
c(None, (2, 2, 3, 8), (2, 2, 4, 8), (2, 2, 4, 5), call=_fn("scaled_dot_product_attention"),
  name=_sdpa + "-value-dim")
c(None, (2, 3, 8), (2, 4, 8), (2, 4, 8), call=_fn("scaled_dot_product_attention",
                                                  is_causal=True), name=_sdpa + "-3d-causal")
c(None, (1, 2, 3, 4), Const(np.zeros((3, 4), bool)),
  call=lambda L, m, x, am: L.nn.functional.scaled_dot_product_attention(
      x, x, x[..., :3, :], attn_mask=am[:, :3]), name=_sdpa + "-all-masked")

# activations at extreme inputs (|x| ~ 1e4): finite wherever torch is
for _a in ["nn.ELU()", "nn.LogSigmoid()", "nn.Softplus()", "nn.Softplus(beta=0.5, threshold=1)",
           "nn.SiLU()", "nn.Mish()", "nn.GELU()", "nn.GELU('tanh')", "nn.Sigmoid()",
           "nn.Tanh()", "nn.SELU()", "nn.CELU(0.5)", "nn.Softsign()", "nn.Tanhshrink()",
           "nn.Softmax(dim=1)", "nn.LogSoftmax(dim=1)", "nn.Softmin(dim=1)", "nn.Hardswish()"]:
    # torch's own mish double backward is NaN at |x| = 1e4 (ember's is finite): not compared
    c(_a, Scaled((3, 5), 1e4), name=_a + "-1e4", dd=False if _a == "nn.Mish()" else None)

# more losses
_P = Const([[0.0, 1.0, 0.3], [1.0, 0.5, 1e-9]], np.float32, grad=True)
_Y = Const([[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]], np.float32)
for _red in ("none", "mean", "sum"):
    # at p = 0 or 1 the second derivative is set by the eps that guards log(0) (torch's double
    # backward puts it squared in a denominator): a convention, not compared
    c(f"nn.BCELoss(reduction='{_red}')", _P, _Y, name=f"BCELoss-saturated-{_red}", dd=False)
    c(f"nn.BCELoss(weight=T([1., 2, 3]), reduction='{_red}')", Pos(2, 3),
      Const(np.full((2, 3), 0.25, np.float32)),
      call=lambda L, m, x, y: m(L.sigmoid(x), y), name=f"BCELoss-weight-{_red}")
    c(f"nn.L1Loss(reduction='{_red}')", (3, 4), (3, 4))
    c(f"nn.MSELoss(reduction='{_red}')", (3, 4), (3, 4))
    c(f"nn.CrossEntropyLoss(weight=T([1., 2, 3]), ignore_index=0, label_smoothing=0.2, "
      f"reduction='{_red}')", Scaled((2, 3, 4, 2), 1e4),
      Const([[[0, 1], [2, 2], [1, 0], [0, 2]], [[1, 1], [2, 0], [0, 0], [1, 2]]], np.int64),
      name=f"CrossEntropyLoss-4d-{_red}")
    c(f"nn.NLLLoss(weight=T([1., 2, 3]), reduction='{_red}')", (2, 3, 4),
      Const([[0, 1, 2, 2], [1, 0, 0, 2]], np.int64), name=f"NLLLoss-3d-{_red}")
    c(f"nn.MultiLabelMarginLoss(reduction='{_red}')", (2, 4),
      Const([[3, 0, -1, 1], [1, 2, 3, -1]], np.int64))
    c(f"nn.TripletMarginWithDistanceLoss(margin=0.3, swap=True, reduction='{_red}')",
      (4, 5), (4, 5), (4, 5))
    c(f"nn.GaussianNLLLoss(eps=1e-3, reduction='{_red}')", (4, 5), (4, 5), Pos(4, 1))
    c(f"nn.PoissonNLLLoss(log_input=True, reduction='{_red}')", Scaled((4, 5), 10.0),
      Const(np.arange(20.0, dtype=np.float32).reshape(4, 5)))
    c(f"nn.CTCLoss(blank=0, reduction='{_red}', zero_infinity=True)", (6, 2, 4),
      Const([[1, 2, 2], [3, 1, 0]], np.int64), Const([6, 5], np.int64),
      Const([3, 2], np.int64),
      call=lambda L, m, x, t, il, tl: m(x.log_softmax(2), t, il, tl),
      name=f"CTCLoss-{_red}", tol=(1e-4, 1e-5))  # sums over alignments in log space
c("nn.CrossEntropyLoss(label_smoothing=0.3)", Scaled((3, 4), 1e4), Pos(3, 4),
  call=lambda L, m, x, p: m(x, (p / p.sum(1, keepdim=True)).detach()),
  dd=True, name="CrossEntropyLoss-probs-smoothing-dd")
c("nn.CrossEntropyLoss()", (5,), Const(2, np.int64), name="CrossEntropyLoss-unbatched")
c("nn.BCEWithLogitsLoss(weight=T([1., 2, 3]))", Scaled((2, 3), 1e4),
  Const(np.full((2, 3), 0.3, np.float32)), dd=True, name="BCEWithLogits-weight-dd")
c("nn.KLDivLoss(reduction='batchmean', log_target=False)", (3, 4), Pos(3, 4), dd=True,
  name="KLDivLoss-dd")
c("nn.SmoothL1Loss(beta=0.0)", (3, 4), (3, 4), name="SmoothL1Loss-beta0")
c("nn.HuberLoss(delta=2.0)", (3, 4), (3, 4), dd=True, name="HuberLoss-dd")
c("nn.MultiMarginLoss(weight=T([1., 2, 3, 4, 5]), margin=2.0)", Scaled((4, 5), 1e4), _tgt_cls)
c("nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0, head_bias=True)",
  (4, 8), Const([0, 4, 7, 9], np.int64))
c("nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[4])", (4, 8),
  call=lambda L, m, x: (m.log_prob(x), m.predict(x)), name="AdaptiveLogSoftmax-log_prob")

c("nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[2, 5, 8], div_value=1.5)", (8,),
  Const(6, np.int64), name="AdaptiveLogSoftmax-unbatched")
for _red in ("none", "mean", "sum"):
    c(f"nn.MarginRankingLoss(margin=-0.1, reduction='{_red}')", (6,), (6,),
      Const([1., -1, 1, 1, -1, -1]))
    c(f"nn.CosineEmbeddingLoss(reduction='{_red}')", (4, 5), (4, 5), Const([1., -1, 1, -1]))
    c(f"nn.HingeEmbeddingLoss(reduction='{_red}')", (4, 5), Const(np.sign(np.eye(4, 5) - .5)))
    c(f"nn.TripletMarginLoss(p=3.0, eps=1e-4, reduction='{_red}')", (4, 5), (4, 5), (4, 5))
    c(f"nn.MultiLabelSoftMarginLoss(weight=T([1., 2, 3, 4, 5]), reduction='{_red}')",
      Scaled((4, 5), 1e4), Const(np.eye(4, 5)))
    c(f"nn.NLLLoss(reduction='{_red}')", (4, 5), Const([0, -100, 3, -100], np.int64),
      name=f"NLLLoss-default-ignore-{_red}")
    c(f"nn.KLDivLoss(reduction='{_red}')", (4, 5), Const(np.eye(4, 5, dtype=np.float32)),
      name=f"KLDivLoss-zero-target-{_red}")
c("nn.NLLLoss()", (2, 3), Const([-100, -100], np.int64), name="NLLLoss-all-ignored-nan")
c("nn.CrossEntropyLoss(ignore_index=1, label_smoothing=0.5)", (2, 3), Const([1, 1], np.int64),
  name="CrossEntropyLoss-all-ignored-nan")
c("nn.MSELoss()", (3, 4), (3, 4), dd=True, name="MSELoss-dd")
c("nn.SoftMarginLoss()", (3, 4), Const(np.sign(np.eye(3, 4) - .5)), dd=True,
  name="SoftMarginLoss-dd")
c("nn.MultiMarginLoss(p=2)", (4, 5), _tgt_cls)  # torch: no double backward
c("nn.GaussianNLLLoss()", (4, 5), (4, 5), Pos(4, 5), dd=True, name="GaussianNLLLoss-dd")

c("nn.MultiheadAttention(8, 2, batch_first=True)", (2, 3, 8), (2, 4, 8), (2, 4, 8),
  Scaled((4, 3, 4)), call=lambda L, m, q, k, v, am: m(q, k, v, attn_mask=am.detach()),
  name="MHA-3d-float-mask")
c("nn.Unfold((2, 2), stride=2)", (3, 4, 6), name="Unfold-unbatched")
c("nn.Fold((4, 6), (2, 2), stride=2)", (12, 6), name="Fold-unbatched")
c("nn.PixelShuffle(2)", (2, 2, 8, 3, 3), name="PixelShuffle-extra-batch")
c("nn.PixelUnshuffle(3)", (2, 6, 3), name="PixelUnshuffle-unbatched")
c("nn.ChannelShuffle(3)", (2, 6, 2, 2, 2), name="ChannelShuffle-5d")
c("nn.Upsample(scale_factor=3)", (1, 2, 4), name="Upsample-nearest-1d")
c("nn.Upsample(size=(3, 5, 2), mode='nearest-exact')", (1, 2, 2, 3, 3),
  name="Upsample-nearest-exact-3d")
c("nn.LocalResponseNorm(3, k=0.5)", (2, 4, 3, 3, 2), name="LocalResponseNorm-5d")
# groups of 4 (with 2 members x_hat is +-1 whatever x is: the input gradient is pure rounding);
# few members can still have a tiny variance, whose 1/std amplifies rounding: rtol 1e-4
c("nn.GroupNorm(2, 8)", (3, 8), name="GroupNorm-2d", tol=(1e-4, 1e-5))
c("nn.LSTMCell(3, 4, bias=False)", (2, 3), name="LSTMCell-no-hx")
c("nn.GRUCell(3, 4)", (3,), (4,), name="GRUCell-unbatched-hx")
c("nn.RNN(3, 4, num_layers=3, bidirectional=True)", (5, 3), (6, 4), name="RNN-unbatched-h0")
c("nn.GRU(3, 4, bidirectional=True)", (5, 3), name="GRU-unbatched")
for _cls, _shape in [("Dropout", (3, 4)), ("Dropout2d", (2, 3, 4, 4)), ("AlphaDropout", (3, 4)),
                     ("FeatureAlphaDropout", (2, 3, 4, 4)), ("Dropout1d", (3, 4))]:
    c(f"nn.{_cls}(1.0)", _shape, name=f"{_cls}-p1")
c(None, (1, 2, 3, 3, 3), call=_fn("pad", (1, 1, 2, 0, 1, 2), mode="reflect"),
  name="F.pad-reflect-3d")
c(None, (2, 3, 4), call=_fn("pad", (3, 2), mode="circular"), name="F.pad-circular-1d")
c(None, (3, 4, 4), call=_fn("pad", (2, 0, 1, 3), mode="replicate"),
  name="F.pad-replicate-unbatched")
c(None, (2, 3, 4, 2), call=_fn("pad", (1, 0, 0, 2, 1, 1), value=-3.0),
  name="F.pad-constant-3dims")

# NaN propagation: torch's max-style ops and clamps pass NaN through
_nan = np.array([[[1.0, np.nan, 3.0, -2.0, 0.5, 4.0], [np.nan, 2.0, -1.0, 5.0, 1.5, -3.0]]],
                np.float32)
for _a in ["nn.MaxPool1d(2)", "nn.MaxPool1d(3, stride=1, padding=1)", "nn.AdaptiveMaxPool1d(2)",
           "nn.ReLU()", "nn.LeakyReLU()", "nn.Hardtanh()", "nn.ReLU6()", "nn.Threshold(0.5, 9.)",
           "nn.Softmax(-1)", "nn.ELU()", "nn.GELU()", "nn.Hardswish()", "nn.Softshrink()",
           "nn.Hardshrink()", "nn.SELU()", "nn.CELU()", "nn.Hardsigmoid()", "nn.SiLU()",
           "nn.Mish()", "nn.Softplus()", "nn.LogSigmoid()", "nn.PReLU()", "nn.LogSoftmax(1)",
           "nn.RReLU(0.2, 0.2)", "nn.Tanhshrink()", "nn.Softsign()", "nn.Softmin(2)",
           "nn.LPPool1d(2, 2)", "nn.AdaptiveAvgPool1d(4)", "nn.AdaptiveMaxPool1d(4)",
           "nn.MaxPool1d(2, return_indices=True)", "nn.LayerNorm(6)", "nn.GLU()"]:
    c(_a, Const(_nan, grad=True), name=_a + "-nan")
c("nn.MaxPool2d(2)", Const(_nan.reshape(1, 2, 2, 3), grad=True), name="MaxPool2d-nan")
for _a in ["nn.Hardtanh(inplace=True)", "nn.Threshold(0.5, 9., inplace=True)",
           "nn.ELU(inplace=True)", "nn.ReLU6(inplace=True)", "nn.CELU(inplace=True)"]:
    c(_a, Const(_nan, grad=True), call=lambda L, m, x: m(x * 1), name=_a + "-nan")
c("nn.AvgPool1d(2)", Const(_nan, grad=True), name="AvgPool1d-nan")
_inf = np.where(np.isnan(_nan), np.inf, _nan).reshape(1, 2, 2, 3)
_inf[0, 1, 1, 2] = -np.inf
c("nn.AdaptiveAvgPool2d((2, 2))", Const(_nan.reshape(1, 2, 2, 3), grad=True),
  name="AdaptiveAvgPool2d-nan")
c("nn.AdaptiveAvgPool2d((1, 2))", Const(_inf, grad=True), name="AdaptiveAvgPool2d-inf")
c("nn.MaxPool2d(2, stride=1)", Const(_inf, grad=True), name="MaxPool2d-inf")
c("nn.AdaptiveMaxPool2d(2)", Const(_inf, grad=True), name="AdaptiveMaxPool2d-inf")
# zero vectors and coincident points: the norms' subgradients at 0
_rows = Const([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 0.0], [3.0, -1.0, 2.0]], np.float32,
              grad=True)
c(None, _rows, call=_fn("normalize"), name="F.normalize-zero-row")
c(None, _rows, call=_fn("pdist"), name="F.pdist-coincident")
c(None, _rows, call=_fn("pdist", p=1.0), name="F.pdist-p1-coincident")
c(None, _rows, call=lambda L, m, x: L.cdist(x, x), name="torch.cdist-coincident")
c(None, _rows, call=lambda L, m, x: L.cdist(x, x, p=1.0), name="torch.cdist-p1-coincident")
c("nn.CosineSimilarity()", _rows, _rows, name="CosineSimilarity-zero-row")
c("nn.PairwiseDistance()", _rows, _rows, name="PairwiseDistance-coincident")


# kinks: the subgradient each op picks at its breakpoints (torch's conventions)
_kinks = Const([[-6.0, -3.0, -1.0, -0.5, -0.1, 0.0], [0.1, 0.5, 1.0, 3.0, 6.0, 20.0]],
               np.float32, grad=True)
for _a in ["nn.ReLU()", "nn.LeakyReLU(0.1)", "nn.Hardtanh()", "nn.ReLU6()", "nn.Threshold(0.5, 2.)",
           "nn.Hardshrink()", "nn.Softshrink()", "nn.Hardsigmoid()", "nn.Hardswish()",
           "nn.PReLU()", "nn.RReLU(0.2, 0.2)", "nn.ELU()", "nn.CELU(2.0)", "nn.SELU()",
           "nn.Softplus(beta=1, threshold=20)", "nn.Softplus(beta=2, threshold=1)",
           "nn.Hardtanh(-0.5, 0.5)", "nn.Softshrink(1.0)", "nn.Hardshrink(1.0)",
           "nn.GELU()", "nn.SiLU()", "nn.Mish()", "nn.Tanhshrink()", "nn.Softsign()"]:
    # torch's prelu double backward takes x >= 0 as positive while its backward takes x > 0,
    # so at x = 0 it is not the derivative of the first gradient: not compared there
    c(_a, _kinks, name=_a + "-kinks", dd=False if _a == "nn.PReLU()" else None)
_ties = Const([[[1.0, 1.0, 2.0, 2.0, 0.0, 0.0], [3.0, 3.0, 3.0, -1.0, -1.0, 5.0]]], np.float32,
              grad=True)
c("nn.MaxPool1d(2, return_indices=True)", _ties, name="MaxPool1d-ties")
c("nn.MaxPool1d(3, stride=1, padding=1, return_indices=True)", _ties,
  name="MaxPool1d-overlap-ties")
c("nn.AdaptiveMaxPool1d(4, return_indices=True)", _ties, name="AdaptiveMaxPool1d-ties")
c("nn.MaxPool2d(2, stride=1)", Const(np.ones((1, 1, 3, 3), np.float32), grad=True),
  name="MaxPool2d-all-equal")
c(None, _ties, call=lambda L, m, x: x.amax(-1), name="amax-ties")
c(None, _ties, call=lambda L, m, x: x.max(-1), name="max-dim-ties")
c("nn.EmbeddingBag.from_pretrained(T([[1., 2], [1, 3], [0, 3]]), mode='max', freeze=False)",
  Const([[0, 1, 2], [2, 1, 0]], np.int64), name="EmbeddingBag-max-ties")
c("nn.EmbeddingBag.from_pretrained(T([[1., 2], [3, 4], [5, 6]]), mode='sum', freeze=False, "
  "padding_idx=1)", Const([0, 1, 2, 2], np.int64), Const([0, 1], np.int64),
  name="EmbeddingBag-from_pretrained")
_d0 = Const([[0.0, 0.5, -1.0, 1.5], [2.0, -0.5, 0.7, 0.0]], np.float32, grad=True)
_t0 = Const([[0.0, 0.0, 0.0, 0.0], [2.0, 0.0, 0.0, 1.0]], np.float32)
for _l in ["nn.L1Loss()", "nn.SmoothL1Loss(beta=0.5)", "nn.HuberLoss(delta=0.5)", "nn.MSELoss()",
           "nn.SmoothL1Loss(beta=1.0, reduction='sum')", "nn.HuberLoss(delta=1.0)"]:
    c(_l, _d0, _t0, name=_l + "-kinks")
c("nn.HingeEmbeddingLoss(margin=0.5, reduction='none')", _d0,
  Const([[1., -1, -1, 1], [-1, -1, 1, -1]]), name="HingeEmbeddingLoss-kinks")
c("nn.MarginRankingLoss(reduction='none')", Const([1.0, 2.0, 0.5], np.float32, grad=True),
  Const([1.0, 1.0, 0.5], np.float32, grad=True), Const([1.0, -1.0, -1.0]),
  name="MarginRankingLoss-kinks")
c("nn.MultiMarginLoss(reduction='none')", Const([[0.0, 1.0, 0.0], [2.0, 1.0, 1.0]], np.float32,
                                                grad=True), Const([1, 0], np.int64),
  name="MultiMarginLoss-kinks")
c("nn.PairwiseDistance(p=float('inf'))", _d0, _t0, name="PairwiseDistance-pinf-ties")
c(None, _d0, call=lambda L, m, x: L.nn.functional.normalize(x, p=1.0), name="normalize-p1-kinks")

c("nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1.0), "
  "margin=2.0)", (4, 5), (4, 5), (4, 5), name="TripletMarginWithDistanceLoss-custom")
c("nn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: 1.0 - "
  "nn.functional.cosine_similarity(a, b), reduction='sum')", (4, 5), (4, 5), (4, 5),
  name="TripletMarginWithDistanceLoss-lambda")
c("nn.BCEWithLogitsLoss(pos_weight=T([[[1.]], [[3.]]]), reduction='sum')",
  Scaled((2, 2, 3, 3), 1e4), Const(np.full((2, 2, 3, 3), 0.25, np.float32)),
  name="BCEWithLogitsLoss-pos_weight-bcast")
c("nn.CrossEntropyLoss(weight=T([1., 2, 3, 4]), label_smoothing=0.25)", Scaled((3, 4, 2), 1e4),
  Pos(3, 4, 2), call=lambda L, m, x, p: m(x, (p / p.sum(1, keepdim=True)).detach()),
  name="CrossEntropyLoss-probs-weight-smoothing-3d")
c("nn.CTCLoss(reduction='mean')", (7, 2, 5), Const([1, 2, 2, 3, 1], np.int64),
  Const([7, 6], np.int64), Const([3, 2], np.int64),
  call=lambda L, m, x, t, il, tl: m(x.log_softmax(2), t, il, tl),
  name="CTCLoss-concatenated-targets", tol=(1e-4, 1e-5))
c("nn.CTCLoss(blank=3, reduction='sum')", (6, 4), Const([1, 2, 1], np.int64),
  Const(6, np.int64), Const(3, np.int64),
  call=lambda L, m, x, t, il, tl: m(x.log_softmax(1), t, il, tl),
  name="CTCLoss-unbatched", tol=(1e-4, 1e-5))
c("nn.PoissonNLLLoss(log_input=False, eps=1e-2)", Pos(3, 4), Const(np.ones((3, 4), np.float32)),
  name="PoissonNLLLoss-eps")
c("nn.GaussianNLLLoss(full=True, reduction='none')", (4, 5), (4, 5), Pos(4,),
  call=lambda L, m, x, y, v: m(x, y, v.unsqueeze(1)), name="GaussianNLLLoss-var-bcast")
c("nn.Embedding(10, 3)", Const([[1, 2, 1], [4, 3, 2]], np.int32), name="Embedding-int32")
c("nn.EmbeddingBag(10, 3, mode='sum')", Const([1, 2, 4, 5], np.int32),
  Const([0, 2], np.int32), name="EmbeddingBag-int32")


# float64 modules, and non-contiguous inputs (transposed views)
for _ctor, _shape in [("nn.Linear(4, 3, dtype=f64)", (2, 4)),
                      ("nn.Conv2d(2, 3, 3, padding=1, dtype=f64)", (1, 2, 4, 5)),
                      ("nn.ConvTranspose1d(2, 3, 3, stride=2, dtype=f64)", (1, 2, 4)),
                      ("nn.BatchNorm1d(3, dtype=f64)", (4, 3)),
                      ("nn.LayerNorm(4, dtype=f64)", (2, 4)),
                      ("nn.GroupNorm(2, 4, dtype=f64)", (2, 4, 3)),
                      ("nn.LSTM(3, 4, dtype=f64)", (5, 2, 3)),
                      ("nn.GRU(3, 4, batch_first=True, dtype=f64)", (2, 5, 3)),
                      ("nn.MultiheadAttention(8, 2, dtype=f64)", (3, 2, 8)),
                      ("nn.PReLU(dtype=f64)", (2, 3)),
                      ("nn.Bilinear(2, 3, 4, dtype=f64)", (5, 2))]:
    _in = [Scaled(_shape, dtype=np.float64)]
    if "Multihead" in _ctor:
        _in *= 3
    if "Bilinear" in _ctor:
        _in.append(Scaled((5, 3), dtype=np.float64))
    c(_ctor, *_in, name=_ctor + "-f64")
c(None, Scaled((2, 2, 3, 8), dtype=np.float64), Scaled((2, 2, 4, 8), dtype=np.float64),
  Scaled((2, 2, 4, 8), dtype=np.float64), call=_fn("scaled_dot_product_attention"),
  name=_sdpa + "-f64")
_T = lambda L, m, x: m(x.transpose(-1, -2))  # noqa: E731
for _ctor, _shape in [("nn.Linear(4, 3)", (2, 4, 5)),
                      ("nn.Linear(4, 3, bias=False)", (2, 3, 4, 5)),
                      ("nn.Conv2d(3, 2, 3, stride=2)", (1, 3, 7, 6)),
                      ("nn.Conv1d(3, 2, 2, groups=1, padding='same')", (2, 5, 3)),
                      ("nn.MaxPool2d(2, return_indices=True)", (1, 2, 5, 4)),
                      ("nn.AvgPool2d(2, ceil_mode=True)", (1, 2, 5, 3)),
                      ("nn.BatchNorm1d(3)", (4, 5, 3)), ("nn.LayerNorm(4)", (2, 4, 3)),
                      ("nn.InstanceNorm1d(3)", (2, 5, 3)), ("nn.Softmax(-1)", (2, 4, 3)),
                      ("nn.ReflectionPad1d(2)", (2, 5, 3)), ("nn.Upsample(scale_factor=2, "
                                                             "mode='bilinear')", (1, 2, 4, 3)),
                      ("nn.LSTM(3, 4)", (5, 3, 2)), ("nn.Embedding(5, 3)", None)]:
    if _shape is None:
        c(_ctor, Const([[1, 2], [0, 4], [3, 3]], np.int64), call=_T, name=_ctor + "-noncontig")
    else:
        c(_ctor, _shape, call=_T, name=_ctor + "-noncontig")


# empty batches
for _ctor, _shape in [("nn.MaxPool2d(2)", (0, 2, 4, 4)), ("nn.AvgPool1d(2)", (0, 2, 4)),
                      ("nn.AdaptiveAvgPool2d(2)", (0, 2, 4, 4)),
                      ("nn.ConvTranspose2d(2, 3, 3)", (0, 2, 3, 3)),
                      ("nn.GroupNorm(2, 4)", (0, 4, 3)), ("nn.InstanceNorm1d(3)", (0, 3, 4)),
                      ("nn.Upsample(scale_factor=2, mode='bilinear')", (0, 2, 3, 3)),
                      ("nn.Softmax(-1)", (0, 3)), ("nn.GELU()", (0, 3)),
                      ("nn.MultiheadAttention(8, 2, batch_first=True)", (0, 3, 8)),
                      ("nn.GRU(3, 4, batch_first=True)", (0, 5, 3)),
                      ("nn.Embedding(5, 3)", None),
                      ("nn.CrossEntropyLoss(reduction='sum')", (0, 4)),
                      ("nn.MSELoss(reduction='sum')", (0, 4))]:
    if _shape is None:
        _in = [Const(np.zeros((0, 3), np.int64))]
    elif "Multihead" in _ctor:
        _in = [_shape] * 3
    elif "CrossEntropy" in _ctor:
        _in = [_shape, Const(np.zeros((0,), np.int64))]
    elif "MSE" in _ctor:
        _in = [_shape, _shape]
    else:
        _in = [_shape]
    c(_ctor, *_in, name=_ctor + "-empty")


# -- the harness -----------------------------------------------------------------------------
def _build(lib, ctor):
    if ctor is None:
        return None
    return eval(ctor, {"nn": lib.nn, "T": lib.tensor, "f64": lib.float64})


def _copy_state(tm, em):
    sd = OrderedDict((k, ember.from_numpy(v.detach().numpy().copy()))
                     for k, v in tm.state_dict().items())
    em.load_state_dict(sd)


def _flat(o):
    if isinstance(o, (tuple, list)):
        return [y for x in o for y in _flat(x)]
    return [o]


def _close(actual, desired, rtol, atol, what):
    """Float32 sums lose digits with the size of their entries, so atol scales with the
    largest entry (as in the other files of this folder)."""
    scale = max(1.0, float(np.abs(desired).max(initial=0)))
    np.testing.assert_allclose(actual, desired, rtol, atol * scale, err_msg=what)


def _same(e, t, rtol, atol, what):
    if t is None or e is None:
        assert e is None and t is None, what
        return
    if not isinstance(t, torch.Tensor):
        assert e == t, what
        return
    if t._is_zerotensor():  # torch's symbolic zero gradient (e.g. of |x|'s sign)
        t = torch.zeros(t.shape, dtype=t.dtype)
    assert tuple(e.shape) == tuple(t.shape), f"{what}: {tuple(e.shape)} vs {tuple(t.shape)}"
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], what
    ev, tv = e.detach().numpy(), t.detach().numpy()
    if tv.dtype.kind == "f":
        assert np.isfinite(ev).all() or not np.isfinite(tv).all(), f"{what}: non-finite"
        _close(ev, tv, rtol, atol, what)
    else:
        np.testing.assert_array_equal(ev, tv, err_msg=what)


def _same_grad(e, t, rtol, atol, what):
    """A missing gradient (None) counts as zeros, as autograd's allow_unused does."""
    if t is None or e is None:
        other = e if t is None else t
        assert other is None or not other.detach().numpy().any(), f"{what}: None vs nonzero"
        return
    _same(e, t, rtol, atol, what)


def _run(L, m, cfg, arrays):
    xs = _tensors(L, arrays)
    out = cfg["call"](L, m, *xs) if cfg["call"] else m(*xs)
    return xs, out


def _loss(L, out, rng_seed):
    """sum(out_i * g_i) over float outputs with a fixed random g_i."""
    rng = np.random.default_rng(rng_seed)
    total = None
    for o in _flat(out):
        if o is None or not hasattr(o, "requires_grad") or not o.requires_grad:
            continue
        g = L.tensor(rng.standard_normal(tuple(o.shape)).astype(np.float32))
        term = (o * g).sum()
        total = term if total is None else total + term
    return total


def _params(m):
    return [] if m is None else list(m.named_parameters())


def _check_mode(cfg, tm, em, mode, seed):
    rtol, atol = cfg["tol"]
    for m in (tm, em):
        if m is not None:
            m.train(mode == "train")  # eval and no_grad run in eval mode
            m.zero_grad(set_to_none=True)
    arrays = _inputs(cfg["inputs"], np.random.default_rng(seed))
    if mode == "no_grad":  # inference: torch takes its fast paths (nested-tensor encoder)
        with torch.no_grad():
            txs, tout = _run(torch, tm, cfg, arrays)
        with ember.no_grad():
            exs, eout = _run(ember, em, cfg, arrays)
    else:
        txs, tout = _run(torch, tm, cfg, arrays)
        exs, eout = _run(ember, em, cfg, arrays)
    tf, ef = _flat(tout), _flat(eout)
    assert len(ef) == len(tf), f"{mode}: {len(ef)} outputs vs {len(tf)}"
    for i, (e, t) in enumerate(zip(ef, tf)):
        _same(e, t, rtol, atol, f"{mode} output {i}")
    if tm is not None:  # buffers after the forward (running stats, max_norm renorm)
        for (k, t), e in zip(tm.state_dict().items(), em.state_dict().values()):
            _same(e, t, rtol, atol, f"{mode} state {k} after forward")
    tl, el = _loss(torch, tout, seed + 1), _loss(ember, eout, seed + 1)
    assert (tl is None) == (el is None), f"{mode}: requires_grad of outputs differs"
    if tl is None:
        return
    tl.backward()
    el.backward()
    for i, (e, t) in enumerate(zip(exs, txs)):
        if t.requires_grad:
            _same_grad(e.grad, t.grad, rtol, atol, f"{mode} input grad {i}")
    for (n, tp), (_, ep) in zip(_params(tm), _params(em)):
        _same_grad(ep.grad, tp.grad, rtol, atol, f"{mode} grad of {n}")


def _double_backward(cfg, tm, em, seed):
    rtol, atol = cfg["tol"]
    arrays = _inputs(cfg["inputs"], np.random.default_rng(seed))

    def grads(L, m):
        if m is not None:
            m.train(cfg["modes"][0] == "train")
        xs, out = _run(L, m, cfg, arrays)
        wrt = [x for x in xs if x.requires_grad] + [p for _, p in _params(m)]
        loss = _loss(L, out, seed + 1)
        if loss is None:
            return None
        g1 = L.autograd.grad(loss, wrt, create_graph=True, allow_unused=True)
        rng = np.random.default_rng(seed + 2)
        total = None
        for g in g1:
            if g is not None and g.requires_grad:
                h = L.tensor(rng.standard_normal(tuple(g.shape)).astype(np.float32))
                total = (g * h).sum() if total is None else total + (g * h).sum()
        # torch marks some first gradients as requiring grad although their value does not
        # depend on the inputs (max_pool, pads): their second derivative is zero either way
        g2 = L.autograd.grad(total, wrt, allow_unused=True) if total is not None else None
        return g1, g2 or [None] * len(wrt)

    try:
        expected = grads(torch, tm)
    except (RuntimeError, NotImplementedError) as err:
        if cfg["dd"] or "not implemented" not in str(err):
            raise
        return  # torch has no double backward here
    if expected is None:
        return
    (tg1, tg2), (eg1, eg2) = expected, grads(ember, em)
    for i, (e, t) in enumerate(zip(eg1, tg1)):
        _same_grad(e, t, rtol, atol, f"first grad {i}")
    for i, (e, t) in enumerate(zip(eg2, tg2)):
        _same_grad(e, t, rtol, atol, f"second grad {i}")


def _ids():
    seen, out = {}, []
    for cfg in CONFIGS:
        n = cfg["name"]
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out


_PARAMS = [pytest.param(cfg, id=i) for cfg, i in zip(CONFIGS, _ids())]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("cfg", _PARAMS)
def test_layer(cfg):
    """One config: structure (state_dict keys/order/shapes, parameter names, repr), train and
    eval forward/backward, and double backward when flagged."""
    torch.manual_seed(0)
    tm, em = _build(torch, cfg["ctor"]), _build(ember, cfg["ctor"])
    if tm is not None:
        assert repr(em) == repr(tm)
        tsd, esd = tm.state_dict(), em.state_dict()
        assert [(k, tuple(v.shape)) for k, v in esd.items()] == \
            [(k, tuple(v.shape)) for k, v in tsd.items()]
        assert [n for n, _ in _params(em)] == [n for n, _ in _params(tm)]
        _copy_state(tm, em)
    for k, mode in enumerate(cfg["modes"]):
        _check_mode(cfg, tm, em, mode, seed=10 * k)
    if "eval" in cfg["modes"]:
        _check_mode(cfg, tm, em, "no_grad", seed=10)
    if cfg["dd"] is not False:
        _double_backward(cfg, tm, em, seed=100)


# -- print(model) of nested models ------------------------------------------------------------
def _nested_models(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.n = n
            self.proj = nn.Linear(n, n)
            self.act = nn.ModuleDict({"relu": nn.ReLU(), "gelu": nn.GELU("tanh")})
            self.register_buffer("scale", lib.ones(n))

        def extra_repr(self):
            return f"n={self.n}, tag='block'"

    seq = nn.Sequential(OrderedDict([
        ("conv", nn.Conv2d(3, 8, 3, padding="same", padding_mode="reflect")),
        ("bn", nn.BatchNorm2d(8, momentum=None)),
        ("pool", nn.MaxPool2d(2, ceil_mode=True)),
        ("flat", nn.Flatten()),
        ("head", nn.Sequential(nn.Dropout(0.1), nn.Linear(8, 2, bias=False))),
    ]))
    listy = nn.ModuleList([nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2),
                           nn.GRUCell(3, 4), nn.ModuleList([Block(4), Block(4)]),
                           nn.Embedding(10, 3, padding_idx=0, max_norm=1.0),
                           nn.EmbeddingBag(10, 3, mode="max")])
    dicty = nn.ModuleDict({"mha": nn.MultiheadAttention(8, 2, kdim=4, vdim=4, batch_first=True),
                           "blocks": nn.Sequential(*[Block(3) for _ in range(3)]),
                           "empty": nn.Sequential(), "norms": nn.ModuleList([
                               nn.LayerNorm(4), nn.GroupNorm(2, 4), nn.RMSNorm(4),
                               nn.InstanceNorm2d(4, affine=True), nn.LocalResponseNorm(2)])})
    tf = nn.Transformer(8, 2, 2, 1, 16, 0.0, batch_first=True, norm_first=True)
    return [seq, listy, dicty, tf]


@pytest.mark.filterwarnings("ignore")
def test_print_nested_models():
    """print(model) of nested containers, custom extra_repr and a Transformer equals torch's."""
    for t, e in zip(_nested_models(torch), _nested_models(ember)):
        assert repr(e) == repr(t)
        assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in t.state_dict().items()]


# -- default initialisation (reset_parameters) --------------------------------------------------
INIT_CTORS = [
    "nn.Linear(300, 100)", "nn.Bilinear(20, 30, 40)", "nn.Conv1d(8, 64, 5, groups=4)",
    "nn.Conv2d(16, 32, 3)", "nn.Conv3d(4, 16, 3)", "nn.ConvTranspose2d(16, 32, 3, groups=2)",
    "nn.ConvTranspose1d(32, 8, 4)", "nn.LSTM(50, 60, proj_size=20)", "nn.GRU(50, 60)",
    "nn.RNN(50, 60, bias=False)", "nn.LSTMCell(40, 50)", "nn.GRUCell(40, 50)",
    "nn.Embedding(1000, 20)", "nn.EmbeddingBag(1000, 20, padding_idx=3)",
    "nn.Embedding(1000, 20, padding_idx=0)",
    "nn.MultiheadAttention(64, 4, kdim=32, vdim=48, add_bias_kv=True)",
    "nn.MultiheadAttention(64, 4, bias=False)", "nn.TransformerEncoderLayer(64, 4, 128)",
    "nn.PReLU(100, init=0.1)", "nn.BatchNorm2d(300)", "nn.LayerNorm(300)", "nn.RMSNorm(300)",
    "nn.GroupNorm(4, 300)", "nn.InstanceNorm1d(300, affine=True)",
    "nn.AdaptiveLogSoftmaxWithLoss(64, 1000, [100, 300])",
]


@pytest.mark.parametrize("ctor", INIT_CTORS)
def test_default_init_statistics(ctor):
    """Each parameter's default initialisation has torch's distribution: constants exactly,
    random ones with the same mean, spread and extent (uniform vs normal, fan and gain)."""
    torch.manual_seed(0)
    ember.manual_seed(0)
    tm, em = _build(torch, ctor), _build(ember, ctor)
    for (name, t), (_, e) in zip(_params(tm), _params(em)):
        tv, ev = t.detach().numpy().ravel(), e.detach().numpy().ravel()
        assert ev.shape == tv.shape, name
        if tv.std() == 0 or tv.size < 50:
            if tv.std() == 0:
                np.testing.assert_array_equal(ev, tv, err_msg=name)
            continue
        zeros_t, zeros_e = (tv == 0).sum(), (ev == 0).sum()
        assert zeros_e == zeros_t, f"{name}: {zeros_e} zeros vs {zeros_t}"  # padding rows
        ts, es = tv.std(), ev.std()
        assert abs(ev.mean() - tv.mean()) < 4 * ts / np.sqrt(tv.size) * 1.5 + 1e-7, name
        k = max(0.05, 5 / np.sqrt(2 * tv.size))  # sampling error of a std is ~ 1/sqrt(2n)
        assert abs(es / ts - 1) < k, f"{name}: std {es} vs {ts}"
        if tv.size >= 1000:  # the extent tells a uniform from a normal of the same std
            tmax, emax = np.abs(tv).max(), np.abs(ev).max()
            assert 0.75 < emax / tmax < 1.33, f"{name}: max {emax} vs {tmax}"


# -- grad_fn names --------------------------------------------------------------------------------
_GRAD_FN_PARAMS = [pytest.param(cfg, id=i) for cfg, i in zip(CONFIGS, _ids())
                   if "train" in cfg["modes"]]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("cfg", _GRAD_FN_PARAMS)
def test_grad_fn_names(cfg):
    """Every output's grad_fn is torch's node (by class name), in train mode."""
    torch.manual_seed(0)
    tm, em = _build(torch, cfg["ctor"]), _build(ember, cfg["ctor"])
    if tm is not None:
        _copy_state(tm, em)
    arrays = _inputs(cfg["inputs"], np.random.default_rng(0))
    (_, tout), (_, eout) = _run(torch, tm, cfg, arrays), _run(ember, em, cfg, arrays)
    names = [[None if getattr(o, "grad_fn", None) is None else type(o.grad_fn).__name__
              for o in _flat(out)] for out in (tout, eout)]
    assert names[1] == names[0]
