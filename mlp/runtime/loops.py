"""What a compiled program runs, built from the graphs of ``mlp.graph.builders``: the forward
pass, a training run (a loop over the steps) and the L-BFGS objective.

Each builder returns a function ``build(layers, placeholders)`` that
:func:`mlp.runtime.programs.program` calls once per signature. With PyTensor a training run is
ONE compiled call: a ``fori_loop`` over the steps, with the parameters, optimiser state
and data passed in and returned as device arrays (:func:`_jax_loop`). With Theano,
each step is one call of a compiled Theano function, looped in Python
(:func:`_python_loop`).
"""

import numpy

from mlp import engine
from mlp.graph import builders
from mlp.graph.dropout import dropout_masks, numpy_dropout_masks

__all__ = ["forward", "training_run", "objective", "FULL_BATCH_STEPS"]

# The most full-batch steps in one call. Full-batch calls all have this shape (the
# loop runs the steps asked for), so that a run of any length compiles once.
FULL_BATCH_STEPS = 4096
# Minibatch steps run two to a loop iteration when a weight matrix that a backward
# product reads has at least this many entries (see _pairs_pay): 256 x 256 networks run
# as fast one step an iteration, and their program compiles a third faster.
_PAIRED_WEIGHTS = 1 << 17
# Full-batch steps a loop iteration (see _jax_loop). This constant and the one above
# were chosen by measurement on AVX2 and AVX-512 CPUs: `python -m benchmarks.thresholds`
# times each choice both ways, docs/measurements.md ("Thresholds") has the figures.
_FULL_BATCH_UNROLL = 4


def forward(layers, placeholders):
    """``run(inputs, parameters) -> output``."""
    executable = engine.executable(*builders.forward_graph(layers, placeholders))

    def run(inputs, parameters):
        return executable(inputs, *parameters)[0]

    return run


def training_run(optimizer, regularize_bias, batched, dropout=(), clip=False, penalized=True):
    """A builder of ``run(carried, data, batches, n_steps, hyper, rates=None, clip_norm=None)``.

    ``run`` makes the first ``n_steps`` steps of ``optimizer`` from the parameters and
    state ``carried``; ``batches`` holds one row of indices per step (None for
    full-batch steps). It returns the new carried values, an array ``(length, 2)`` of
    the data term and full cost of each step (rows past ``n_steps`` are zero) and
    whether every carried value is finite.

    With ``dropout`` (indices of the hidden layers that take masks), ``carried`` ends
    with a random key (two uint32, returned advanced) from which each step's masks
    are drawn, and ``rates`` holds those layers' dropout rates: on XLA the masks are
    drawn inside the compiled loop (:func:`mlp.graph.dropout.dropout_masks`), on Theano with
    NumPy (:func:`mlp.graph.dropout.numpy_dropout_masks`). With ``clip``, ``clip_norm`` is the largest global
    norm of a step's gradient. Without ``penalized`` (``reg_lambda`` is 0 in every
    call), the full cost of a step is its data term, and the XLA loop does not compute
    the penalty (a tenth of a step of XOR; docs/design.md).
    """
    def build(layers, placeholders):
        inputs, outputs, carried = builders.step_graph(layers, placeholders, optimizer,
                                                     regularize_bias, batched, dropout, clip,
                                                     penalized)
        step = engine.executable(inputs, outputs)
        penalty = None
        if penalized:
            penalty = engine.executable(*builders.penalty_graph(layers, placeholders,
                                                              regularize_bias))
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


