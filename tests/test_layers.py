import math

import numpy
import pytest

from mlp import engine
from mlp.graph.layers import (
    LAYERS_BY_ACTIVATION,
    ELULayer,
    GELULayer,
    InputLayer,
    Layer,
    LeakyReLULayer,
    ReLULayer,
    SigmoidLayer,
    SiLULayer,
    SoftmaxLayer,
    TanhLayer,
)
from tests.conftest import make_network

VALUES = numpy.array([[-3.0, -0.5, 0.0], [0.25, 2.0, 40.0]])


def evaluate(layer):
    matrix = engine.tensor.matrix(dtype="float64")
    return engine.function([matrix], layer.forwardPass(matrix))(VALUES)


@pytest.mark.parametrize("layer, expected", [
    (InputLayer(3), VALUES),
    (SigmoidLayer(3), 1 / (1 + numpy.exp(-VALUES))),
    (TanhLayer(3), numpy.tanh(VALUES)),
    (ReLULayer(3), numpy.maximum(VALUES, 0)),
    (SoftmaxLayer(3), numpy.exp(VALUES) / numpy.exp(VALUES).sum(axis=1, keepdims=True)),
])
def test_layer_output_matches_numpy_formula(layer, expected):
    numpy.testing.assert_allclose(evaluate(layer), expected, rtol=1e-12, atol=1e-15)


def test_str_is_the_seeds():
    assert str(SigmoidLayer(units=2)) == "SigmoidLayer Units:2"
    assert str(SoftmaxLayer(units=10)) == "SoftmaxLayer Units:10"


def test_computation_backend_keeps_the_seeds_names():
    layer = Layer(2)
    assert callable(layer.backend.sigmoid) and callable(layer.backend.softmax)


@pytest.mark.parametrize("units, error", [(0, ValueError), (-2, ValueError), (2.5, TypeError),
                                          ("3", TypeError), (True, TypeError)])
def test_bad_units_are_refused_with_the_value(units, error):
    with pytest.raises(error, match="units"):
        SigmoidLayer(units)


# --------------------------------------------------------------- new activations
def gelu_formula(values):
    erf = numpy.vectorize(math.erf)
    return 0.5 * values * (1 + erf(values / math.sqrt(2)))


@pytest.mark.parametrize("layer, expected", [
    (LeakyReLULayer(3), numpy.where(VALUES > 0, VALUES, 0.01 * VALUES)),
    (ELULayer(3), numpy.where(VALUES > 0, VALUES, numpy.expm1(numpy.minimum(VALUES, 0)))),
    (GELULayer(3), gelu_formula(VALUES)),
    (SiLULayer(3), VALUES / (1 + numpy.exp(-VALUES))),
])
def test_new_activations_match_numpy_formula(layer, expected):
    numpy.testing.assert_allclose(evaluate(layer), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation, layer_class", [
    ("leaky_relu", LeakyReLULayer), ("elu", ELULayer), ("gelu", GELULayer), ("silu", SiLULayer)])
def test_new_activations_are_registered_by_name(activation, layer_class):
    assert LAYERS_BY_ACTIVATION[activation] is layer_class
    network = make_network([3, 4, 2], activation=activation, random_state=0)
    assert [type(layer) for layer in network.layers[1:-1]] == [layer_class]


@pytest.mark.parametrize("activation", sorted(LAYERS_BY_ACTIVATION))
def test_network_gradient_matches_central_differences(activation):
    # The whole network's cost (cross-entropy plus L2) through two hidden layers of
    # the activation, against central differences of epsilon 1e-5 in float64.
    network = make_network([3, 5, 4, 3], activation=activation, random_state=1)
    backend = network.backend
    generator = numpy.random.default_rng(2)
    inputs = generator.normal(size=(7, 3))
    targets = numpy.eye(3)[generator.integers(0, 3, size=7)]
    backend.set_data(inputs, targets)
    flat = backend.flat_parameters()
    _, _, gradient = backend.objective(flat, 0.001)
    epsilon = 1e-5
    differences = numpy.empty_like(flat)
    for index in range(flat.size):
        step = numpy.zeros_like(flat)
        step[index] = epsilon
        above = backend.objective(flat + step, 0.001)[1]
        below = backend.objective(flat - step, 0.001)[1]
        differences[index] = (above - below) / (2 * epsilon)
    numpy.testing.assert_allclose(gradient, differences, rtol=1e-6, atol=1e-9)


def test_network_output_with_new_activation_matches_numpy():
    network = make_network([3, 4, 2], activation="gelu", random_state=3)
    inputs = numpy.random.default_rng(4).normal(size=(5, 3))
    hidden = gelu_formula(inputs @ network.weights[0].T + network.bias[0])
    logits = hidden @ network.weights[1].T + network.bias[1]
    expected = numpy.exp(logits) / numpy.exp(logits).sum(axis=1, keepdims=True)
    numpy.testing.assert_allclose(network.predict(inputs), expected, rtol=1e-12)


@pytest.mark.parametrize("activation", ["leaky_relu", "elu", "gelu", "silu"])
def test_new_activations_keep_float32(activation):
    matrix = engine.tensor.matrix(dtype="float32")
    layer = LAYERS_BY_ACTIVATION[activation](3)
    output = engine.function([matrix], layer.forwardPass(matrix))(VALUES.astype("float32"))
    assert output.dtype == numpy.float32


def test_elu_gradient_is_finite_for_large_inputs():
    # The branch not taken (exp(x) - 1 of a large x) must not turn the gradient to NaN.
    matrix = engine.tensor.matrix(dtype="float64")
    output = ELULayer(2).forwardPass(matrix).sum()
    gradient = engine.function([matrix], engine.grad(output, matrix))(numpy.array([[800.0, -800.0]]))
    numpy.testing.assert_array_equal(gradient, [[1.0, 0.0]])


# ------------------------------------------------------------ dropout attribute
def test_layer_keeps_its_dropout_rate():
    layer = ReLULayer(units=100, dropout=0.5)
    assert layer.dropout == 0.5
    assert repr(layer) == "ReLULayer(units=100, dropout=0.5)"
    assert ReLULayer(units=3).dropout == 0.0 and repr(ReLULayer(3)) == "ReLULayer(units=3)"


@pytest.mark.parametrize("rate, error", [(1.0, ValueError), (-0.1, ValueError), (2, ValueError),
                                         (float("nan"), ValueError), ("x", TypeError),
                                         (None, TypeError), (True, TypeError)])
def test_bad_layer_dropout_is_refused_with_the_value(rate, error):
    with pytest.raises(error, match=r"`dropout`.*Received: dropout="):
        ReLULayer(3, dropout=rate)
