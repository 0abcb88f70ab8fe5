"""One first fit, as a user meets it, inside a fresh Python process.

``python -m benchmarks.first_fit_child --case mlp`` times the library's import
statement, loads the digits, times the first fit (compiling included) and prints one
JSON line: ``{"case", "import_seconds", "fit_seconds", "score", "n_iter"}``, or
``{"case", "skipped"}`` when the library cannot be imported (PyTorch is optional).
:mod:`benchmarks.first_fit` starts these processes and collects their lines.

Only the standard library is imported at module level: anything imported before the
timed statement (NumPy above all) would be left out of the import's seconds.
"""

import argparse
import json
import os
import sys
import time
import warnings
from dataclasses import dataclass

__all__ = ["Case", "CASES", "main"]

SMALL_EPOCHS = 2  # --small: a fit that compiles the same programs but trains briefly


@dataclass(frozen=True)
class Case:
    """A first fit: what is imported, what is called, and whether it compiles."""

    name: str
    import_code: str
    fit_code: str
    compiles: bool  # True when the library keeps compiled programs in an on-disk cache


CASES = {
    case.name: case for case in (
        Case("mlp.MLPClassifier", "from mlp import MLPClassifier",
             "MLPClassifier(random_state=0).fit(X, y)", True),
        Case("scikit-learn", "from sklearn.neural_network import MLPClassifier",
             "MLPClassifier(random_state=0).fit(X, y)", False),
        Case("mlp", "from mlp import FeedForwardNetwork",
             'FeedForwardNetwork([64, 100, 10], activation="relu", random_state=0); initialize(); '
             'train(X / 16, y, batch_size=200, optimizer="adam", alpha=1e-3, epochs=50, restarts=0)',
             True),
        Case("PyTorch eager", "import torch",
             "64-100-10 relu nn.Sequential, Adam lr 1e-3, batch 200, 130 epochs, "
             "a hand-written loop on X / 16 in float32", False),
    )
}


class LibraryMissingError(Exception):
    """The case's library is not there (an optional one)."""


def _digits():
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


def _timed(function):
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def _estimator_case(import_class, small):
    """Import the estimator class (timed), then fit the default estimator on digits."""
    started = time.perf_counter()
    estimator_class = import_class()
    import_seconds = time.perf_counter() - started
    X, y = _digits()
    model = estimator_class(random_state=0, **({"max_iter": SMALL_EPOCHS} if small else {}))
    fit_seconds, _ = _timed(lambda: model.fit(X, y))
    return import_seconds, fit_seconds, float(model.score(X, y)), int(model.n_iter_)


def _import_mlp_estimator():
    from mlp import MLPClassifier

    return MLPClassifier


def _import_sklearn_estimator():
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier


def _mlp_estimator(small):
    return _estimator_case(_import_mlp_estimator, small)


def _sklearn(small):
    return _estimator_case(_import_sklearn_estimator, small)


def _mlp_seed(small):
    started = time.perf_counter()
    from mlp import FeedForwardNetwork

    import_seconds = time.perf_counter() - started
    X, y = _digits()
    X = X / 16.0
    network = FeedForwardNetwork([64, 100, 10], activation="relu", random_state=0)

    def fit():
        # initialize() builds the graph; the first train() compiles its step: both are
        # what a user waits for before the first epoch.
        network.initialize()
        return network.train(X, y, batch_size=200, optimizer="adam", alpha=1e-3,
                             epochs=SMALL_EPOCHS if small else 50, restarts=0)

    fit_seconds, history = _timed(fit)
    score = float((network.classify(X) == y).mean())
    return import_seconds, fit_seconds, score, int(history.epochs)


def _torch(small):
    if os.environ.get("MLP_BENCH_NO_TORCH", "") not in ("", "0"):
        raise LibraryMissingError("PyTorch skipped (MLP_BENCH_NO_TORCH is set)")
    started = time.perf_counter()
    try:
        import torch
    except ImportError as error:
        raise LibraryMissingError(f"PyTorch not installed (`import torch` failed: {error})") from error
    import_seconds = time.perf_counter() - started
    X, y = _digits()
    epochs = SMALL_EPOCHS if small else 130
    torch.manual_seed(0)
    # float32, as a user's torch.tensor(...) of the data would be by default.
    inputs = torch.as_tensor(X / 16.0, dtype=torch.float32)
    labels = torch.as_tensor(y)

    def fit():
        model = torch.nn.Sequential(torch.nn.Linear(64, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_function = torch.nn.CrossEntropyLoss()
        for _ in range(epochs):
            for rows in torch.split(torch.randperm(len(inputs)), 200):
                optimizer.zero_grad()
                loss_function(model(inputs[rows]), labels[rows]).backward()
                optimizer.step()
        return model

    fit_seconds, model = _timed(fit)
    with torch.no_grad():
        score = float((model(inputs).argmax(dim=1) == labels).float().mean())
    return import_seconds, fit_seconds, score, epochs


_RUNS = {"mlp.MLPClassifier": _mlp_estimator, "scikit-learn": _sklearn, "mlp": _mlp_seed,
         "PyTorch eager": _torch}


def run_case(name, small=False):
    """Time one case in this process: the dict that :func:`main` prints.

    Parameters
    ----------
    name : str
        A key of :data:`CASES`.
    small : bool
        Train for two epochs only (tests: same compiles, little training).

    Returns
    -------
    dict
        ``case``, ``import_seconds``, ``fit_seconds``, ``score`` (accuracy on the
        training set) and ``n_iter`` (epochs run), or ``case`` and ``skipped``.
    """
    try:
        import_seconds, fit_seconds, score, n_iter = _RUNS[name](small)
    except LibraryMissingError as skipped:
        return {"case": name, "skipped": str(skipped)}
    return {"case": name, "import_seconds": import_seconds, "fit_seconds": fit_seconds,
            "score": score, "n_iter": n_iter}


def main(argv=None):
    """Command line of the child process: prints one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", required=True, choices=list(CASES))
    parser.add_argument("--small", action="store_true", help="two epochs (for tests)")
    arguments = parser.parse_args(argv)
    # A first fit on defaults warns (no convergence in max_iter): users see it, but here
    # it would only hide the JSON line among the messages.
    warnings.simplefilter("ignore")
    result = run_case(arguments.case, arguments.small)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
