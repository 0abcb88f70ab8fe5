"""Inverted-dropout masks: what a training step multiplies each hidden layer's output by.

A mask entry is 0 with probability ``rate`` (the unit is dropped for that row and
step), else ``1 / (1 - rate)``, so that a unit's expected output is unchanged and
predictions need no rescaling. The masks are drawn by the training loop, not by the
graph: the step graph takes them as inputs (``mlp.graph.builders.step_graph``). With PyTensor
they are drawn with ``jax.random`` inside the compiled loop, from a key carried from
step to step, so nothing leaves the device; with Theano with NumPy, in the Python loop.
Both streams start from a key drawn from the network's ``random_state``, so training
is reproducible on each engine (the two engines draw different masks).
"""

from mlp import engine

__all__ = ["dropout_masks", "numpy_dropout_masks"]


def dropout_masks(key, rows, units, rates, dtype):
    """Inverted-dropout masks drawn with ``jax.random``, one ``(rows, units[i])`` per layer.

    Each entry is 0 with probability ``rates[i]``, else ``1 / (1 - rates[i])``, so a
    unit's expected output is unchanged. ``key`` is a raw ``uint32[2]`` key; layer
    ``i`` draws from ``fold_in(key, i)``.
    """
    random, numpy_like = engine.jax.random, engine.jax.numpy
    masks = []
    for index, layer_units in enumerate(units):
        uniform = random.uniform(random.fold_in(key, index), (rows, layer_units), dtype=dtype)
        keep = 1 - rates[index]
        masks.append(numpy_like.where(uniform >= rates[index], 1 / keep, 0).astype(dtype))
    return masks


def numpy_dropout_masks(generator, rows, units, rates, dtype):
    """:func:`dropout_masks` drawn from a ``numpy.random.Generator`` (the Theano engine)."""
    masks = []
    for layer_units, rate in zip(units, rates):
        kept = generator.random((rows, layer_units)) >= rate
        masks.append((kept / (1 - rate)).astype(dtype))
    return masks
