"""ember.random: seeding and RNG state of the default generator."""
from ember._backend.random import Generator, default_generator  # noqa: F401
from ember._ops.random_ops import (  # noqa: F401
    get_rng_state, initial_seed, manual_seed, seed, set_rng_state)


def fork_rng(devices=None, enabled=True, **kwargs):
    """Context manager that restores the default generator's state on exit."""
    import contextlib

    @contextlib.contextmanager
    def _fork():
        state = get_rng_state()
        try:
            yield
        finally:
            if enabled:
                set_rng_state(state)
    return _fork()
