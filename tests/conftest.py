"""Shared fixtures: the XOR data and small helpers."""

import numpy
import pytest

from mlp import FeedForwardNetwork


@pytest.fixture
def xor_inputs():
    return numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])


@pytest.fixture
def xor_labels():
    return numpy.array([0, 1, 1, 0])


@pytest.fixture
def xor_network():
    network = FeedForwardNetwork([2, 2, 2], random_state=0)
    network.initialize()
    return network


def sigmoid(values):
    return 1 / (1 + numpy.exp(-values))


def hand_gradient(weights, bias, inputs, targets, reg_lambda):
    """The cost's gradient for a one-hidden-layer sigmoid network with a softmax output,
    by hand in NumPy: weights first, then biases (the backend's order)."""
    hidden = sigmoid(inputs @ weights[0].T + bias[0])
    logits = hidden @ weights[1].T + bias[1]
    probabilities = numpy.exp(logits) / numpy.exp(logits).sum(axis=1, keepdims=True)
    output_error = (probabilities - targets) / len(inputs)
    hidden_error = output_error @ weights[1] * hidden * (1 - hidden)
    return [
        hidden_error.T @ inputs + 2 * reg_lambda * weights[0],
        output_error.T @ hidden + 2 * reg_lambda * weights[1],
        hidden_error.sum(axis=0) + 2 * reg_lambda * bias[0],
        output_error.sum(axis=0) + 2 * reg_lambda * bias[1],
    ]


def make_network(architecture, **keywords):
    network = FeedForwardNetwork(architecture, **keywords)
    network.initialize()
    return network
