"""mlp's seed front end: ``FeedForwardNetwork(...).initialize()`` then ``train``."""

import numpy

from benchmarks.timing import Run, timed

NAME = "mlp"


def available():
    """``(True, "")``, or ``(False, why)`` when mlp cannot be imported."""
    try:
        import mlp  # noqa: F401
    except ImportError as error:
        return False, f"mlp not importable: {error}"
    return True, ""


def run(task, data, seed):
    from mlp import FeedForwardNetwork

    network = FeedForwardNetwork(list(task.architecture), activation=task.activation,
                                 random_state=seed, dtype=task.dtype)

    def build():
        network.initialize()
        # train() compiles (or loads) its training program on first use; done here, it
        # counts as build time rather than training time.
        network.backend.prepare("momentum", task.batch_size, n_samples=len(data.X_train),
                                reg_lambda=0.0)

    build_seconds, _ = timed(build)
    train_seconds, history = timed(
        network.train, data.X_train, data.y_train, alpha=task.learning_rate,
        momentum=task.momentum, reg_lambda=0.0, epochs=task.epochs, batch_size=task.batch_size,
        shuffle=task.shuffle, target_cost=0.0, patience=10**9, restarts=0,
    )
    accuracy = float(numpy.mean(network.classify(data.X_test) == data.y_test))
    return Run(build_seconds, train_seconds, accuracy, history.epochs)
