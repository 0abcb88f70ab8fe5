"""Step-based optimisers in compiled multi-step calls: row indices, minibatches,
reproducibility, float32 and the divergence guard."""

import numpy
import pytest

from mlp import DivergenceError
from tests.conftest import make_network


def test_steps_take_row_indices_of_data_held_by_the_backend(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 5, 3], random_state=0)
    backend = network.backend
    targets = numpy.eye(3)[y_train]
    backend.set_data(X_train, targets)
    rows = numpy.arange(10)
    data_costs, _, finite = backend.train_steps("momentum", rows[numpy.newaxis], 0.0, 0.0)
    probabilities = network.predict(X_train[:10])
    expected = -numpy.mean(numpy.log(probabilities[rows, y_train[:10]]))
    assert abs(float(data_costs[0]) - expected) < 1e-12 and finite
    network.train(X_train, y_train, epochs=2, batch_size=16)
    assert backend.data is None, "training data must be released"


def test_the_loss_falls_with_minibatches_and_shuffling(iris, quiet_train):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=2)
    history = quiet_train(network, X_train, y_train, alpha=0.05, epochs=30, batch_size=10)
    assert history.epochs == 30 and len(history.seconds) == 30
    assert history.loss[-1] < history.loss[0] / 3


def test_same_seed_gives_bitwise_identical_weights(iris, quiet_train):
    X_train, _, y_train, _ = iris
    runs = []
    for _ in range(2):
        network = make_network([4, 8, 3], random_state=6)
        quiet_train(network, X_train, y_train, alpha=0.05, epochs=10, batch_size=7,
                    validation_fraction=0.2, target_cost=0.0)
        runs.append(network.weights + network.bias)
    for first, second in zip(*runs):
        assert first.tobytes() == second.tobytes()
    other = make_network([4, 8, 3], random_state=7)
    quiet_train(other, X_train, y_train, alpha=0.05, epochs=10, batch_size=7,
                validation_fraction=0.2, target_cost=0.0)
    assert not numpy.array_equal(other.weights[0], runs[0][0])


def test_float32_training(iris, quiet_train):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 8, 3], random_state=1, dtype="float32")
    quiet_train(network, X_train, y_train, alpha=0.05, epochs=100, batch_size=16)
    assert all(w.dtype == numpy.float32 for w in network.weights)
    assert network.predict(X_test).dtype == numpy.float32
    assert numpy.mean(network.classify(X_test) == y_test) >= 0.9


def test_divergence_in_minibatches_restores_finite_weights(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=1)
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        network.train(X_train * 1e150, y_train, alpha=1e150, epochs=50, batch_size=16)
    assert all(numpy.isfinite(w).all() for w in network.weights + network.bias)


def test_divergence_error_is_a_value_error(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=1)
    with pytest.raises(ValueError, match="The cost became .* smaller learning rate"):
        network.train(X_train * 1e150, y_train, alpha=1e150, epochs=50, batch_size=16)


def test_full_batch_epochs_no_rule_can_stop_run_in_the_fewest_calls(monkeypatch, xor_inputs,
                                                                   xor_labels):
    # With the target out of reach and the plateau rule's patience not spent, the calls
    # need not start short to stop in; the steps and weights are the same either way.
    from mlp.runtime.backend import NetworkBackend
    train_steps = NetworkBackend.train_steps
    runs = {}
    for target_cost in (0.0, 1e-300):
        calls = []

        def recording(self, optimizer, batches, *arguments, calls=calls, **keywords):
            calls.append(batches)
            return train_steps(self, optimizer, batches, *arguments, **keywords)

        monkeypatch.setattr(NetworkBackend, "train_steps", recording)
        network = make_network([2, 2, 2], random_state=0)
        history = network.train(xor_inputs, xor_labels, alpha=0.5, momentum=0.9, epochs=5000,
                                reg_lambda=1e-3, target_cost=target_cost, patience=10**9,
                                restarts=0)
        runs[target_cost] = calls, network.weights + network.bias, history
    calls, weights, history = runs[0.0]
    growing_calls, growing_weights, growing_history = runs[1e-300]
    assert calls == [4096, 904] and growing_calls[:3] == [64, 128, 256]
    assert sum(growing_calls) == 5000 and history.loss == growing_history.loss
    # The full cost carries each step's L2 penalty across the calls' boundaries too.
    assert history.total_loss == growing_history.total_loss
    for first, second in zip(weights, growing_weights):
        assert first.tobytes() == second.tobytes()
