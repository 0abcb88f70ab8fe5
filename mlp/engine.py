"""The symbolic-graph engine: the only module that imports PyTensor or Theano.

The engine is chosen once, at import time:

- ``MLP_ENGINE=pytensor`` or ``MLP_ENGINE=theano`` picks one explicitly;
- otherwise PyTensor (Theano's maintained successor) when it is importable,
  else Theano 1.0.5.

Everything else in the package takes its names from here, so both engines run
the same code. ``mlp.engine.name`` says which engine runs.
"""

import ctypes
import importlib.util
import os

__all__ = [
    "name", "version", "tensor", "shared", "function", "grad", "ancestors",
    "disconnected_grad", "sigmoid", "tanh", "relu", "softmax", "floatX", "copies_functions",
    "scan", "clone_replace", "large_graph_mode",
]

_VALID_ENGINES = ("pytensor", "theano")


def _requested_engine():
    requested = os.environ.get("MLP_ENGINE", "").strip().lower()
    if requested and requested not in _VALID_ENGINES:
        raise ImportError(
            f"Received an invalid value for the environment variable MLP_ENGINE, "
            f"expected one of {_VALID_ENGINES}. Received: MLP_ENGINE={requested!r}"
        )
    return requested


# The BLAS routines the engines' C code declares, by their Fortran names (it calls
# the real ones' gemm, gemv, ger and dot), in families of precisions and routines.
_BLAS_FAMILIES = (
    ("sd", ("axpy", "copy", "dot", "gemm", "gemv", "ger", "rot", "scal", "swap")),
    ("cz", ("axpy", "copy", "gemm", "gemv", "gerc", "geru", "scal", "swap")),
)
# OpenBLAS's own calls, which Theano's convolutions make when its openmp flag is on.
_OPENBLAS_THREADS = ("openblas_set_num_threads", "openblas_get_num_threads",
                     "goto_set_num_threads")
_BLAS_PREFIX = "scipy_"
_OPENBLAS_FILES = ("libscipy_openblas.so", "libscipy_openblas.dylib")


def _renamed_routines():
    """The names in the engines' C code that the link flags rename to ``scipy_<name>``."""
    names = list(_OPENBLAS_THREADS)
    for precisions, routines in _BLAS_FAMILIES:
        for precision in precisions:
            for routine in routines:
                names.append(f"{precision}{routine}_")
    return names


def _scipy_openblas_folder():
    """The folder of the ``scipy-openblas32`` wheel's library when it loads, else None.

    Found without importing the package: its import loads the library globally, and
    SciPy's own modules imported after it would then bind to it instead of the copy
    they ship with.
    """
    try:
        spec = importlib.util.find_spec("scipy_openblas32")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = os.path.join(list(spec.submodule_search_locations)[0], "lib")
    for file_name in _OPENBLAS_FILES:
        try:
            # A library that is missing or does not load leaves every step on Numba
            # rather than failing at the first compile.
            ctypes.CDLL(os.path.join(folder, file_name))
        except OSError:
            continue
        return folder
    return None


def _blas_flags():
    """Link flags for the ``scipy-openblas32`` OpenBLAS, or "" when it is not there.

    It is the OpenBLAS that SciPy's own wheels are built with (32-bit integers, like
    the engines' BLAS calls). Its routines carry the prefix ``scipy_`` so that they
    never clash with another BLAS in the process: the ``-D`` flags rename the Fortran
    names in the engines' C code (``sgemm_`` becomes ``scipy_sgemm_``). The engines
    add an rpath for each ``-L`` folder, and PyTensor warns unless a ``-l`` flag names
    a file ``lib<name>.so`` in one, which ``-lscipy_openblas`` does. A folder whose
    path has a space or a comma cannot be written in the flags: then "" too.
    """
    folder = _scipy_openblas_folder()
    if folder is None or any(character in folder for character in " \t,'\""):
        return ""
    renames = " ".join(f"-D{name}={_BLAS_PREFIX}{name}" for name in _renamed_routines())
    return f"-L{folder} -lscipy_openblas {renames}"


def _configure_pytensor_blas():
    """Link PyTensor's C backend to OpenBLAS when ``scipy-openblas32`` is installed.

    PyTensor's default backend, Numba, multiplies matrices with the OpenBLAS inside
    the SciPy wheel and needs no flags. Large training steps compile for the C
    backend instead (measured faster, see ``backend.py``), which needs a BLAS to
    link: the same OpenBLAS, from the ``scipy-openblas32`` wheel in
    ``requirements.txt``. Without it, the BLAS flags are set empty, which skips
    PyTensor's probe for a system BLAS and its warning; large steps then stay on
    Numba. A user's own ``blas__ldflags``, ``linker`` or ``mode`` (in
    ``PYTENSOR_FLAGS`` or ``.pytensorrc``) is left alone.

    Returns the link flags set, or "" when the C backend is not linked to OpenBLAS.
    """
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    names = {flag.split("=")[0].strip() for flag in flags.split(",")}
    if names & {"blas__ldflags", "blas.ldflags", "linker", "mode"} or _config_file_mentions(
            ("blas", "linker", "mode")):
        return ""
    ldflags = _blas_flags()
    os.environ["PYTENSOR_FLAGS"] = ",".join(filter(None, [flags, f"blas__ldflags={ldflags}"]))
    return ldflags


