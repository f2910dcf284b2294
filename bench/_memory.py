"""Peak memory of a training step above its baseline, measured the same way for both libraries.

Each library runs in a fresh child process (same thread count as the timing run) that imports
one bench module and calls its `make_step(lib)` (model, optimizer and batch built: that is the
baseline). The process's resident set (VmRSS) is read, the kernel's RSS high-water mark is
reset (`echo 5 > /proc/self/clear_refs`), the first few training steps run, and the result is
VmHWM - baseline: the most extra memory the steps held at once (activations, gradients,
optimizer state, workspaces), whichever allocator (NumPy's or torch's) held it.

Warm-up steps before the baseline are off by default: memory the C allocator keeps after a
step is freed still counts as resident, so a baseline taken after warm-up would already hold
the step's peak and the figure would read near zero for both libraries.

Where /proc is unavailable (not Linux) the child falls back to getrusage's ru_maxrss, which
cannot be reset, so the figure is then a lower bound on the step's transient memory.
"""
import os
import subprocess
import sys

_CHILD = r"""
import gc, importlib, os, resource, sys
sys.path.insert(0, {bench_dir!r})
mod = importlib.import_module({module!r})
lib = importlib.import_module({lib!r})
lib.set_num_threads({threads})


def status():
    try:
        with open("/proc/self/status") as f:
            d = dict(line.split(":", 1) for line in f)
        return int(d["VmRSS"].split()[0]), int(d["VmHWM"].split()[0])
    except OSError:
        return None


fn = mod.make_step(lib)
for _ in range({warmup}):
    fn()
gc.collect()
st = status()
reset = False
if st is not None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        reset = True
    except OSError:
        pass
base = st[0] if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for _ in range({steps}):
    fn()
peak = status()[1] if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((peak - base) / 1024)
"""


def peak_mib(module, lib_name, threads=1, steps=3, warmup=0):
    """Peak RSS above baseline (MiB) of `steps` calls of `module.make_step(lib)()` in a fresh
    child process running library `lib_name` ("ember" or "torch") on `threads` threads."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    code = _CHILD.format(bench_dir=os.path.dirname(os.path.abspath(__file__)), module=module,
                         lib=lib_name, threads=threads, steps=steps, warmup=warmup)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def report(module, threads=1, steps=3, warmup=0):
    """(ember MiB, torch MiB, ratio) of peak memory above baseline for one bench module, and
    a printable line."""
    e = peak_mib(module, "ember", threads, steps, warmup)
    t = peak_mib(module, "torch", threads, steps, warmup)
    ratio = e / t if t > 0 else float("inf")
    line = (f"  peak memory above baseline: ember {e:7.1f} MiB  torch {t:7.1f} MiB  "
            f"ember/torch {ratio:.2f}x")
    return e, t, ratio, line
