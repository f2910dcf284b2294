"""ember.func: function transforms with torch.func's API (grad, vjp, jvp, jacrev, jacfwd,
hessian, functional_call, vmap).

The transforms are built on ember's autograd: reverse mode through `autograd.grad`, forward
mode through `autograd.forward_ad`. Arguments may be tensors or (nested) tuples, lists and
dicts of tensors, as torch.func's pytrees. Results keep their autograd history when the
inputs require grad, so transforms compose with each other and with `.backward()`.
`vmap` is a loop over the batch followed by a stack (same results, no vectorisation).
"""
from ember._ops import engine as _engine
from ember._ops.engine import GRAD
from ember.autograd import forward_ad as _fwad

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian",
           "functional_call", "vmap"]


# --- pytrees --------------------------------------------------------------------------------

def _flatten(tree):
    """(leaves, rebuild): the tensors of a nested tuple/list/dict and a function putting new
    leaves back in the same structure."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(x) for x in tree]
        kind = type(tree)

        def rebuild(leaves):
            out, k = [], 0
            for (ls, rb) in parts:
                out.append(rb(leaves[k:k + len(ls)]))
                k += len(ls)
            return kind(out) if kind in (tuple, list) else kind(*out)
        return [leaf for ls, _ in parts for leaf in ls], rebuild
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]

        def rebuild(leaves):
            out, k = {}, 0
            for key, (ls, rb) in zip(keys, parts):
                out[key] = rb(leaves[k:k + len(ls)])
                k += len(ls)
            return type(tree)(out) if type(tree) is not dict else out
        return [leaf for ls, _ in parts for leaf in ls], rebuild
    if isinstance(tree, _engine.Tensor):
        return [tree], lambda leaves: leaves[0]
    return [], lambda leaves: tree


def _track(t):
    """`t` as a tensor to differentiate with respect to: a view keeping its history when it
    already requires grad (so outer transforms see through), else a fresh leaf; a
    forward-AD tangent is kept."""
    if t._requires_grad:
        return t.view_as(t)
    new = t.detach().requires_grad_(True)
    if GRAD.fw is not None:
        tangent = _engine.tangent_of(t)
        if tangent is not None:
            _engine.set_tangent(new, tangent, GRAD.fw)
    return new


def _argnums(argnums, n):
    """Normalise `argnums` (int or tuple of ints) against `n` positional arguments."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    out = []
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(a)}")
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
        out.append(a % n)
    return out


def _zeros_like(t):
    from ember._ops.creation import zeros_like
    return zeros_like(t)


def _autograd_grad(outputs, inputs, grad_outputs, create_graph, retain_graph=None):
    from ember import autograd
    outs, gos = [], []
    for o, g in zip(outputs, grad_outputs):
        if o._requires_grad:
            outs.append(o)
            gos.append(g)
    if not outs:
        return [_zeros_like(x) for x in inputs]
    res = autograd.grad(outs, inputs, gos, retain_graph=retain_graph,
                        create_graph=create_graph, allow_unused=True)
    return [_zeros_like(x) if r is None else r for r, x in zip(res, inputs)]


def _keep_graph(flat):
    return GRAD.enabled and any(t._requires_grad for t in flat)


def _detach_unless(tree, keep):
    if keep or GRAD.fw is not None:  # (detach would drop a forward-AD tangent)
        return tree
    leaves, rebuild = _flatten(tree)
    return rebuild([t.detach() if t._requires_grad else t for t in leaves])


def _split_aux(out, has_aux, caller):
    """(output, aux) of a function's result: aux None without `has_aux`, else the result
    must be the pair torch's transforms require (`caller` names the transform in the error)."""
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{caller}: output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")
    return out


def _regroup(values, per_arg, rebuilds):
    """Flat `values` split into one structure per argument (`per_arg` gives each argument's
    leaf count, `rebuilds` its structure)."""
    groups, k = [], 0
    for leaves, rebuild in zip(per_arg, rebuilds):
        groups.append(rebuild(values[k:k + len(leaves)]))
        k += len(leaves)
    return groups


