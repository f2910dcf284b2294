"""ember never imports torch: a fresh interpreter where `import torch` fails runs a small
training loop (forward, backward, update) and the loss goes down."""
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    sys.modules["torch"] = None  # any `import torch` now raises ImportError
    import ember as torch
    import ember.autograd.functional, ember.autograd.gradcheck  # noqa: F401

    torch.manual_seed(0)
    x = torch.randn(64, 3)
    true_w = torch.tensor([[1.5], [-2.0], [0.5]])
    y = x @ true_w + 0.3
    w = torch.zeros(3, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for step in range(200):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.05 * w.grad
            b -= 0.05 * b.grad
        w.grad = None
        b.grad.zero_()
        losses.append(loss.item())
    assert "torch" not in [m.split(".")[0] for m in sys.modules if sys.modules[m] is not None]
    print(" ".join(repr(v) for v in losses[:50:10]))
    print("final", losses[-1])
""")


def test_training_without_torch():
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")
    sampled = [float(v) for v in lines[0].split()]
    assert all(a > b for a, b in zip(sampled, sampled[1:])), sampled
    final = float(lines[1].split()[1])
    assert final < 1e-3 * sampled[0]
