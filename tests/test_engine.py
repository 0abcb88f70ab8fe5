import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mlp import engine

PACKAGE = Path(__file__).resolve().parent.parent / "mlp"


def test_engine_follows_the_environment_variable():
    requested = os.environ.get("MLP_ENGINE", "pytensor") or "pytensor"
    assert engine.name == requested


def test_only_the_engine_modules_import_an_engine():
    # mlp.engine is the interface; its two loaders are the only imports of the engines.
    pattern = re.compile(r"^\s*(import|from)\s+(pytensor|theano|jax)\b", re.MULTILINE)
    sources = {path.relative_to(PACKAGE).as_posix(): path.read_text() for path in PACKAGE.rglob("*.py")}
    importers = sorted(name for name, text in sources.items() if pattern.search(text))
    assert importers == ["engine/pytensor_loader.py", "engine/theano_loader.py"]
    loader_users = re.compile(r"^\s*(import|from)\s+mlp\.engine\.\w+_loader|"
                              r"^\s*from\s+mlp\.engine\s+import\s+\w+_loader", re.MULTILINE)
    users = sorted(name for name, text in sources.items() if loader_users.search(text))
    assert users == ["engine/__init__.py"]


def test_softmax_normalises_each_row():
    import numpy
    matrix = engine.tensor.matrix(dtype="float64")
    softmax = engine.function([matrix], engine.softmax(matrix))
    values = numpy.array([[1.0, 2.0, 3.0], [0.0, 0.0, 10.0]])
    numpy.testing.assert_allclose(softmax(values).sum(axis=1), [1.0, 1.0])


