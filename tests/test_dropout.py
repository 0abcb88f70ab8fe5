"""Dropout: hidden layers' outputs dropped while training, never when predicting."""

import pickle

import numpy
import pytest
from sklearn.datasets import load_digits

from mlp import FeedForwardNetwork, NetworkBackend, engine
from mlp.graph.dropout import dropout_masks, numpy_dropout_masks
from mlp.graph.layers import ReLULayer, SoftmaxLayer
from mlp.runtime import programs
from mlp.runtime.backend import padded_rows
from tests.conftest import make_network, train_quietly


def draw_masks(key, rows, units, rates, dtype):
    """The masks of the step that starts from ``key``, drawn as the engine draws them."""
    rates = numpy.asarray(rates, dtype=dtype)
    if engine.jax is None:
        return numpy_dropout_masks(numpy.random.default_rng(key), rows, units, rates, dtype)
    with engine.scope():  # float64 masks, as in mlp's own calls
        _, step_key = engine.jax.random.split(key)
        return [numpy.asarray(mask) for mask in dropout_masks(step_key, rows, units, rates, dtype)]


def relu_softmax_gradient(weights, bias, inputs, targets, mask):
    """The cross-entropy's gradient for a relu network with one masked hidden layer, by hand."""
    before = inputs @ weights[0].T + bias[0]
    hidden = numpy.maximum(before, 0) * mask
    logits = hidden @ weights[1].T + bias[1]
    probabilities = numpy.exp(logits) / numpy.exp(logits).sum(axis=1, keepdims=True)
    output_error = (probabilities - targets) / len(inputs)
    hidden_error = output_error @ weights[1] * mask * (before > 0)
    return [hidden_error.T @ inputs, output_error.T @ hidden,
            hidden_error.sum(axis=0), output_error.sum(axis=0)]


@pytest.fixture(scope="module")
def digits():
    inputs, labels = load_digits(return_X_y=True)
    return inputs / 16, labels


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-12), ("float32", 2e-5)])
def test_a_step_drops_units_as_numpy_does_with_the_same_mask(dtype, tolerance):
    network = make_network([4, 6, 3], activation="relu", random_state=0, dropout=0.5, dtype=dtype)
    backend = network.backend
    generator = numpy.random.default_rng(1)
    inputs = generator.normal(size=(5, 4)).astype(dtype)
    targets = numpy.eye(3, dtype=dtype)[[0, 1, 2, 1, 0]]
    backend.set_data(inputs, targets)
    key = backend.dropout_key.value
    mask = draw_masks(key, padded_rows(6), [6], [0.5], dtype)[0][:5]
    parameters = [value.astype(float) for value in network.weights + network.bias]
    # One momentum step with learning rate 1 and no momentum: parameters minus the gradient.
    backend.train_steps("momentum", 1, 0.0, 1.0, 0.0)
    gradient = [before - after for before, after in zip(parameters, network.weights + network.bias)]
    expected = relu_softmax_gradient(parameters[:2], parameters[2:], inputs.astype(float), targets, mask)
    for got, want in zip(gradient, expected):
        numpy.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance)
    # The mask dropped units, so the step is not the step without dropout.
    assert set(numpy.unique(mask)) == {0.0, 2.0}
    plain = relu_softmax_gradient(parameters[:2], parameters[2:], inputs.astype(float), targets,
                                  numpy.ones_like(mask))
    assert not numpy.allclose(gradient[0], plain[0], rtol=1e-3)
    # The key moved on: the next step draws other masks.
    assert not numpy.array_equal(numpy.asarray(backend.dropout_key.value), numpy.asarray(key))


def test_masks_drop_the_rate_and_scale_the_rest():
    # Inverted dropout: a unit's expected output is unchanged.
    key = numpy.array([3, 4], dtype=numpy.uint32)
    if engine.jax is not None:
        key = engine.jax.numpy.asarray(key)
    first, second = draw_masks(key, 400, [100, 50], [0.5, 0.2], "float64")
    assert first.shape == (400, 100) and second.shape == (400, 50)
    assert set(numpy.unique(first)) == {0.0, 2.0}
    assert set(numpy.unique(second)) == {0.0, 1.25}
    assert abs((first == 0).mean() - 0.5) < 0.02
    assert abs((second == 0).mean() - 0.2) < 0.02
    assert abs(first.mean() - 1) < 0.04 and abs(second.mean() - 1) < 0.04


