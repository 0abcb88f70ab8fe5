import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_xor_example_runs_and_learns():
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "xor.py"), "--seed", "1"],
        capture_output=True, text=True, timeout=600, env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    classes = [int(match) for match in re.findall(r"-> class (\d)", result.stdout)]
    assert classes == [1, 0, 0, 1]
    loss = float(re.search(r"cross-entropy: ([0-9.]+)", result.stdout).group(1))
    assert loss <= 0.01
    assert re.search(r"epochs: \d+, restarts: \d+", result.stdout)
