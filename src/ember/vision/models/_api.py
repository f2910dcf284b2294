"""What every model factory shares: torchvision's `weights=` handling and a model registry."""
import functools

__all__ = ["get_model", "list_models", "get_model_builder", "register_model"]

_MODELS = {}


def register_model(name=None):
    """Decorator that records a model factory under `name` (its own name by default), as
    torchvision's `register_model`, so `get_model(name)` and `list_models()` find it."""
    def wrap(fn):
        key = name or fn.__name__
        if key in _MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        _MODELS[key] = fn
        return fn
    return wrap


def list_models(module=None, include=None, exclude=None):
    """Names of the registered model factories, sorted (torchvision.models.list_models).
    `include`/`exclude` are fnmatch patterns (a string or a list of them)."""
    import fnmatch

    names = sorted(k for k, fn in _MODELS.items()
                   if module is None or fn.__module__.startswith(getattr(module, "__name__", "")))
    if include:
        pats = [include] if isinstance(include, str) else list(include)
        names = [n for n in names if any(fnmatch.fnmatch(n, p) for p in pats)]
    if exclude:
        pats = [exclude] if isinstance(exclude, str) else list(exclude)
        names = [n for n in names if not any(fnmatch.fnmatch(n, p) for p in pats)]
    return names


def get_model_builder(name):
    """The factory registered as `name` (torchvision.models.get_model_builder)."""
    name = name.lower()
    try:
        return _MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name, **config):
    """Build the registered model `name` with `config` (torchvision.models.get_model)."""
    return get_model_builder(name)(**config)


def check_weights(builder_name, weights, kwargs):
    """Apply torchvision's rules for `weights=` (and the old `pretrained=`) to a factory call.

    ember cannot download checkpoints, so only `weights=None` (random initialisation, as
    torchvision's) is accepted; anything else raises with the way to load saved weights.
    """
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        if pretrained:
            weights = "DEFAULT"
    if weights is not None:
        raise RuntimeError(
            f"{builder_name}(weights={weights!r}): ember cannot download pretrained weights. "
            f"Build the model with weights=None and load a saved torchvision state_dict: "
            f"model.load_state_dict(ember.load('checkpoint.pth', weights_only=True))")


def handle_weights(builder):
    """Wrap a factory `f(*, weights=None, progress=True, **kwargs)` so that it checks
    `weights` (and the legacy `pretrained`) before building, and register it."""
    @functools.wraps(builder)
    def wrapper(*args, weights=None, progress=True, **kwargs):
        if args:  # torchvision takes keyword arguments only, bar the old positional pretrained
            raise TypeError(f"{builder.__name__}() takes keyword arguments only "
                            f"(weights=None, progress=True, num_classes=...)")
        check_weights(builder.__name__, weights, kwargs)
        return builder(**kwargs)
    register_model(builder.__name__)(wrapper)
    return wrapper
