"""`train` on real data: the optimisers against scikit-learn, restarts, bad settings,
the digits example; and the data helpers."""

import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.neural_network import MLPClassifier

from mlp import ConvergenceWarning
from mlp.training.batches import minibatches, stratified_split
from tests.conftest import make_network

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_minibatches_cover_every_row_once():
    batches = minibatches(10, 4, numpy.random.default_rng(0))
    assert [b.size for b in batches] == [4, 4, 2]
    assert sorted(numpy.concatenate(batches).tolist()) == list(range(10))
    assert numpy.concatenate(minibatches(10, 4)).tolist() == list(range(10))


def test_stratified_split_keeps_class_proportions():
    labels = numpy.array([0] * 80 + [1] * 20)
    train_rows, validation_rows = stratified_split(labels, 0.25, numpy.random.default_rng(0))
    assert numpy.bincount(labels[validation_rows]).tolist() == [20, 5]
    assert sorted(numpy.concatenate([train_rows, validation_rows]).tolist()) == list(range(100))


@pytest.mark.parametrize("optimizer, alpha", [("momentum", 0.05), ("nesterov", 0.05), ("adam", 0.01),
                                              ("lbfgs", None)])
def test_each_optimizer_converges_on_iris(optimizer, alpha, iris, quiet_train):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 8, 3], random_state=1)
    history = quiet_train(network, X_train, y_train, alpha=alpha, optimizer=optimizer, epochs=200,
                          batch_size=None if optimizer == "lbfgs" else 16, target_cost=0.05)
    assert history.loss[-1] < 0.3 * history.loss[0]
    assert numpy.mean(network.classify(X_test) == y_test) >= 0.9


@pytest.mark.parametrize("loader", [load_iris, load_breast_cancer])
def test_accuracy_matches_scikit_learns_mlp(loader, quiet_train, scaled_split):
    X_train, X_test, y_train, y_test = scaled_split(loader)
    n_features, n_classes = X_train.shape[1], len(numpy.unique(y_train))
    reference = MLPClassifier(hidden_layer_sizes=(10,), activation="logistic", solver="sgd",
                              learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=False,
                              batch_size=16, max_iter=200, alpha=1e-4, random_state=0, tol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(X_train, y_train)
    reference_accuracy = reference.score(X_test, y_test)
    network = make_network([n_features, 10, n_classes], random_state=0)
    quiet_train(network, X_train, y_train, alpha=0.05, momentum=0.9, epochs=200, batch_size=16,
                reg_lambda=1e-4 / (2 * 16), target_cost=0.0)
    accuracy = numpy.mean(network.classify(X_test) == y_test)
    assert accuracy >= reference_accuracy - 0.02, (accuracy, reference_accuracy)


def test_validation_fraction_holds_out_rows(iris, quiet_train):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=5)
    history = quiet_train(network, X_train, y_train, alpha=0.05, epochs=5, batch_size=16,
                          validation_fraction=0.2, target_cost=0.0)
    assert len(history.validation_loss) == 5 and all(0 <= a <= 1 for a in history.validation_accuracy)


@pytest.mark.filterwarnings("ignore:Training ended at chance level")
def test_a_diverging_restart_keeps_the_best_attempt_and_warns(xor_inputs, xor_labels, monkeypatch,
                                                              quiet_train):
    # A tiny learning rate stalls every attempt at chance level, so restarts follow;
    # the first restart's cost becomes NaN.
    settings = dict(alpha=1e-6, patience=5, restarts=3)
    network = make_network([2, 2, 2], random_state=2)
    backend = network.backend
    restarted = []
    real_reinitialize, real_train_steps = backend.reinitialize, backend.train_steps

    def reinitialize(generator):
        restarted.append(True)
        real_reinitialize(generator)

    def train_steps(*arguments, **keywords):
        data_costs, costs, finite = real_train_steps(*arguments, **keywords)
        if restarted:
            return data_costs, costs * numpy.nan, finite
        return data_costs, costs, finite

    monkeypatch.setattr(backend, "reinitialize", reinitialize)
    monkeypatch.setattr(backend, "train_steps", train_steps)
    with pytest.warns(ConvergenceWarning, match=r"Restart 1 diverged: its cost became nan at epoch 1\. "
                                                r"Training kept the best earlier attempt \(attempt 1"):
        history = network.train(xor_inputs, xor_labels, **settings)
    assert history.restarts == 1 and len(history.attempts) == 2
    first, diverged = history.attempts
    assert diverged["stopped"] == "diverged" and diverged["epochs"] == 1 and numpy.isnan(diverged["loss"])
    assert first["stopped"] == "plateau" and history.stopped == "plateau"
    # The weights and the curves are those of the first attempt, as a run without restarts.
    alone = make_network([2, 2, 2], random_state=2)
    alone_history = quiet_train(alone, xor_inputs, xor_labels, **{**settings, "restarts": 0})
    assert history.loss == alone_history.loss and first["epochs"] == history.epochs
    for kept, expected in zip(network.weights + network.bias, alone.weights + alone.bias):
        numpy.testing.assert_array_equal(kept, expected)


