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