def _prepare_args(args, nums):
    """Replace the differentiated arguments by tracked copies; return (new args, the tracked
    leaves per argnum, their rebuild functions, whether the caller's graph must be kept)."""
    args = list(args)
    per_arg, rebuilds, originals = [], [], []
    for a in nums:
        leaves, rebuild = _flatten(args[a])
        originals.extend(leaves)
        tracked = [_track(t) for t in leaves]
        args[a] = rebuild(tracked)
        per_arg.append(tracked)
        rebuilds.append(rebuild)
    return args, per_arg, rebuilds, _keep_graph(originals)


# --- reverse mode ---------------------------------------------------------------------------

def grad_and_value(func, argnums=0, has_aux=False):
    """Transform `func` (returning a scalar tensor) into one returning ``(gradient, value)``:
    the gradient of the output with respect to argument(s) `argnums` (same structure as
    those arguments; a tuple for a tuple of argnums). With `has_aux`, `func` returns
    ``(output, aux)`` and the transform returns ``(gradient, (value, aux))``."""
    from ember.autograd.grad_mode import enable_grad

    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args))
        with enable_grad():
            new_args, per_arg, rebuilds, keep = _prepare_args(args, nums)
            out = func(*new_args, **kwargs)
            out, aux = _split_aux(out, has_aux, "grad_and_value(f)(*args)")
            if not isinstance(out, _engine.Tensor):
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"Tensor, got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"scalar Tensor, got tensor with {out.dim()} dims. Maybe "
                                   "you wanted to use the vjp or jacrev APIs instead?")
            flat = [t for ts in per_arg for t in ts]
            grads = _autograd_grad([out], flat, [None], create_graph=keep)
        grads = _detach_unless(grads, keep)
        result = _regroup(grads, per_arg, rebuilds)
        result = tuple(result) if isinstance(argnums, tuple) else result[0]
        value = _detach_unless(out, keep)
        if has_aux:
            return result, (value, _detach_unless(aux, keep))
        return result, value
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """Transform scalar-valued `func` into the function computing its gradient with respect
    to argument(s) `argnums` (torch.func.grad); with `has_aux`, returns ``(grad, aux)``.

    Example: ``ember.func.grad(lambda x: x.sin().sum())(x)`` equals ``x.cos()``."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        if has_aux:
            return g, value[1]
        return g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """Run ``func(*primals)`` and return ``(output, vjp_fn)`` (plus aux with `has_aux`), where
    ``vjp_fn(cotangents)`` gives the vector-Jacobian products with respect to every primal,
    as a tuple shaped like `primals` (torch.func.vjp)."""
    from ember.autograd.grad_mode import enable_grad
    with enable_grad():
        new_args, per_arg, rebuilds, keep = _prepare_args(primals, range(len(primals)))
        out = func(*new_args)
        out, aux = _split_aux(out, has_aux, "vjp(f, *primals)")
    out_leaves, _ = _flatten(out)
    if not out_leaves:
        raise RuntimeError("vjp(f, *primals): Expected f to be a function that has "
                           "non-empty output")
    flat = [t for ts in per_arg for t in ts]

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        """The vector-Jacobian products of `cotangents` (shaped like the output)."""
        cots, _ = _flatten(cotangents)
        if len(cots) != len(out_leaves):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as "
                               "pytree structure of outputs to the function")
        for c, o in zip(cots, out_leaves):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of "
                                   f"{c.shape} and output[0] has a shape of {o.shape}.")
        cg = keep or any(c._requires_grad for c in cots) if create_graph is None \
            else create_graph
        with enable_grad():
            grads = _autograd_grad(out_leaves, flat, cots, create_graph=cg,
                                   retain_graph=True if retain_graph else None)
        grads = _detach_unless(grads, cg)
        result = _regroup(grads, per_arg, rebuilds)
        return tuple(result)

    out = _detach_unless(out, keep)
    if has_aux:
        return out, vjp_fn, _detach_unless(aux, keep)
    return out, vjp_fn


def _stack_rows(rows, out, x):
    from ember._ops.creation import zeros
    from ember._ops.shape import stack
    shape = tuple(out.shape) + tuple(x.shape)
    if not rows:
        return zeros(shape, dtype=x.dtype)
    return stack(rows).reshape(shape)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """Transform `func` into the function computing its Jacobian with respect to argument(s)
    `argnums` by reverse mode, one vector-Jacobian product per output element
    (torch.func.jacrev). For output `o` and input `x` the block has shape
    ``o.shape + x.shape``; structures nest as output structure, then argnums (a tuple when
    `argnums` is), then the argument's structure. `chunk_size` is accepted and has no
    effect on the result."""
    from ember.autograd.grad_mode import enable_grad
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args))
        with enable_grad():
            new_args, per_arg, rebuilds, keep = _prepare_args(args, nums)
            out = func(*new_args, **kwargs)
            out, aux = _split_aux(out, has_aux, "jacrev(f, ...)(*args)")
            out_leaves, out_rebuild = _flatten(out)
            flat = [t for ts in per_arg for t in ts]
            blocks = []
            for o in out_leaves:
                o_flat = o.reshape(-1)
                rows = [[] for _ in flat]
                for k in range(o_flat.numel()):
                    gs = _autograd_grad([o_flat[k]], flat, [None], create_graph=keep,
                                        retain_graph=True)
                    for j, g in enumerate(gs):
                        rows[j].append(g)
                per = [_stack_rows(r, o, x) for r, x in zip(rows, flat)]
                per = _detach_unless(per, keep)
                grouped = _regroup(per, per_arg, rebuilds)
                blocks.append(tuple(grouped) if isinstance(argnums, tuple) else grouped[0])
        result = _rebuild_any(out_rebuild, blocks, out)
        if has_aux:
            return result, _detach_unless(aux, keep)
        return result
    return wrapper


def _rebuild_any(rebuild, blocks, like):
    """Put per-output blocks (any objects) back in the output's structure."""
    if isinstance(like, _engine.Tensor):
        return blocks[0]
    return rebuild(blocks)


