"""A hyperparameter search on Dask against joblib's loky backend, and a worker's first fit.

Each line of the table is a fresh client process (this module with ``--child``) whose
compile caches live in a folder of the run (:func:`benchmarks.first_fit.child_environment`):
the workers it starts, Dask's or loky's, inherit that environment. "empty" gives the
process a new folder; "filled" reuses the folder an earlier process of the same kind
filled. The search is ``GridSearchCV`` over 2 x 2 candidates, 3 folds, on the digits,
through ``joblib.parallel_config(backend="dask")`` on a ``LocalCluster`` of 2 worker
processes with 1 thread each, or through loky with ``n_jobs=2``. The worker's first fit
is one ``fit`` submitted to a new cluster, timed inside the worker (after its import of
mlp) and from the client (the whole round trip, import included).
``python -m benchmarks.dask_search`` prints the Markdown table (docs/dask.md has one).
Needs dask, distributed (``requirements-extras.txt``) and scikit-learn.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["GRID", "SETTINGS", "run_child", "measure", "main"]

ROOT = Path(__file__).resolve().parent.parent
GRID = {"hidden_layer_sizes": [(32,), (64,)], "alpha": [1e-4, 1e-2]}
SETTINGS = dict(max_iter=30, batch_size=64, learning_rate_init=0.01, random_state=0)
LIBRARIES = ("mlp", "scikit-learn")
BACKENDS = ("dask", "loky")


def _data():
    import numpy
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(numpy.float32), y


def _estimator(library):
    if library == "mlp":
        from mlp import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    return MLPClassifier(**SETTINGS)


def _timed_fit(estimator, X, y):
    """Run on a worker: one fit, timed there."""
    import warnings

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(X, y)
    return time.perf_counter() - started


def _cluster():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    return cluster, Client(cluster)


def _child(library, backend, first_fit):
    import warnings

    import joblib
    from sklearn.model_selection import GridSearchCV

    X, y = _data()
    estimator = _estimator(library)
    if first_fit:
        cluster, client = _cluster()
        started = time.perf_counter()
        worker_seconds = client.submit(_timed_fit, estimator, X, y, pure=False).result()
        result = {"worker_fit_seconds": worker_seconds, "round_trip_seconds": time.perf_counter() - started}
        client.close()
        cluster.close()
        return result
    search = GridSearchCV(estimator, GRID, cv=3, refit=False, n_jobs=2 if backend == "loky" else None)
    cluster = client = None
    if backend == "dask":
        cluster, client = _cluster()
    started = time.perf_counter()
    with warnings.catch_warnings(), joblib.parallel_config(backend=backend):
        warnings.simplefilter("ignore")
        search.fit(X, y)
    result = {"search_seconds": time.perf_counter() - started, "best_score": search.best_score_}
    if client is not None:
        client.close()
        cluster.close()
    return result


def run_child(library, backend, cache_folder, first_fit=False, base=None):
    """One measurement in a new client process whose caches live in ``cache_folder``."""
    from benchmarks.first_fit import child_environment, wait_for_background_compilation

    command = [sys.executable, "-m", "benchmarks.dask_search", "--child", library, "--backend", backend]
    if first_fit:
        command.append("--first-fit")
    completed = subprocess.run(command, cwd=ROOT, env=child_environment(cache_folder, base),
                               capture_output=True, text=True, timeout=1800, check=False)
    wait_for_background_compilation(cache_folder)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {completed.returncode}:\n"
                           f"{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(repeats=3, log=print):
    """Every line of the table, ``repeats`` times (each round with new cache folders).

    Returns
    -------
    list of tuple
        ``(what, cache, [result dict of each round])``.
    """
    rows = {}
    for round_number in range(repeats):
        with tempfile.TemporaryDirectory(prefix="mlp-dask-") as scratch:
            for library in LIBRARIES:
                for backend in BACKENDS:
                    folder = Path(scratch) / f"{library}-{backend}"
                    for state in ("empty", "filled") if library == "mlp" else ("none",):
                        key = (f"search, {library}, {backend}", state)
                        rows.setdefault(key, []).append(run_child(library, backend, folder))
                        log(f"round {round_number + 1}: {key} {rows[key][-1]}")
            folder = Path(scratch) / "first-fit"
            for state in ("empty", "filled"):
                key = ("first fit on a new worker, mlp", state)
                rows.setdefault(key, []).append(run_child("mlp", "dask", folder, first_fit=True))
                log(f"round {round_number + 1}: {key} {rows[key][-1]}")
    return [(what, state, results) for (what, state), results in rows.items()]


def _median_and_minimum(results, key):
    values = [result[key] for result in results]
    return f"{statistics.median(values):.2f} ({min(values):.2f})"


def markdown(rows):
    """The table: seconds as median (minimum) of the rounds."""
    lines = ["| what | compile cache | seconds, median (min) | best mean score |", "|---|---|---|---|"]
    for what, state, results in rows:
        if "search_seconds" in results[0]:
            seconds = _median_and_minimum(results, "search_seconds")
            score = f"{results[0]['best_score']:.4f}"
        else:
            seconds = (f"{_median_and_minimum(results, 'worker_fit_seconds')} in the worker, "
                       f"{_median_and_minimum(results, 'round_trip_seconds')} round trip")
            score = ""
        lines.append(f"| {what} | {state} | {seconds} | {score} |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=LIBRARIES, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=BACKENDS, default="dask", help=argparse.SUPPRESS)
    parser.add_argument("--first-fit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every line (default 3)")
    arguments = parser.parse_args(argv)
    if arguments.repeats < 1:
        parser.error(f"--repeats must be at least 1. Received: --repeats={arguments.repeats}")
    if arguments.child:
        print(json.dumps(_child(arguments.child, arguments.backend, arguments.first_fit)))
        return 0
    print("\n".join(markdown(measure(arguments.repeats))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
