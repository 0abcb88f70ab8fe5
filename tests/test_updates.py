"""Each optimiser's compiled step equals the same step worked out in NumPy."""

import warnings

import numpy
import pytest
from sklearn.datasets import load_digits

from mlp import engine
from mlp.graph import updates
from mlp.runtime import programs
from tests.conftest import hand_gradient, make_network

TARGETS = numpy.eye(2)[[0, 1, 1, 0]]
REG_LAMBDA = 0.001


def momentum_steps(parameters, gradient_of, steps, learning_rate, momentum):
    velocities = [numpy.zeros_like(p) for p in parameters]
    for _ in range(steps):
        gradients = gradient_of(parameters)
        velocities = [learning_rate * g + momentum * v for g, v in zip(gradients, velocities)]
        parameters = [p - v for p, v in zip(parameters, velocities)]
    return parameters, velocities


def nesterov_steps(parameters, gradient_of, steps, learning_rate, momentum):
    velocities = [numpy.zeros_like(p) for p in parameters]
    for _ in range(steps):
        gradients = gradient_of(parameters)
        velocities = [learning_rate * g + momentum * v for g, v in zip(gradients, velocities)]
        parameters = [p - (momentum * v + learning_rate * g)
                      for p, v, g in zip(parameters, velocities, gradients)]
    return parameters, velocities


def adam_steps(parameters, gradient_of, steps, learning_rate, beta_1, beta_2, epsilon):
    first = [numpy.zeros_like(p) for p in parameters]
    second = [numpy.zeros_like(p) for p in parameters]
    for step in range(1, steps + 1):
        gradients = gradient_of(parameters)
        first = [beta_1 * m + (1 - beta_1) * g for m, g in zip(first, gradients)]
        second = [beta_2 * v + (1 - beta_2) * g * g for v, g in zip(second, gradients)]
        rate = learning_rate * numpy.sqrt(1 - beta_2**step) / (1 - beta_1**step)
        parameters = [p - rate * m / (numpy.sqrt(v) + epsilon)
                      for p, m, v in zip(parameters, first, second)]
    return parameters, first + second


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "adam"])
def test_three_compiled_steps_match_numpy(optimizer, xor_inputs):
    network = make_network([2, 3, 2], random_state=5)
    backend = network.backend
    backend.set_data(xor_inputs, TARGETS)
    parameters = network.weights + network.bias

    def gradient_of(values):
        return hand_gradient(values[:2], values[2:], xor_inputs, TARGETS, REG_LAMBDA)

    learning_rate, momentum, beta_1, beta_2, epsilon = 0.3, 0.9, 0.8, 0.95, 1e-6
    if optimizer == "adam":
        expected, state = adam_steps(parameters, gradient_of, 3, learning_rate, beta_1, beta_2, epsilon)
        actual_state = backend.first_moments + backend.second_moments
    else:
        rule = momentum_steps if optimizer == "momentum" else nesterov_steps
        expected, state = rule(parameters, gradient_of, 3, learning_rate, momentum)
        actual_state = backend.prev_rate
    _, _, finite = backend.train_steps(optimizer, 3, REG_LAMBDA, learning_rate, momentum, beta_1,
                                       beta_2, epsilon)
    assert finite
    for want, got in zip(expected, network.weights + network.bias):
        numpy.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    for want, got in zip(state, actual_state):
        numpy.testing.assert_allclose(got.get_value(), want, rtol=1e-10, atol=1e-13)
    if optimizer == "adam":
        assert float(backend.adam_step.get_value()) == 3.0


def test_minibatch_steps_use_exactly_their_rows(xor_inputs):
    # Two steps of two rows each, one of them padded with the zero-weight row.
    network = make_network([2, 3, 2], random_state=6)
    backend = network.backend
    backend.set_data(xor_inputs, TARGETS)
    parameters = network.weights + network.bias
    plan = numpy.array([[2, 0], [3, 4]])  # row 4 is the padding row (weight zero)
    expected = parameters
    velocities = [numpy.zeros_like(p) for p in parameters]
    for rows in ([2, 0], [3]):
        gradients = hand_gradient(expected[:2], expected[2:], xor_inputs[rows], TARGETS[rows], 0.0)
        velocities = [0.5 * g + 0.9 * v for g, v in zip(gradients, velocities)]
        expected = [p - v for p, v in zip(expected, velocities)]
    backend.train_steps("momentum", plan, 0.0, 0.5, 0.9)
    for want, got in zip(expected, network.weights + network.bias):
        numpy.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


# ------------------------------------------------------------------ clip_norm
def test_clip_by_global_norm_matches_numpy():
    first, second = engine.tensor.matrix(dtype="float64"), engine.tensor.vector(dtype="float64")
    clip_norm = engine.tensor.scalar(dtype="float64")
    clip = engine.function([first, second, clip_norm],
                           updates.clip_by_global_norm([first, second], clip_norm))
    matrix, vector = numpy.array([[3.0, 0.0], [0.0, 0.0]]), numpy.array([4.0])  # norm 5
    for limit, scale in ((1.0, 0.2), (10.0, 1.0), (5.0, 1.0)):
        got = clip(matrix, vector, limit)
        numpy.testing.assert_allclose(got[0], matrix * scale, rtol=1e-15)
        numpy.testing.assert_allclose(got[1], vector * scale, rtol=1e-15)
    # A zero gradient stays zero (no division by its norm).
    numpy.testing.assert_array_equal(clip(0 * matrix, 0 * vector, 1.0)[0], 0 * matrix)


