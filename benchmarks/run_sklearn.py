"""scikit-learn's ``MLPClassifier`` with the same network and hyperparameters.

It trains in the dtype of its input (float32 inputs train in float32). On XOR (two
classes) its output is one logistic unit where the others use a two-unit softmax.
"""

import warnings

from benchmarks.timing import Run, timed

NAME = "scikit-learn"
_ACTIVATIONS = {"sigmoid": "logistic", "relu": "relu"}


def available():
    try:
        import sklearn.neural_network  # noqa: F401
    except ImportError as error:
        return False, f"scikit-learn not importable: {error}"
    return True, ""


def run(task, data, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    classifier = MLPClassifier(
        hidden_layer_sizes=task.architecture[1:-1], activation=_ACTIVATIONS[task.activation],
        solver="sgd", learning_rate_init=task.learning_rate, momentum=task.momentum,
        nesterovs_momentum=False, batch_size=task.batch_size or len(data.X_train),
        max_iter=task.epochs, alpha=0.0, tol=0.0, n_iter_no_change=10**9,
        shuffle=task.shuffle, random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        train_seconds, _ = timed(classifier.fit, data.X_train, data.y_train)
    accuracy = float(classifier.score(data.X_test, data.y_test))
    return Run(0.0, train_seconds, accuracy, int(classifier.n_iter_))
