import numpy
import pytest

from mlp import engine
from mlp.graph.builders import Placeholders
from mlp.graph.objectives import l2_penalty
from mlp.runtime.backend import NetworkBackend, verify_cost_reaches
from tests.conftest import hand_gradient, make_network


def sigmoid(values):
    return 1 / (1 + numpy.exp(-values))


def test_shared_shapes_follow_the_seed():
    network = make_network([4, 5, 3, 2], random_state=0)
    backend = network.backend
    assert isinstance(backend, NetworkBackend)
    assert [w.get_value().shape for w in backend.weights] == [(5, 4), (3, 5), (2, 3)]
    assert [b.get_value().shape for b in backend.bias] == [(5,), (3,), (2,)]
    assert [v.get_value().shape for v in backend.prev_rate] == [(5, 4), (3, 5), (2, 3), (5,), (3,), (2,)]
    assert all(not v.get_value().any() for v in backend.prev_rate)


def test_activate_is_the_forward_pass():
    network = make_network([3, 4, 2], random_state=1)
    inputs = numpy.random.default_rng(0).normal(size=(5, 3))
    weights, bias = network.weights, network.bias
    hidden = sigmoid(inputs @ weights[0].T + bias[0])
    logits = hidden @ weights[1].T + bias[1]
    expected = numpy.exp(logits) / numpy.exp(logits).sum(axis=1, keepdims=True)
    numpy.testing.assert_allclose(network.backend.activate(inputs), expected, rtol=1e-12)


def cost_at_current_parameters(backend, inputs, targets, reg_lambda):
    # alpha=0 and momentum=0 make the step leave every parameter as it was.
    return backend.backprop(inputs, targets, reg_lambda, 0.0, 0.0)


def graph_gradient(backend, inputs, targets, reg_lambda):
    # With alpha=1 and momentum=0 the stored rate is exactly the gradient.
    saved = backend.get_values()
    backend.backprop(inputs, targets, reg_lambda, 1.0, 0.0)
    gradient = [rate.get_value().copy() for rate in backend.prev_rate]
    backend.set_values(saved)
    return gradient


@pytest.mark.parametrize("activation, output", [("sigmoid", "softmax"), ("tanh", "softmax"),
                                                ("relu", "softmax"), ("identity", "softmax"),
                                                ("tanh", "sigmoid")])
def test_gradient_matches_finite_differences(activation, output):
    network = make_network([3, 5, 4, 3], activation=activation, random_state=3, output=output)
    rng = numpy.random.default_rng(4)
    inputs = rng.normal(size=(7, 3))
    if output == "softmax":
        targets = numpy.eye(3)[rng.integers(0, 3, size=7)]
    else:  # independent labels: any number of ones per row
        targets = rng.integers(0, 2, size=(7, 3)).astype(float)
    reg_lambda = 0.01
    backend = network.backend
    analytic = graph_gradient(backend, inputs, targets, reg_lambda)
    numeric = []
    step = 1e-6
    for parameter in backend.parameters:
        values = parameter.get_value()
        derivative = numpy.zeros_like(values)
        for index in numpy.ndindex(values.shape):
            shifted = values.copy()
            shifted[index] += step
            parameter.set_value(shifted)
            above = cost_at_current_parameters(backend, inputs, targets, reg_lambda)
            shifted[index] -= 2 * step
            parameter.set_value(shifted)
            below = cost_at_current_parameters(backend, inputs, targets, reg_lambda)
            derivative[index] = (above - below) / (2 * step)
        parameter.set_value(values)
        numeric.append(derivative)
    analytic_vector = numpy.concatenate([g.ravel() for g in analytic])
    numeric_vector = numpy.concatenate([g.ravel() for g in numeric])
    relative_error = numpy.linalg.norm(analytic_vector - numeric_vector) / numpy.linalg.norm(numeric_vector)
    assert relative_error < 1e-6


def test_two_momentum_steps_match_a_hand_computation(xor_inputs):
    network = make_network([2, 3, 2], random_state=5)
    targets = numpy.eye(2)[[0, 1, 1, 0]]
    alpha, momentum, reg_lambda = 0.3, 0.9, 0.001
    parameters = network.weights + network.bias
    velocity = [numpy.zeros_like(p) for p in parameters]
    for _ in range(2):
        gradient = hand_gradient(parameters[:2], parameters[2:], xor_inputs, targets, reg_lambda)
        velocity = [alpha * g + momentum * v for g, v in zip(gradient, velocity)]
        parameters = [p - v for p, v in zip(parameters, velocity)]
        network.backend.backprop(xor_inputs, targets, reg_lambda, alpha, momentum)
    for expected, actual in zip(parameters, network.weights + network.bias):
        numpy.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14)
    for expected, actual in zip(velocity, network.backend.prev_rate):
        numpy.testing.assert_allclose(actual.get_value(), expected, rtol=1e-12, atol=1e-14)