def test_no_warning_with_the_readmes_install():
    # Theano links scipy-openblas32's OpenBLAS; PyTensor compiles for XLA. Neither may
    # warn, on a small and on a wide network.
    import subprocess
    import sys
    script = ("import numpy, mlp; n = mlp.FeedForwardNetwork([2, 3, 2], random_state=0); "
              "n.initialize(); n.train(numpy.eye(2), [0, 1], epochs=5, restarts=0); "
              "m = mlp.FeedForwardNetwork([64, 400, 10], random_state=0); m.initialize(); "
              "x = numpy.random.default_rng(0).normal(size=(512, 64)); "
              "m.train(x, numpy.arange(512) % 10, epochs=2, batch_size=512, restarts=0)")
    result = subprocess.run([sys.executable, "-W", "default", "-c", script], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "BLAS" not in result.stderr, result.stderr
    # Random labels end at chance level, the one warning of mlp's expected here
    # (Theano 1.0.5 itself warns that NumPy's aliases are deprecated).
    lines = [line for line in result.stderr.splitlines()
             if "Warning" in line and "DeprecationWarning" not in line]
    assert all("ConvergenceWarning" in line for line in lines), result.stderr


def blas_library():
    """The scipy-openblas32 library, loaded; skips the test when it is not installed or
    when the engine is PyTensor (it compiles for XLA, which brings its own kernels)."""
    import ctypes

    import pytest

    from mlp.engine.theano_loader import _scipy_openblas_folder
    if engine.name != "theano":
        pytest.skip("only Theano's C code links a BLAS")
    folder = _scipy_openblas_folder()
    if folder is None:
        pytest.skip("scipy-openblas32 is not installed in this environment")
    return ctypes.CDLL(os.path.join(folder, "libscipy_openblas.so"))


def test_the_readmes_install_links_the_engine_to_scipy_openblas():
    import sys
    blas_library()
    ldflags = engine.config.blas.ldflags
    assert "-lscipy_openblas " in ldflags
    assert "-Dsgemm_=scipy_sgemm_" in ldflags.split()
    # Importing the wheel's package would load its library globally, under SciPy.
    assert "scipy_openblas32" not in sys.modules


def test_every_renamed_blas_routine_is_in_the_library():
    from mlp.engine.theano_loader import _BLAS_PREFIX, _renamed_routines
    library = blas_library()
    missing = [name for name in _renamed_routines() if not hasattr(library, _BLAS_PREFIX + name)]
    assert missing == []


def test_every_blas_routine_the_engine_calls_is_renamed():
    # The engine's C code calls BLAS by Fortran names; one left without its -D rename
    # would be an undefined symbol when a compiled module loads.
    import importlib

    from mlp.engine.theano_loader import _renamed_routines
    blas_library()
    package = Path(importlib.import_module(f"{engine.name}.tensor").__file__).parent
    pattern = re.compile(r"\b(?:[sdcz](?:gemm|gemv|ger|gerc|geru|dot|dotu|dotc|axpy|scal|copy|swap"
                         r"|rot|nrm2|asum|trsm|trmm|symm|syrk|symv|trmv|trsv)_"
                         r"|(?:openblas|goto)_[gs]et_num_threads)(?=\s*\()")
    called = set()
    for path in package.rglob("*.py"):
        if path.name != "blas_headers.py":  # declarations, and the probes below
            called.update(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
    assert {"sgemm_", "dgemm_", "sgemv_", "dger_", "sdot_"} <= called
    assert called - set(_renamed_routines()) == set()


def test_no_blas_flags_without_the_library(monkeypatch):
    from mlp.engine import theano_loader
    monkeypatch.setattr(theano_loader, "_OPENBLAS_FILES", ("libno_such_blas.so",))
    assert theano_loader._scipy_openblas_folder() is None
    assert theano_loader._blas_flags() == ""


def test_the_scope_turns_float64_on_in_mlps_calls_only():
    if engine.jax is None:
        pytest.skip("Theano has no JAX setting to scope")
    jax = engine.jax
    process_setting = jax.config.jax_enable_x64
    with engine.scope():
        assert jax.config.jax_enable_x64
        with engine.scope():
            assert jax.numpy.ones(2).dtype == "float64"
        assert jax.config.jax_enable_x64
    assert jax.config.jax_enable_x64 == process_setting
    assert engine.scoped(lambda: jax.numpy.ones(2).dtype)() == "float64"
    assert ":" in engine.device


# A fresh process: the user's own JAX code, then mlp imported and fitted beside it.
LEAVES_ALONE = """
import json, os, sys, warnings
import jax
if sys.argv[1] == "x64":
    jax.config.update("jax_enable_x64", True)
options, environment = dict(jax.config.values), dict(os.environ)
import numpy
import mlp
from jax._src import xla_bridge
started_at_import = bool(xla_bridge._backends)
warnings.simplefilter("ignore")
network = mlp.FeedForwardNetwork([2, 2, 2], random_state=0)
network.initialize()
network.train(numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]), [0, 1, 1, 0], epochs=50)
rows = numpy.random.default_rng(0).normal(size=(30, 4))
model = mlp.MLPClassifier((5,), max_iter=5, random_state=0).fit(rows, numpy.arange(30) % 3)
model.predict(rows)
changed = sorted(name for name, value in jax.config.values.items() if options.get(name) != value)
print(json.dumps({"started_at_import": started_at_import, "changed": changed,
                  "environment": dict(os.environ) == environment,
                  "dtype": str(jax.numpy.ones(3).dtype),
                  "weights": str(network.backend.weights[0].value.dtype)}))
"""


def _leaves_alone(setting, tmp_path):
    if engine.jax is None:
        pytest.skip("Theano leaves JAX alone")
    environment = dict(os.environ, MLP_CACHE_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", LEAVES_ALONE, setting], capture_output=True,
                            text=True, timeout=600, cwd=PACKAGE.parent, env=environment)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_and_fitting_leave_jax_and_the_environment_as_they_were(tmp_path):
    found = _leaves_alone("default", tmp_path)
    assert found["started_at_import"] is False, "importing mlp must not start JAX's backends"
    assert found["changed"] == [] and found["environment"] is True
    assert found["dtype"] == "float32", "the user's own JAX code keeps its float32 default"
    assert found["weights"] == "float64", "mlp's float64 network still computes in float64"


def test_a_process_with_float64_on_keeps_it(tmp_path):
    found = _leaves_alone("x64", tmp_path)
    assert found["changed"] == [] and found["environment"] is True
    assert found["dtype"] == "float64"


def test_a_too_old_pytensor_is_named(monkeypatch):
    import sys
    import types

    import pytest

    from mlp.engine import pytensor_loader
    monkeypatch.setitem(sys.modules, "pytensor", types.SimpleNamespace(__version__="2.18.1"))
    with pytest.raises(ImportError, match=r"PyTensor >= 3\.0.*PyTensor 2\.18\.1 is installed"):
        pytensor_loader.load()


def test_importing_mlp_leaves_the_environment_unchanged():
    # Theano reads THEANO_FLAGS at import; mlp gives it BLAS flags there and puts the
    # variable back (README: "Engines and devices"). Nothing else is set either.
    script = ("import json, os; before = dict(os.environ); import mlp; "
              "print(json.dumps([before == dict(os.environ), "
              "sorted(set(os.environ.items()) ^ set(before.items()))]))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, check=True)
    unchanged, differences = json.loads(result.stdout.strip().splitlines()[-1])
    assert unchanged, differences


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows, outputs, inputs, copied", [
    (300, 40, 30, True),     # a batch of 256 rows or more: g.T copied out
    (64, 256, 256, False),   # a mid-sized batch: XLA's product summed over the rows
    (4, 3, 2, True),         # a tiny product: copied out
])
def test_weight_gradients_reach_xla_in_the_chosen_form_with_numpys_values(
        dtype, rows, outputs, inputs, copied):
    if engine.jax is None:
        pytest.skip("the rewrite is the PyTensor engine's")
    import numpy
    tensor = engine.tensor
    h, weights, scale = (tensor.matrix(name, dtype=dtype) for name in ("h", "weights", "scale"))
    cost = (tensor.tanh(tensor.dot(h, weights.T)) * scale).sum()
    gradient = engine.grad(cost, weights)
    function = engine.executable([h, weights, scale], [gradient])
    generator = numpy.random.default_rng(0)
    values = [generator.normal(size=shape).astype(dtype)
              for shape in ((rows, inputs), (outputs, inputs), (rows, outputs))]
    with engine.scope():  # float64 graphs trace and run in float64, as in mlp's own calls
        lowered = engine.jax.jit(function).lower(*values)
        assert ("optimization_barrier" in lowered.as_text()) == copied
        # What XLA compiled: the summed form contracts the first axis of both operands;
        # the copied form must not come back to it.
        assert ("lhs_contracting_dims={0}" in lowered.compile().as_text()) != copied
        result = numpy.asarray(function(*values)[0])
    assert result.dtype == dtype
    deltas = (1 - numpy.tanh(values[0].astype(float) @ values[1].T.astype(float)) ** 2) * values[2]
    expected = deltas.T @ values[0].astype(float)
    tolerance = 1e-4 if dtype == "float32" else 1e-10
    numpy.testing.assert_allclose(result, expected, rtol=tolerance, atol=tolerance * rows)


def test_the_rewrite_replaces_each_weight_gradient_of_a_step():
    if engine.jax is None:
        pytest.skip("the rewrite is the PyTensor engine's")
    import pytensor
    from pytensor.graph.fg import FunctionGraph

    from mlp.engine.pytensor_loader import _weight_gradient_rewrite
    from mlp.graph import builders
    from tests.conftest import make_network
    network = make_network([256, 512, 512, 10], activation="relu")
    placeholders = builders.Placeholders(3, "float32")
    inputs, outputs, _ = builders.step_graph(network.layers, placeholders, "momentum", True, True)
    graph = FunctionGraph(inputs, outputs, clone=True)
    _weight_gradient_rewrite(pytensor)(graph)
    names = [type(node.op).__name__ for node in graph.toposort()]
    # Five products remain: the forward pass's three and the backward pass's two.
    assert names.count("WeightGradient") == 3 and names.count("Dot") == 5
