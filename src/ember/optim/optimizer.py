"""The `Optimizer` base class, as torch.optim.Optimizer.

An optimizer holds `param_groups` (a list of dicts, each with a `params` list and the
hyperparameters for those parameters) and `state` (a defaultdict keyed by parameter). A
subclass fills `defaults` and writes `step()`; the base provides the bookkeeping: groups,
`zero_grad`, `state_dict`/`load_state_dict` in torch's layout and the step/state-dict hooks.

Inside that outer API most optimizers have MLX's inner shape: `step()` returns
`self._step_singles(closure)`, which walks the groups and the parameters that have gradients
and calls the optimizer's `_init_single(p, state, group)` (first step: fill the empty state)
and `_apply_single(grad, p, state, hyper)` (update one parameter; `grad` already negated when
the group maximizes, `hyper` what `_group_hyper(group)` read once for the group).
"""
import functools
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain

import ember
from ember.nn.modules.module import RemovableHandle

__all__ = ["Optimizer", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook", "required"]


class _RequiredParameter:
    """Marks a hyperparameter that every param group must give (torch.optim.optimizer.required)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_global_optimizer_pre_hooks = OrderedDict()
_global_optimizer_post_hooks = OrderedDict()


def register_optimizer_step_pre_hook(hook):
    """Register a pre-step hook ``hook(optimizer, args, kwargs)`` run before every optimizer's
    `step`; it may return ``(new_args, new_kwargs)``. Returns a removable handle."""
    handle = RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook):
    """Register a post-step hook ``hook(optimizer, args, kwargs)`` run after every optimizer's
    `step`. Returns a removable handle."""
    handle = RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


def _typename(obj):
    if isinstance(obj, ember.Tensor):
        return obj.type()
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", None) else f"{module}.{name}"


def _use_grad_for_differentiable(func):
    """Run an optimizer's `step` under no_grad unless its group asks for `differentiable`."""
    @functools.wraps(func)
    def _use_grad(self, *args, **kwargs):
        prev = ember.is_grad_enabled()
        try:
            ember.set_grad_enabled(bool(self.defaults.get("differentiable", False)))
            return func(self, *args, **kwargs)
        finally:
            ember.set_grad_enabled(prev)
    return _use_grad


def _hooked_step(func):
    """Wrap a class's `step` so that the global and per-instance step hooks run around it."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        self = args[0]
        for pre_hook in chain(_global_optimizer_pre_hooks.values(),
                              self._optimizer_step_pre_hooks.values()):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(f"{func} must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result}.")
        out = func(*args, **kwargs)
        for post_hook in chain(self._optimizer_step_post_hooks.values(),
                               _global_optimizer_post_hooks.values()):
            post_hook(self, args, kwargs)
        return out

    wrapper.hooked = True
    return wrapper


def _scalar(x):
    """A hyperparameter as torch's update loops see it: 1-element tensors squeezed to 0-d."""
    if isinstance(x, ember.Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _value(x):
    """The Python number held by a step counter or a scalar tensor."""
    return x.item() if isinstance(x, ember.Tensor) else x


def _new_step():
    # torch keeps step counts as 0-d float32 tensors (float64 when that is the default dtype)
    return ember.tensor(0.0, dtype=ember.get_default_dtype())


def _real_views(p, *tensors):
    """``tensors`` as real views (`view_as_real`) when the parameter ``p`` is complex, else as
    they are: a complex parameter is updated as independent real and imaginary parts."""
    if p.is_complex():
        return tuple(ember.view_as_real(t) for t in tensors)
    return tensors


def _weight_decay(grad, param, wd, lr=None, decoupled=False):
    """The gradient after weight decay ``wd``: ``grad + wd * param`` (L2), or ``grad`` as it is
    with ``param`` scaled in place by ``1 - lr * wd`` when ``decoupled`` (AdamW's form)."""
    if wd == 0:
        return grad
    if decoupled:
        param.mul_(1 - lr * wd)
        return grad
    return grad.add(param, alpha=wd)


def _check_lr(lr):
    if isinstance(lr, ember.Tensor):
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
    elif not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_adam_like(lr, betas, eps, weight_decay):
    """The constructor checks shared by Adamax, NAdam and RAdam."""
    _check_lr(lr)
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _check_fused(fused, foreach, differentiable):
    """The constructor checks torch's fused optimizers (SGD, Adam, AdamW, Adagrad) make."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _check_fused_param(p):
    """torch's first-step check of a fused optimizer's parameter: floating point only."""
    if not p.is_floating_point():
        raise RuntimeError("`fused=True` requires all the params to be floating point Tensors "
                           "of supported devices: ['mps', 'cuda', 'xpu', 'hpu', 'cpu', "
                           f"'mtia', 'privateuseone'] but {p.dtype} and {p.device.type}")


class Optimizer:
    r"""Base class for all optimizers (torch.optim.Optimizer).

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts each
    defining a parameter group (a ``params`` entry plus per-group hyperparameters).
    ``defaults`` holds the hyperparameters used where a group does not give its own.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        self._patch_step_function()

        if isinstance(params, ember.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def _patch_step_function(self):
        # hooks wrap the step of the most derived class only, so super().step() runs them once
        cls = self.__class__
        if not getattr(cls.step, "hooked", False):
            cls.step = _hooked_step(cls.step)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += "\n"
            out += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        out += ")"
        return out

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group):
        """Add a parameter group (a dict with ``params`` and optional hyperparameters) to
        `param_groups`, filling missing hyperparameters from `defaults`."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, ember.Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)

        extracted, names = [], []
        for p in param_group["params"]:
            if isinstance(p, tuple):
                names.append(p[0])
                extracted.append(p[1])
            else:
                extracted.append(p)
        if names:
            if len(names) != len(extracted):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            param_group["param_names"] = names
        param_group["params"] = extracted

        for param in param_group["params"]:
            if not isinstance(param, ember.Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)

        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {'with' if names else 'without'} "
                                 "names to the optimizer")
        if not seen.isdisjoint(id(p) for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------- zero_grad
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors: to None (the default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def step(self, closure=None):
        """Perform a single optimization step; subclasses implement it."""
        raise NotImplementedError

    # ------------------------------------------------------ per-parameter step
    _sparse_message = None  # the RuntimeError a sparse gradient raises, where unsupported

    def _step_singles(self, closure):
        """One step in MLX's shape: call ``closure`` (grad enabled) for the loss, then for
        each parameter with a gradient: check it (`_check_single`), initialise its state on
        the first step (`_init_single`), take the raw-array path where the optimizer has one
        (`_fast_single`), else `_apply_single` with the gradient negated under ``maximize``.
        Returns the closure's loss (None without one)."""
        loss = None
        if closure is not None:
            with ember.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyper = self._group_hyper(group)
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                self._check_single(p, group)
                state = self.state[p]
                if len(state) == 0:
                    self._init_single(p, state, group)
                if self._fast_single(p, state, hyper):
                    continue
                self._apply_single(-p.grad if maximize else p.grad, p, state, hyper)
        return loss

    def _group_hyper(self, group):
        """What `_apply_single` needs from ``group``, read once per group (the group)."""
        return group

    def _check_single(self, p, group):
        """Raise on a gradient this optimizer cannot use (by default a sparse one, when
        `_sparse_message` says so)."""
        if self._sparse_message is not None and p.grad.is_sparse:
            raise RuntimeError(self._sparse_message)

    def _init_single(self, p, state, group):
        """Fill the empty ``state`` of parameter ``p`` before its first update."""
        raise NotImplementedError

    def _fast_single(self, p, state, hyper):
        """Update ``p`` on raw arrays from its stored gradient and return True, or return
        False to take `_apply_single` (the default)."""
        return False

    def _apply_single(self, grad, p, state, hyper):
        """Update parameter ``p`` in place from ``grad`` (negated already under maximize)."""
        raise NotImplementedError

    # ------------------------------------------------------------ state dict
    def state_dict(self):
        """The optimizer's state as a dict: ``state`` maps integer parameter indices (counted
        across groups in order) to per-parameter state, ``param_groups`` lists the groups with
        those indices in place of the tensors, as torch.optim.Optimizer.state_dict."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        param_mappings = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start_index):
                param_mappings.setdefault(id(p), i)
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, ember.Tensor) else k): v
                        for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": param_groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(param, value, param_id, param_groups,
                                                 key=None):
        # step counters stay as saved; other floating state follows the parameter's dtype
        if key == "step":
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def load_state_dict(self, state_dict):
        """Load a state dict produced by `state_dict` (ember's or torch's): the saved groups'
        hyperparameters replace the current ones and the saved state is mapped back onto this
        optimizer's parameters by position."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def _cast(param, value, param_id=None, key=None):
            if isinstance(value, ember.Tensor):
                return Optimizer._process_value_according_to_param_policy(
                    param, value, param_id, state_dict["param_groups"], key)
            if isinstance(value, dict):
                return {k: _cast(param, v, param_id, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(_cast(param, v, param_id, key=key) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v, param_id=k)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    # ----------------------------------------------------------------- hooks
    def register_step_pre_hook(self, hook):
        """Register ``hook(optimizer, args, kwargs)`` to run before `step`; it may return
        ``(new_args, new_kwargs)``. Returns a removable handle."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        """Register ``hook(optimizer, args, kwargs)`` to run after `step`."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def _register(self, hooks, hook, prepend):
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Register ``hook(optimizer)`` to run before `state_dict` builds its result."""
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Register ``hook(optimizer, state_dict)`` to run on `state_dict`'s result; a
        returned dict replaces it."""
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Register ``hook(optimizer, state_dict)`` to run before `load_state_dict`; a
        returned dict is loaded instead."""
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Register ``hook(optimizer)`` to run after `load_state_dict`."""
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)


def _default_group_setstate(optimizer, keys):
    """Fill group keys missing from an older state dict with the optimizer's defaults."""
    for group in optimizer.param_groups:
        for key in keys:
            group.setdefault(key, optimizer.defaults.get(key))