def test_backprop_returns_crossentropy_plus_l2(xor_inputs):
    network = make_network([2, 3, 2], random_state=6)
    targets = numpy.eye(2)[[0, 1, 1, 0]]
    probabilities = network.predict(xor_inputs)
    crossentropy = -numpy.mean(numpy.sum(targets * numpy.log(probabilities), axis=1))
    penalty = sum((p**2).sum() for p in network.weights + network.bias)
    cost = network.backend.backprop(xor_inputs, targets, 0.01, 0.1, 0.9)
    assert abs(cost - (crossentropy + 0.01 * penalty)) < 1e-12


def test_the_seeds_broken_graph_is_refused():
    # The seed's graph: the cross-entropy of a prediction passed in from outside,
    # plus the L2 term of the weights. Only the L2 term reaches the weights.
    tensor = engine.tensor
    prediction = tensor.matrix("prediction", dtype="float64")
    output = tensor.matrix("output", dtype="float64")
    data_cost = -tensor.mean(tensor.sum(output * tensor.log(prediction), axis=1))
    parameters = Placeholders(2, "float64").parameters
    cost = data_cost + 0.0001 * l2_penalty(parameters)
    assert all(p in set(engine.ancestors([cost])) for p in parameters)
    with pytest.raises(ValueError, match=r"`weights\[0\]`.*L2 penalty alone"):
        verify_cost_reaches(data_cost, parameters)


def test_a_cost_missing_one_parameter_names_it():
    placeholders = Placeholders(2, "float64")
    inputs = placeholders.inputs
    partial = engine.tensor.sum(engine.tensor.dot(inputs, placeholders.weights[0].T)
                                + placeholders.bias[0])
    with pytest.raises(ValueError, match=r"`weights\[1\]`"):
        verify_cost_reaches(partial, placeholders.parameters)


def test_networks_of_one_architecture_share_compiled_code_not_weights(xor_inputs):
    first = make_network([2, 3, 2], random_state=1)
    second = make_network([2, 3, 2], random_state=2)
    before = second.weights
    first.backend.backprop(xor_inputs, numpy.eye(2)[[0, 1, 1, 0]], 0.0, 1.0, 0.0)
    for old, new in zip(before, second.weights):
        numpy.testing.assert_array_equal(old, new)
    assert not numpy.allclose(first.predict(xor_inputs), second.predict(xor_inputs))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batched, sizes", [(False, [3, 5, 2]), (True, [3, 5, 2]),
                                            (True, [3, 370, 370, 2])])
def test_each_steps_full_cost_has_the_penalty_of_the_parameters_before_it(dtype, batched, sizes):
    # Seven steps in one call (full-batch calls run four steps a loop iteration, then
    # the rest; minibatch calls of a network with a 370 x 370 weight matrix run two,
    # then the rest) against seven calls of one step each.
    network = make_network(sizes, random_state=0, dtype=dtype)
    generator = numpy.random.default_rng(0)
    inputs = generator.normal(size=(10, 3)).astype(dtype)
    targets = numpy.eye(2, dtype=dtype)[generator.integers(0, 2, 10)]
    backend = network.backend
    backend.set_data(inputs, targets)
    start = backend.get_values()
    # Minibatches of four rows, a different draw at each step.
    plan = generator.integers(0, 10, size=(7, 4)).astype(numpy.int32) if batched else 7
    reg_lambda, expected = 0.3, []
    for index in range(7):
        single_step = plan[index:index + 1] if batched else 1
        penalty = sum(float((numpy.asarray(parameter.value, dtype=float) ** 2).sum())
                      for parameter in backend.parameters)
        data_costs, costs, _ = backend.train_steps("momentum", single_step, reg_lambda, 0.1,
                                                   0.9)
        # A float32 sum of the 137,000 squares of the 370-unit network is good to about
        # sqrt(n) * 2^-24 = 2e-5; the penalty of the parameters after the step differs
        # from the one before by 10-80% here, far beyond either tolerance.
        assert costs[0] == pytest.approx(data_costs[0] + reg_lambda * penalty,
                                         rel=1e-4 if dtype == "float32" else 1e-12)
        expected.append(costs[0])
    backend.set_values(start)
    _, costs, _ = backend.train_steps("momentum", plan, reg_lambda, 0.1, 0.9)
    numpy.testing.assert_allclose(costs, expected, rtol=1e-6 if dtype == "float32" else 1e-13)


def test_without_an_l2_term_the_program_without_the_penalty_trains_the_same(xor_inputs):
    # reg_lambda=0 selects a program that never computes the penalty and whose
    # gradient is the data term's alone; it must make the same steps (to rounding: the
    # two programs differ, and XLA fuses and orders their arithmetic differently), and
    # report the data term as the full cost.
    network = make_network([2, 3, 2], random_state=0)
    backend = network.backend
    backend.set_data(xor_inputs, numpy.eye(2)[[0, 1, 1, 0]])
    start = backend.get_values()
    data_costs, costs, _ = backend.train_steps("momentum", 9, 0.0, 0.5, 0.9)
    unpenalized = backend.get_values()
    numpy.testing.assert_array_equal(costs, data_costs)
    backend.set_values(start)
    program = backend._training_program("momentum", False, False, penalized=True)
    assert program is not backend._training_program("momentum", False, False, penalized=False)
    hyper = backend._hyper((0.0, 0.5, 0.9, 0.9, 0.999, 1e-8))
    carried = [variable.value
               for variable in backend.parameters + backend._optimizer_state("momentum")]
    values, penalized_costs, _ = program(carried, backend.data, None, numpy.int64(9), hyper, None,
                                         None)
    numpy.testing.assert_allclose(numpy.asarray(penalized_costs)[:9, 1], costs, rtol=1e-13)
    for value, expected in zip(values, unpenalized):
        numpy.testing.assert_allclose(numpy.asarray(value), numpy.asarray(expected), rtol=1e-13)


