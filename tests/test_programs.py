"""Tutorial-style PyTorch programs (tests/programs/*.py) run unchanged on ember must print what
they printed under PyTorch 2.13 (recorded beside each as NAME.out).

Each program runs in a subprocess whose `torch` / `torch.X` imports resolve to `ember` /
`ember.X`. Outputs are compared token by token: numbers within a tolerance (rtol 1e-4 or the
program's own `# conformance: rtol=... atol=...` line, and never stricter than one unit in
the last printed digit), every other token exactly once the word `ember` is read as `torch`.
To re-record an expected output with real PyTorch:
    python ../shared/conformance/run.py --record --python .venv/bin/python tests/programs
"""
import math
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).resolve().parent / "programs"
SRC = Path(__file__).resolve().parent.parent / "src"

ALIAS = r'''
import importlib, importlib.abc, importlib.util, runpy, sys
class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            return importlib.util.spec_from_loader(name, self)
        return None
    def create_module(self, spec):
        return importlib.import_module("ember" + spec.name[len("torch"):])
    def exec_module(self, module):
        pass
sys.meta_path.insert(0, _Alias())
program = sys.argv[1]
sys.argv = [program]
runpy.run_path(program, run_name="__main__")
'''

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)\b")
TOKEN = re.compile(NUMBER.pattern + r"|[A-Za-z_][A-Za-z_0-9]*|\S")


def _tokens(text):
    return [(i, t) for i, line in enumerate(text.splitlines())
            for t in TOKEN.findall(re.sub(r"\bember\b", "torch", line))]


def _ulp(token):
    mantissa, _, exponent = token.lower().partition("e")
    if "." not in mantissa or not mantissa.split(".")[1]:
        return 0.0
    return 10.0 ** (-len(mantissa.split(".")[1]) + (int(exponent) if exponent else 0))


def _same_number(got, want, rtol, atol):
    g, w = float(got), float(want)
    if math.isnan(w):
        return math.isnan(g)
    if math.isinf(w):
        return g == w
    return abs(g - w) <= max(atol, rtol * abs(w), 1.0001 * _ulp(want))


def _first_difference(got, want, rtol, atol):
    g_tok, w_tok = _tokens(got), _tokens(want)
    w_lines, g_lines = want.splitlines(), got.splitlines()
    for (gi, g), (wi, w) in zip(g_tok, w_tok):
        numeric = NUMBER.fullmatch(g) and NUMBER.fullmatch(w)
        if not (_same_number(g, w, rtol, atol) if numeric else g == w):
            return f"line {wi + 1}:\n  want: {w_lines[wi]}\n  got:  {g_lines[gi]}"
    if len(g_tok) != len(w_tok):
        return f"output lengths differ ({len(g_lines)} vs {len(w_lines)} lines)"
    return None


def _tolerance(source):
    rtol, atol = 1e-4, 1e-6
    m = re.search(r"#\s*conformance:(.*)", source)
    if m:
        for key, value in re.findall(r"(rtol|atol)=([0-9.eE+-]+)", m.group(1)):
            rtol, atol = (float(value), atol) if key == "rtol" else (rtol, float(value))
    return rtol, atol


NAMES = sorted(p.stem for p in PROGRAMS.glob("*.py"))


def _run(name, workdir):
    program = PROGRAMS / f"{name}.py"
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-c", ALIAS, str(program)], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Every program's run, started a few at a time (each is a separate interpreter)."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = {n: pool.submit(_run, n, tmp_path_factory.mktemp(n)) for n in NAMES}
        return {n: f.result() for n, f in runs.items()}


@pytest.mark.parametrize("name", NAMES)
def test_program_prints_what_torch_printed(name, results):
    program = PROGRAMS / f"{name}.py"
    expected = program.with_suffix(".out").read_text()
    result = results[name]
    assert result.returncode == 0, result.stderr[-3000:]
    rtol, atol = _tolerance(program.read_text())
    diff = _first_difference(result.stdout, expected, rtol, atol)
    assert diff is None, f"{name}: first difference at {diff}"
