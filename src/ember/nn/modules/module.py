"""Module: the base class of every layer and model, as torch.nn.Module.

A module keeps three ordered dicts: `_parameters` (Parameters), `_buffers` (state tensors that
are not learned, e.g. running means) and `_modules` (child modules). Assigning an attribute
routes the value into the right dict by its type; every walk over the tree (`parameters`,
`state_dict`, `_apply`, `train`) goes through those dicts directly, so a subclass is free to
define methods of its own with the same names (`train(loader)`, a custom `state_dict`).
"""
import functools
import itertools
import warnings
import weakref
from collections import OrderedDict, namedtuple
from collections.abc import Mapping
from typing import TypeVar

from ember._ops.engine import GRAD
from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.nn.parameter import Buffer, Parameter, _is_lazy

__all__ = ["Module"]

_EXTRA_STATE_KEY_SUFFIX = "_extra_state"


def _typename(obj):
    """torch.typename: 'ember.FloatTensor' for tensors, the qualified type name otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        qualname = type(obj).__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


class RemovableHandle:
    """A handle returned by the `register_*_hook` methods: `remove()` unregisters the hook
    (also usable as a context manager), as torch.utils.hooks.RemovableHandle."""

    next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        if extra_dict is None:
            extra_dict = ()
        elif isinstance(extra_dict, dict):
            extra_dict = (extra_dict,)
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)

    def remove(self):
        """Unregister the hook (a no-op if already removed)."""
        for ref in (self.hooks_dict_ref,) + self.extra_dict_ref:
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __getstate__(self):
        return (self.hooks_dict_ref(), self.id,
                tuple(r() for r in self.extra_dict_ref))

    def __setstate__(self, state):
        self.hooks_dict_ref = weakref.ref(state[0] if state[0] is not None else OrderedDict())
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        self.extra_dict_ref = tuple(weakref.ref(d) for d in state[2] if d is not None) \
            if len(state) > 2 else ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What `load_state_dict` returns: the missing and the unexpected keys."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _addindent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    first = lines.pop(0)
    return first + "\n" + "\n".join(" " * spaces + line for line in lines)


def _register(hooks, hook, prepend=False, extra=None):
    handle = RemovableHandle(hooks, extra_dict=extra)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def _on_registration(hooks, module, name, value):
    """`value` as the global registration `hooks` leave it (each may return a replacement)."""
    for hook in hooks.values():
        out = hook(module, name, value)
        if out is not None:
            value = out
    return value


# -- global hooks (torch.nn.modules.module.register_module_*) -----------------------------------
_global_buffer_registration_hooks = OrderedDict()
_global_module_registration_hooks = OrderedDict()
_global_parameter_registration_hooks = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()
_global_is_full_backward_hook = None
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()


def register_module_buffer_registration_hook(hook):
    """Call `hook(module, name, buffer)` whenever any module registers a buffer."""
    return _register(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook):
    """Call `hook(module, name, submodule)` whenever any module registers a child."""
    return _register(_global_module_registration_hooks, hook)


def register_module_parameter_registration_hook(hook):
    """Call `hook(module, name, param)` whenever any module registers a parameter."""
    return _register(_global_parameter_registration_hooks, hook)


def register_module_forward_pre_hook(hook):
    """A forward pre-hook `hook(module, args)` run before every module's forward."""
    return _register(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """A forward hook `hook(module, args, output)` run after every module's forward."""
    handle = _register(_global_forward_hooks, hook,
                       extra=_global_forward_hooks_always_called)
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook):
    """A backward pre-hook `hook(module, grad_output)` common to all modules."""
    return _register(_global_backward_pre_hooks, hook)


def _check_new_name(module, store, kind, name):
    """torch's checks before registering `name` in the dict `store` (`_buffers` or
    `_parameters`) of `module`, for a `kind` ('buffer' or 'parameter')."""
    if store not in module.__dict__:
        raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain "."')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if hasattr(module, name) and name not in module.__dict__[store]:
        raise KeyError(f"attribute '{name}' already exists")


def _attribute_at(module, target):
    """(owning module, name) of the attribute at the dotted path `target` below `module`;
    AttributeError if there is none."""
    path, _, name = target.rpartition(".")
    mod = module.get_submodule(path)
    if not hasattr(mod, name):
        raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
    return mod, name


