import numpy
import pytest

from mlp.graph.init import glorot, initial_parameters, uniform


def test_shapes_follow_the_seed():
    weights, biases = initial_parameters([4, 5, 3], ["sigmoid", "softmax"], "glorot",
                                         numpy.random.default_rng(0), "float64")
    assert [w.shape for w in weights] == [(5, 4), (3, 5)]
    assert [b.shape for b in biases] == [(5,), (3,)]


def test_glorot_is_symmetric_and_scaled():
    weights, bias = glorot(300, 200, "tanh", numpy.random.default_rng(1))
    limit = numpy.sqrt(6 / 500)
    assert numpy.abs(weights).max() <= limit
    assert abs(weights.mean()) < 0.05 * limit
    assert weights.min() < -0.9 * limit and weights.max() > 0.9 * limit
    sigmoid_weights, _ = glorot(300, 200, "sigmoid", numpy.random.default_rng(1))
    assert numpy.abs(sigmoid_weights).max() <= numpy.sqrt(2 / 500)


def test_uniform_is_the_seeds_zero_to_one():
    weights, bias = uniform(50, 40, "sigmoid", numpy.random.default_rng(2))
    assert weights.min() >= 0 and weights.max() < 1 and bias.min() >= 0 and bias.max() < 1


@pytest.mark.parametrize("init", ["glorot", "uniform"])
def test_one_generator_seed_gives_the_same_values(init):
    first = initial_parameters([3, 4, 2], ["tanh", "softmax"], init, numpy.random.default_rng(7), "float32")
    second = initial_parameters([3, 4, 2], ["tanh", "softmax"], init, numpy.random.default_rng(7), "float32")
    for a, b in zip(first[0] + first[1], second[0] + second[1]):
        assert a.dtype == numpy.float32
        numpy.testing.assert_array_equal(a, b)
