"""Named tuples returned by ops such as max(dim) and sort (torch.return_types)."""
from ember._ops.reduction import RETURN_TYPES

globals().update(RETURN_TYPES)
