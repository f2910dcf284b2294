"""The shared harness of the benchmarks: ember and torch run the same step in one process.

A benchmark module defines only its workload, `make_step(lib)` (a zero-argument callable doing
one step with library `lib`, ember or torch); this harness builds both, checks that their first
losses agree, warms them up, and times them in alternating blocks (ember first on even rounds,
torch first on odd ones) with the same thread count. The report is the median seconds per
step of each library and the ratio of the medians, ember / torch (below 1.0 means ember is
faster), and the peak memory above baseline of each (bench/_memory.py).

This module imports neither NumPy nor the libraries at load time, so a benchmark can call
`pin_blas_threads()` before NumPy's BLAS starts.
"""
import argparse
import gc
import os
import statistics
import sys
import time

BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def threads_from_argv(argv, default=None):
    """The value of ``--threads N`` / ``--threads=N`` in `argv`, else `default`."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return default


def pin_blas_threads(argv=None, default="1"):
    """Give NumPy's BLAS the thread count torch will get (``--threads``, else `default`; None
    leaves the environment alone). BLAS reads it when it loads: call before importing NumPy."""
    threads = threads_from_argv(sys.argv[1:] if argv is None else argv, default)
    if threads is not None:
        for var in BLAS_THREAD_VARS:
            os.environ[var] = str(threads)


def sgd_step(lib, params, lr=0.01):
    """The workloads' manual SGD update: ``p -= lr * p.grad`` under `lib.no_grad()` for each
    parameter, then its gradient set to None."""
    with lib.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None


def steps_per_block(fn, clock=time.perf_counter, seconds=0.04):
    """How many calls of fn fill one timing block of `seconds` on `clock`."""
    n, start = 0, clock()
    while clock() - start < seconds:
        fn()
        n += 1
    return max(n, 1)


def time_block(fn, n, clock=time.perf_counter):
    """Seconds per call of fn over one block of n calls."""
    start = clock()
    for _ in range(n):
        fn()
    return (clock() - start) / n


def compare(make_step, rounds=10, *, threads=1, clock=time.perf_counter, block_seconds=0.3,
            steps=None, check=1, rtol=1e-4, atol=0.0, warmup=3):
    """(ember seconds per step, torch seconds per step, ratio) as medians over `rounds`
    alternating blocks of `make_step(lib)()`.

    The first `check` steps of each library are compared (their results' ``.item()``, within
    ``atol + rtol * |torch|``) and `warmup` more steps follow; a block is `steps` calls, or as
    many as fill `block_seconds` of `clock`."""
    import torch

    import ember
    torch.set_num_threads(threads)
    ember.set_num_threads(threads)
    fns = {"ember": make_step(ember), "torch": make_step(torch)}
    losses = {k: [f().item() for _ in range(check)] for k, f in fns.items()}
    for a, b in zip(losses["ember"], losses["torch"]):
        assert abs(a - b) <= atol + rtol * abs(b), losses  # the same computation
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    counts = {k: steps or steps_per_block(f, clock, block_seconds) for k, f in fns.items()}
    times = {"ember": [], "torch": []}
    gc.disable()
    try:
        for r in range(rounds):
            for k in (("ember", "torch") if r % 2 == 0 else ("torch", "ember")):
                times[k].append(time_block(fns[k], counts[k], clock))
    finally:
        gc.enable()
    e, t = statistics.median(times["ember"]), statistics.median(times["torch"])
    return e, t, e / t


def compare_runs(runs, make_step, rounds=10, **kwargs):
    """`compare` repeated `runs` times: (median ember seconds, median torch seconds, median
    ratio, the ratios of the runs)."""
    results = [compare(make_step, rounds, **kwargs) for _ in range(runs)]
    ratios = [r[2] for r in results]
    return (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results),
            statistics.median(ratios), ratios)


def parser(doc, *, rounds=10, runs=1, threads=1, memory=True, steps=None):
    """An argument parser with the options every benchmark shares: --rounds, --runs,
    --threads (`threads` None: torch's default count), --clock, with `memory` --no-memory,
    and with `steps` (a fixed block length) --steps."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--runs", type=int, default=runs, help="repeat the whole comparison")
    ap.add_argument("--threads", type=int, default=threads,
                    help="threads for both libraries (default: "
                         f"{threads or 'torch default'})")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="cpu: CPU time (this thread's with --threads 1, the process's "
                         "otherwise), for a machine busy with other work")
    if memory:
        ap.add_argument("--no-memory", action="store_true", help="skip the memory figures")
    if steps is not None:
        ap.add_argument("--steps", type=int, default=steps, help="steps per block")
    return ap


def clock_of(args):
    """The timer that --clock (and --threads) ask for."""
    if args.clock == "cpu":
        return time.thread_time if args.threads == 1 else time.process_time
    return time.perf_counter


def resolve_threads(args):
    """--threads, or torch's default thread count where it was not given."""
    if not args.threads:
        import torch
        args.threads = torch.get_num_threads()
    return args.threads


def format_times(label, e, t, ratio, unit="ms", ratios=None, threads=1, clock="wall"):
    """The report line: per-step times in `unit` ("ms" or "us") and the ratio of medians."""
    scale = {"ms": 1e3, "us": 1e6}[unit]
    runs = f", runs: {', '.join(f'{r:.2f}' for r in ratios)}" if ratios and len(ratios) > 1 \
        else ""
    return (f"{label}  ember {e * scale:8.2f} {unit}  torch {t * scale:8.2f} {unit}  "
            f"ember/torch {ratio:.2f}x  ({threads} thread(s), {clock} clock{runs})")


def main(module, make_step, doc, *, label=None, unit="ms", rounds=10, runs=1, threads=1,
         steps=None, **compare_kwargs):
    """Command-line entry of a benchmark module: parse the shared options, time
    `make_step` (see `compare`; `compare_kwargs` fix its check, warm-up and block length),
    print the report line and, unless --no-memory, the peak memory of `module`'s step."""
    args = parser(doc, rounds=rounds, runs=runs, threads=threads, steps=steps).parse_args()
    resolve_threads(args)
    if steps is not None:
        compare_kwargs["steps"] = args.steps
    e, t, ratio, ratios = compare_runs(args.runs, make_step, args.rounds, threads=args.threads,
                                       clock=clock_of(args), **compare_kwargs)
    print(format_times(label or module, e, t, ratio, unit, ratios, args.threads, args.clock),
          flush=True)
    if not args.no_memory:
        from _memory import report
        print(report(module, args.threads)[3])
