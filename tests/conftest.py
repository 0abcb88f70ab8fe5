"""Shared fixtures: the XOR data, the scaled iris split and small helpers; and the
``slow`` marker of the slow tests in modules that do not mark themselves."""

import functools
import os
import warnings

import numpy
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from mlp import FeedForwardNetwork

# No background compilation of the default programs (mlp.runtime.precompile) from the
# test processes, nor from the processes they start: tests/test_precompile.py runs it.
os.environ["MLP_PRECOMPILE"] = "0"


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


def train_quietly(network, *arguments, **keywords):
    """``network.train(...)`` with its warnings (non-convergence, say) ignored."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return network.train(*arguments, **keywords)


@pytest.fixture
def quiet_train():
    """``quiet_train(network, ...)``: :func:`train_quietly` as a fixture."""
    return train_quietly


def split_and_scale(loader, seed=0):
    """A stratified quarter of ``loader()``'s rows held out, both parts scaled on the rest."""
    data = loader()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=seed, stratify=data.target)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture(scope="module")
def iris():
    return split_and_scale(load_iris)


@pytest.fixture
def scaled_split():
    """``scaled_split(loader)``: :func:`split_and_scale` as a fixture."""
    return split_and_scale


def wrap_calls(monkeypatch, backend, wrapper):
    """Make every compiled training call of the backend go through ``wrapper``."""
    monkeypatch.setattr(backend, "train_steps", wrapper(backend.train_steps))


def counted(call, action, at_call):
    """Wrap ``call`` so that ``action(call, arguments)`` replaces its ``at_call``-th use."""
    calls = []

    def wrapped(*arguments, **keywords):
        plan = arguments[1]  # an index matrix, or a number of full-batch steps
        calls.append(plan if isinstance(plan, int) else plan.shape[0])
        bound = functools.partial(call, **keywords)
        if len(calls) == at_call:
            return action(bound, arguments)
        return bound(*arguments)
    wrapped.steps = calls
    return wrapped


# Slow tests in modules that also hold fast ones, by name (so that they stay marked
# when moved to another module): the scikit-learn accuracy comparisons,
# check_estimator and the digits example. The benchmark, example and Dask modules, and
# the fresh processes of test_compiled.py, mark their own. `make test-fast` runs
# `-m "not slow"`.
SLOW_TESTS = frozenset({
    "test_check_estimator_passes",
    "test_accuracy_matches_sklearn",
    "test_r2_on_diabetes_matches_sklearn",
    "test_digits_example_reaches_097",
})


def pytest_collection_modifyitems(items):
    for item in items:
        if item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
