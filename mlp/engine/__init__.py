"""The symbolic-graph engine: the one interface the rest of mlp sees of PyTensor, Theano
and JAX (imported only by its loaders, ``mlp.engine.pytensor_loader`` and ``mlp.engine.theano_loader``).

The engine is chosen once, at import time:

- ``MLP_ENGINE=pytensor`` or ``MLP_ENGINE=theano`` picks one explicitly;
- otherwise PyTensor (Theano's maintained successor) when it is installed (an older
  one than mlp needs is an ImportError naming both versions), else Theano 1.0.5.

Both build the same symbolic graphs (``tensor``, ``grad``, the activations). What a
graph is compiled FOR differs:

- PyTensor (``mlp.engine.pytensor_loader``): JAX (XLA). :func:`executable` turns a graph into
  a JAX function, which ``mlp.runtime.programs`` wraps in ``jax.jit`` with its loops; arrays
  live on JAX's default :data:`device` (a GPU when JAX's CUDA wheel is installed).
  Compiled programs are kept in JAX's persistent compilation cache, so a later process
  compiles nothing.
- Theano 1.0.5 (``mlp.engine.theano_loader``), the seed's engine: its own C backend, one
  compiled call per step.

Importing mlp with PyTensor sets three JAX options for the whole process, and only
these: ``jax_enable_x64`` (float64 networks compute in float64), and, unless the
environment already sets them, ``jax_compilation_cache_dir`` (``$MLP_CACHE_DIR/jax``,
default ``~/.cache/mlp/jax``) and ``jax_persistent_cache_min_compile_time_secs`` (0: our
programs compile in well under JAX's default threshold of one second).
"""

import importlib.util
import os

import numpy

from mlp.engine import pytensor_loader, theano_loader

__all__ = [
    "name", "version", "tensor", "grad", "ancestors", "disconnected_grad", "sigmoid", "softmax",
    "floatX", "executable", "function", "jax", "device", "cache_folder",
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


def _load():
    requested = _requested_engine()
    if requested == "theano":
        return theano_loader.load()
    if requested == "pytensor" or importlib.util.find_spec("pytensor") is not None:
        return pytensor_loader.load()
    try:
        return theano_loader.load()
    except ImportError as error:
        raise ImportError(
            "mlp needs a symbolic-graph engine: install PyTensor and JAX (pip install -r "
            "requirements.txt) or Theano 1.0.5 (see requirements-theano.txt)"
        ) from error


_engine = _load()

name = _engine["name"]
version = _engine["version"]
tensor = _engine["tensor"]
grad = _engine["grad"]
ancestors = _engine["ancestors"]
disconnected_grad = _engine["disconnected_grad"]
config = _engine["config"]
executable = _engine["executable"]
#: The ``jax`` module when graphs compile for XLA (PyTensor), else None (Theano).
jax = _engine["jax"]
#: The device that arrays live on and programs run on, e.g. ``"cpu:cpu"`` or ``"gpu:NVIDIA A100"``.
device = _engine["device"]
#: The folder of the on-disk compile cache.
cache_folder = _engine["cache_folder"]
floatX = config.floatX  # noqa: N816 - the engines' own name for it


def function(inputs, outputs):
    """Compile a graph into a function of NumPy arrays, as ``theano.function`` does.

    Parameters
    ----------
    inputs : list of symbolic variables
    outputs : symbolic variable or list of them

    Returns
    -------
    callable
        Takes one array per input; returns an array (or a list, for a list of outputs).
    """
    single = not isinstance(outputs, (list, tuple))
    program = executable(list(inputs), [outputs] if single else list(outputs))
    if jax is not None:
        program = jax.jit(program)

    def call(*arrays):
        results = [numpy.asarray(result) for result in program(*arrays)]
        return results[0] if single else results

    return call


#: Logistic sigmoid of a symbolic tensor, element-wise (the engine's own op).
sigmoid = _engine["sigmoid"]
#: Softmax of each row of a symbolic matrix (the engine's own op, along the last axis).
softmax = _engine["softmax"]