BAD = [
    ({"batch_size": 0}, ValueError, r"`batch_size`.*Received: batch_size=0"),
    ({"batch_size": -4}, ValueError, r"Received: batch_size=-4"),
    ({"batch_size": 2.5}, ValueError, r"Received: batch_size=2.5"),
    ({"validation_fraction": 0.0}, ValueError, r"`validation_fraction`.*Received: validation_fraction=0.0"),
    ({"validation_fraction": 1.0}, ValueError, r"Received: validation_fraction=1.0"),
    ({"validation_fraction": 1.5}, ValueError, r"Received: validation_fraction=1.5"),
    ({"validation_data": (numpy.zeros((5, 3)), numpy.zeros(5, int))}, ValueError,
     r"`validation_data\[0\]` has 3 columns"),
    ({"validation_data": (numpy.zeros((5, 4)), numpy.zeros(4, int))}, ValueError,
     r"`validation_data\[1\]` has 4 rows"),
    ({"optimizer": "sgd"}, ValueError,
     r"`optimizer`.*adam.*lbfgs.*momentum.*nesterov.*Received: optimizer='sgd'"),
    ({"alpha": 0.0}, ValueError, r"`alpha`.*Received: alpha=0.0"),
    ({"schedule": "exponential"}, ValueError, r"Received: schedule='exponential'"),
    ({"schedule_factor": 1.0}, ValueError, r"Received: schedule_factor=1.0"),
    ({"beta_1": 1.0}, ValueError, r"Received: beta_1=1.0"),
    ({"sample_weight": -numpy.ones(4)}, ValueError, r"`sample_weight`.*Received: a weight of -1.0"),
    ({"sample_weight": numpy.zeros(4)}, ValueError, r"`sample_weight`.*Received: only zeros"),
    ({"max_fun": 0}, ValueError, r"`max_fun`.*Received: max_fun=0"),
    ({"callback": "print"}, TypeError, r"`callback`.*Received: callback='print'"),
]


@pytest.mark.parametrize("change, error, match", BAD)
def test_bad_training_settings_leave_the_weights_as_they_were(change, error, match):
    network = make_network([4, 5, 3], random_state=0)
    before = network.weights + network.bias
    X = numpy.random.default_rng(0).normal(size=(4, 4))
    with pytest.raises(error, match=match):
        network.train(X, [0, 1, 2, 0], **change)
    for old, new in zip(before, network.weights + network.bias):
        numpy.testing.assert_array_equal(old, new)


def test_digits_example_reaches_097(tmp_path):
    plot = tmp_path / "digits.png"
    result = subprocess.run([sys.executable, str(EXAMPLES / "digits.py"), "--plot", str(plot)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", result.stdout).group(1))
    assert accuracy >= 0.97
    assert re.search(r"seconds per epoch: [0-9.]+", result.stdout)
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_convergence_warnings_off_for_one_call(recwarn):
    inputs = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    # A stall: the same call warns by default.
    quiet = make_network([2, 2, 2], random_state=2)
    history = quiet.train(inputs, [0, 1, 1, 0], alpha=1e-6, patience=37, restarts=0,
                          convergence_warnings=False)
    assert history.stopped == "plateau" and len(recwarn) == 0
    with pytest.warns(ConvergenceWarning, match="chance level"):
        make_network([2, 2, 2], random_state=2).train(inputs, [0, 1, 1, 0], alpha=1e-6,
                                                      patience=37, restarts=0)


def test_bad_score_hooks_are_refused_and_leave_the_network_as_it_was(iris):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 10, 3], random_state=0)
    before = network.weights
    with pytest.raises(TypeError, match=r"`validation_score`.*Received: validation_score=0.5"):
        network.train(X_train, y_train, validation_data=(X_test, y_test), validation_score=0.5)
    with pytest.raises(ValueError, match=r"`validation_score`.*validation_data or validation_fraction"):
        network.train(X_train, y_train, validation_score=lambda outputs: 1.0)
    for old, new in zip(before, network.weights):
        numpy.testing.assert_array_equal(old, new)
    drawn = network.generator.bit_generator.state
    with pytest.raises(TypeError, match=r"`validation_score` must return a number.*'high'"):
        network.train(X_train, y_train, epochs=3, batch_size=16, validation_data=(X_test, y_test),
                      validation_score=lambda outputs: "high")
    # Found after the first epoch, but the weights and the generator are put back.
    for old, new in zip(before, network.weights):
        numpy.testing.assert_array_equal(old, new)
    assert network.generator.bit_generator.state == drawn