# --- forward mode ---------------------------------------------------------------------------

def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """Return ``(func(*primals), J @ tangents)`` (plus aux with `has_aux`): the outputs and
    their Jacobian-vector products, by forward-mode AD (torch.func.jvp). `primals` and
    `tangents` are tuples of the same structure."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it "
                           "should be valid to call f(*primals).")
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have "
                           "the same python structure. For example, if primals is a tuple of "
                           "3 tensors, tangents also must be.")
    p_flat, p_rebuild = _flatten(primals)
    t_flat, _ = _flatten(tangents)
    if len(p_flat) != len(t_flat):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have "
                           "the same python structure.")
    if GRAD.fw is not None:  # a level is already open (one at a time): use reverse mode
        return _jvp_by_vjp(func, primals, tangents, has_aux)
    with _fwad.dual_level():
        duals = [_fwad.make_dual(p, t) for p, t in zip(p_flat, t_flat)]
        out = func(*p_rebuild(duals))
        out, aux = _split_aux(out, has_aux, "jvp(f, primals, tangents)")
        o_flat, o_rebuild = _flatten(out)
        if not o_flat and not isinstance(out, _engine.Tensor):
            raise RuntimeError("jvp(f, primals, tangents): Expected f(*primals) to return "
                               "only tensors")
        prim, tan = [], []
        for o in o_flat:
            p, t = _fwad.unpack_dual(o)
            prim.append(_plain(p))
            tan.append(_zeros_like(p) if t is None else t)
        if aux is not None:
            a_flat, a_rebuild = _flatten(aux)
            aux = a_rebuild([_plain(_fwad.unpack_dual(a).primal) for a in a_flat])
    if not any(t._requires_grad for t in p_flat + t_flat):
        tan = [t.detach() if t._requires_grad and GRAD.fw is None else t for t in tan]
    result = (o_rebuild(prim), o_rebuild(tan))
    return result + (aux,) if has_aux else result


def _plain(t):
    """A primal without the dual view's extra history when nothing needs it."""
    if t._requires_grad:
        return t
    return t.detach()