@pytest.mark.skipif(engine.jax is None, reason="the compiled loops are JAX's")
def test_minibatch_steps_run_in_pairs_where_that_was_measured_faster():
    from mlp.runtime.loops import _pairs_pay

    def weights(sizes, dtype):
        return [numpy.zeros((n_out, n_in), dtype) for n_in, n_out in zip(sizes, sizes[1:])]

    assert _pairs_pay(weights([256, 512, 512, 10], "float32"))
    assert _pairs_pay(weights([64, 512, 512, 10], "float64"))
    # 256 x 256: single steps ran as fast or faster and compile a third faster.
    assert not _pairs_pay(weights([64, 256, 256, 10], "float64"))
    assert not _pairs_pay(weights([64, 100, 10], "float32"))
    assert not _pairs_pay(weights([64, 256, 10], "float64"))
    assert not _pairs_pay(weights([64, 10], "float64"))


def _count_primitive(jaxpr, name):
    """Uses of the primitive ``name`` in ``jaxpr`` and in every jaxpr nested in it."""
    count = 0
    for equation in jaxpr.eqns:
        count += equation.primitive.name == name
        for value in equation.params.values():
            for inner in value if isinstance(value, (tuple, list)) else (value,):
                inner = getattr(inner, "jaxpr", inner)
                if hasattr(inner, "eqns"):
                    count += _count_primitive(inner, name)
    return count


@pytest.mark.skipif(engine.jax is None, reason="the compiled loops are JAX's")
@pytest.mark.parametrize("sizes, paired", [([3, 5, 2], False), ([3, 370, 370, 2], True)])
def test_a_minibatch_call_runs_two_steps_an_iteration_when_that_pays(sizes, paired):
    network = make_network(sizes, random_state=0)
    backend = network.backend
    backend.set_data(numpy.zeros((10, 3)), numpy.eye(2)[numpy.arange(10) % 2])
    program = backend._training_program("momentum", True, False)
    run = program.build(program.layers, Placeholders(len(sizes) - 1, backend.dtype))
    carried = [variable.value
               for variable in backend.parameters + backend._optimizer_state("momentum")]
    plan = numpy.zeros((7, 4), dtype=numpy.int32)
    hyper = backend._hyper((0.0, 0.5, 0.9, 0.9, 0.999, 1e-8))
    with engine.scope():
        jaxpr = engine.jax.make_jaxpr(run)(carried, backend.data, plan, numpy.int64(7), hyper).jaxpr
    loops = [equation for equation in jaxpr.eqns if equation.primitive.name == "while"]
    products = [_count_primitive(loop.params["body_jaxpr"].jaxpr, "dot_general") for loop in loops]
    # A step makes one product a layer forward, one weight gradient a layer and one
    # delta a layer past the first.
    step_products = 3 * (len(sizes) - 1) - 1
    # Paired, one loop of two steps (the second skipped past an odd count), no loop of
    # its own for the odd step: two copies of the step to compile, not three.
    assert products == ([2 * step_products] if paired else [step_products])


@pytest.mark.skipif(engine.jax is None, reason="Theano draws a call's masks from a stream of its own")
@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_paired_steps_with_dropout_make_the_steps_of_single_ones(optimizer):
    # Seven steps in one call (four pairs, the last one's second step skipped) against
    # seven calls of one step: the same masks (the key advances a step at a time) and
    # the same updates.
    network = make_network([3, 370, 370, 2], random_state=0, activation="relu", dropout=0.3)
    backend = network.backend
    generator = numpy.random.default_rng(0)
    backend.set_data(generator.normal(size=(10, 3)), numpy.eye(2)[generator.integers(0, 2, 10)])
    plan = generator.integers(0, 10, size=(7, 4)).astype(numpy.int32)
    start = backend.get_values()
    single = [backend.train_steps(optimizer, plan[index:index + 1], 0.01, 0.1, 0.9)[0][0]
              for index in range(7)]
    after_single = backend.get_values()
    backend.set_values(start)
    together, _, _ = backend.train_steps(optimizer, plan, 0.01, 0.1, 0.9)
    numpy.testing.assert_allclose(together, single, rtol=1e-12)
    for value, expected in zip(backend.get_values(), after_single):
        numpy.testing.assert_allclose(numpy.asarray(value), numpy.asarray(expected), rtol=1e-10,
                                      atol=1e-14)
