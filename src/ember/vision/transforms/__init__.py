"""ember.vision.transforms: torchvision.transforms on ember."""
from . import functional
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _transforms_all
from .autoaugment import *  # noqa: F401,F403
from .autoaugment import __all__ as _autoaugment_all

__all__ = list(_transforms_all) + list(_autoaugment_all) + ["functional"]
