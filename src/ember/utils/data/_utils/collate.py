"""Collation helpers at torch's path torch.utils.data._utils.collate (the implementations
live in ember.utils.data._collate)."""
from ember.utils.data._collate import (_collate_float, _collate_int, _collate_numpy_array,
                                       _collate_numpy_scalar, _collate_str, _collate_tensor,
                                       collate, default_collate, default_collate_fn_map,
                                       default_convert)

__all__ = ["collate", "collate_float_fn", "collate_int_fn", "collate_numpy_array_fn",
           "collate_numpy_scalar_fn", "collate_str_fn", "collate_tensor_fn", "default_collate",
           "default_collate_fn_map", "default_convert"]

collate_tensor_fn = _collate_tensor
collate_numpy_array_fn = _collate_numpy_array
collate_numpy_scalar_fn = _collate_numpy_scalar
collate_float_fn = _collate_float
collate_int_fn = _collate_int
collate_str_fn = _collate_str
