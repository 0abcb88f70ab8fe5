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


def make_network(architecture, **keywords):
    network = FeedForwardNetwork(architecture, **keywords)
    network.initialize()
    return network
