"""The README's Python examples run as written, and print what their comments say."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import mlp.engine

README = Path(__file__).resolve().parent.parent / "README.md"
_PRINTED = re.compile(r"^print\((?P<expression>.*)\)\s*#\s*(?P<expected>.+)$")


def _blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def _matches(printed, expected):
    """Equal, or, for numbers, equal to the digits the comment gives."""
    printed_words, expected_words = printed.split(), expected.split()
    if len(printed_words) != len(expected_words):
        return False
    for word, claim in zip(printed_words, expected_words):
        try:
            decimals = len(claim.partition(".")[2])
            if round(float(word), decimals) != float(claim):
                return False
        except ValueError:
            if word != claim:
                return False
    return True


def test_the_readme_has_examples_that_print_results():
    expected = [line for block in _blocks() for line in block.splitlines()
                if _PRINTED.match(line.strip())]
    assert len(expected) >= 4


@pytest.mark.slow
def test_every_example_prints_what_its_comment_says(tmp_path):
    lines, claims = [], []
    for block in _blocks():
        for line in block.splitlines():
            found = _PRINTED.match(line.strip())
            if found:
                claims.append(found["expected"].strip())
                line = f"print('@@', {found['expression']})"
            lines.append(line)
    # The examples write their files (regressor.npz) in a folder of the test's own.
    completed = subprocess.run([sys.executable, "-c", "\n".join(lines)], cwd=tmp_path,
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    printed = [line[3:] for line in completed.stdout.splitlines() if line.startswith("@@ ")]
    assert len(printed) == len(claims)
    if mlp.engine.name != "pytensor":
        # The README's figures are the default engine's: Theano draws dropout masks from
        # NumPy's generator, not JAX's, so the dropout example stops at another epoch.
        # There the examples must run and print; the figures are checked on PyTensor.
        return
    for output, claim in zip(printed, claims):
        assert _matches(output, claim), f"printed {output!r}, the README says {claim!r}"