def test_predictions_are_deterministic_and_drop_nothing(digits):
    inputs, labels = digits
    network = make_network([64, 20, 10], activation="relu", random_state=0, dropout=0.5)
    train_quietly(network, inputs[:300], labels[:300], optimizer="adam", alpha=0.01, batch_size=50,
                epochs=3)
    first, second = network.predict(inputs[300:340]), network.predict(inputs[300:340])
    numpy.testing.assert_array_equal(first, second)
    hidden = numpy.maximum(inputs[300:340] @ network.weights[0].T + network.bias[0], 0)
    logits = hidden @ network.weights[1].T + network.bias[1]
    expected = numpy.exp(logits) / numpy.exp(logits).sum(axis=1, keepdims=True)
    numpy.testing.assert_allclose(first, expected, rtol=1e-10)


def test_validation_losses_are_measured_without_dropout(digits):
    inputs, labels = digits
    network = make_network([64, 20, 10], activation="relu", random_state=0, dropout=0.5)
    validation = (inputs[300:400], labels[300:400])
    history = train_quietly(network, inputs[:300], labels[:300], optimizer="adam", alpha=0.01,
                          batch_size=50, epochs=2, validation_data=validation, early_stopping=False)
    probabilities = network.predict(validation[0])
    loss = -numpy.mean(numpy.log(probabilities[numpy.arange(100), validation[1]]))
    assert history.validation_loss[-1] == pytest.approx(loss, rel=1e-9)


@pytest.mark.parametrize("batch_size", [50, None])
def test_the_same_random_state_trains_to_the_same_weights(digits, batch_size):
    inputs, labels = digits

    def trained(random_state, dropout=0.3):
        network = make_network([64, 20, 10], activation="relu", random_state=random_state,
                               dropout=dropout)
        train_quietly(network, inputs[:300], labels[:300], optimizer="adam", alpha=0.01,
                    batch_size=batch_size, epochs=5)
        return network.weights + network.bias

    first, again, other_seed, no_dropout = trained(0), trained(0), trained(1), trained(0, 0.0)
    for one, two in zip(first, again):
        numpy.testing.assert_array_equal(one, two)
    assert not numpy.allclose(first[0], other_seed[0])
    assert not numpy.allclose(first[0], no_dropout[0])


def test_a_pickled_network_continues_with_the_same_masks(digits):
    inputs, labels = digits
    network = make_network([64, 20, 10], activation="elu", random_state=0, dropout=0.4)
    train_quietly(network, inputs[:200], labels[:200], optimizer="adam", alpha=0.01, batch_size=50,
                epochs=2)
    copy = pickle.loads(pickle.dumps(network))
    assert copy.dropout == 0.4 and copy.layers[1].dropout == 0.4
    for one in (network, copy):
        train_quietly(one, inputs[:200], labels[:200], optimizer="adam", alpha=0.01, batch_size=50,
                    epochs=2)
    for one, two in zip(network.weights, copy.weights):
        numpy.testing.assert_array_equal(one, two)


def test_save_and_load_keep_the_rate_and_the_activation(tmp_path, digits):
    inputs, labels = digits
    network = make_network([64, 20, 10], activation="gelu", random_state=0, dropout=0.25)
    train_quietly(network, inputs[:200], labels[:200], optimizer="adam", alpha=0.01, batch_size=50,
                epochs=2)
    network.save(tmp_path / "model.npz")
    loaded = FeedForwardNetwork.load(tmp_path / "model.npz")
    assert loaded.dropout == 0.25 and loaded.activation == "gelu"
    assert [layer.dropout for layer in loaded.layers] == [0.0, 0.25, 0.0]
    numpy.testing.assert_array_equal(loaded.predict(inputs[200:250]), network.predict(inputs[200:250]))


def test_a_layer_list_sets_each_hidden_layers_rate(digits):
    # The seed's layer lists: each layer carries its own rate.
    inputs, labels = digits
    network = make_network([64, 20, 15, 10], activation="relu", random_state=0)
    network.layers[2] = ReLULayer(15, dropout=0.5)
    network.backend = NetworkBackend(network)
    assert network.backend.dropout_rates == (0.0, 0.5)
    assert network.backend.dropout_layers == (1,)
    history = train_quietly(network, inputs[:200], labels[:200], optimizer="adam", alpha=0.01,
                          batch_size=50, epochs=2)
    assert numpy.isfinite(history.loss).all()