def _forward_hook_result(module, hook_id, hook, args, kwargs, result):
    """`result` as the forward hook `hook` of `module` leaves it (called with the keyword
    arguments when registered with_kwargs; a None return keeps `result`)."""
    if (hook_id in module._forward_hooks_with_kwargs
            or hook_id in _global_forward_hooks_with_kwargs):
        out = hook(module, args, kwargs, result)
    else:
        out = hook(module, args, result)
    return result if out is None else out


def _backward_hook_kind(current, full, scope):
    """The kind of backward hooks (`full` or regular) once one of kind `full` is added where
    `current` is the kind so far (None: none yet); torch forbids mixing the two in a `scope`."""
    if current is (not full):
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks "
                           f"{scope}. Please use only one of them.")
    return full


def register_module_full_backward_hook(hook):
    """A backward hook `hook(module, grad_input, grad_output)` common to all modules."""
    global _global_is_full_backward_hook
    _global_is_full_backward_hook = _backward_hook_kind(_global_is_full_backward_hook, True,
                                                        "as a global Module hook")
    return _register(_global_backward_hooks, hook)


def register_module_backward_hook(hook):
    """The deprecated (non-full) global backward hook."""
    global _global_is_full_backward_hook
    _global_is_full_backward_hook = _backward_hook_kind(_global_is_full_backward_hook, False,
                                                        "as a global Module hook")
    return _register(_global_backward_hooks, hook)


def _has_global_hooks():
    return bool(_global_backward_pre_hooks or _global_backward_hooks
                or _global_forward_pre_hooks or _global_forward_hooks)


# -- module backward hooks ---------------------------------------------------------------------
class BackwardHookFunction(Function):
    """An identity on the tensors given; its node (`BackwardHookFunctionBackward`) is where a
    module's full backward hooks see the gradients of the module's inputs and outputs."""

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *grads):
        return grads


def _pack_with_none(indices, values, size):
    res = [None] * size
    for i, v in zip(indices, values):
        res[i] = v
    return tuple(res)


