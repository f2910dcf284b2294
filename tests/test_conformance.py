"""The conformance programs listed in tests/conformance_expected.txt must keep passing: each is
a plain PyTorch program run unchanged on ember and compared with what PyTorch printed."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "conformance"
EXPECTED = [line.strip() for line in (ROOT / "tests" / "conformance_expected.txt").read_text()
            .splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/conformance is not present")
@pytest.mark.parametrize("name", EXPECTED)
def test_conformance_program_passes(name):
    program = CORPUS / "programs" / f"{name}.py"
    assert program.exists(), f"{program} is missing from the corpus"
    env = dict(os.environ)
    result = subprocess.run([sys.executable, str(CORPUS / "run.py"), "-v", str(program)],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed, 0 failed" in result.stdout
