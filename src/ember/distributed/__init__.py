"""ember.distributed: torch.distributed's process-group API for a single process. ember runs
in one process on one device, so `init_process_group` accepts world_size 1 (the usual
fallback of training scripts run without a launcher) and the collectives leave tensors as a
one-member group would; before initialisation the calls raise torch's ValueError."""
import enum
import os

__all__ = ["Backend", "GroupMember", "ReduceOp", "all_gather", "all_gather_into_tensor",
           "all_gather_object", "all_reduce", "barrier", "broadcast", "broadcast_object_list",
           "destroy_process_group", "gather", "get_backend", "get_rank", "get_world_size",
           "init_process_group", "is_available", "is_gloo_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "is_torchelastic_launched", "new_group",
           "reduce", "reduce_scatter", "scatter"]

_NOT_INIT = ("Default process group has not been initialized, please make sure to call "
             "init_process_group.")
_STATE = {"backend": None}


class RedOpType(enum.Enum):
    """Reduction operations of the collectives."""
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8


class ReduceOp:
    """The reductions all_reduce and reduce accept (`ReduceOp.SUM`, ...)."""
    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


class Backend(str):
    """A backend name ('gloo', 'nccl', 'mpi'), as torch.distributed.Backend."""
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name):
        return str.__new__(cls, str(name).lower())


class GroupMember:
    """Holds the default group (`GroupMember.WORLD`) once initialised."""
    WORLD = None
    NON_GROUP_MEMBER = -100


class _Work:
    """The handle an async collective returns (already complete here)."""

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True


def is_available():
    """Whether the distributed package is usable (True: single-process groups)."""
    return True


def is_initialized():
    """Whether the default process group has been initialised."""
    return _STATE["backend"] is not None


def is_gloo_available():
    return True


def is_nccl_available():
    return False


def is_mpi_available():
    return False


def is_torchelastic_launched():
    """Whether the process was started by torchrun (TORCHELASTIC_RUN_ID is set)."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Initialise the default group; only a one-process group (world_size 1, rank 0) can be
    made in ember."""
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    if world_size == -1:
        world_size = int(os.environ.get("WORLD_SIZE", 1))
    if rank == -1:
        rank = int(os.environ.get("RANK", 0))
    if world_size != 1 or rank != 0:
        raise RuntimeError(f"ember.distributed runs a single process: world_size must be 1 "
                           f"and rank 0, got world_size={world_size}, rank={rank}")
    if backend is not None and str(backend).lower() == "nccl":
        raise RuntimeError("Distributed package doesn't have NCCL built in")
    _STATE["backend"] = Backend(backend or "gloo")
    GroupMember.WORLD = object()


def destroy_process_group(group=None):
    """Tear down the default group."""
    _STATE["backend"] = None
    GroupMember.WORLD = None


def _check():
    if not is_initialized():
        raise ValueError(_NOT_INIT)


def get_rank(group=None):
    """This process's rank in the group (0)."""
    _check()
    return 0


def get_world_size(group=None):
    """The number of processes in the group (1)."""
    _check()
    return 1


def get_backend(group=None):
    """The group's backend name."""
    _check()
    return _STATE["backend"]


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, **kwargs):
    """A subgroup (the single process)."""
    _check()
    return GroupMember.WORLD


def _done(async_op):
    return _Work() if async_op else None


def barrier(group=None, async_op=False, device_ids=None):
    """Wait for every process (returns at once with one process)."""
    _check()
    return _done(async_op)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` over all processes in place (one process: unchanged)."""
    _check()
    return _done(async_op)


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` onto rank `dst` (one process: unchanged)."""
    _check()
    return _done(async_op)


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank `src`'s tensor to every process (one process: unchanged)."""
    _check()
    return _done(async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill `tensor_list` with every process's `tensor` (one entry here)."""
    _check()
    tensor_list[0].copy_(tensor)
    return _done(async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Concatenate every process's input into `output_tensor`."""
    _check()
    output_tensor.copy_(input_tensor.reshape(output_tensor.shape))
    return _done(async_op)


def all_gather_object(object_list, obj, group=None):
    """Gather a picklable object from every process into `object_list`."""
    _check()
    object_list[0] = obj


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """Broadcast picklable objects from `src` (one process: unchanged)."""
    _check()


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """Gather every process's tensor into `gather_list` on `dst`."""
    _check()
    if gather_list:
        gather_list[0].copy_(tensor)
    return _done(async_op)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """Scatter `scatter_list` from `src`: this process receives the first entry."""
    _check()
    if scatter_list:
        tensor.copy_(scatter_list[0])
    return _done(async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce the lists over processes and scatter the pieces (one process: a copy)."""
    _check()
    output.copy_(input_list[0])
    return _done(async_op)
