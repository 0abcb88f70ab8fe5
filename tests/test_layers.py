import numpy
import pytest

from mlp import engine
from mlp.layers import InputLayer, Layer, ReLULayer, SigmoidLayer, SoftmaxLayer, TanhLayer

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