class _BackwardHook:
    """Wires a module's full backward (pre-)hooks: an identity node on the tensor inputs and
    one on the tensor outputs. The output node's pre-hook captures grad_output (and runs the
    backward pre-hooks); the input node's post-hook gets grad_input and runs the hooks."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_tensors_index = None
        self.n_inputs = -1
        self.input_tensors_index = None

    def _apply_on_tensors(self, fn, args):
        idx, tensors = [], []
        requires_grad = False
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                idx.append(i)
                tensors.append(a)
                requires_grad |= a.requires_grad
        if not (requires_grad and GRAD.enabled):
            return args, None
        new = BackwardHookFunction.apply(*tensors)
        if not isinstance(new, tuple):
            new = (new,)
        grad_fns = [t.grad_fn for t in new if t.grad_fn is not None
                    and t.grad_fn.name() == "BackwardHookFunctionBackward"]
        fn(grad_fns[0])
        out = list(args)
        for i, v in zip(idx, new):
            out[i] = v
        return (tuple(out) if type(args) is tuple else type(args)(*out)), idx

    def setup_input_hook(self, args):
        def fn(grad_fn):
            grad_fn.register_hook(self._input_hook)
        res, self.input_tensors_index = self._apply_on_tensors(fn, args)
        self.n_inputs = len(args)
        return res

    def _input_hook(self, grad_input, _):
        if self.grad_outputs is None:
            return None  # the gradient reached the inputs without passing the outputs
        res = _pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                   f"got {len(out)}, but expected {len(res)}")
            res = out
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_tensors_index)

    def setup_output_hook(self, args):
        def fn(grad_fn):
            grad_fn.register_prehook(self._output_hook)
        single = not isinstance(args, tuple)
        if single:
            args = (args,)
        res, self.output_tensors_index = self._apply_on_tensors(fn, args)
        self.n_outputs = len(args)
        return res[0] if single else res

    def _output_hook(self, grad_output):
        self.grad_outputs = _pack_with_none(self.output_tensors_index, grad_output,
                                            self.n_outputs)
        for hook in self.user_pre_hooks:
            out = hook(self.module, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(self.grad_outputs):
                raise RuntimeError("Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(out)}, but expected "
                                   f"{len(self.grad_outputs)}")
            self.grad_outputs = out
        local = self.grad_outputs
        if self.input_tensors_index is None:
            # no input needs a gradient: the hooks fire here, with grad_input all None
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients. See "
                          "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                          "#torch.nn.Module.register_full_backward_hook for more details.",
                          stacklevel=5)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.user_hooks:
                res = hook(self.module, grad_inputs, self.grad_outputs)
                if res is not None and not (isinstance(res, tuple)
                                            and all(r is None for r in res)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return tuple(local[i] for i in self.output_tensors_index)


class _WrappedHook:
    """A legacy backward hook bound to its module (the module is held weakly)."""

    def __init__(self, hook, module):
        self.hook = hook
        functools.update_wrapper(self, hook)
        self.module = weakref.ref(module)

    def __call__(self, grad_inputs, grad_outputs):
        module = self.module()
        if module is None:
            raise RuntimeError("You are trying to call the hook of a dead Module!")
        return self.hook(module, grad_inputs, grad_outputs)


def _forward_unimplemented(self, *input):
    """The forward computation: every subclass defines it."""
    raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                              '"forward" function')


class Module:
    """Base class for all neural network modules, as torch.nn.Module.

    Subclass it, call `super().__init__()` first, assign Parameters, buffers (with
    `register_buffer`) and submodules as attributes, and define `forward`. Calling the
    module runs its hooks around `forward`.
    """

    dump_patches = False
    _version = 1
    T_destination = TypeVar("T_destination", bound=Mapping)
    training: bool
    call_super_init = False
    _compiled_call_impl = None

    def __init__(self, *args, **kwargs):
        if self.call_super_init is False and bool(kwargs):
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                            f"argument '{next(iter(kwargs))}'")
        if self.call_super_init is False and bool(args):
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument "
                            f"but {len(args) + 1} were given")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_backward_pre_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()
        d["_is_full_backward_hook"] = None
        d["_forward_hooks"] = OrderedDict()
        d["_forward_hooks_with_kwargs"] = OrderedDict()
        d["_forward_hooks_always_called"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_pre_hooks_with_kwargs"] = OrderedDict()
        d["_state_dict_hooks"] = OrderedDict()
        d["_state_dict_pre_hooks"] = OrderedDict()
        d["_load_state_dict_pre_hooks"] = OrderedDict()
        d["_load_state_dict_post_hooks"] = OrderedDict()
        d["_modules"] = {}
        if self.call_super_init:
            super().__init__(*args, **kwargs)

    forward = _forward_unimplemented

    # -- registration --------------------------------------------------------------------------
    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer: state saved in `state_dict` (unless `persistent=False`) and moved by
        `.to()`, but not a parameter (e.g. BatchNorm's running_mean). `tensor=None` keeps the
        name with no value."""
        _check_new_name(self, "_buffers", "buffer", name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(ember Tensor or None required)")
        tensor = _on_registration(_global_buffer_registration_hooks, self, name, tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        """Add a parameter (a `Parameter`, or None to keep the name with no value)."""
        _check_new_name(self, "_parameters", "parameter", name)
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(ember.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method.")
        param = _on_registration(_global_parameter_registration_hooks, self, name, param)
        self._parameters[name] = param

    def add_module(self, name, module):
        """Add a child module, reachable as the attribute `name`."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        module = _on_registration(_global_module_registration_hooks, self, name, module)
        self._modules[name] = module

    def register_module(self, name, module):
        """Alias of `add_module`."""
        self.add_module(name, module)

    def get_submodule(self, target):
        """The submodule at the dotted path `target` ('' is self); AttributeError if none."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return mod

    def set_submodule(self, target, module, strict=False):
        """Replace (or with strict=False also create) the submodule at the dotted path."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        path, _, name = target.rpartition(".")
        if not isinstance(module, Module):
            raise ValueError("`module` is not an nn.Module, found " + str(type(module)))
        parent = self.get_submodule(path)
        if strict and not hasattr(parent, name):
            raise AttributeError(parent._get_name() + " has no attribute `" + name + "`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError("`" + name + "` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target):
        """The parameter at the dotted path `target`; AttributeError if there is none."""
        mod, name = _attribute_at(self, target)
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target):
        """The buffer at the dotted path `target`; AttributeError if there is none."""
        mod, name = _attribute_at(self, target)
        buf = getattr(mod, name)
        if name not in mod._buffers:
            raise AttributeError("`" + name + "` is not a buffer")
        return buf

    def get_extra_state(self):
        """Extra state to save in `state_dict` (define it together with `set_extra_state`)."""
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called. "
            "Please file an issue at https://github.com/pytorch/pytorch/issues/new?template="
            "bug-report.yml to report this bug.")

    def set_extra_state(self, state):
        """Restore the extra state that `get_extra_state` returned."""
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called. "
            "Please file an issue at https://github.com/pytorch/pytorch/issues/new?template="
            "bug-report.yml to report this bug.")

    # -- attribute routing ---------------------------------------------------------------------
    def __getattr__(self, name):
        d = self.__dict__
        if "_parameters" in d:
            p = d["_parameters"]
            if name in p:
                return p[name]
        if "_buffers" in d:
            b = d["_buffers"]
            if name in b:
                return b[name]
        if "_modules" in d:
            m = d["_modules"]
            if name in m:
                return m[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            _remove_from(self, name, "_buffers", "_modules")
            Module.register_parameter(self, name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(ember.nn.Parameter or None expected)")
            Module.register_parameter(self, name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            _remove_from(self, name, "_parameters", "_buffers")
            value = _on_registration(_global_module_registration_hooks, self, name, value)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(ember.nn.Module or None expected)")
            value = _on_registration(_global_module_registration_hooks, self, name, value)
            modules[name] = value
            return
        buffers = d.get("_buffers")
        is_buffer = isinstance(value, Buffer)
        if is_buffer or (buffers is not None and name in buffers):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(ember.nn.Buffer, ember.Tensor or None expected)")
            if is_buffer:
                persistent = value._meta.get("persistent", True)
            else:
                persistent = name not in self._non_persistent_buffers_set
            Module.register_buffer(self, name, value, persistent)
            return
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        d = self.__dict__
        if "_parameters" in d and name in d["_parameters"]:
            del d["_parameters"][name]
        elif "_buffers" in d and name in d["_buffers"]:
            del d["_buffers"][name]
            d["_non_persistent_buffers_set"].discard(name)
        elif "_modules" in d and name in d["_modules"]:
            del d["_modules"][name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = (dir(type(self)) + list(self.__dict__) + list(self._parameters)
                + list(self._modules) + list(self._buffers))
        return sorted(k for k in keys if not k[0].isdigit())

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)
        defaults = (("_forward_pre_hooks", OrderedDict), ("_forward_pre_hooks_with_kwargs",
                    OrderedDict), ("_forward_hooks", OrderedDict),
                    ("_forward_hooks_with_kwargs", OrderedDict),
                    ("_forward_hooks_always_called", OrderedDict),
                    ("_state_dict_hooks", OrderedDict), ("_state_dict_pre_hooks", OrderedDict),
                    ("_load_state_dict_pre_hooks", OrderedDict),
                    ("_load_state_dict_post_hooks", OrderedDict),
                    ("_non_persistent_buffers_set", set), ("_is_full_backward_hook",
                                                           lambda: None),
                    ("_backward_pre_hooks", OrderedDict), ("_backward_hooks", OrderedDict))
        for key, make in defaults:
            if key not in self.__dict__:
                self.__dict__[key] = make()

    # -- walks ---------------------------------------------------------------------------------
    def _walk(self, prefix="", memo=None, remove_duplicate=True):
        # (dotted name, module) over the tree, self first, each module once (by identity)
        # unless remove_duplicate is False
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            yield from Module._walk(child, prefix + ("." if prefix else "") + name, memo,
                                    remove_duplicate)

    def _named_members(self, get_members_fn, prefix="", recurse=True, remove_duplicate=True):
        """(name, member) pairs gathered by `get_members_fn(module)` over the tree."""
        memo = set()
        modules = self._walk(prefix, None, remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members_fn(module):
                if v is None or id(v) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield module_prefix + ("." if module_prefix else "") + k, v

    def parameters(self, recurse=True):
        """Iterate over the module's parameters (with those of submodules if `recurse`)."""
        for _, p in self._named_members(_params_of, recurse=recurse):
            yield p

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterate over (dotted name, parameter) pairs; shared parameters are listed once
        unless `remove_duplicate=False`."""
        yield from self._named_members(_params_of, prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        """Iterate over the module's buffers (with those of submodules if `recurse`)."""
        for _, b in self._named_members(_buffers_of, recurse=recurse):
            yield b

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterate over (dotted name, buffer) pairs."""
        yield from self._named_members(_buffers_of, prefix, recurse, remove_duplicate)

    def children(self):
        """Iterate over the immediate child modules (each once)."""
        for _, m in self.named_children():
            yield m

    def named_children(self):
        """Iterate over (name, child module) pairs of the immediate children."""
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def modules(self):
        """Iterate over all modules of the tree, self first (each once)."""
        for _, m in self._walk():
            yield m

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Iterate over (dotted name, module) pairs of the tree, self first with `prefix`."""
        if memo is not None:
            ids = {id(m) for m in memo}
            for name, m in self._walk(prefix, ids, remove_duplicate):
                if remove_duplicate:
                    memo.add(m)
                yield name, m
            return
        yield from self._walk(prefix, None, remove_duplicate)

    # -- modes and conversions -----------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (`mode=True`) or evaluation mode on this module and all below
        (changes Dropout and BatchNorm behaviour). Returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for _, m in self._walk():
            m.training = mode
        return self

    def eval(self):
        """Set evaluation mode (as `train(False)`). Returns self."""
        return Module.train(self, False)

    def requires_grad_(self, requires_grad=True):
        """Set `requires_grad` on every parameter (False freezes the module). Returns self."""
        for _, p in self._named_members(_params_of):
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (default) or to zeros."""
        for _, p in self._named_members(_params_of):
            g = p._grad
            if g is None:
                continue
            if set_to_none:
                p._grad = None
            else:
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()

    def apply(self, fn):
        """Call `fn(module)` on every submodule (children first) and then on self, e.g. to
        initialise weights. Returns self."""
        for _, m in Module.named_children(self):
            Module.apply(m, fn)
        fn(self)
        return self

    def _apply(self, fn, recurse=True):
        # fn maps each parameter, gradient and buffer; parameters keep their identity (the
        # new values are set with `.data =`) so optimizers holding them stay valid
        if recurse:
            for m in self._modules.values():
                if m is not None:
                    m._apply(fn)
        for key, param in self._parameters.items():
            if param is None:
                continue
            prev = GRAD.enabled
            GRAD.enabled = False
            try:
                applied = fn(param)
                grad = param._grad
                grad_applied = fn(grad) if grad is not None else None
            finally:
                GRAD.enabled = prev
            if applied is not param:
                param.data = applied
            if grad_applied is not None and grad_applied is not grad:
                grad.data = grad_applied
        for key, buf in self._buffers.items():
            if buf is not None:
                self._buffers[key] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        """Move and/or cast parameters and buffers: `to(device)`, `to(dtype)`,
        `to(device, dtype)`, `to(tensor)`, `to(memory_format=...)`. Only floating point (and
        complex) tensors change dtype; the dtype must be floating point or complex."""
        fmt = kwargs.get("memory_format")  # applied to the 4-d and 5-d tensors only
        device, dtype = _parse_to(args, kwargs)
        if dtype is not None:
            if dtype.category < 2:
                raise TypeError("nn.Module.to only accepts floating point or complex dtypes, "
                                f"but got desired dtype={dtype}")
            if dtype.category == 3:
                warnings.warn("Complex modules are a new feature under active development "
                              "whose design may change, and some modules might not work as "
                              "expected when using complex tensors as parameters or buffers. "
                              "Please file an issue at https://github.com/pytorch/pytorch/"
                              "issues/new?template=bug-report.yml if a complex module does "
                              "not work as expected.", stacklevel=2)

        def convert(t):
            if dtype is not None and (t.is_floating_point() or t.is_complex()):
                t = t.to(device, dtype)
            elif device is not None:
                t = t.to(device)
            if fmt is not None and t.dim() in (4, 5):
                t = t.to(memory_format=fmt)
            return t

        return self._apply(convert)

    def to_empty(self, *, device, recurse=True):
        """Replace parameters and buffers by uninitialized tensors of the same shapes on
        `device` (without copying their values). Returns self."""
        from ember._ops.creation import empty_like
        return self._apply(lambda t: empty_like(t, device=device), recurse=recurse)

    def cpu(self):
        """Move all parameters and buffers to the CPU. Returns self."""
        return self._apply(lambda t: t.cpu())

    def cuda(self, device=None):
        """Move all parameters and buffers to a CUDA device (unavailable in ember)."""
        return self._apply(lambda t: t.cuda(device))

    def xpu(self, device=None):
        """Move to an XPU device (unavailable in ember: raises)."""
        return self._apply(lambda t: t.to("xpu" if device is None else device))

    def ipu(self, device=None):
        """Move to an IPU device (unavailable in ember: raises)."""
        return self._apply(lambda t: t.to("ipu" if device is None else device))

    def mtia(self, device=None):
        """Move to an MTIA device (unavailable in ember: raises)."""
        return self._apply(lambda t: t.to("mtia" if device is None else device))

    def compile(self, *args, **kwargs):
        """Compile this module in place, as torch's `Module.compile`: ember runs eagerly, so
        the module keeps calling its forward as before."""

    def type(self, dst_type):
        """Cast all parameters and buffers to `dst_type`. Returns self."""
        return self._apply(lambda t: t.type(dst_type))

    def float(self):
        """Cast floating point parameters and buffers to float32. Returns self."""
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        """Cast floating point parameters and buffers to float64. Returns self."""
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self):
        """Cast floating point parameters and buffers to float16. Returns self."""
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def bfloat16(self):
        """Cast floating point parameters and buffers to bfloat16. Returns self."""
        return self._apply(lambda t: t.bfloat16() if t.is_floating_point() else t)

    def share_memory(self):
        """Move parameters, their gradients and buffers into shared memory (each tensor's
        `share_memory_()`), so processes given this module, e.g. Hogwild trainers, read and
        write the same weights, as torch.nn.Module.share_memory. Returns self."""
        return self._apply(lambda t: t.share_memory_())

    # -- hooks ---------------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Run `hook(module, args)` (or `hook(module, args, kwargs)` with `with_kwargs`)
        before forward; it may return new args (or `(args, kwargs)`)."""
        handle = _register(self._forward_pre_hooks, hook, prepend,
                           extra=self._forward_pre_hooks_with_kwargs)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """Run `hook(module, args, output)` (or `hook(module, args, kwargs, output)`) after
        forward; it may return a new output. `always_call` runs it even if forward raised."""
        handle = _register(self._forward_hooks, hook, prepend,
                           extra=[self._forward_hooks_with_kwargs,
                                  self._forward_hooks_always_called])
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        return handle

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Run `hook(module, grad_output)` when the gradients of the module's outputs are
        computed; it may return a new grad_output."""
        return _register(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """Run `hook(module, grad_input, grad_output)` once the gradients of the module's
        inputs are computed; it may return a new grad_input."""
        self._is_full_backward_hook = _backward_hook_kind(self._is_full_backward_hook, True,
                                                          "on a single Module")
        return _register(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook):
        """Deprecated: a hook on the grad_fn of the output (use the full backward hook)."""
        self._is_full_backward_hook = _backward_hook_kind(self._is_full_backward_hook, False,
                                                          "on a single Module")
        return _register(self._backward_hooks, hook)

    def register_state_dict_pre_hook(self, hook):
        """Run `hook(module, prefix, keep_vars)` before this module's `state_dict` entries."""
        return _register(self._state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook):
        """Run `hook(module, state_dict, prefix, local_metadata)` after this module's part of
        `state_dict` (it edits state_dict in place and must return None)."""
        hook._from_public_api = True
        return _register(self._state_dict_hooks, hook)

    def _register_state_dict_hook(self, hook):
        if getattr(hook, "_from_public_api", False):
            raise RuntimeError("Cannot register the same function as the state dict post hook "
                               "that was previously registered via "
                               "register_state_dict_post_hook")
        return _register(self._state_dict_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook):
        """Run `hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)` before this module's part of `load_state_dict`."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        fn = functools.partial(hook, self) if with_module else hook
        return _register(self._load_state_dict_pre_hooks, fn)

    def register_load_state_dict_post_hook(self, hook):
        """Run `hook(module, incompatible_keys)` after `load_state_dict` (it may edit the key
        lists in place and must return None)."""
        return _register(self._load_state_dict_post_hooks, hook)

    # -- calling -------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not (self._forward_hooks or self._forward_pre_hooks or self._backward_hooks
                or self._backward_pre_hooks or _has_global_hooks()):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    _call_impl = __call__
    _wrapped_call_impl = __call__

    def _slow_forward(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def _get_backward_hooks(self):
        # (full hooks, legacy hooks) that apply to this module, globals first
        full, legacy = [], []
        if _global_is_full_backward_hook is True:
            full += _global_backward_hooks.values()
        elif _global_is_full_backward_hook is False:
            legacy += _global_backward_hooks.values()
        if self._is_full_backward_hook is True:
            full += self._backward_hooks.values()
        elif self._is_full_backward_hook is False:
            legacy += self._backward_hooks.values()
        return full, legacy

    def _get_backward_pre_hooks(self):
        return list(_global_backward_pre_hooks.values()) + list(
            self._backward_pre_hooks.values())

    def _call_with_hooks(self, args, kwargs):
        full_hooks, legacy_hooks, pre_hooks = [], [], []
        if self._backward_pre_hooks or _global_backward_pre_hooks:
            pre_hooks = Module._get_backward_pre_hooks(self)
        if self._backward_hooks or _global_backward_hooks:
            full_hooks, legacy_hooks = Module._get_backward_hooks(self)
        result = None
        called_always = set()
        try:
            for hook_id, hook in (*_global_forward_pre_hooks.items(),
                                  *self._forward_pre_hooks.items()):
                if hook_id in self._forward_pre_hooks_with_kwargs:
                    out = hook(self, args, kwargs)
                    if out is not None:
                        if isinstance(out, tuple) and len(out) == 2:
                            args, kwargs = out
                        else:
                            raise RuntimeError("forward pre-hook must return None or a tuple "
                                               f"of (new_args, new_kwargs), but got {out}.")
                else:
                    out = hook(self, args)
                    if out is not None:
                        args = out if isinstance(out, tuple) else (out,)
            bw_hook = None
            if full_hooks or pre_hooks:
                bw_hook = _BackwardHook(self, full_hooks, pre_hooks)
                args = bw_hook.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            for hook_id, hook in (*_global_forward_hooks.items(),
                                  *self._forward_hooks.items()):
                if (hook_id in self._forward_hooks_always_called
                        or hook_id in _global_forward_hooks_always_called):
                    called_always.add(hook_id)
                result = _forward_hook_result(self, hook_id, hook, args, kwargs, result)
            if bw_hook is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warnings.warn("For backward hooks to be called, module output should be a "
                                  "Tensor or a tuple of Tensors but received "
                                  f"{type(result)}", stacklevel=2)
                result = bw_hook.setup_output_hook(result)
            if legacy_hooks:
                var = result
                while not isinstance(var, Tensor):
                    if isinstance(var, dict):
                        var = next(v for v in var.values() if isinstance(v, Tensor))
                    else:
                        var = var[0]
                if var.grad_fn is not None:
                    for hook in legacy_hooks:
                        var.grad_fn.register_hook(_WrappedHook(hook, self))
            return result
        except Exception:
            for hook_id, hook in (*_global_forward_hooks.items(),
                                  *self._forward_hooks.items()):
                if hook_id in called_always or not (
                        hook_id in self._forward_hooks_always_called
                        or hook_id in _global_forward_hooks_always_called):
                    continue
                try:
                    result = _forward_hook_result(self, hook_id, hook, args, kwargs, result)
                except Exception as e:
                    warnings.warn("forward hook with ``always_call=True`` raised an exception "
                                  "that was silenced as another error was raised in forward: "
                                  f"{e}", stacklevel=2)
            raise

    # -- state dict ----------------------------------------------------------------------------
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        """Put this module's own parameters, persistent buffers and extra state (not its
        children's) into `destination`."""
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An ordered dict of every parameter and persistent buffer by dotted name (own entries
        first, then each child's), detached unless `keep_vars`."""
        if args:
            warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                          "https://pytorch.org/docs/main/generated/torch.nn.Module.html"
                          "#torch.nn.Module.state_dict for details.", FutureWarning,
                          stacklevel=2)
            if destination is None and len(args) > 0:
                destination = args[0]
            if len(args) > 1 and prefix == "":
                prefix = args[1]
            if len(args) > 2 and keep_vars is False:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        return _state_dict(self, destination, prefix, keep_vars)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        """Copy this module's own entries from `state_dict` (keys under `prefix`), noting
        missing and unexpected keys and errors in the given lists."""
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)
        local_state = {k: v for k, v in itertools.chain(
            self._parameters.items(),
            ((k, v) for k, v in self._buffers.items()
             if k not in self._non_persistent_buffers_set)) if v is not None}
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected '
                                  "ember.Tensor or Tensor-like object from checkpoint but "
                                  f"received {type(value)}")
                continue
            lazy = _is_lazy(param)
            if (not lazy and param.dim() == 0 and value.dim() == 1
                    and value.shape[0] == 1):
                value = value[0]  # checkpoints of old versions stored scalars as 1-element
            if not lazy and value.shape != param.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                                  f"{value.shape} from checkpoint, the shape in current model "
                                  f"is {param.shape}.")
                continue
            prev = GRAD.enabled
            GRAD.enabled = False
            try:
                if assign:
                    if isinstance(param, Parameter):
                        if not isinstance(value, Parameter):
                            value = Parameter(value, requires_grad=param.requires_grad)
                        else:
                            value.requires_grad_(param.requires_grad)
                    setattr(self, name, value)
                elif lazy:
                    param.materialize(value.shape)
                    param.copy_(value)
                else:
                    param.copy_(value)
            except Exception as ex:
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions '
                                  f"in the model are {param.size()} and whose dimensions in the "
                                  f"checkpoint are {value.size()}, an exception occurred : "
                                  f"{ex.args}.")
            finally:
                GRAD.enabled = prev
        extra_key = prefix + _EXTRA_STATE_KEY_SUFFIX
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            for key in state_dict.keys():
                if key.startswith(prefix) and key != extra_key:
                    head = key[len(prefix):].split(".", 1)
                    if len(head) > 1:
                        if head[0] not in self._modules:
                            unexpected_keys.append(key)
                    elif head[0] not in local_state:
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from `state_dict` into this module and its children.
        With `strict`, missing or unexpected keys raise RuntimeError; with `assign`, the
        module takes the given tensors instead of copying into its own. Returns the named
        tuple `(missing_keys, unexpected_keys)`."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata

        def load(module, local, prefix=""):
            meta = {} if metadata is None else metadata.get(prefix[:-1], {})
            if assign:
                meta["assign_to_params_buffers"] = assign
            module._load_from_state_dict(local, prefix, meta, True, missing, unexpected, errors)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(child, {k: v for k, v in local.items() if k.startswith(child_prefix)},
                         child_prefix)
            keys = _IncompatibleKeys(missing, unexpected)
            for hook in module._load_state_dict_post_hooks.values():
                out = hook(module, keys)
                if out is not None:
                    raise AssertionError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not"
                        "expected to return new values, if incompatible_keys need to be "
                        "modified,it should be done inplace.")

        load(self, state_dict)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    # -- printing ------------------------------------------------------------------------------
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The module-specific part of the repr (override it; '' by default)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = ["(" + key + "): " + _addindent(repr(m), 2)
                       for key, m in self._modules.items()]
        lines = extra_lines + child_lines
        s = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                s += extra_lines[0]
            else:
                s += "\n  " + "\n  ".join(lines) + "\n"
        return s + ")"


