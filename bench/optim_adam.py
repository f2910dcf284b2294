"""Optimizer step time: ember vs torch on a ~10M-parameter model, in one process.

The model is three nn.Linear layers (2048-2048-2048-768, 10.0M parameters, float32); its
gradients are set once, and only `opt.step()` is timed. Timing alternates blocks between
the libraries (one thread each) with the harness of bench/_harness.py and reports
the ratio of the medians, ember / torch (the goal for Adam: at most 1.3x).

Run: `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/optim_adam.py
[--opt Adam AdamW SGD] [--rounds N] [--runs N] [--clock cpu]`.
"""
import _harness
import numpy as np

SIZES = (2048, 2048, 2048, 768)
OPTIMIZERS = {"Adam": dict(lr=1e-3), "AdamW": dict(lr=1e-3, weight_decay=0.01),
              "SGD": dict(lr=0.01, momentum=0.9)}


def make_step(lib, opt_name):
    """A zero-argument callable doing one `opt.step()` with library `lib`, and the number of
    parameters it updates."""
    rng = np.random.default_rng(0)
    layers = [lib.nn.Linear(a, b) for a, b in zip(SIZES, SIZES[1:])]
    model = lib.nn.Sequential(*layers)
    with lib.no_grad():  # identical weights and gradients in both libraries
        for p in model.parameters():
            shape = tuple(p.shape)
            p.copy_(lib.from_numpy((rng.standard_normal(shape) * 0.02).astype(np.float32)))
            p.grad = lib.from_numpy(rng.standard_normal(shape).astype(np.float32))
    opt = getattr(lib.optim, opt_name)(model.parameters(), **OPTIMIZERS[opt_name])
    return opt.step, sum(p.numel() for p in model.parameters())


def main():
    ap = _harness.parser(__doc__, runs=3, memory=False)
    ap.add_argument("--opt", nargs="*", default=["Adam", "AdamW", "SGD"],
                    choices=sorted(OPTIMIZERS))
    args = ap.parse_args()
    import ember
    print(f"parameters: {make_step(ember, 'SGD')[1] / 1e6:.2f}M float32, {args.threads} "
          f"thread(s), clock {args.clock}")
    for name in args.opt:
        e, t, ratio, ratios = _harness.compare_runs(
            args.runs, lambda lib: make_step(lib, name)[0], args.rounds, threads=args.threads,
            clock=_harness.clock_of(args), block_seconds=0.25, check=0, warmup=3)
        print(f"{name:6s} ember {e * 1e3:7.2f} ms  torch {t * 1e3:7.2f} ms  ember/torch "
              f"{ratio:.2f}x  (runs: {', '.join(f'{r:.2f}' for r in ratios)})", flush=True)


if __name__ == "__main__":
    main()
