import numpy

from mlp import engine
from mlp.objectives import categorical_crossentropy, l2_penalty


def crossentropy(logits, targets):
    logits_matrix = engine.tensor.matrix(dtype="float64")
    targets_matrix = engine.tensor.matrix(dtype="float64")
    function = engine.function([logits_matrix, targets_matrix],
                               categorical_crossentropy(logits_matrix, targets_matrix))
    return float(function(logits, targets))


def test_crossentropy_matches_numpy():
    rng = numpy.random.default_rng(0)
    logits = rng.normal(size=(6, 4))
    targets = numpy.eye(4)[rng.integers(0, 4, size=6)]
    probabilities = numpy.exp(logits) / numpy.exp(logits).sum(axis=1, keepdims=True)
    expected = -numpy.mean(numpy.sum(targets * numpy.log(probabilities), axis=1))
    assert abs(crossentropy(logits, targets) - expected) < 1e-12


def test_crossentropy_is_finite_when_the_softmax_saturates():
    logits = numpy.array([[1000.0, -1000.0], [-800.0, 800.0]])
    wrong = numpy.array([[0.0, 1.0], [1.0, 0.0]])
    right = numpy.array([[1.0, 0.0], [0.0, 1.0]])
    assert crossentropy(logits, right) == 0.0
    assert abs(crossentropy(logits, wrong) - 1800.0) < 1e-9


def test_l2_penalty_sums_every_square():
    matrix, vector = engine.tensor.matrix(dtype="float64"), engine.tensor.vector(dtype="float64")
    penalty = engine.function([matrix, vector], l2_penalty([matrix, vector]))
    assert float(penalty(numpy.array([[1.0, -2.0]]), numpy.array([3.0]))) == 14.0


def test_binary_crossentropy_matches_numpy_and_survives_saturation():
    from mlp.objectives import binary_crossentropy

    logits_matrix = engine.tensor.matrix(dtype="float64")
    targets_matrix = engine.tensor.matrix(dtype="float64")
    function = engine.function([logits_matrix, targets_matrix],
                               binary_crossentropy(logits_matrix, targets_matrix))
    rng = numpy.random.default_rng(1)
    logits = rng.normal(size=(5, 3))
    targets = rng.integers(0, 2, size=(5, 3)).astype(float)
    p = 1 / (1 + numpy.exp(-logits))
    expected = -numpy.mean(numpy.sum(targets * numpy.log(p) + (1 - targets) * numpy.log(1 - p), axis=1))
    assert abs(float(function(logits, targets)) - expected) < 1e-12
    saturated = numpy.array([[800.0, -800.0]])
    assert float(function(saturated, numpy.array([[1.0, 0.0]]))) == 0.0
    assert abs(float(function(saturated, numpy.array([[0.0, 1.0]]))) - 1600.0) < 1e-9
