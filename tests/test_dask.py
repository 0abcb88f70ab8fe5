"""Past one machine, on Dask: a hyperparameter search through joblib's dask backend on a
LocalCluster of worker processes that start with one empty compile cache, and dask-ml's
``Incremental`` training an MLPClassifier with ``partial_fit`` over a chunked dask array.

Dask, distributed and dask-ml are optional (``requirements-extras.txt``): without them
these tests skip. The loky counterpart, ``GridSearchCV(n_jobs=2)`` on an empty cache, is
``tests/test_compiled.py::test_two_worker_processes_fill_an_empty_cache_side_by_side``.
"""

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold

import mlp
from mlp import engine

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")
dask_array = pytest.importorskip("dask.array")
joblib = pytest.importorskip("joblib")

ROOT = Path(__file__).resolve().parent.parent
needs_jax = pytest.mark.skipif(engine.jax is None, reason="only the JAX engine keeps programs on disk")
# Small enough to keep the module near half a minute on two cores, large enough (12 fits)
# that both workers get work.
GRID = {"hidden_layer_sizes": [(16,), (32,)], "alpha": [1e-4, 1e-2]}
SETTINGS = dict(max_iter=15, batch_size=64, learning_rate_init=0.01, random_state=0)


def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(numpy.float32), y


def _worker_counts():
    """A worker's compile counts (run on each worker through ``Client.run``)."""
    from mlp.runtime import programs as worker_compiled

    return worker_compiled.counts()


@pytest.fixture(scope="module")
def cache_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("dask-cache")


@pytest.fixture(scope="module")
def client(cache_folder):
    # Worker processes, one thread each, whose caches all point at one fresh folder:
    # the environment of the workers, not of this process.
    environment = {"MLP_CACHE_DIR": str(cache_folder)}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, env=environment) as cluster, \
            distributed.Client(cluster) as dask_client:
        yield dask_client


@pytest.fixture(scope="module")
def search(client):
    X, y = digits()
    model = mlp.MLPClassifier(**SETTINGS)
    searcher = GridSearchCV(model, GRID, cv=StratifiedKFold(3), refit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with joblib.parallel_config(backend="dask"):
            searcher.fit(X, y)
    return searcher


def test_a_grid_search_runs_on_the_workers_and_matches_a_local_one(search, client):
    assert len(search.cv_results_["params"]) == 4
    assert search.best_score_ > 0.9, search.cv_results_["mean_test_score"]
    worker_counts = client.run(_worker_counts)
    assert len(worker_counts) == 2
    # Both workers started with the empty cache and built graphs of their own.
    for address, counts in worker_counts.items():
        assert counts["graphs"] >= 1, (address, counts)
    # The same search in this process, one candidate at a time, scores the same:
    # training is reproducible from random_state wherever it runs.
    X, y = digits()
    best = search.best_params_
    local = GridSearchCV(mlp.MLPClassifier(**SETTINGS), {name: [value] for name, value in best.items()},
                         cv=StratifiedKFold(3), refit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local.fit(X, y)
    assert local.best_score_ == pytest.approx(search.best_score_, abs=1e-12)


LOAD = """
import json, sys, warnings
import numpy
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold
import mlp
from mlp.runtime import programs
warnings.simplefilter("ignore")
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(numpy.float32)
train, test = next(StratifiedKFold(3).split(X, y))
scores = []
for parameters in json.loads(sys.argv[1]):
    parameters["hidden_layer_sizes"] = tuple(parameters["hidden_layer_sizes"])
    model = mlp.MLPClassifier(**json.loads(sys.argv[2]), **parameters).fit(X[train], y[train])
    scores.append(model.score(X[test], y[test]))
print(json.dumps(dict(programs.counts(), scores=scores)))
"""


@needs_jax
def test_the_programs_the_workers_wrote_side_by_side_load_in_a_new_process(search, cache_folder):
    assert any((cache_folder / "programs").iterdir())
    assert not list((cache_folder / "programs").glob("*.partial"))
    environment = dict(os.environ, MLP_CACHE_DIR=str(cache_folder))
    candidates = search.cv_results_["params"]
    result = subprocess.run([sys.executable, "-c", LOAD, json.dumps(candidates), json.dumps(SETTINGS)],
                            capture_output=True, text=True, cwd=ROOT, env=environment, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    # Every program the fits and scores need comes from the workers' folder: nothing is
    # built or compiled again, and the damaged-file fallback never fires.
    assert loaded["graphs"] == 0 and loaded["compiles"] == 0, loaded
    assert loaded["loaded"] >= 2, loaded
    numpy.testing.assert_allclose(loaded["scores"], search.cv_results_["split0_test_score"], atol=1e-12)


def _incremental_against_by_hand(settings):
    """dask-ml's Incremental on the cluster and partial_fit by hand over the same chunks."""
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = digits()
    chunk, n_train = 300, 1500
    X_chunks = dask_array.from_array(X[:n_train], chunks=(chunk, X.shape[1]))
    y_chunks = dask_array.from_array(y[:n_train], chunks=chunk)
    incremental = wrappers.Incremental(mlp.MLPClassifier(**settings), shuffle_blocks=False)
    incremental.fit(X_chunks, y_chunks, classes=numpy.arange(10))
    by_hand = mlp.MLPClassifier(**settings)
    for start in range(0, n_train, chunk):
        by_hand.partial_fit(X[start:start + chunk], y[start:start + chunk], classes=numpy.arange(10))
    score = incremental.score(dask_array.from_array(X[n_train:], chunks=100), y[n_train:])
    return incremental.estimator_, by_hand, score, by_hand.score(X[n_train:], y[n_train:])


def test_incremental_trains_with_partial_fit_over_the_chunks(client):
    # A rule without optimiser state and without shuffling: the model travels between
    # the workers (pickled) from chunk to chunk and must train exactly as in one process.
    settings = dict(hidden_layer_sizes=(32,), solver="sgd", momentum=0.0, shuffle=False,
                    learning_rate_init=0.3, batch_size=16, random_state=0)
    fitted, by_hand, score, expected_score = _incremental_against_by_hand(settings)
    assert isinstance(fitted, mlp.MLPClassifier)
    assert fitted.t_ == by_hand.t_ == 1500, "every row seen once"
    for learned, expected in zip(fitted.coefs_ + fitted.intercepts_, by_hand.coefs_ + by_hand.intercepts_):
        numpy.testing.assert_array_equal(learned, expected)
    assert score == pytest.approx(expected_score) and score > 0.75


def test_incremental_with_adam_and_shuffling_matches_partial_fit_by_hand(client):
    settings = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0)
    fitted, by_hand, _, _ = _incremental_against_by_hand(settings)
    for learned, expected in zip(fitted.coefs_, by_hand.coefs_):
        numpy.testing.assert_array_equal(learned, expected)
