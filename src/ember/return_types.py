"""Named tuples returned by ops such as max(dim) and sort (torch.return_types)."""
from ember._ops.reduction import _MINMAX

globals().update(_MINMAX)
