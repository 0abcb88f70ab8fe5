"""Compiled programs, one per graph signature, shared by every network in the process.

A signature is what a graph depends on: the layers' kinds, the dtype, whether the L2
term covers the biases, the optimiser and the role (forward pass, training run,
objective), and for a training run which hidden layers take dropout masks and whether
the gradient is clipped (both absent from the signature when off, whose graph is the
plain one). Shapes are not in it: the graphs are built on placeholders
(``mlp.graph.builders``), so a second network of any size reuses the program.

With PyTensor the graph becomes a JAX function (:func:`mlp.engine.executable`) and a
training run is ONE compiled call (``mlp.runtime.loops``): a ``fori_loop`` over the
steps, with the parameters, optimiser state and data passed in and returned as device
arrays. Each
call shape is compiled once (:class:`Program`) and kept on disk twice over: JAX's
persistent cache keeps the machine code, and the program itself is saved as a
serialized ``jax.export`` module, so that a later process neither builds the graph
again nor traces it. With Theano, each step is one call of a compiled Theano
function, looped in Python.
"""

import hashlib
import os
import tempfile
import threading
from pathlib import Path

from mlp import engine
from mlp.graph import builders

__all__ = ["program", "counts", "Program"]

# LLVM's optimisation level for XLA's own kernels: 1 instead of 3 compiles a training
# program a fifth faster (0.38 against 0.48 s for the default MLPClassifier on digits,
# the first fit's largest cost) and runs as fast: the matrix products are library
# calls, and the rest are simple fused loops (measured: digits and the large float32
# set within noise).
_COMPILER_OPTIONS = {"xla_backend_optimization_level": 1}

_PROGRAMS = {}
_LOCK = threading.Lock()
_COUNTS = {"graphs": 0, "traces": 0, "compiles": 0, "cache_hits": 0, "loaded": 0}


def counts():
    """What this process built, per kind: ``graphs`` (PyTensor graphs built), ``traces``
    (JAX traces of them), ``compiles`` (XLA compilations), ``cache_hits`` (machine
    code loaded from JAX's persistent cache) and ``loaded`` (programs loaded from
    disk instead of being built and traced)."""
    return dict(_COUNTS)


def _count_compile_events(event, **_):
    if event == "/jax/compilation_cache/cache_misses":
        _COUNTS["compiles"] += 1
    elif event == "/jax/compilation_cache/cache_hits":
        _COUNTS["cache_hits"] += 1


def _source_digest():
    # Every source file of the package, and the engine's versions: any change to mlp
    # or its engine makes new file names, so a stale program is never loaded.
    digest = hashlib.sha256(f"{engine.name} {engine.version} {engine.device}".encode())
    if engine.jax is not None:
        digest.update(engine.jax.__version__.encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


if engine.jax is not None:
    engine.jax.monitoring.register_event_listener(_count_compile_events)
    _DIGEST = _source_digest()
    _FOLDER = Path(engine.cache_folder).parent / "programs"


def program(key, layers, dtype, build):
    """The program of ``key``, built on first use by ``build(layers, placeholders)``.

    Thread-safe: two threads asking for the same key get the same program, built once.
    With PyTensor, a :class:`Program`; with Theano, the built function itself.
    """
    with _LOCK:
        if key not in _PROGRAMS:
            if engine.jax is None:
                _PROGRAMS[key] = _one_call_at_a_time(_build(key, layers, dtype, build))
            else:
                _PROGRAMS[key] = Program(key, layers, dtype, build)
        return _PROGRAMS[key]


def _build(key, layers, dtype, build):
    _COUNTS["graphs"] += 1
    return build(layers, builders.Placeholders(len(layers) - 1, dtype))


def _one_call_at_a_time(function):
    # A compiled Theano function computes in storage of its own: two threads calling
    # it at once would write into each other's values.
    lock = threading.Lock()

    def call(*arguments):
        with lock:
            return function(*arguments)

    return call


def _saveable(layers):
    # Only mlp's own layers: the saved file names cannot see a user's layer code change.
    return all(type(layer).__module__ == "mlp.graph.layers" for layer in layers)


class Program:
    """A JAX program compiled once per call shape, loaded from disk when it can be.

    Called with the arrays of its graph (nested in lists and tuples, None where a
    part is absent), it returns the outputs as device arrays.
    """

    def __init__(self, key, layers, dtype, build):
        self.key = key
        self.layers = layers
        self.dtype = dtype
        self.build = build
        self.function = None
        self.calls = {}
        self.lock = threading.Lock()
        # The whole key names the saved file: everything the graph depends on.
        self.name = repr(key)
        self.saveable = _saveable(layers)

    def __call__(self, *arguments):
        jax = engine.jax
        leaves, structure = jax.tree_util.tree_flatten(arguments)
        shapes = (structure, tuple([(leaf.shape, leaf.dtype) for leaf in leaves]))
        call = self.calls.get(shapes)
        if call is None:
            with self.lock:
                call = self.calls.get(shapes) or self._compile(arguments, shapes)
                self.calls[shapes] = call
        return call(*arguments)

    def _compile(self, arguments, shapes):
        jax = engine.jax
        structure, leaves = shapes
        described = (str(structure), tuple((shape, str(dtype)) for shape, dtype in leaves))
        digest = hashlib.sha256(repr((_DIGEST, self.name, described)).encode()).hexdigest()
        path = _FOLDER / f"{digest}.jaxprogram"
        exported = self._load(path) if self.saveable else None
        if exported is None:
            if self.function is None:
                self.function = _build(self.key, self.layers, self.dtype, self.build)
            _COUNTS["traces"] += 1
            exported = jax.export.export(jax.jit(self.function))(*arguments)
            if self.saveable:
                _write_atomically(path, exported.serialize())
        return jax.jit(exported.call, compiler_options=_COMPILER_OPTIONS)

    @staticmethod
    def _load(path):
        try:
            contents = path.read_bytes()
        except OSError:
            return None
        try:
            exported = engine.jax.export.deserialize(bytearray(contents))
        except Exception:  # noqa: BLE001 - a damaged file is rebuilt, never trusted
            return None
        _COUNTS["loaded"] += 1
        return exported


def _write_atomically(path, contents):
    """Write ``contents`` to ``path`` so that a reader sees the whole file or none: two
    processes compiling side by side each write their own temporary file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".partial")
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(contents)
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs the next process a trace
