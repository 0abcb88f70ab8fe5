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
arrays. Each call shape is compiled once by XLA (:class:`Program`), and the compiled
executable is kept in mlp's own cache: in memory, the :data:`MEMORY_LIMIT` most
recently used, and on disk (``mlp.runtime.program_files``), so that a later process
neither builds the graph, nor traces, nor compiles it. JAX's own compilation cache
is not used. With Theano, each step is one call of a compiled Theano function, looped
in Python; the process keeps the :data:`MEMORY_LIMIT` most recently used of those.
"""

import collections
import functools
import hashlib
import os
import threading
from pathlib import Path

from mlp import engine
from mlp.graph import builders
from mlp.runtime import precompile, program_files
from mlp.runtime.shapes import coarse

__all__ = ["program", "counts", "clear_cache", "source_digest", "Program", "MEMORY_LIMIT"]

# LLVM's optimisation level for XLA's own kernels: 1 instead of 3 compiles a training
# program a fifth faster (the first fit's largest cost) and runs as fast, because the
# matrix products are library calls and the rest are simple fused loops
# (docs/design.md, "Choices inside the graph").
_COMPILER_OPTIONS = {"xla_backend_optimization_level": 1}

#: The most programs, and the most compiled call shapes, the process keeps; beyond it
#: the least recently used go (a compiled executable of the default MLPClassifier's
#: training holds about a megabyte).
MEMORY_LIMIT = 64

_COUNTS = {"graphs": 0, "compiles": 0, "loaded": 0}


def counts():
    """What this process did, per kind: ``graphs`` (PyTensor or Theano graphs built),
    ``compiles`` (XLA compilations) and ``loaded`` (executables loaded from disk
    instead of being compiled)."""
    return dict(_COUNTS)


class _RecentlyUsed:
    """A thread-safe mapping that keeps its :data:`MEMORY_LIMIT` most recently used entries."""

    def __init__(self):
        self.entries = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value):
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > MEMORY_LIMIT:
                self.entries.popitem(last=False)

    def __len__(self):
        return len(self.entries)

    def keys(self):
        """The keys, least recently used first."""
        with self.lock:
            return list(self.entries)

    def clear(self):
        with self.lock:
            self.entries.clear()


_PROGRAMS = _RecentlyUsed()
# Compiled call shapes, by (Program, shapes): an evicted Program's leave in their turn.
_EXECUTABLES = _RecentlyUsed()
_BUILDING = threading.Lock()


def clear_cache(disk=True):
    """Forget every compiled program: those kept in this process, and (``disk``) the
    files of mlp's cache folder (``$MLP_CACHE_DIR/programs``).

    The next call of a network compiles its program again. Networks keep their
    weights.

    Parameters
    ----------
    disk : bool, default True
        Also remove the compiled programs saved on disk, which later processes load.

    Examples
    --------
    >>> import mlp
    >>> mlp.clear_cache()
    """
    _PROGRAMS.clear()
    _EXECUTABLES.clear()
    if disk:
        program_files.clear()


@functools.cache
def source_digest():
    # Every source file of the package, the engine's versions, the device and XLA's
    # flags: any change to mlp or its engine makes new file names, so a stale program
    # is never loaded. Computed on first compile: the device starts JAX's backends.
    digest = hashlib.sha256(f"{engine.name} {engine.version} {engine.device}".encode())
    if engine.jax is not None:
        client = engine.jax.devices()[0].client
        digest.update(f"{engine.jax.__version__} {client.platform_version}".encode())
        digest.update(os.environ.get("XLA_FLAGS", "").encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def program(key, layers, dtype, build):
    """The program of ``key``, built on first use by ``build(layers, placeholders)``.

    Thread-safe: two threads asking for the same key get the same program, built once.
    With PyTensor, a :class:`Program`; with Theano, the built function itself.
    """
    found = _PROGRAMS.get(key)
    if found is not None:
        return found
    with _BUILDING:
        found = _PROGRAMS.get(key)
        if found is None:
            if engine.jax is None:
                found = _one_call_at_a_time(_build(key, layers, dtype, build))
            else:
                found = Program(key, layers, dtype, build)
            _PROGRAMS.put(key, found)
        return found


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
    part is absent), it returns the outputs as device arrays. It runs under
    :func:`mlp.engine.scope`, as does its compilation.
    """

    def __init__(self, key, layers, dtype, build):
        self.key = key
        self.layers = layers
        self.dtype = dtype
        self.build = build
        self.function = None
        self.lock = threading.Lock()
        # The whole key names the saved file: everything the graph depends on.
        self.name = repr(key)
        self.saveable = _saveable(layers)

    @engine.scoped
    def __call__(self, *arguments):
        leaves, structure = engine.jax.tree_util.tree_flatten(arguments)
        shapes = (self, structure, tuple([(leaf.shape, leaf.dtype) for leaf in leaves]))
        call = _EXECUTABLES.get(shapes)
        if call is None:
            with self.lock:
                call = _EXECUTABLES.get(shapes) or self._compile(arguments, shapes)
                _EXECUTABLES.put(shapes, call)
        return call(*arguments)

    def _compile(self, arguments, shapes):
        _, structure, leaves = shapes
        described = (str(structure), tuple((shape, str(dtype)) for shape, dtype in leaves))
        digest = hashlib.sha256(repr((source_digest(), self.name, described)).encode()).hexdigest()
        path = program_files.folder() / f"{digest}{program_files.SUFFIX}"
        compiled = self._load(path) if self.saveable else None
        if compiled is None:
            if self.function is None:
                self.function = _build(self.key, self.layers, self.dtype, self.build)
            lowered = engine.jax.jit(self.function).lower(*arguments)
            compiled = lowered.compile(_COMPILER_OPTIONS)
            _COUNTS["compiles"] += 1
            if self.saveable:
                _save(path, compiled)
                # After the compile: started before it, the background process slowed
                # a cold first fit of digits from 0.81 to 1.35 s. A tabular fit (in the
                # wide buckets) starts the tabular list instead (mlp.tabular.precompile).
                if not coarse():
                    _start_precompiling()
        return compiled

    @staticmethod
    def _load(path):
        contents = program_files.read(path)
        if contents is None:
            return None
        try:
            compiled = engine.executable_from_bytes(contents)
        except Exception:  # noqa: BLE001 - a file that does not load is compiled again
            return None
        _COUNTS["loaded"] += 1
        return compiled


@functools.cache
def _start_precompiling():
    # Once per process, at its first compile: the default estimators' programs of other
    # shapes are then compiled in the background (mlp.runtime.precompile).
    precompile.start(program_files.folder(), source_digest())


def _save(path, compiled):
    try:
        contents = engine.executable_to_bytes(compiled)
    except (ValueError, NotImplementedError):
        return  # an executable JAX cannot serialize is compiled again by a later process
    program_files.write(path, contents)
