"""default_collate and default_convert: samples to batched tensors, element by element."""
import collections.abc
import copy
import re

import ember

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map"]

_NP_STRING_KIND = re.compile(r"[SaUO]")
_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def _is_namedtuple(obj):
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def _is_numpy(obj):
    t = type(obj)
    return t.__module__ == "numpy" and t.__name__ not in ("str_", "bytes_", "string_")


def default_convert(data):
    """Turns NumPy arrays and scalars inside ``data`` into tensors, keeping the structure
    (dicts, namedtuples, sequences; a tuple becomes a list) and leaving anything else as is:
    ``torch.utils.data.default_convert``, the collate used when ``batch_size=None``."""
    if isinstance(data, ember.Tensor):
        return data
    if _is_numpy(data):
        if type(data).__name__ in ("ndarray", "memmap") and _NP_STRING_KIND.search(
                data.dtype.str):
            return data
        return ember.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        if isinstance(data, collections.abc.MutableMapping):
            clone = copy.copy(data)
            clone.update(converted)
            return clone
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                # a list (or a list subclass) keeps its type, as in torch
                clone = copy.copy(data)
                for i, d in enumerate(converted):
                    clone[i] = d
                return clone
            return type(data)(converted)
        except TypeError:
            return converted
    return data


def _collate_tensor(batch, *, collate_fn_map=None):
    return ember.stack(batch, 0)


def _collate_numpy_array(batch, *, collate_fn_map=None):
    elem = batch[0]
    if _NP_STRING_KIND.search(elem.dtype.str):
        raise TypeError(_ERR.format(elem.dtype))
    return collate([ember.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def _collate_numpy_scalar(batch, *, collate_fn_map=None):
    return ember.as_tensor(batch)


def _collate_float(batch, *, collate_fn_map=None):
    return ember.tensor(batch, dtype=ember.float64)


def _collate_int(batch, *, collate_fn_map=None):
    return ember.tensor(batch)


def _collate_str(batch, *, collate_fn_map=None):
    return batch


def collate(batch, *, collate_fn_map=None):
    """The general collate: ``collate_fn_map`` maps element types to functions of the batch;
    containers are walked (dicts by key, namedtuples and sequences by position; a tuple of
    fields gives a list), as ``torch.utils.data._utils.collate.collate`` does."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        merged = {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                  for k in elem}
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(merged)
            return clone
        try:
            return elem_type(merged)
        except TypeError:
            return merged
    if _is_namedtuple(elem):
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map)
                           for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                # a list (or a list subclass) keeps its type, as in torch
                clone = copy.copy(elem)
                for i, f in enumerate(fields):
                    clone[i] = f
                return clone
            return elem_type(fields)
        except TypeError:
            return fields
    raise TypeError(_ERR.format(elem_type))


def _collate_numpy(batch, *, collate_fn_map=None):
    if type(batch[0]).__name__ in ("ndarray", "memmap"):
        return _collate_numpy_array(batch, collate_fn_map=collate_fn_map)
    return _collate_numpy_scalar(batch, collate_fn_map=collate_fn_map)


def _numpy_types():
    from ember._backend import xp
    return {xp.ndarray: _collate_numpy, xp.bool_: _collate_numpy, xp.number: _collate_numpy,
            xp.object_: _collate_numpy}


default_collate_fn_map = {ember.Tensor: _collate_tensor, **_numpy_types(),
                          float: _collate_float, int: _collate_int, str: _collate_str,
                          bytes: _collate_str}


def default_collate(batch):
    """Stacks a list of samples into a batch (``torch.utils.data.default_collate``):
    tensors are stacked on a new first dimension, NumPy arrays become stacked tensors,
    Python ints an int64 tensor, floats a float64 tensor, bools a bool tensor, strings stay a
    list, and dicts, namedtuples, tuples and lists are collated field by field (tuples and
    lists give lists)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