def test_dropout_on_the_output_layer_is_refused():
    network = make_network([3, 4, 2], random_state=0)
    network.layers[-1] = SoftmaxLayer(2, dropout=0.5)
    with pytest.raises(ValueError, match="hidden layers only.*output"):
        NetworkBackend(network)


@pytest.mark.parametrize("rate, error", [(1.0, ValueError), (-0.1, ValueError), (1.5, ValueError),
                                         ("x", TypeError), (True, TypeError), (None, TypeError)])
def test_bad_dropout_is_refused_with_the_value(rate, error):
    with pytest.raises(error, match=r"`dropout`.*Received: dropout="):
        FeedForwardNetwork([3, 4, 2], dropout=rate)


def test_lbfgs_with_dropout_is_refused_and_changes_nothing(xor_inputs, xor_labels):
    network = make_network([2, 3, 2], random_state=0, dropout=0.2)
    before = network.backend.get_values()
    state = network.generator.bit_generator.state
    with pytest.raises(ValueError, match="lbfgs.*dropout"):
        network.train(xor_inputs, xor_labels, optimizer="lbfgs")
    for value, kept in zip(network.backend.get_values(), before):
        numpy.testing.assert_array_equal(value, kept)
    assert network.generator.bit_generator.state == state


def test_without_dropout_the_plain_program_is_compiled(xor_inputs, xor_labels):
    plain = make_network([2, 3, 2], random_state=0)
    dropped = make_network([2, 3, 2], random_state=0, dropout=0.1)
    assert plain.backend.dropout_key is None and plain.backend.dropout_layers == ()
    train_quietly(plain, xor_inputs, xor_labels, epochs=2)
    train_quietly(dropped, xor_inputs, xor_labels, epochs=2)
    roles = {role for _, role in programs._PROGRAMS.keys()}
    assert ("train", "momentum", False) in roles
    assert ("train", "momentum", False, ("dropout", (0,))) in roles


def test_dropout_draws_nothing_when_off():
    # A network without dropout draws its weights and shuffles exactly as before dropout
    # existed: the key is drawn only when a layer has dropout.
    plain = make_network([3, 4, 2], random_state=7)
    reference = numpy.random.default_rng(7)
    reference.uniform(size=4 * 3 + 4 + 2 * 4 + 2)
    assert plain.generator.bit_generator.state == reference.bit_generator.state


def test_digits_accuracy_with_and_without_dropout(digits):
    # Reported, not compared: dropout is not asserted to be better.
    inputs, labels = digits
    accuracies = {}
    for rate in (0.0, 0.2):
        network = make_network([64, 100, 10], activation="relu", random_state=0, dropout=rate)
        train_quietly(network, inputs[:1200], labels[:1200], optimizer="adam", alpha=0.001,
                    batch_size=200, epochs=100, target_cost=0.0)
        accuracies[rate] = float((network.classify(inputs[1200:]) == labels[1200:]).mean())
    print(f"digits test accuracy by dropout rate: {accuracies}")
    assert min(accuracies.values()) > 0.9


def test_epochs_rerun_after_a_stop_replay_their_masks(digits):
    # Full-batch epochs share a compiled call; the epochs past a stop are undone and the
    # ones before it run again, with the same masks, so the weights are those of a run
    # asked for exactly that many epochs.
    inputs, labels = digits

    def trained(epochs, patience):
        network = make_network([64, 20, 10], activation="relu", random_state=0, dropout=0.5)
        history = train_quietly(network, inputs[:300], labels[:300], optimizer="adam", alpha=0.01,
                              epochs=epochs, patience=patience, tol=0.5, restarts=0)
        return network, history

    stopped, history = trained(1000, 3)
    assert history.stopped == "plateau" and history.epochs < 64
    exact, _ = trained(history.epochs, 10**6)
    for one, two in zip(stopped.weights + stopped.bias, exact.weights + exact.bias):
        numpy.testing.assert_array_equal(one, two)