def _jvp_by_vjp(func, primals, tangents, has_aux):
    """J @ tangents through two reverse passes: u -> J^T u is linear, and its vjp with
    cotangent `tangents` is J @ tangents."""
    from ember.autograd.grad_mode import enable_grad
    with enable_grad():
        out, vjp_fn, *rest = vjp(func, *primals, has_aux=has_aux)
        o_flat, o_rebuild = _flatten(out)
        us = [_zeros_like(o).requires_grad_(True) for o in o_flat]
        g = vjp_fn(o_rebuild(us), create_graph=True)
        g_flat, _ = _flatten(g)
        t_flat, _ = _flatten(tangents)
        tan = _autograd_grad(g_flat, us, t_flat, create_graph=False)
    result = (out, o_rebuild(tan))
    return result + tuple(rest) if has_aux else result


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """Transform `func` into the function computing its Jacobian with respect to argument(s)
    `argnums` by forward mode, one Jacobian-vector product per input element
    (torch.func.jacfwd). Blocks have shape ``output.shape + input.shape`` and nest as in
    `jacrev`."""
    from ember._ops.shape import stack
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")

    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args))
        leaves_per, rebuilds = [], []
        for a in nums:
            leaves, rebuild = _flatten(args[a])
            leaves_per.append(leaves)
            rebuilds.append(rebuild)
        flat = [t for ls in leaves_per for t in ls]
        primal_out, aux = None, None
        columns = [[] for _ in flat]  # per input: the jvp outputs (flat) for each element

        def call(dual_flat):
            new_args, k = list(args), 0
            for a, ls, rebuild in zip(nums, leaves_per, rebuilds):
                new_args[a] = rebuild(dual_flat[k:k + len(ls)])
                k += len(ls)
            return func(*new_args, **kwargs)

        for j, x in enumerate(flat):
            for e in range(x.numel()):
                basis = [_zeros_like(t) for t in flat]
                one = basis[j].reshape(-1)
                one[e] = 1
                basis[j] = one.reshape(x.shape)
                res = jvp(lambda *d: call(list(d)), tuple(flat), tuple(basis),
                          has_aux=has_aux)
                if primal_out is None:
                    primal_out = res[0]
                    if has_aux:
                        aux = res[2]
                columns[j].append(_flatten(res[1])[0])
        if primal_out is None:  # no input elements: evaluate once for the output structure
            primal_out = func(*args, **kwargs)
            if has_aux:
                primal_out, aux = primal_out
        out_leaves, out_rebuild = _flatten(primal_out)
        blocks = []
        for i, o in enumerate(out_leaves):
            per = []
            for j, x in enumerate(flat):
                shape = tuple(o.shape) + tuple(x.shape)
                if columns[j]:
                    cols = stack([c[i].reshape(-1) for c in columns[j]], dim=-1)
                    per.append(cols.reshape(shape))
                else:
                    from ember._ops.creation import zeros
                    per.append(zeros(shape, dtype=o.dtype))
            grouped = _regroup(per, leaves_per, rebuilds)
            blocks.append(tuple(grouped) if isinstance(argnums, tuple) else grouped[0])
        result = _rebuild_any(out_rebuild, blocks, primal_out)
        return (result, aux) if has_aux else result
    return wrapper


def hessian(func, argnums=0):
    """The Hessian of scalar-valued `func` with respect to argument(s) `argnums`: forward
    mode over reverse mode, ``jacfwd(jacrev(func, argnums), argnums)`` (torch.func.hessian)."""
    return jacfwd(jacrev(func, argnums), argnums)


# --- modules and batching -------------------------------------------------------------------

