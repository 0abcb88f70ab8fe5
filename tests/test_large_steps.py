"""Large training steps compile for PyTensor's C backend linked to OpenBLAS; small ones for
Numba. Both backends must compute the same training step."""

import numpy
import pytest

from mlp import engine
from mlp.backend import LARGE_NETWORK_WEIGHTS, LARGE_STEP_MULTIPLY_ADDS, NetworkBackend
from tests.conftest import make_network

needs_c_backend = pytest.mark.skipif(
    engine.large_graph_mode is None,
    reason="no C backend linked to OpenBLAS here (Theano, or scipy-openblas32 is not installed)")

# 64 * 400 + 400 * 10 = 29,600 weights: a step of 512 rows is 15.2M multiply-adds.
ARCHITECTURE = [64, 400, 10]
ROWS = 512
HYPER = (1e-3, 0.05, 0.9, 0.9, 0.999, 1e-8)  # reg_lambda, learning rate, momentum, Adam's


def data(n_steps=3):
    generator = numpy.random.default_rng(0)
    inputs = generator.normal(size=(n_steps * ROWS, ARCHITECTURE[0]))
    targets = numpy.eye(ARCHITECTURE[-1])[generator.integers(0, ARCHITECTURE[-1], n_steps * ROWS)]
    plan = generator.permutation(n_steps * ROWS).reshape(n_steps, ROWS)
    return inputs, targets, plan


def network_with_data(inputs, targets):
    network = make_network(ARCHITECTURE, activation="relu", random_state=0)
    network.backend.set_data(inputs, targets)
    return network


def test_the_size_of_a_step_picks_the_backend():
    backend = make_network(ARCHITECTURE, random_state=0).backend
    assert ROWS * 29_600 >= LARGE_STEP_MULTIPLY_ADDS > 32 * 29_600
    assert 29_600 < LARGE_NETWORK_WEIGHTS
    assert backend.is_large(ROWS) == (engine.large_graph_mode is not None)
    assert not backend.is_large(32)
    # 784 * 64 + 64 * 10 = 50,816 weights: every step is large, even of one row.
    wide = make_network([784, 64, 10], random_state=0).backend
    assert 50_816 >= LARGE_NETWORK_WEIGHTS
    assert wide.is_large(1) == (engine.large_graph_mode is not None)


@needs_c_backend
def test_a_large_step_runs_on_the_c_backend_and_equals_the_numba_step(monkeypatch):
    builds = []
    build_step = NetworkBackend._build_step
    monkeypatch.setattr(NetworkBackend, "_build_step",
                        lambda self, *arguments: builds.append(arguments) or build_step(self, *arguments))
    inputs, targets, plan = data()
    on_c, on_numba, copied = (network_with_data(inputs, targets) for _ in range(3))
    c_costs = on_c.backend.train_steps("momentum", plan, *HYPER)
    assert set(on_c.backend._steps) == {("step:momentum", True)}  # no scan was built
    numba_step = on_numba.backend.step_function("momentum", large=False)
    numba_costs = numpy.array([numba_step(indices, *HYPER) for indices in plan], dtype=float).T
    # The third network copies the first one's compiled C step onto its own weights.
    copied_costs = copied.backend.train_steps("momentum", plan, *HYPER)
    assert set(copied.backend._steps) == {("step:momentum", True)}
    assert len(builds) <= 2  # the C step at most once (and the Numba step, if not cached)

    c_function = on_c.backend._steps[("step:momentum", True)]
    assert type(c_function.maker.linker).__name__ == "VMLinker"
    assert type(numba_step.maker.linker).__name__ == "NumbaLinker"
    assert "-lscipy_openblas" in engine.config.blas__ldflags
    numpy.testing.assert_allclose(c_costs, numba_costs, rtol=1e-10)
    numpy.testing.assert_allclose(copied_costs, numba_costs, rtol=1e-10)
    assert c_costs[0][-1] < c_costs[0][0]  # it trains
    for network in (on_c, copied):
        for ours, theirs in zip(network.backend.get_values(), on_numba.backend.get_values()):
            numpy.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@needs_c_backend
def test_lbfgs_on_a_large_data_set_uses_the_c_objective_and_equals_numba():
    inputs, targets, _ = data()
    backend = network_with_data(inputs, targets).backend
    indices = numpy.arange(inputs.shape[0])
    assert backend.is_large(indices.size)
    flat = backend.flat_parameters()
    on_c = backend.objective(flat, indices, 1e-3)
    assert set(backend._objectives) == {True}
    numba_objective = backend._objective_function(large=False)
    data_cost, cost, gradient = numba_objective(flat, indices, 1e-3)
    assert type(backend._objective_function(large=True).maker.linker).__name__ == "VMLinker"
    numpy.testing.assert_allclose(on_c[:2], [data_cost, cost], rtol=1e-10)
    numpy.testing.assert_allclose(on_c[2], gradient, rtol=1e-8, atol=1e-12)


def test_training_with_large_steps_learns():
    generator = numpy.random.default_rng(1)
    inputs = generator.normal(size=(2 * ROWS, ARCHITECTURE[0]))
    labels = (inputs[:, 0] + inputs[:, 1] > 0).astype(int)
    network = make_network([ARCHITECTURE[0], 400, 2], activation="relu", random_state=0)
    history = network.train(inputs, labels, alpha=0.1, epochs=30, batch_size=ROWS, restarts=0,
                            target_cost=0.0)
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert numpy.mean(network.classify(inputs) == labels) > 0.95
    large = engine.large_graph_mode is not None
    assert ("step:momentum", large) in network.backend._steps
    assert (("epoch:momentum", False) in network.backend._steps) == (not large and engine.scan is not None)


def test_prepare_compiles_what_train_will_call():
    inputs, targets, _ = data()
    small = make_network(ARCHITECTURE, activation="relu", random_state=0)
    small.backend.prepare("momentum")  # no data yet and no batch size: a small step
    large_network = network_with_data(inputs, targets)
    large_network.backend.prepare("momentum")  # every row per step: 1,536 rows
    large = engine.large_graph_mode is not None
    assert ("step:momentum", True) not in small.backend._steps
    assert (("step:momentum", True) in large_network.backend._steps) == large