def _pairs_pay(weights):
    """Whether minibatch steps run two to a loop iteration.

    XLA keeps a copy of each weight matrix that a backward product reads, because the
    step writes the new weights over the loop's buffer; with two steps an iteration the
    first step's weights live in a buffer of their own and neither copy is made. Below
    the threshold the copies are small and the longer loop body costs more, in
    running or in compiling, than it saves (docs/design.md, "Choices inside the graph").
    """
    return max((weight.size for weight in weights[1:]), default=0) >= _PAIRED_WEIGHTS


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

        def penalty_of(parameters):
            # The L2 penalty, only where it counts.
            if penalty is None:
                return zero
            return lax.cond(reg_lambda != 0,
                            lambda parameters: penalty(*parameters)[0].astype(costs.dtype),
                            lambda parameters: zero, parameters)

        def body(index, loop):
            values, costs, key, penalty_before = loop
            rows = (lax.dynamic_index_in_dim(batches, index, keepdims=False),) if batched else ()
            masks = ()
            if dropout:
                key, step_key = random.split(key)
                masks = dropout_masks(step_key, rows_count, units, rates, costs.dtype)
            outputs = step(*values, *data, *rows, *hyper, *masks, *clipping)
            data_cost = outputs[carried_count].astype(costs.dtype)
            step_costs = numpy_like.stack([data_cost, data_cost + reg_lambda * penalty_before])
            costs = lax.dynamic_update_index_in_dim(costs, step_costs, index, axis=0)
            new_values = tuple(outputs[:carried_count])
            # The next step's penalty, of the values just written: read after the
            # update, not before it, the parameters leave XLA fewer copies to make.
            return new_values, costs, key, penalty_of(new_values[:parameter_count])

        # The random key rides in the loop beside the parameters (None without dropout:
        # no leaves, the plain program).
        key = carried[carried_count] if dropout else None
        loop = (tuple(carried[:carried_count]), costs, key, penalty_of(tuple(carried[:parameter_count])))
        if batched and _pairs_pay(carried[:parameter_count // 2]):
            def two_steps(pair, loop):
                first = body(2 * pair, loop)
                # An odd count's last pair skips its second step. Two copies of the
                # step in the program instead of three (with a loop of its own for the
                # odd step): a quarter less to compile, and XLA then runs the loop
                # 1.4-2 times faster (docs/design.md, "Choices inside the graph").
                return lax.cond(2 * pair + 1 < n_steps,
                                lambda loop: body(2 * pair + 1, loop), lambda loop: loop, first)

            values, costs, key, _ = lax.fori_loop(0, (n_steps + 1) // 2, two_steps, loop)
        elif batched:
            values, costs, key, _ = lax.fori_loop(0, n_steps, body, loop)
        else:
            # Several full-batch steps an iteration: a full-batch step of a small
            # network is a few microseconds of many tiny kernels, which XLA runs faster
            # in a longer loop body.
            unroll = _FULL_BATCH_UNROLL

            def unrolled_steps(group, loop):
                for offset in range(unroll):
                    loop = body(unroll * group + offset, loop)
                return loop

            loop = lax.fori_loop(0, n_steps // unroll, unrolled_steps, loop)
            values, costs, key, _ = lax.fori_loop(n_steps - n_steps % unroll, n_steps, body,
                                                  loop)
        # One check over every value at once: a check per value made XLA compile a
        # dozen more small kernels (is-finite, then two reductions, per shape), which
        # the first fit's compile pays for.
        every_value = numpy_like.concatenate([value.ravel() for value in values])
        finite = numpy_like.isfinite(every_value).all()
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


def objective(regularize_bias, shapes, padded=None):
    """A builder of ``run(flat_parameters, data, reg_lambda) -> (data_cost, cost, flat_gradient)``.

    ``shapes`` are the parameters' shapes, in the order of the flat vector; ``padded``
    the shape and fill of each as the data's programs take them
    (:mod:`mlp.runtime.shapes`): the flat vector holds the parameters' own values, and
    the padding is made, and its gradient dropped, inside the program.
    """
    sizes = [int(numpy.prod(shape)) for shape in shapes]
    bounds = numpy.cumsum([0] + sizes)
    padded = padded or [(shape, 0.0) for shape in shapes]

    def build(layers, placeholders):
        inputs, outputs = builders.objective_graph(layers, placeholders, regularize_bias)
        executable = engine.executable(inputs, outputs)
        dtype = placeholders.dtype
        concatenate = numpy.concatenate if engine.jax is None else engine.jax.numpy.concatenate

        def run(flat, data, reg_lambda):
            parameters = []
            for start, stop, shape, (padded_shape, fill) in zip(bounds[:-1], bounds[1:], shapes,
                                                                  padded):
                parameter = flat[start:stop].reshape(shape).astype(dtype)
                if tuple(padded_shape) != tuple(shape):
                    parameter = _padded(parameter, padded_shape, fill, dtype)
                parameters.append(parameter)
            data_cost, cost, *gradients = executable(*parameters, *data, reg_lambda)
            own = [gradient[tuple(slice(0, size) for size in shape)]
                   for gradient, shape in zip(gradients, shapes)]
            return data_cost, cost, concatenate([gradient.ravel() for gradient in own])

        return run

    return build


def _padded(parameter, shape, fill, dtype):
    """``parameter`` inside an array of ``shape`` filled with ``fill`` (traced by JAX)."""
    numpy_like = engine.jax.numpy
    buffer = numpy_like.full(shape, fill, dtype=dtype)
    return buffer.at[tuple(slice(0, size) for size in parameter.shape)].set(parameter)