def clipped(gradients, clip_norm):
    norm = numpy.sqrt(sum(float((gradient**2).sum()) for gradient in gradients))
    return [gradient * min(1.0, clip_norm / norm) for gradient in gradients], norm


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_one_clipped_step_matches_numpy(optimizer, xor_inputs):
    network = make_network([2, 3, 2], random_state=5)
    backend = network.backend
    backend.set_data(xor_inputs, TARGETS)
    parameters = network.weights + network.bias
    gradients = hand_gradient(parameters[:2], parameters[2:], xor_inputs, TARGETS, REG_LAMBDA)
    _, norm = clipped(gradients, 1.0)
    clip_norm = norm / 4  # the step is a quarter of the unclipped one
    clipped_gradients, _ = clipped(gradients, clip_norm)
    learning_rate, momentum, beta_1, beta_2, epsilon = 0.3, 0.9, 0.8, 0.95, 0.05
    if optimizer == "adam":
        # A large epsilon, so that Adam's first step depends on the gradient's scale.
        expected, _ = adam_steps(parameters, lambda values: clipped_gradients, 1, learning_rate,
                                 beta_1, beta_2, epsilon)
        unclipped, _ = adam_steps(parameters, lambda values: gradients, 1, learning_rate, beta_1,
                                  beta_2, epsilon)
    else:
        expected, _ = momentum_steps(parameters, lambda values: clipped_gradients, 1,
                                     learning_rate, momentum)
        unclipped, _ = momentum_steps(parameters, lambda values: gradients, 1, learning_rate, momentum)
    backend.train_steps(optimizer, 1, REG_LAMBDA, learning_rate, momentum, beta_1, beta_2, epsilon,
                        clip_norm=clip_norm)
    for want, got in zip(expected, network.weights + network.bias):
        numpy.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    assert not numpy.allclose(network.weights[0], unclipped[0], rtol=1e-6)


def test_a_large_clip_norm_changes_nothing(xor_inputs, xor_labels):
    weights = []
    for clip_norm in (None, 1e6):
        network = make_network([2, 3, 2], random_state=5)
        network.train(xor_inputs, xor_labels, epochs=20, restarts=0, clip_norm=clip_norm,
                      convergence_warnings=False)
        weights.append(network.weights + network.bias)
    for plain, clipped_value in zip(*weights):
        numpy.testing.assert_allclose(clipped_value, plain, rtol=1e-12, atol=1e-14)


def test_a_diverging_learning_rate_trains_with_clip_norm():
    # The seed's momentum with alpha 5 on digits: unclipped, the relu units blow up and
    # die (chance level); each step clipped to norm 0.1, the same rate trains.
    inputs, labels = load_digits(return_X_y=True)
    inputs = inputs / 16
    accuracies = {}
    for clip_norm in (None, 0.1):
        network = make_network([64, 100, 10], activation="relu", random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = network.train(inputs[:1400], labels[:1400], alpha=5.0, momentum=0.9,
                                    batch_size=200, epochs=30, clip_norm=clip_norm)
        accuracies[clip_norm] = float((network.classify(inputs[1400:]) == labels[1400:]).mean())
        if clip_norm is None:
            assert history.loss[-1] > 2.0
    print(f"digits test accuracy at alpha=5 by clip_norm: {accuracies}")
    assert accuracies[None] < 0.2
    assert accuracies[0.1] > 0.85


def test_clip_norm_compiles_its_own_program_and_none_the_plain_one(xor_inputs, xor_labels):
    network = make_network([2, 3, 2], random_state=0)
    network.train(xor_inputs, xor_labels, epochs=2, restarts=0, optimizer="nesterov",
                  convergence_warnings=False)
    network.train(xor_inputs, xor_labels, epochs=2, restarts=0, optimizer="nesterov", clip_norm=1.0,
                  convergence_warnings=False)
    roles = {role for _, role in programs._PROGRAMS.keys()}
    assert ("train", "nesterov", False) in roles
    assert ("train", "nesterov", False, "clip_norm") in roles


@pytest.mark.parametrize("clip_norm, error", [(0, ValueError), (-1, ValueError), (0.0, ValueError),
                                              (float("inf"), ValueError), (float("nan"), ValueError),
                                              ("x", TypeError), (True, TypeError)])
def test_bad_clip_norm_is_refused_and_changes_nothing(clip_norm, error, xor_inputs, xor_labels):
    network = make_network([2, 3, 2], random_state=0)
    before = network.backend.get_values()
    with pytest.raises(error, match=r"`clip_norm`.*Received: clip_norm="):
        network.train(xor_inputs, xor_labels, clip_norm=clip_norm)
    for value, kept in zip(network.backend.get_values(), before):
        numpy.testing.assert_array_equal(value, kept)


def test_clip_norm_with_lbfgs_is_refused(xor_inputs, xor_labels):
    network = make_network([2, 3, 2], random_state=0)
    with pytest.raises(ValueError, match="clip_norm.*lbfgs"):
        network.train(xor_inputs, xor_labels, optimizer="lbfgs", clip_norm=1.0)
