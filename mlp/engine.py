"""The symbolic-graph engine: the only module that imports PyTensor, Theano or JAX.

The engine is chosen once, at import time:

- ``MLP_ENGINE=pytensor`` or ``MLP_ENGINE=theano`` picks one explicitly;
- otherwise PyTensor (Theano's maintained successor) when it is installed (an older
  one than mlp needs is an ImportError naming both versions), else Theano 1.0.5.

Both build the same symbolic graphs (``tensor``, ``grad``, the activations). What a
graph is compiled FOR differs:

- PyTensor: JAX (XLA). :func:`executable` turns a graph into a JAX function, which
  ``mlp.compiled`` wraps in ``jax.jit`` with its loops; arrays live on JAX's default
  :data:`device` (a GPU when JAX's CUDA wheel is installed). Compiled programs are kept
  in JAX's persistent compilation cache, so a later process compiles nothing.
- Theano 1.0.5, the seed's engine: its own C backend, one compiled call per step.

Importing mlp with PyTensor sets three JAX options for the whole process, and only
these: ``jax_enable_x64`` (float64 networks compute in float64), and, unless the
environment already sets them, ``jax_compilation_cache_dir`` (``$MLP_CACHE_DIR/jax``,
default ``~/.cache/mlp/jax``) and ``jax_persistent_cache_min_compile_time_secs`` (0: our
programs compile in well under JAX's default threshold of one second).
"""

import ctypes
import functools
import importlib.util
import os

import numpy

__all__ = [
    "name", "version", "tensor", "grad", "ancestors", "disconnected_grad", "sigmoid", "tanh",
    "relu", "leaky_relu", "elu", "gelu", "silu", "softmax", "floatX", "executable", "function",
    "jax", "device", "cache_folder",
]

_VALID_ENGINES = ("pytensor", "theano")
# The oldest PyTensor whose JAX backend this library was tested with.
_OLDEST_PYTENSOR = (3, 0)


def _requested_engine():
    requested = os.environ.get("MLP_ENGINE", "").strip().lower()
    if requested and requested not in _VALID_ENGINES:
        raise ImportError(
            f"Received an invalid value for the environment variable MLP_ENGINE, "
            f"expected one of {_VALID_ENGINES}. Received: MLP_ENGINE={requested!r}"
        )
    return requested


