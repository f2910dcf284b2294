"""ember.autograd.graph: the Node type of grad_fn objects."""
from ember._ops.engine import Node  # noqa: F401
