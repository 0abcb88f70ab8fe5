"""Compiled programs, one per graph signature, shared by every network in the process.

A signature is what a graph depends on: the layers' kinds, the dtype, whether the L2
term covers the biases, the optimiser and the role (forward pass, training run,
objective), and for a training run which hidden layers take dropout masks and whether
the gradient is clipped (both absent from the signature when off, whose graph is the
plain one). Shapes are not in it: the graphs are built on placeholders
(``mlp.graphs``), so a second network of any size reuses the program.

With PyTensor the graph becomes a JAX function (:func:`mlp.engine.executable`) and a
training run is ONE compiled call: a ``fori_loop`` over the steps, with the
parameters, optimiser state and data passed in and returned as device arrays. Each
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

import numpy

from mlp import engine, graphs
from mlp.dropout import dropout_masks, numpy_dropout_masks

__all__ = ["program", "counts", "FULL_BATCH_STEPS", "Program"]

# The most full-batch steps in one call. Full-batch calls all have this shape (the
# loop runs the steps asked for), so that a run of any length compiles once.
FULL_BATCH_STEPS = 4096

# LLVM's optimisation level for XLA's own kernels: 1 instead of 3 compiles a training
# program a fifth faster (0.38 against 0.48 s for the default MLPClassifier on digits,
# the first fit's largest cost) and runs as fast: the matrix products are library
# calls, and the rest are simple fused loops (measured: digits and the large float32
# set within noise).
_COMPILER_OPTIONS = {"xla_backend_optimization_level": 1}

_PROGRAMS = {}
_LOCK = threading.Lock()
_COUNTS = {"graphs": 0, "traces": 0, "compiles": 0, "cache_hits": 0, "loaded": 0}
# What the saved programs were built from: a change to any of these files, or to the
# engine's versions, makes new file names, so a stale program is never loaded.
_SOURCES = ("compiled.py", "dropout.py", "engine.py", "graphs.py", "layers.py", "objectives.py",
            "updates.py")


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
    digest = hashlib.sha256(f"{engine.name} {engine.version} {engine.device}".encode())
    if engine.jax is not None:
        digest.update(engine.jax.__version__.encode())
    folder = Path(__file__).resolve().parent
    for name in _SOURCES:
        digest.update((folder / name).read_bytes())
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
    return build(layers, graphs.Placeholders(len(layers) - 1, dtype))


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
    return all(type(layer).__module__ == "mlp.layers" for layer in layers)


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


# ------------------------------------------------------------------ builders
def forward(layers, placeholders):
    """``run(inputs, parameters) -> output``."""
    executable = engine.executable(*graphs.forward_graph(layers, placeholders))

    def run(inputs, parameters):
        return executable(inputs, *parameters)[0]

    return run


def training_run(optimizer, regularize_bias, batched, dropout=(), clip=False):
    """A builder of ``run(carried, data, batches, n_steps, hyper, rates=None, clip_norm=None)``.

    ``run`` makes the first ``n_steps`` steps of ``optimizer`` from the parameters and
    state ``carried``; ``batches`` holds one row of indices per step (None for
    full-batch steps). It returns the new carried values, an array ``(length, 2)`` of
    the data term and full cost of each step (rows past ``n_steps`` are zero) and
    whether every carried value is finite.

    With ``dropout`` (indices of the hidden layers that take masks), ``carried`` ends
    with a random key (two uint32, returned advanced) from which each step's masks
    are drawn, and ``rates`` holds those layers' dropout rates: on XLA the masks are
    drawn inside the compiled loop (:func:`mlp.dropout.dropout_masks`), on Theano with
    NumPy (:func:`mlp.dropout.numpy_dropout_masks`). With ``clip``, ``clip_norm`` is the largest global
    norm of a step's gradient.
    """
    def build(layers, placeholders):
        inputs, outputs, carried = graphs.step_graph(layers, placeholders, optimizer,
                                                     regularize_bias, batched, dropout, clip)
        step = engine.executable(inputs, outputs)
        penalty = engine.executable(*graphs.penalty_graph(layers, placeholders, regularize_bias))
        counts = (carried, len(placeholders.parameters))
        if engine.jax is None:
            return _python_loop(step, penalty, counts, batched, dropout)
        return _jax_loop(step, penalty, counts, batched, dropout)

    return build


def _mask_shape(values, data, batches, batched, dropout):
    """Rows of a step and units of each masked hidden layer (``weights[i]`` is
    ``(units, n_in)`` for hidden layer ``i``)."""
    rows = batches.shape[1] if batched else data[0].shape[0]
    return rows, [values[index].shape[0] for index in dropout]


def _jax_loop(step, penalty, counts, batched, dropout):
    lax, numpy_like, random = engine.jax.lax, engine.jax.numpy, engine.jax.random
    carried_count, parameter_count = counts

    def run(carried, data, batches, n_steps, hyper, rates=None, clip_norm=None):
        length = batches.shape[0] if batched else FULL_BATCH_STEPS
        costs = numpy_like.zeros((length, 2), dtype=carried[0].dtype)
        reg_lambda = hyper[0]
        zero = numpy_like.zeros((), dtype=costs.dtype)
        rows_count, units = _mask_shape(carried, data, batches, batched, dropout)
        clipping = () if clip_norm is None else (clip_norm,)

        def body(index, loop):
            values, costs, key = loop
            rows = (lax.dynamic_index_in_dim(batches, index, keepdims=False),) if batched else ()
            masks = ()
            if dropout:
                key, step_key = random.split(key)
                masks = dropout_masks(step_key, rows_count, units, rates, costs.dtype)
            outputs = step(*values, *data, *rows, *hyper, *masks, *clipping)
            data_cost = outputs[carried_count].astype(costs.dtype)
            # The penalty of the parameters before the step, only where it counts.
            penalty_value = lax.cond(reg_lambda != 0,
                                     lambda parameters: penalty(*parameters)[0].astype(costs.dtype),
                                     lambda parameters: zero, values[:parameter_count])
            step_costs = numpy_like.stack([data_cost, data_cost + reg_lambda * penalty_value])
            costs = lax.dynamic_update_index_in_dim(costs, step_costs, index, axis=0)
            return tuple(outputs[:carried_count]), costs, key

        # The random key rides in the loop beside the parameters (None without dropout:
        # no leaves, the plain program).
        key = carried[carried_count] if dropout else None
        loop = (tuple(carried[:carried_count]), costs, key)
        if batched:
            values, costs, key = lax.fori_loop(0, n_steps, body, loop)
        else:
            # Four full-batch steps an iteration: a full-batch step of a small network
            # is a few microseconds of many tiny kernels, which XLA runs faster in a
            # longer loop body (measured on XOR: 0.75 against 0.95 microseconds a step).
            def four_steps(group, loop):
                for offset in range(4):
                    loop = body(4 * group + offset, loop)
                return loop

            loop = lax.fori_loop(0, n_steps // 4, four_steps, loop)
            values, costs, key = lax.fori_loop(n_steps - n_steps % 4, n_steps, body, loop)
        finite = numpy_like.stack([numpy_like.isfinite(value).all() for value in values]).all()
        return values + ((key,) if dropout else ()), costs, finite

    return run


def _python_loop(step, penalty, counts, batched, dropout):
    carried_count, parameter_count = counts

    def run(carried, data, batches, n_steps, hyper, rates=None, clip_norm=None):
        values = list(carried[:carried_count])
        costs = numpy.zeros((n_steps, 2))
        reg_lambda = float(hyper[0])
        clipping = [] if clip_norm is None else [clip_norm]
        key = carried[carried_count] if dropout else None
        generator = numpy.random.default_rng(key) if dropout and n_steps else None
        rows_count, units = _mask_shape(values, data, batches, batched, dropout)
        for index in range(n_steps):
            rows = [batches[index]] if batched else []
            masks = []
            if dropout:
                masks = numpy_dropout_masks(generator, rows_count, units, rates, values[0].dtype)
            outputs = step(*values, *data, *rows, *hyper, *masks, *clipping)
            penalty_value = float(penalty(*values[:parameter_count])[0]) if reg_lambda else 0.0
            data_cost = float(outputs[carried_count])
            costs[index] = data_cost, data_cost + reg_lambda * penalty_value
            values = outputs[:carried_count]
        finite = all(numpy.isfinite(value).all() for value in values)
        if generator is not None:
            # The next call's key, drawn from this one's stream: calls continue it.
            key = generator.integers(0, 2**32, size=2, dtype=numpy.uint32)
        return list(values) + ([key] if dropout else []), costs, finite

    return run


def objective(regularize_bias, shapes):
    """A builder of ``run(flat_parameters, data, reg_lambda) -> (data_cost, cost, flat_gradient)``.

    ``shapes`` are the parameters' shapes, in the order of the flat vector.
    """
    sizes = [int(numpy.prod(shape)) for shape in shapes]
    bounds = numpy.cumsum([0] + sizes)

    def build(layers, placeholders):
        inputs, outputs = graphs.objective_graph(layers, placeholders, regularize_bias)
        executable = engine.executable(inputs, outputs)
        dtype = placeholders.dtype
        concatenate = numpy.concatenate if engine.jax is None else engine.jax.numpy.concatenate

        def run(flat, data, reg_lambda):
            parameters = [flat[start:stop].reshape(shape).astype(dtype)
                          for start, stop, shape in zip(bounds[:-1], bounds[1:], shapes)]
            data_cost, cost, *gradients = executable(*parameters, *data, reg_lambda)
            return data_cost, cost, concatenate([gradient.ravel() for gradient in gradients])

        return run

    return build
