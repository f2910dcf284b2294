"""Forward-mode AD is not implemented yet; the module exists so imports resolve."""


def _unsupported(*args, **kwargs):
    raise NotImplementedError("ember does not implement forward-mode AD yet; use "
                              "ember.autograd.functional.jvp")


dual_level = make_dual = unpack_dual = _unsupported
