"""scikit-learn's own MLP tests (``sklearn/neural_network/tests/test_mlp.py`` of the
installed scikit-learn), run against ``mlp.MLPClassifier`` and ``mlp.MLPRegressor``.

The file is copied with its one import of scikit-learn's estimators swapped for ours, so
that a new scikit-learn release shows here what it changed. The tests left out read
scikit-learn's private attributes (the solver's internals), which a drop-in does not
have; each is listed with the attribute it needs.
"""

import pathlib
import subprocess
import sys

import pytest
import sklearn

pytestmark = pytest.mark.slow

_ORIGINAL_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"

# Test name: the private attribute or method of scikit-learn's estimator it reads.
_PRIVATE_API = {
    "test_fit": "_forward_pass, _backprop and coefs_ set by hand before _fit",
    "test_gradient": "_loss_grad_lbfgs and _unpack on scikit-learn's packed parameters",
    "test_learning_rate_warmstart": "_optimizer.learning_rate",
    "test_adaptive_learning_rate": "_optimizer.learning_rate",
    "test_n_iter_no_change": "_no_improvement_count",
    "test_n_iter_no_change_inf": "_no_improvement_count",
}

_CONFTEST = '''
import pytest


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture, at its default seed (its conftest is not copied)."""
    return 42
'''


def _copied_tests(folder):
    source_path = pathlib.Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
    source = source_path.read_text()
    assert source.count(_ORIGINAL_IMPORT) == 1, f"{source_path} no longer imports {_ORIGINAL_IMPORT!r}"
    (folder / "test_mlp.py").write_text(
        source.replace(_ORIGINAL_IMPORT, "from mlp import MLPClassifier, MLPRegressor"))
    (folder / "conftest.py").write_text(_CONFTEST)
    return folder / "test_mlp.py"


def test_scikit_learns_mlp_tests_pass_against_ours(tmp_path):
    test_file = _copied_tests(tmp_path)
    deselected = [f"--deselect=test_mlp.py::{name}" for name in _PRIVATE_API]
    # A process of its own: the copied module's top-level data and pytest's rootdir are
    # the copy's, and nothing of this session's configuration reaches it.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W",
         "ignore::DeprecationWarning", test_file.name, *deselected],
        cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary, summary