def _config_file_mentions(words):
    paths = [os.environ.get("PYTENSORRC", ""), os.path.expanduser("~/.pytensorrc")]
    for path in filter(os.path.isfile, filter(None, paths)):
        with open(path, encoding="utf-8") as config_file:
            text = config_file.read()
        if any(word in text for word in words):
            return True
    return False


def _load_pytensor():
    blas_flags = _configure_pytensor_blas()
    import pytensor
    import pytensor.tensor as tensor_module
    from pytensor.compile.mode import Mode
    from pytensor.gradient import disconnected_grad as stop
    from pytensor.graph.replace import clone_replace
    from pytensor.graph.traversal import ancestors as graph_ancestors
    from pytensor.tensor.special import softmax as row_softmax

    def softmax_rows(x):
        # PyTensor's softmax normalises over the whole matrix unless told the axis.
        return row_softmax(x, axis=-1)

    return {
        "name": "pytensor",
        "version": pytensor.__version__,
        "tensor": tensor_module,
        "shared": pytensor.shared,
        "function": pytensor.function,
        "grad": pytensor.grad,
        "ancestors": graph_ancestors,
        "disconnected_grad": stop,
        "sigmoid": tensor_module.sigmoid,
        "softmax": softmax_rows,
        "config": pytensor.config,
        "copies_functions": True,
        "scan": pytensor.scan,
        "clone_replace": clone_replace,
        "large_graph_mode": _large_graph_mode(pytensor.config, blas_flags, Mode),
    }


def _large_graph_mode(config, blas_flags, mode_class):
    """The C backend's mode for large steps, or None (every step on Numba).

    Only when the OpenBLAS flags took effect (PyTensor reads its flags once, when first
    imported: imported before mlp, it keeps its own) and a C++ compiler is there
    (without one the C backend would quietly run Python code).
    """
    if not blas_flags or config.blas__ldflags != blas_flags or not config.cxx:
        return None
    return mode_class(linker="cvm", optimizer="fast_run")


def _load_theano():
    # Theano 1.0.5 probes BLAS through numpy.distutils at import, which Python
    # 3.11's NumPy no longer has: give it explicit flags, OpenBLAS's when installed,
    # else empty (then it multiplies through NumPy's C-API, and warns). A user's own
    # blas.ldflags is kept.
    flags = os.environ.get("THEANO_FLAGS", "")
    if "blas.ldflags" not in flags and "blas__ldflags" not in flags:
        ldflags = _blas_flags()
        os.environ["THEANO_FLAGS"] = ",".join(filter(None, [flags, f"blas.ldflags={ldflags}"]))
    import theano
    import theano.tensor as tensor_module
    from theano.gof.graph import ancestors as graph_ancestors
    from theano.gradient import disconnected_grad as stop

    return {
        "name": "theano",
        "version": theano.__version__,
        "tensor": tensor_module,
        "shared": theano.shared,
        "function": theano.function,
        "grad": theano.grad,
        "ancestors": graph_ancestors,
        "disconnected_grad": stop,
        "sigmoid": tensor_module.nnet.sigmoid,
        "softmax": tensor_module.nnet.softmax,
        "config": theano.config,
        # Theano 1.0.5's Function.copy(swap=...) gives a training step that reads
        # wrong values (measured: its cost matched neither network), so recompile.
        "copies_functions": False,
        # Theano 1.0.5's scan does not compile on Python 3.11 (longintrepr.h), so
        # training keeps one compiled call per step there.
        "scan": None,
        "clone_replace": theano.clone,
        # Theano compiles every graph for its C backend already.
        "large_graph_mode": None,
    }


def _load():
    requested = _requested_engine()
    if requested == "theano":
        return _load_theano()
    if requested == "pytensor":
        return _load_pytensor()
    try:
        return _load_pytensor()
    except ImportError:
        try:
            return _load_theano()
        except ImportError as error:
            raise ImportError(
                "mlp needs a symbolic-graph engine: install PyTensor "
                "(pip install pytensor) or Theano 1.0.5 (see requirements-theano.txt)"
            ) from error


_engine = _load()

name = _engine["name"]
version = _engine["version"]
tensor = _engine["tensor"]
shared = _engine["shared"]
function = _engine["function"]
grad = _engine["grad"]
ancestors = _engine["ancestors"]
disconnected_grad = _engine["disconnected_grad"]
sigmoid = _engine["sigmoid"]
softmax = _engine["softmax"]
config = _engine["config"]
copies_functions = _engine["copies_functions"]
scan = _engine["scan"]
clone_replace = _engine["clone_replace"]
large_graph_mode = _engine["large_graph_mode"]
floatX = config.floatX  # noqa: N816 - the engines' own name for it


def tanh(x):
    """Hyperbolic tangent of a symbolic tensor, element-wise."""
    return tensor.tanh(x)


def relu(x):
    """Rectified linear unit ``max(x, 0)`` of a symbolic tensor, element-wise."""
    return tensor.maximum(x, 0)
