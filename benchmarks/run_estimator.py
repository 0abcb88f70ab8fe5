"""mlp's scikit-learn front end, ``mlp.MLPClassifier`` (compiling happens inside ``fit``)."""

import warnings

from benchmarks.timing import Run, timed

NAME = "mlp.MLPClassifier"
_ACTIVATIONS = {"sigmoid": "logistic", "relu": "relu"}


def _estimator_class():
    try:
        from mlp import MLPClassifier
    except ImportError:
        from mlp.sklearn.classifier import MLPClassifier
    return MLPClassifier


def available():
    try:
        _estimator_class()
    except Exception as error:  # an estimator being written may fail in any way
        return False, f"mlp.MLPClassifier not importable: {type(error).__name__}: {error}"
    return True, ""


def run(task, data, seed):
    classifier = _estimator_class()(
        hidden_layer_sizes=task.architecture[1:-1], activation=_ACTIVATIONS[task.activation],
        solver="sgd", learning_rate_init=task.learning_rate, momentum=task.momentum,
        nesterovs_momentum=False, batch_size=task.batch_size or len(data.X_train),
        max_iter=task.epochs, alpha=0.0, tol=0.0, n_iter_no_change=10**9,
        shuffle=task.shuffle, random_state=seed, dtype=task.dtype,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train_seconds, _ = timed(classifier.fit, data.X_train, data.y_train)
    accuracy = float(classifier.score(data.X_test, data.y_test))
    return Run(0.0, train_seconds, accuracy, int(classifier.n_iter_))
