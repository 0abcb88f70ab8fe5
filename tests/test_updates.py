"""Each optimiser's compiled step equals the same step worked out in NumPy."""

import numpy
import pytest

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
