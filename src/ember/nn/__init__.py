"""ember.nn: modules, parameters, functional API and initialisers, as torch.nn."""
from ember.nn.parameter import (Buffer, Parameter, UninitializedBuffer,  # noqa: F401
                                UninitializedParameter)
from ember.nn.modules import *  # noqa: F401,F403
from ember.nn import functional, init, utils  # noqa: F401,E402
from ember.nn import parallel  # noqa: F401,E402
from ember.nn.parallel import DataParallel  # noqa: F401,E402
