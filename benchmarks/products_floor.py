"""How close mlp's step on the large float32 task is to the speed of its matrix products.

In one process, interleaved round by round: mlp's seed front end training 2 epochs of
the large float32 task (626 steps of 256 rows, 256-512-512-10 relu, momentum), a JAX
loop that runs only the matrix products of those steps (the eight products of a step, in
the forms mlp hands XLA, chained so that none is skipped; no activations, no cost, no
updates beyond a scaled subtraction), the same products in a NumPy loop on NumPy's BLAS
(into preallocated arrays, transposes passed to the BLAS as flags), and scikit-learn's
``MLPClassifier`` on the same task. Ratios are paired: each round's times divided, then
the median taken, so that the host's drifting speed cancels. Run as
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.products_floor``.
"""

import argparse
import statistics
import time
import warnings
from dataclasses import replace

__all__ = ["products_loop", "numpy_products_loop", "measure", "main"]


def products_loop(X, weights, steps):
    """A jitted ``run()`` making ``steps`` steps of a step's matrix products only."""
    import jax
    from jax import lax

    batches = X.shape[0]

    def copied_transpose(matrix):
        # The inner barrier keeps XLA from folding the transpose into the product that
        # made ``matrix`` (mlp's deltas come out of an elementwise step, not a product).
        return lax.optimization_barrier(lax.optimization_barrier(matrix).T)

    def run(X, weights):
        def body(index, weights):
            first, second, third = weights
            inputs = X[index % batches]
            hidden_1 = inputs @ first.T
            hidden_2 = hidden_1 @ second.T
            outputs = hidden_2 @ third.T
            deltas_2 = outputs @ third
            deltas_1 = deltas_2 @ second
            return (first - 1e-9 * (copied_transpose(deltas_1) @ inputs),
                    second - 1e-9 * (copied_transpose(deltas_2) @ hidden_1),
                    third - 1e-9 * (copied_transpose(outputs) @ hidden_2))

        return lax.fori_loop(0, steps, body, weights)

    run = jax.jit(run)
    return lambda: jax.block_until_ready(run(X, weights))


def numpy_products_loop(X, weights, steps):
    """``run()`` making ``steps`` steps of the same products with NumPy's BLAS.

    ``X`` is ``(batches, rows, n_in)``; ``weights`` are NumPy arrays, updated in place.
    Every product writes into an array made once, so the loop times the BLAS calls and
    the scaled subtractions, not NumPy's allocations.
    """
    import numpy

    batches, rows = X.shape[:2]
    first, second, third = weights
    hidden_1, hidden_2 = (numpy.empty((rows, w.shape[0]), w.dtype) for w in (first, second))
    outputs = numpy.empty((rows, third.shape[0]), third.dtype)
    deltas_2, deltas_1 = (numpy.empty((rows, w.shape[1]), w.dtype) for w in (third, second))
    gradients = [numpy.empty_like(w) for w in weights]

    def run():
        for index in range(steps):
            inputs = X[index % batches]
            numpy.matmul(inputs, first.T, out=hidden_1)
            numpy.matmul(hidden_1, second.T, out=hidden_2)
            numpy.matmul(hidden_2, third.T, out=outputs)
            numpy.matmul(outputs, third, out=deltas_2)
            numpy.matmul(deltas_2, second, out=deltas_1)
            pairs = ((deltas_1, inputs), (deltas_2, hidden_1), (outputs, hidden_2))
            for weight, gradient, (deltas, below) in zip(weights, gradients, pairs):
                numpy.matmul(deltas.T, below, out=gradient)
                gradient *= 1e-9
                weight -= gradient

    return run


def measure(rounds):
    """``(times, steps)``: ``{name: [seconds per round]}`` for mlp, the products alone
    (XLA, then NumPy) and scikit-learn, and the steps each round makes."""
    import jax.numpy as jnp
    import numpy

    from benchmarks import run_mlp, run_sklearn
    from benchmarks.tasks import load, tasks

    task = replace(next(each for each in tasks() if each.name == "large-float32"), epochs=2)
    data = load(task)
    batch = task.batch_size
    steps = task.steps(len(data.X_train))
    whole = len(data.X_train) // batch
    X = jnp.asarray(data.X_train[:whole * batch], jnp.float32).reshape(whole, batch, -1)
    generator = numpy.random.default_rng(0)
    sizes = task.architecture
    weights = tuple(jnp.asarray(generator.normal(size=(n_out, n_in)) * 0.01, jnp.float32)
                    for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    products = products_loop(X, weights, steps)
    products()
    numpy_products = numpy_products_loop(numpy.asarray(X), [numpy.array(w) for w in weights], steps)
    numpy_products()
    run_mlp.run(replace(task, epochs=1), data, 0)
    times = {"mlp": [], "products only": [], "products only, NumPy": [], "scikit-learn": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(rounds):
            times["mlp"].append(run_mlp.run(task, data, 0).train_seconds)
            started = time.perf_counter()
            products()
            times["products only"].append(time.perf_counter() - started)
            started = time.perf_counter()
            numpy_products()
            times["products only, NumPy"].append(time.perf_counter() - started)
            times["scikit-learn"].append(run_sklearn.run(task, data, 0).train_seconds)
    return times, steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    times, steps = measure(parser.parse_args(argv).rounds)
    print("| | median s | fastest s | ms a step |")
    print("|---|---|---|---|")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"| {name} | {median:.3f} | {min(seconds):.3f} | {median / steps * 1e3:.3f} |")
    print()
    for numerator, denominator in (("scikit-learn", "mlp"), ("scikit-learn", "products only"),
                                   ("products only", "mlp"), ("products only, NumPy", "mlp")):
        paired = [a / b for a, b in zip(times[numerator], times[denominator])]
        print(f"- {numerator} / {denominator}, paired: median {statistics.median(paired):.2f} "
              f"({min(paired):.2f}-{max(paired):.2f})")


if __name__ == "__main__":
    main()