def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call `module` with its parameters and buffers replaced by the tensors in
    `parameter_and_buffer_dicts` (a dict of dotted names, or a tuple of such dicts) for this
    call only (torch.func.functional_call). `args` is one argument or a tuple of them; names
    tied in the module follow a replaced value when `tie_weights`; `strict` requires the
    dicts to name exactly the module's parameters and buffers.

    Example: ``functional_call(model, {k: v * 2 for k, v in model.named_parameters()}, x)``.
    """
    from ember.nn.utils.stateless import _functional_call
    if isinstance(parameter_and_buffer_dicts, dict):
        merged = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (tuple, list)):
        seen, merged, repeated = set(), {}, []
        for d in parameter_and_buffer_dicts:
            if not isinstance(d, dict):
                raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                                 f"dictionaries but got {type(d)}")
            for k in d:
                if k in seen and k not in repeated:
                    repeated.append(k)
                seen.add(k)
            merged.update(d)
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple "
                         f"of dicts, but got {type(parameter_and_buffer_dicts)}")
    return _functional_call(module, merged, args, kwargs, tie_weights=tie_weights,
                            strict=strict)


def _fn_name(func):
    return getattr(func, "__name__", type(func).__name__)


def _mapped(arg, dim, out, where):
    """Collect (tensor, dim) pairs of `arg` mapped by in_dim `dim` (int, None, or a nested
    structure matching arg)."""
    if dim is None:
        return
    if isinstance(dim, int):
        leaves = _flatten(arg)[0]
        if not leaves and not isinstance(arg, (tuple, list, dict)):
            raise ValueError(f"vmap({where}, in_dims=...)(<inputs>): Got in_dim={dim} for an "
                             f"input but the input is of type {type(arg)}. We cannot vmap over "
                             "non-Tensor arguments, please use None as the respective in_dim")
        for t in leaves:
            d = dim + t.dim() if dim < 0 else dim
            if not 0 <= d < t.dim():
                raise ValueError(f"vmap({where}, in_dims=...)(<inputs>): Got in_dim={dim} for "
                                 f"some input, but that input is a Tensor of dimensionality "
                                 f"{t.dim()} so expected in_dim to satisfy "
                                 f"-{t.dim()} <= in_dim < {t.dim()}.")
            out.append((t, d))
        return
    if isinstance(dim, (tuple, list)) and isinstance(arg, (tuple, list)) \
            and len(dim) == len(arg):
        for a, d in zip(arg, dim):
            _mapped(a, d, out, where)
        return
    if isinstance(dim, dict) and isinstance(arg, dict):
        for k in arg:
            _mapped(arg[k], dim.get(k), out, where)
        return
    raise ValueError(f"vmap({where}, in_dims={dim}, ...)(<inputs>): in_dims is not compatible "
                     "with the structure of `inputs`.")


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorising map, as torch.func.vmap: ``vmap(f)(x)`` applies `f` to each slice of `x`
    along dimension `in_dims` (per argument: an int, None for an unmapped argument, or a
    structure matching it) and stacks the results along `out_dims`.

    ember's vmap is a fallback, not a vectoriser: it calls `func` once per batch element in
    a Python loop and stacks the outputs, so results equal torch's but cost one call per
    element. Randomness inside `func` therefore differs per element (torch's 'different');
    `chunk_size` only groups the loop."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("vmap: chunk_size should be None or greater than 0. "
                         f"(got {chunk_size})")

    def wrapper(*args, **kwargs):
        from ember._ops.shape import stack
        where = _fn_name(func)
        if not isinstance(in_dims, (int, tuple, list)) or isinstance(in_dims, bool):
            raise ValueError(f"vmap({where}, in_dims={in_dims}, ...)(<inputs>): expected "
                             "`in_dims` to be int or a (potentially nested) tuple matching the "
                             f"structure of inputs, got: {type(in_dims)}.")
        dims = (in_dims,) * len(args) if isinstance(in_dims, int) else tuple(in_dims)
        if len(dims) != len(args):
            raise ValueError(f"vmap({where}, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                             "compatible with the structure of `inputs`. in_dims has structure "
                             f"of length {len(dims)} but inputs has {len(args)} elements.")
        pairs = []
        for a, d in zip(args, dims):
            _mapped(a, d, pairs, where)
        if not pairs:
            raise ValueError(f"vmap({where}, in_dims={in_dims}, ...)(<inputs>): at least one "
                             "input must be a Tensor mapped over a dimension (got none).")
        sizes = [t.shape[d] for t, d in pairs]
        if len(set(sizes)) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
        mapped = {id(t): d for t, d in pairs}

        def slice_arg(arg, d, b):
            leaves, rebuild = _flatten(arg)
            if d is None:
                return arg
            if isinstance(d, int):
                return rebuild([t.select(mapped[id(t)], b) for t in leaves])
            if isinstance(d, (tuple, list)):
                return type(arg)(slice_arg(a, dd, b) for a, dd in zip(arg, d))
            return {k: slice_arg(arg[k], d.get(k), b) for k in arg}

        outs = []
        for b in range(sizes[0]):
            outs.append(func(*[slice_arg(a, d, b) for a, d in zip(args, dims)], **kwargs))
        first_leaves, rebuild = _flatten(outs[0])
        if not isinstance(outs[0], (tuple, list, dict)) and not first_leaves:
            raise ValueError(f"vmap({where}, ...): `{where}` must only return Tensors, got "
                             f"type {type(outs[0])}. Did you mean to set out_dims= to None "
                             "for output?")
        od = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(first_leaves)
        columns = list(zip(*[_flatten(o)[0] for o in outs]))
        stacked = []
        for col, d in zip(columns, od):
            if d is None:
                stacked.append(col[0])
            else:
                stacked.append(stack(list(col), dim=d))
        return rebuild(stacked)
    return wrapper
