"""Sequence packing node: `PackPaddedSequenceBackward0` (torch's `_pack_padded_sequence`).

A padded batch (time-major (T, B, *), or (B, T, *) with batch_first) becomes the rows of a
PackedSequence: step by step, the first `batch_sizes[t]` sequences (lengths sorted in
decreasing order). One gather forward, one scatter into zeros backward.
"""
from ember._backend import xp
from ember._ops._util import make
from ember._ops.engine import Node, execute


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