def _state_dict(module, destination, prefix, keep_vars):
    local_metadata = dict(version=module._version)
    if hasattr(destination, "_metadata"):
        destination._metadata[prefix[:-1]] = local_metadata
    for hook in module._state_dict_pre_hooks.values():
        hook(module, prefix, keep_vars)
    module._save_to_state_dict(destination, prefix, keep_vars)
    for name, child in module._modules.items():
        if child is not None:
            _state_dict(child, destination, prefix + name + ".", keep_vars)
    for hook in module._state_dict_hooks.values():
        out = hook(module, destination, prefix, local_metadata)
        if getattr(hook, "_from_public_api", False):
            if out is not None:
                raise RuntimeError("state_dict post-hook must return None")
        elif out is not None:
            destination = out
    return destination


def _params_of(module):
    return module._parameters.items()


def _buffers_of(module):
    return module._buffers.items()


def _remove_from(module, name, *dicts):
    d = module.__dict__
    d.pop(name, None)
    for key in dicts:
        if key in d and name in d[key]:
            del d[key][name]
            if key == "_buffers":
                d["_non_persistent_buffers_set"].discard(name)


def _parse_to(args, kwargs):
    """(device, dtype) from the arguments of Module.to, as torch's _parse_to."""
    from ember._tensor import _is_dtype
    from ember._backend import dtypes as _dt
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    kwargs.pop("copy", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got unexpected "
                        f"keyword arguments {list(kwargs)}")
    if args:
        first, rest = args[0], list(args[1:])
        if isinstance(first, Tensor):
            device, dtype = first.device, first.dtype
        elif _is_dtype(first):
            dtype = first
        elif first is None or isinstance(first, (str, int)) or hasattr(first, "type"):
            device = first
            if rest and _is_dtype(rest[0]):
                dtype = rest.pop(0)
        else:
            raise TypeError("to() received an invalid combination of arguments - got ("
                            + ", ".join(type(a).__name__ for a in args) + ")")
        if len(rest) > 1 or not all(isinstance(a, bool) for a in rest):
            raise TypeError("to() received an invalid combination of arguments - got ("
                            + ", ".join(type(a).__name__ for a in args) + ")")
    if dtype is not None:
        dtype = _dt.to_dtype(dtype)
    if device is not None:
        from ember._backend.device import to_device
        to_device(device)
    return device, dtype
