"""ember.utils."""
from ember.utils import dlpack  # noqa: F401
