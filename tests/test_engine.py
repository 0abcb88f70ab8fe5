import os
import re
from pathlib import Path

from mlp import engine

PACKAGE = Path(__file__).resolve().parent.parent / "mlp"


def test_engine_follows_the_environment_variable():
    requested = os.environ.get("MLP_ENGINE", "pytensor") or "pytensor"
    assert engine.name == requested


def test_only_engine_module_imports_an_engine():
    pattern = re.compile(r"^\s*(import|from)\s+(pytensor|theano)\b", re.MULTILINE)
    importers = sorted(path.name for path in PACKAGE.glob("*.py") if pattern.search(path.read_text()))
    assert importers == ["engine.py"]


def test_softmax_normalises_each_row():
    import numpy
    matrix = engine.tensor.matrix(dtype="float64")
    softmax = engine.function([matrix], engine.softmax(matrix))
    values = numpy.array([[1.0, 2.0, 3.0], [0.0, 0.0, 10.0]])
    numpy.testing.assert_allclose(softmax(values).sum(axis=1), [1.0, 1.0])
