"""The symbolic-graph engine: the one interface the rest of mlp sees of PyTensor, Theano
and JAX (imported only by its loaders, ``mlp.engine_pytensor`` and ``mlp.engine_theano``).

The engine is chosen once, at import time:

- ``MLP_ENGINE=pytensor`` or ``MLP_ENGINE=theano`` picks one explicitly;
- otherwise PyTensor (Theano's maintained successor) when it is installed (an older
  one than mlp needs is an ImportError naming both versions), else Theano 1.0.5.

Both build the same symbolic graphs (``tensor``, ``grad``, the activations). What a
graph is compiled FOR differs:

- PyTensor (``mlp.engine_pytensor``): JAX (XLA). :func:`executable` turns a graph into
  a JAX function, which ``mlp.compiled`` wraps in ``jax.jit`` with its loops; arrays
  live on JAX's default :data:`device` (a GPU when JAX's CUDA wheel is installed).
  Compiled programs are kept in JAX's persistent compilation cache, so a later process
  compiles nothing.
- Theano 1.0.5 (``mlp.engine_theano``), the seed's engine: its own C backend, one
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

from mlp import engine_pytensor, engine_theano

__all__ = [
    "name", "version", "tensor", "grad", "ancestors", "disconnected_grad", "sigmoid", "tanh",
    "relu", "leaky_relu", "elu", "gelu", "silu", "softmax", "floatX", "executable", "function",
    "jax", "device", "cache_folder",
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
        return engine_theano.load()
    if requested == "pytensor" or importlib.util.find_spec("pytensor") is not None:
        return engine_pytensor.load()
    try:
        return engine_theano.load()
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


# The activations are functions of this module, so that the layers that hold them
# pickle (by reference) with the networks.
def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))`` of a symbolic tensor, element-wise."""
    return _engine["sigmoid"](x)


def softmax(x):
    """Softmax of each row of a symbolic matrix."""
    return _engine["softmax"](x)


def tanh(x):
    """Hyperbolic tangent of a symbolic tensor, element-wise."""
    return tensor.tanh(x)


def relu(x):
    """Rectified linear unit ``max(x, 0)`` of a symbolic tensor, element-wise."""
    return tensor.maximum(x, 0)


# PyTorch's default negative slope of LeakyReLU.
LEAKY_SLOPE = 0.01


def _constant(value, like):
    # A constant of the tensor's own dtype, so that a float32 graph stays float32 on
    # both engines (Theano would otherwise promote by its casting rules).
    return numpy.asarray(value, dtype=like.dtype)


def leaky_relu(x):
    """Leaky rectified linear unit ``x if x > 0 else 0.01 * x`` (PyTorch's default slope)."""
    return tensor.switch(x > 0, x, _constant(LEAKY_SLOPE, x) * x)


def elu(x):
    """Exponential linear unit ``x if x > 0 else exp(x) - 1`` (alpha 1, PyTorch's default)."""
    # expm1 of min(x, 0): the branch not taken stays finite, so its gradient (zero
    # times exp(x)) is never 0 * inf = NaN for a large positive x.
    return tensor.switch(x > 0, x, tensor.expm1(tensor.minimum(x, _constant(0, x))))


def gelu(x):
    """Gaussian error linear unit, the exact form ``x * Phi(x) = x / 2 * (1 + erf(x / sqrt 2))``
    (PyTorch's default, not its tanh approximation)."""
    half = _constant(0.5, x)
    return half * x * (_constant(1, x) + tensor.erf(x * _constant(1 / numpy.sqrt(2), x)))


def silu(x):
    """Sigmoid linear unit (swish) ``x * sigmoid(x)``."""
    return x * sigmoid(x)
