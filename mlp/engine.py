"""The symbolic-graph engine: the only module that imports PyTensor or Theano.

The engine is chosen once, at import time:

- ``MLP_ENGINE=pytensor`` or ``MLP_ENGINE=theano`` picks one explicitly;
- otherwise PyTensor (Theano's maintained successor) when it is importable,
  else Theano 1.0.5.

Everything else in the package takes its names from here, so both engines run
the same code. ``mlp.engine.name`` says which engine runs.
"""

import ctypes
import os
import sys

__all__ = [
    "name", "version", "tensor", "shared", "function", "grad", "ancestors",
    "disconnected_grad", "sigmoid", "tanh", "relu", "softmax", "floatX", "copies_functions",
    "scan", "clone_replace",
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


def _skip_c_blas_probe():
    # PyTensor's default backend is Numba, whose matrix products call the BLAS that
    # ships inside the SciPy wheel (through scipy.linalg.cython_blas); PyTensor's own
    # C-BLAS link flags are never used. Left unset, PyTensor probes the system for a
    # C BLAS to link and warns that it found none; an explicit empty value skips that
    # probe. A user's own blas__ldflags (or a C linker chosen with linker=cvm and a
    # BLAS to link) is left alone.
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    if "blas" in flags or "linker" in flags or _config_file_mentions("blas"):
        return
    os.environ["PYTENSOR_FLAGS"] = ",".join(filter(None, [flags, "blas__ldflags="]))


def _config_file_mentions(word):
    paths = [os.environ.get("PYTENSORRC", ""), os.path.expanduser("~/.pytensorrc")]
    for path in filter(os.path.isfile, filter(None, paths)):
        with open(path, encoding="utf-8") as config_file:
            if word in config_file.read():
                return True
    return False


def _load_pytensor():
    _skip_c_blas_probe()
    import pytensor
    import pytensor.tensor as tensor_module
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
    }


def _theano_blas_flags():
    """Link flags for the MKL that ``requirements-theano.txt`` installs, or "" (none).

    The ``mkl`` wheel puts ``libmkl_rt.so.N`` (and the ``libmkl_rt.so`` link the
    Makefile adds) in the environment's ``lib`` folder. Loading it here, globally,
    lets Theano's compiled modules find it without an rpath, whose commas the
    THEANO_FLAGS syntax cannot hold.
    """
    folder = os.path.join(sys.prefix, "lib")
    library = os.path.join(folder, "libmkl_rt.so")
    if not os.path.exists(library):
        return ""
    try:
        ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
    except OSError:
        return ""
    return f"-L{folder} -lmkl_rt"


def _load_theano():
    # Theano 1.0.5 probes BLAS through numpy.distutils at import, which Python
    # 3.11's NumPy no longer has: give it explicit flags, MKL's when installed, else
    # empty (then it multiplies through NumPy's C-API, and warns). A user's own
    # blas.ldflags is kept.
    flags = os.environ.get("THEANO_FLAGS", "")
    if "blas.ldflags" not in flags and "blas__ldflags" not in flags:
        ldflags = _theano_blas_flags()
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
floatX = config.floatX  # noqa: N816 - the engines' own name for it


def tanh(x):
    """Hyperbolic tangent of a symbolic tensor, element-wise."""
    return tensor.tanh(x)


def relu(x):
    """Rectified linear unit ``max(x, 0)`` of a symbolic tensor, element-wise."""
    return tensor.maximum(x, 0)
