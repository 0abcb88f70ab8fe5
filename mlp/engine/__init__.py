"""The symbolic-graph engine: the one interface the rest of mlp sees of PyTensor, Theano
and JAX (imported only by its loaders, ``mlp.engine.pytensor_loader`` and ``mlp.engine.theano_loader``).

The engine is chosen once, at import time:

- ``MLP_ENGINE=pytensor`` or ``MLP_ENGINE=theano`` picks one explicitly;
- otherwise PyTensor (Theano's maintained successor) when it is installed (an older
  one than mlp needs is an ImportError naming both versions), else Theano 1.0.5.

Both build the same symbolic graphs (``tensor``, ``grad``, the activations). What a
graph is compiled FOR differs:

- PyTensor (``mlp.engine.pytensor_loader``): JAX (XLA). :func:`executable` turns a graph into
  a JAX function, which ``mlp.runtime.programs`` compiles with its loops and keeps in
  mlp's own cache; arrays live on JAX's default ``device`` (a GPU when JAX's CUDA
  wheel is installed).
- Theano 1.0.5 (``mlp.engine.theano_loader``), the seed's engine: its own C backend, one
  compiled call per step.

``device`` names where arrays live and programs run, e.g. ``"cpu:cpu"`` or
``"gpu:NVIDIA A100"``; it is looked up when first read.

Importing mlp changes no JAX option and starts none of JAX's backends (the first
computation, or reading ``device``, does). Float64 networks compute in float64
because every call of mlp's that touches JAX runs under :func:`scope`, which turns
``jax_enable_x64`` on in the calling thread for that call only: a user's own JAX code
keeps its float32 default.
"""

import functools
import importlib.util
import os

import numpy

from mlp.engine import pytensor_loader, theano_loader

__all__ = [
    "name", "version", "tensor", "grad", "ancestors", "disconnected_grad", "sigmoid", "softmax",
    "floatX", "executable", "function", "jax", "device", "scope", "scoped",
    "executable_to_bytes", "executable_from_bytes",
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
floatX = config.floatX  # noqa: N816 - the engines' own name for it
#: ``with scope():`` runs JAX in float64 in this thread (PyTensor); does nothing with
#: Theano. Every call of mlp's that touches JAX enters it, once.
scope = _engine["scope"]
#: ``executable_to_bytes(compiled)``: a compiled JAX executable as bytes (None with Theano).
executable_to_bytes = _engine["executable_to_bytes"]
#: ``executable_from_bytes(contents)``: the executable back, ready to call (None with Theano).
executable_from_bytes = _engine["executable_from_bytes"]
_device_name = _engine["device"]


def __getattr__(attribute):
    # ``device`` is looked up when first read: finding it starts JAX's backends,
    # which importing mlp does not.
    if attribute == "device":
        return _device_name()
    raise AttributeError(f"module 'mlp.engine' has no attribute {attribute!r}")


def scoped(method):
    """``method`` run under :func:`scope` (a decorator of mlp's calls that touch JAX).

    Examples
    --------
    >>> @scoped
    ... def ones():
    ...     return jax.numpy.ones(2)  # float64 with PyTensor, whatever the process's setting
    """
    @functools.wraps(method)
    def run(*arguments, **keywords):
        with scope():
            return method(*arguments, **keywords)

    return run


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

    @scoped
    def call(*arrays):
        results = [numpy.asarray(result) for result in program(*arrays)]
        return results[0] if single else results

    return call


#: Logistic sigmoid of a symbolic tensor, element-wise (the engine's own op).
sigmoid = _engine["sigmoid"]
#: Softmax of each row of a symbolic matrix (the engine's own op, along the last axis).
softmax = _engine["softmax"]