# Theano's C code is linked to scipy-openblas32's OpenBLAS.
# The BLAS routines the engine's C code declares, by their Fortran names (it calls
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
    """The names in Theano's C code that the link flags rename to ``scipy_<name>``."""
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
            # A library that is missing or does not load leaves Theano on NumPy's
            # C-API BLAS rather than failing at the first compile.
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
    names in Theano's C code (``sgemm_`` becomes ``scipy_sgemm_``). Theano adds an
    rpath for each ``-L`` folder. A folder whose path has a space or a comma cannot be
    written in the flags: then "" too.
    """
    folder = _scipy_openblas_folder()
    if folder is None or any(character in folder for character in " \t,'\""):
        return ""
    renames = " ".join(f"-D{name}={_BLAS_PREFIX}{name}" for name in _renamed_routines())
    return f"-L{folder} -lscipy_openblas {renames}"


def _cache_folder():
    """Where JAX keeps compiled programs between processes (see the module docstring)."""
    base = os.environ.get("MLP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "mlp")
    return os.path.join(base, "jax")


def _configure_jax(jax):
    """Turn on float64 and the persistent compilation cache; returns the cache folder."""
    jax.config.update("jax_enable_x64", True)
    if "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS" not in os.environ:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    folder = jax.config.jax_compilation_cache_dir
    if not folder:
        folder = _cache_folder()
        jax.config.update("jax_compilation_cache_dir", folder)
    return folder


def _version_tuple(text):
    numbers = []
    for part in text.split(".")[:2]:
        digits = "".join(character for character in part if character.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers)


def _load_pytensor():
    import pytensor

    if _version_tuple(pytensor.__version__) < _OLDEST_PYTENSOR:
        oldest = ".".join(map(str, _OLDEST_PYTENSOR))
        raise ImportError(
            f"mlp needs PyTensor >= {oldest} (its JAX backend); PyTensor "
            f"{pytensor.__version__} is installed. Upgrade it: pip install 'pytensor>={oldest}'"
        )
    import jax
    import pytensor.tensor as tensor_module
    from pytensor.gradient import disconnected_grad as stop
    from pytensor.graph.fg import FunctionGraph
    from pytensor.graph.traversal import ancestors as graph_ancestors
    from pytensor.link.jax.dispatch import jax_funcify
    from pytensor.tensor.elemwise import CAReduce
    from pytensor.tensor.special import softmax as row_softmax

    # After PyTensor's JAX dispatch, which sets float64 from its floatX at import.
    cache_folder = _configure_jax(jax)

    def executable(inputs, outputs):
        # PyTensor's own rewrites are skipped: XLA fuses and simplifies the graph
        # itself, and measured, the rewritten graph ran slower (1.8 against 1.2 ms an
        # epoch of digits) and took 0.25 s more to prepare in every process.
        graph = FunctionGraph(inputs, outputs, clone=True)
        _accumulate_in_output_type(graph, CAReduce)
        return jax_funcify(graph)

    default_device = jax.devices()[0]
    return {
        "name": "pytensor",
        "version": pytensor.__version__,
        "tensor": tensor_module,
        "grad": pytensor.grad,
        "ancestors": graph_ancestors,
        "disconnected_grad": stop,
        "sigmoid": tensor_module.sigmoid,
        # PyTensor's softmax normalises over the whole matrix unless told the axis.
        "softmax": functools.partial(row_softmax, axis=-1),
        "config": pytensor.config,
        "executable": executable,
        "jax": jax,
        "device": f"{default_device.platform}:{default_device.device_kind}",
        "cache_folder": cache_folder,
    }


def _accumulate_in_output_type(graph, reduction_class):
    """Make every sum in ``graph`` accumulate in its output's type.

    PyTensor sums float32 values in a float64 accumulator, and its JAX translation
    returns the accumulator's type (its rewrites, which this engine skips, would cast
    back). A bias gradient is such a sum: unchanged, every float32 update would come
    out in float64.
    """
    for node in list(graph.toposort()):
        operation = node.op
        output = node.outputs[0]
        accumulator = getattr(operation, "acc_dtype", None)
        if not isinstance(operation, reduction_class) or accumulator in (None, output.dtype):
            continue
        replacement = type(operation)(axis=operation.axis, dtype=operation.dtype,
                                      acc_dtype=output.dtype)
        graph.replace(output, replacement(*node.inputs), import_missing=True)


def _load_theano():
    # Theano 1.0.5 probes BLAS through numpy.distutils at import, which Python
    # 3.11's NumPy no longer has: give it explicit flags, OpenBLAS's when installed,
    # else empty (then it multiplies through NumPy's C-API, and warns). A user's own
    # blas.ldflags is kept. Theano reads THEANO_FLAGS once, at import: the variable is
    # put back as it was right after, so the process's environment is left unchanged.
    flags = os.environ.get("THEANO_FLAGS")
    if "blas.ldflags" not in (flags or "") and "blas__ldflags" not in (flags or ""):
        ldflags = _blas_flags()
        os.environ["THEANO_FLAGS"] = ",".join(filter(None, [flags, f"blas.ldflags={ldflags}"]))
    try:
        import theano
    finally:
        if flags is None:
            os.environ.pop("THEANO_FLAGS", None)
        else:
            os.environ["THEANO_FLAGS"] = flags
    import theano.tensor as tensor_module
    from theano.gof.graph import ancestors as graph_ancestors
    from theano.gradient import disconnected_grad as stop

    def executable(inputs, outputs):
        return theano.function(inputs, outputs, allow_input_downcast=True,
                               on_unused_input="ignore")

    return {
        "name": "theano",
        "version": theano.__version__,
        "tensor": tensor_module,
        "grad": theano.grad,
        "ancestors": graph_ancestors,
        "disconnected_grad": stop,
        "sigmoid": tensor_module.nnet.sigmoid,
        "softmax": tensor_module.nnet.softmax,
        "config": theano.config,
        "executable": executable,
        "jax": None,
        "device": "cpu (Theano's C backend)",
        "cache_folder": theano.config.compiledir,
    }


def _load():
    requested = _requested_engine()
    if requested == "theano":
        return _load_theano()
    if requested == "pytensor" or importlib.util.find_spec("pytensor") is not None:
        return _load_pytensor()
    try:
        return _load_theano()
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
