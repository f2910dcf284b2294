"""Variable-length sequence batches, as torch.nn.utils.rnn: PackedSequence, packing and
padding helpers."""
from collections import namedtuple
from collections.abc import Iterable

import ember
from ember._ops.nn_rnn import pack_padded
from ember._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]


class PackedSequence(namedtuple("PackedSequence_",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A batch of variable-length sequences packed time-major: `data` holds, step by step,
    the elements of the sequences still running; `batch_sizes[t]` says how many.
    `sorted_indices` orders the original batch by decreasing length (None if it already
    was) and `unsorted_indices` undoes it. Made by `pack_padded_sequence`/`pack_sequence`."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes))
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same sequence with `data` converted by `Tensor.to` (self if unchanged)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args, **kwargs):
        """The sequence on the CPU (self)."""
        return self.to("cpu")

    def cuda(self, *args, **kwargs):
        """Move to CUDA (unavailable in ember: raises)."""
        return type(self)(self.data.cuda(*args, **kwargs), self.batch_sizes,
                          self.sorted_indices, self.unsorted_indices)

    def pin_memory(self):
        """Page-locked memory needs an accelerator (raises, as Tensor.pin_memory)."""
        return type(self)(self.data.pin_memory(), self.batch_sizes, self.sorted_indices,
                          self.unsorted_indices)

    def double(self):
        """The sequence with `data` converted to float64."""
        return self.to(dtype=ember.float64)

    def float(self):
        """The sequence with `data` converted to float32."""
        return self.to(dtype=ember.float32)

    def half(self):
        """The sequence with `data` converted to float16."""
        return self.to(dtype=ember.float16)

    def long(self):
        """The sequence with `data` converted to int64."""
        return self.to(dtype=ember.int64)

    def int(self):
        """The sequence with `data` converted to int32."""
        return self.to(dtype=ember.int32)

    def short(self):
        """The sequence with `data` converted to int16."""
        return self.to(dtype=ember.int16)

    def char(self):
        """The sequence with `data` converted to int8."""
        return self.to(dtype=ember.int8)

    def byte(self):
        """The sequence with `data` converted to uint8."""
        return self.to(dtype=ember.uint8)

    @property
    def is_cuda(self):
        """Whether the data lives on a CUDA device."""
        return self.data.is_cuda

    def is_pinned(self):
        """Whether the data is in page-locked memory."""
        return self.data.is_pinned()


def invert_permutation(permutation):
    """The inverse of a permutation tensor (None stays None)."""
    if permutation is None:
        return None
    return ember.argsort(permutation)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T x B x *, or B x T x * with `batch_first`) of sequences with
    the given lengths into a PackedSequence. With `enforce_sorted=False` the batch may be in
    any order (it is sorted by decreasing length and the order recorded)."""
    if not isinstance(lengths, Tensor):
        lengths = ember.as_tensor(lengths, dtype=ember.int64)
    else:
        lengths = lengths.to(ember.int64)
    if enforce_sorted:
        sorted_indices = None
    else:
        lengths, sorted_indices = ember.sort(lengths, descending=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if lengths.dim() != 1:
        raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{lengths.dim()}D cpu Long tensor")
    batch = input.shape[0 if batch_first else 1]
    if lengths.numel() != batch:
        raise RuntimeError("Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.numel()} (batch_size={batch})")
    ls = lengths.tolist()
    if ls and ls[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if any(a < b for a, b in zip(ls, ls[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    steps = ls[0] if ls else 0
    batch_sizes = tuple(sum(1 for n in ls if n > t) for t in range(steps))
    data = pack_padded(input, batch_sizes, batch_first)
    return PackedSequence(data, ember.tensor(batch_sizes, dtype=ember.int64), sorted_indices,
                          None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo `pack_padded_sequence`: the padded batch (T x B x *, or B x T x * with
    `batch_first`, T at least `total_length`) and the int64 tensor of lengths."""
    batch_sizes = sequence.batch_sizes.tolist()
    max_len = len(batch_sizes)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
        max_len = total_length
    data = sequence.data
    batch = batch_sizes[0] if batch_sizes else 0
    out = data.new_full((max_len, batch) + tuple(data.shape[1:]), padding_value)
    offset = 0
    for t, n in enumerate(batch_sizes):
        out[t, :n] = data[offset:offset + n]
        offset += n
    lengths = ember.tensor([sum(1 for n in batch_sizes if n > b) for b in range(batch)],
                           dtype=ember.int64)
    if batch_first:
        out = out.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        idx = sequence.unsorted_indices
        return out.index_select(0 if batch_first else 1, idx), lengths[idx]
    return out, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of different lengths (L_i x *) into one padded tensor: T x B x *, or
    B x T x * with `batch_first`, padding on the right (or left) with `padding_value`."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError("Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    max_len = max(s.shape[0] for s in sequences)
    rest = tuple(sequences[0].shape[1:])
    shape = (len(sequences), max_len) + rest if batch_first else \
        (max_len, len(sequences)) + rest
    out = sequences[0].new_full(shape, padding_value)
    for i, s in enumerate(sequences):
        n = s.shape[0]
        steps = slice(0, n) if padding_side == "right" else slice(max_len - n, max_len)
        if batch_first:
            out[i, steps] = s
        else:
            out[steps, i] = s
    return out


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of its sequences (L_i x *). As torch, a
    time-major batch is transposed in place first."""
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    idx = ember.arange(padded_sequences.shape[1])
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors of different lengths (L_i x *) into a PackedSequence."""
    lengths = ember.as_tensor([s.size(0) for s in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Undo `pack_sequence`: the list of the original sequences."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
