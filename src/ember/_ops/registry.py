"""Where ops announce themselves: `ember.<name>` functions and `Tensor.<name>` methods.

Each op family file decorates its public functions with `@export`; `ember/__init__.py`
publishes FUNCTIONS and `ember._tensor` installs METHODS, so a family never edits the
Tensor class to add a method.
"""
FUNCTIONS = {}
METHODS = {}


def export(fn=None, *, method=True, function=True, names=(), method_names=()):
    """Register `fn` as `ember.<fn name>` (function=True) and `Tensor.<fn name>` (method=True);
    `names` adds aliases for both, `method_names` aliases for methods only (`__add__`)."""
    def register(f):
        all_names = (f.__name__,) + tuple(names)
        for n in all_names:
            if function:
                FUNCTIONS[n] = f
            if method:
                METHODS[n] = f
        for n in method_names:
            METHODS[n] = f
        return f
    return register(fn) if fn is not None else register
