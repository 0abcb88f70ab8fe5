"""Compiled programs: one per signature and call shape, kept on disk for later processes,
shared safely between networks and threads, and the same training as before."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from mlp import engine
from mlp.runtime import programs
from tests.conftest import make_network, train_quietly

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parent.parent
needs_jax = pytest.mark.skipif(engine.jax is None, reason="Theano compiles with its own C backend")


def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def counts_during(action):
    before = programs.counts()
    action()
    after = programs.counts()
    return {name: after[name] - before[name] for name in after}


@pytest.mark.parametrize("optimizer, alpha, batch_size", [
    ("momentum", 0.05, 16), ("nesterov", 0.05, 16), ("adam", 0.01, 32), ("momentum", 0.1, None)])
def test_training_gives_the_weights_of_the_landed_numba_implementation(optimizer, alpha, batch_size):
    # tests/data/landed_weights.npz: the same runs on the implementation before XLA
    # (commit 7a11e30, Numba and C backends).
    expected = numpy.load(DATA / "landed_weights.npz")
    X, y = iris()
    network = make_network([4, 6, 3], activation="tanh", random_state=3)
    history = train_quietly(network, X, y, alpha=alpha, optimizer=optimizer, batch_size=batch_size,
                          epochs=40, restarts=0, reg_lambda=1e-3, target_cost=0.0, patience=10**6)
    key = f"{optimizer}-{batch_size}"
    for i, (weights, bias) in enumerate(zip(network.weights, network.bias)):
        numpy.testing.assert_allclose(weights, expected[f"{key}/weights{i}"], rtol=1e-9, atol=1e-12)
        numpy.testing.assert_allclose(bias, expected[f"{key}/bias{i}"], rtol=1e-9, atol=1e-12)
    numpy.testing.assert_allclose(history.loss, expected[f"{key}/loss"], rtol=1e-9)


@needs_jax
def test_a_long_run_compiles_once_and_a_second_network_not_at_all():
    generator = numpy.random.default_rng(0)
    X = generator.normal(size=(37, 5))  # a row count no other test uses
    y = generator.integers(0, 3, 37)
    first = make_network([5, 7, 3], activation="tanh", random_state=0)
    settings = dict(optimizer="nesterov", alpha=0.01, batch_size=8, epochs=300, restarts=0,
                    target_cost=0.0, patience=10**6)
    counted = counts_during(lambda: train_quietly(first, X, y, **settings))
    # One program for the run's call shape: compiled here, or loaded from a previous
    # run's disk cache.
    assert counted["compiles"] + counted["loaded"] == 1
    assert first.backend.n_samples == 0  # the data were released
    second = make_network([5, 7, 3], activation="tanh", random_state=1)
    counted = counts_during(lambda: train_quietly(second, X, y, **settings))
    assert counted == {"graphs": 0, "compiles": 0, "loaded": 0}


FIT = ("import json, warnings, mlp\n"
       "from mlp.runtime import programs\n"
       "from sklearn.datasets import load_iris\n"
       "warnings.simplefilter('ignore')\n"
       "X, y = load_iris(return_X_y=True)\n"
       "model = mlp.MLPClassifier((9,), max_iter=20, random_state=0).fit(X, y)\n"
       "print(json.dumps(dict(programs.counts(), loss=model.loss_)))\n")


def fit_in_a_new_process(cache_folder):
    environment = dict(os.environ, MLP_CACHE_DIR=str(cache_folder))
    environment.pop("JAX_COMPILATION_CACHE_DIR", None)
    result = subprocess.run([sys.executable, "-c", FIT], capture_output=True, text=True, cwd=ROOT,
                            env=environment, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@needs_jax
@pytest.mark.slow
def test_a_second_process_loads_every_program_and_compiles_nothing(tmp_path):
    cold = fit_in_a_new_process(tmp_path)
    assert cold["graphs"] >= 1 and cold["compiles"] >= 1 and cold["loaded"] == 0
    saved = list((tmp_path / "programs").glob("*.executable"))
    assert len(saved) == cold["compiles"]
    # mlp's own folder holds the executables: JAX's compilation cache is not used.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["programs"]
    warm = fit_in_a_new_process(tmp_path)
    assert warm["graphs"] == 0 and warm["compiles"] == 0
    assert warm["loaded"] == cold["compiles"]
    assert warm["loss"] == cold["loss"]


@needs_jax
@pytest.mark.slow
def test_a_damaged_saved_program_is_built_again(tmp_path):
    cold = fit_in_a_new_process(tmp_path)
    for path in (tmp_path / "programs").iterdir():
        path.write_bytes(b"not a program")
    again = fit_in_a_new_process(tmp_path)
    assert again["loaded"] == 0 and again["compiles"] == cold["compiles"]
    assert again["loss"] == cold["loss"]


def test_threads_train_and_predict_at_once_as_they_would_alone():
    X, y = iris()
    settings = dict(alpha=0.05, batch_size=16, epochs=30, restarts=0, target_cost=0.0, patience=10**6)

    def train(seed):
        network = make_network([4, 11, 3], activation="relu", random_state=seed)
        train_quietly(network, X, y, **settings)
        return network.weights, network.predict(X)

    alone = [train(seed) for seed in (0, 1, 2)]
    together, errors = [None] * 3, []

    def work(index):
        try:
            together[index] = train(index)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for (weights, probabilities), (same_weights, same_probabilities) in zip(alone, together):
        for one, other in zip(weights, same_weights):
            numpy.testing.assert_array_equal(one, other)
        numpy.testing.assert_array_equal(probabilities, same_probabilities)


SEARCH = ("import json, warnings\n"
          "from sklearn.datasets import load_iris\n"
          "from sklearn.model_selection import GridSearchCV\n"
          "from mlp import MLPClassifier\n"
          "warnings.simplefilter('ignore')\n"
          "X, y = load_iris(return_X_y=True)\n"
          "search = GridSearchCV(MLPClassifier(solver='lbfgs', max_iter=50, random_state=0),\n"
          "                      {'hidden_layer_sizes': [(5,), (9,)]}, cv=2, n_jobs=2).fit(X, y)\n"
          "print(json.dumps({'score': search.best_score_}))\n")


@needs_jax
@pytest.mark.slow
def test_two_worker_processes_fill_an_empty_cache_side_by_side(tmp_path):
    # GridSearchCV(n_jobs=2) on a new machine: two processes compile the same programs
    # at once and write them into the same folders.
    environment = dict(os.environ, MLP_CACHE_DIR=str(tmp_path))
    environment.pop("JAX_COMPILATION_CACHE_DIR", None)
    runs = [subprocess.run([sys.executable, "-c", SEARCH], capture_output=True, text=True,
                           cwd=ROOT, env=environment, timeout=600) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    scores = [json.loads(run.stdout.strip().splitlines()[-1])["score"] for run in runs]
    assert scores[0] == scores[1] > 0.5
    assert not list((tmp_path / "programs").glob("*.partial"))


def test_programs_differing_only_in_the_biases_penalty_stay_apart(xor_inputs):
    # Same layers, dtype, shapes and optimiser: only whether the L2 term covers the
    # biases differs (the seed's network against the estimator's), in memory and on disk.
    targets = numpy.eye(2)[[0, 1, 1, 0]]
    costs = {}
    for regularize_bias in (True, False):
        network = make_network([2, 3, 2], random_state=0, regularize_bias=regularize_bias)
        costs[regularize_bias] = network.backend.backprop(xor_inputs, targets, 1.0, 0.0, 0.0)
        bias_penalty = sum(float((bias**2).sum()) for bias in network.bias)
    assert costs[True] - costs[False] == pytest.approx(bias_penalty, rel=1e-9)


@needs_jax
@pytest.mark.parametrize("reg_lambda", [0.0001, 0.0])
@pytest.mark.parametrize("architecture, dtype, optimizer, batch_size, rows", [
    ([6, 9, 4], "float64", "momentum", 16, 131), ([6, 9, 4], "float64", "momentum", None, 5),
    ([6, 9, 4], "float32", "lbfgs", None, 131), ([6, 9, 4], "float64", "adam", 16, 131)])
def test_prepare_compiles_what_training_then_runs(architecture, dtype, optimizer, batch_size, rows,
                                                  reg_lambda):
    network = make_network(architecture, dtype=dtype, random_state=0)
    before = network.backend.get_values()
    network.backend.prepare(optimizer, batch_size, n_samples=rows, reg_lambda=reg_lambda)
    for value, kept in zip(network.backend.get_values(), before):
        numpy.testing.assert_array_equal(value, kept)
    assert network.backend.data is None
    generator = numpy.random.default_rng(0)
    X, y = generator.normal(size=(rows, architecture[0])), numpy.arange(rows) % architecture[-1]
    counted = counts_during(lambda: train_quietly(
        network, X, y, optimizer=optimizer, batch_size=batch_size, epochs=3, restarts=0,
        target_cost=0.0, patience=10**6, reg_lambda=reg_lambda))
    assert counted["loaded"] == counted["compiles"] == 0


FIT_VARIANT = (
    "import json, sys, warnings\n"
    "import numpy\n"
    "from mlp import FeedForwardNetwork\n"
    "from mlp.runtime import programs\n"
    "dropout, clip_norm = float(sys.argv[1]), json.loads(sys.argv[2])\n"
    "X = numpy.random.default_rng(0).normal(size=(60, 4)); y = numpy.arange(60) % 3\n"
    "network = FeedForwardNetwork([4, 8, 3], activation='relu', random_state=0, dropout=dropout)\n"
    "network.initialize()\n"
    "with warnings.catch_warnings():\n"
    "    warnings.simplefilter('ignore')\n"
    "    history = network.train(X, y, optimizer='adam', alpha=0.01, batch_size=20, epochs=3,\n"
    "                            clip_norm=clip_norm)\n"
    "print(json.dumps(dict(programs.counts(), loss=history.loss[-1])))\n"
)


def fit_variant_in_a_new_process(cache_folder, dropout, clip_norm):
    environment = dict(os.environ, MLP_CACHE_DIR=str(cache_folder))
    environment.pop("JAX_COMPILATION_CACHE_DIR", None)
    result = subprocess.run([sys.executable, "-c", FIT_VARIANT, str(dropout), json.dumps(clip_norm)],
                            capture_output=True, text=True, cwd=ROOT, env=environment, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@needs_jax
@pytest.mark.slow
def test_saved_programs_with_and_without_dropout_or_clipping_stay_apart(tmp_path):
    # Each variant's training program has its own file: a process never loads the plain
    # program for a network with dropout or clipping, or the other way round.
    plain = fit_variant_in_a_new_process(tmp_path, 0.0, None)
    dropped = fit_variant_in_a_new_process(tmp_path, 0.5, None)
    clipped = fit_variant_in_a_new_process(tmp_path, 0.0, 0.01)
    assert plain["compiles"] >= 1
    # The forward pass (validation-free training needs none) is shared; the step is not.
    assert dropped["compiles"] == 1 and clipped["compiles"] == 1
    assert len({plain["loss"], dropped["loss"], clipped["loss"]}) == 3
    again = fit_variant_in_a_new_process(tmp_path, 0.5, None)
    assert again["compiles"] == 0 and again["loaded"] >= 1
    assert again["loss"] == dropped["loss"]


def _train_on_rows(rows, seed=0):
    generator = numpy.random.default_rng(seed)
    network = make_network([3, 4, 2], activation="tanh", random_state=seed)
    return train_quietly(network, generator.normal(size=(rows, 3)), numpy.arange(rows) % 2,
                         epochs=2, restarts=0)


@needs_jax
def test_the_process_keeps_the_most_recently_used_programs_only(monkeypatch, tmp_path):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(programs, "MEMORY_LIMIT", 2)
    programs.clear_cache(disk=False)  # what earlier tests left in memory
    # Row counts that pad to three sizes: three call shapes of one training program.
    for rows in (3, 40, 300):
        _train_on_rows(rows)
        assert len(programs._EXECUTABLES) <= 2 and len(programs._PROGRAMS) <= 2
    # The latest shape is still in memory; the first, evicted, comes back from disk.
    assert counts_during(lambda: _train_on_rows(300)) == {"graphs": 0, "compiles": 0, "loaded": 0}
    counted = counts_during(lambda: _train_on_rows(3))
    assert counted["compiles"] == 0 and counted["loaded"] == 1


@needs_jax
def test_clear_cache_forgets_the_programs_in_memory_and_on_disk(monkeypatch, tmp_path):
    import mlp
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path))
    before = _train_on_rows(17).loss
    assert list((tmp_path / "programs").glob("*.executable"))
    mlp.clear_cache()
    assert len(programs._EXECUTABLES) == 0 and len(programs._PROGRAMS) == 0
    assert not list((tmp_path / "programs").iterdir())
    counted = counts_during(lambda: numpy.testing.assert_array_equal(_train_on_rows(17).loss, before))
    assert counted["graphs"] == 1 and counted["compiles"] >= 1 and counted["loaded"] == 0
    mlp.clear_cache(disk=False)
    assert list((tmp_path / "programs").glob("*.executable")), "disk=False keeps the files"
