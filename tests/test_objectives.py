import numpy

from mlp import engine
from mlp.graph.objectives import categorical_crossentropy, l2_penalty


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
    from mlp.graph.objectives import binary_crossentropy

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


# ------------------------------------------------------------------- squared error
def squared_error_function(weighted):
    from mlp.graph.objectives import squared_error

    outputs = engine.tensor.matrix(dtype="float64")
    targets = engine.tensor.matrix(dtype="float64")
    if not weighted:
        return engine.function([outputs, targets], squared_error(outputs, targets))
    weights = engine.tensor.vector(dtype="float64")
    return engine.function([outputs, targets, weights], squared_error(outputs, targets, weights))


def test_squared_error_matches_numpy_and_scikit_learn():
    from sklearn.neural_network._base import squared_loss

    rng = numpy.random.default_rng(2)
    outputs, targets = rng.normal(size=(9, 3)), rng.normal(size=(9, 3))
    weights = rng.uniform(0, 2, size=9)
    unweighted = float(squared_error_function(False)(outputs, targets))
    weighted = float(squared_error_function(True)(outputs, targets, weights))
    assert abs(unweighted - 0.5 * numpy.mean((targets - outputs) ** 2)) < 1e-12
    expected = 0.5 * numpy.average((targets - outputs) ** 2, weights=weights, axis=0).mean()
    assert abs(weighted - expected) < 1e-12
    assert abs(unweighted - squared_loss(targets, outputs)) < 1e-12
    assert abs(weighted - squared_loss(targets, outputs, sample_weight=weights)) < 1e-12
    # Integer weights count a row as often as it is repeated.
    counts = numpy.array([1, 2, 0, 1, 3, 1, 1, 2, 1])
    repeated = float(squared_error_function(False)(numpy.repeat(outputs, counts, axis=0),
                                                   numpy.repeat(targets, counts, axis=0)))
    assert abs(float(squared_error_function(True)(outputs, targets, counts.astype(float)))
               - repeated) < 1e-12


def test_squared_error_gradient_matches_central_differences():
    from mlp.graph.objectives import squared_error

    outputs = engine.tensor.matrix(dtype="float64")
    targets = engine.tensor.matrix(dtype="float64")
    weights = engine.tensor.vector(dtype="float64")
    cost = squared_error(outputs, targets, weights)
    gradient = engine.function([outputs, targets, weights], engine.grad(cost, outputs))
    value = engine.function([outputs, targets, weights], cost)
    rng = numpy.random.default_rng(3)
    at, goal, row_weights = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)), rng.uniform(0, 1, 5)
    step = 1e-5
    numeric = numpy.zeros_like(at)
    for index in numpy.ndindex(at.shape):
        above, below = at.copy(), at.copy()
        above[index] += step
        below[index] -= step
        numeric[index] = (float(value(above, goal, row_weights))
                          - float(value(below, goal, row_weights))) / (2 * step)
    analytic = numpy.asarray(gradient(at, goal, row_weights))
    numpy.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-10)
    # The closed form: w_i (prediction - target) / (sum(w) * n_outputs).
    closed = row_weights[:, None] * (at - goal) / (row_weights.sum() * at.shape[1])
    numpy.testing.assert_allclose(analytic, closed, rtol=1e-12)


def test_a_regression_networks_gradient_matches_central_differences():
    from tests.conftest import make_network

    network = make_network([3, 5, 2], activation="tanh", output="identity", random_state=3)
    backend = network.backend
    rng = numpy.random.default_rng(5)
    inputs, targets = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    backend.set_data(inputs, targets, rng.uniform(0.5, 2.0, size=8))
    flat = backend.flat_parameters()
    reg_lambda, step = 0.01, 1e-6
    _, _, analytic = backend.objective(flat, reg_lambda)
    numeric = numpy.zeros_like(flat)
    for index in range(flat.size):
        above, below = flat.copy(), flat.copy()
        above[index] += step
        below[index] -= step
        numeric[index] = (backend.objective(above, reg_lambda)[1]
                          - backend.objective(below, reg_lambda)[1]) / (2 * step)
    backend.clear_data()
    relative_error = numpy.linalg.norm(analytic - numeric) / numpy.linalg.norm(numeric)
    assert relative_error < 1e-6
