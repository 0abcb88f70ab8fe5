import functools
import math
import os
import signal
import warnings

import numpy
import pytest

from mlp import ConvergenceWarning, DivergenceError, FeedForwardNetwork, History
from tests.conftest import make_network

SEED_INPUTS = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.], [0., 0.], [0., 1.], [1., 0.], [1., 1.]])
SEED_TARGETS = numpy.array([[0., 1.], [1., 0.], [1., 0.], [0., 1.], [0., 1.], [1., 0.], [1., 0.], [0., 1.]])


def test_the_seeds_main_learns_xor():
    network = FeedForwardNetwork([2, 2, 2])
    network.initialize()
    network.train(SEED_INPUTS, SEED_TARGETS, alpha=0.01, epochs=1000000000000000, momentum=0.9)
    first = network.predict(numpy.array([[1., 0.]]))
    second = network.predict(numpy.array([[0., 0.]]))
    assert first.shape == (1, 2) and first[0, 0] > first[0, 1]
    assert second[0, 1] > second[0, 0]


@pytest.mark.parametrize("seed", range(30))
def test_xor_is_learned_for_every_seed_with_defaults(seed, xor_inputs, xor_labels):
    network = make_network([2, 2, 2], random_state=seed)
    history = network.train(xor_inputs, xor_labels)
    assert (network.classify(xor_inputs) == xor_labels).all()
    assert history.stopped == "target" and history.final_loss <= 0.01


def test_history_records_the_run(xor_network, xor_inputs, xor_labels):
    history = xor_network.train(xor_inputs, xor_labels)
    assert isinstance(history, History)
    assert history.epochs == len(history.loss) == len(history.total_loss) > 0
    assert all(total > loss for loss, total in zip(history.loss, history.total_loss))
    assert history.loss[-1] <= 0.01 < history.loss[0]
    assert history.attempts[-1]["stopped"] == "target"
    assert len(history.attempts) == history.restarts + 1


def test_train_prints_nothing_unless_verbose(xor_network, xor_inputs, xor_labels, capsys):
    xor_network.train(xor_inputs, xor_labels)
    assert capsys.readouterr().out == ""


def test_the_seeds_stopping_rule_ends_although_l2_stays_above_target(xor_inputs, xor_labels):
    network = make_network([2, 2, 2], random_state=1)
    history = network.train(xor_inputs, xor_labels, reg_lambda=0.0001, epochs=10**15)
    assert history.stopped == "target"
    assert history.total_loss[-1] > 0.01 >= history.loss[-1]


def test_one_hot_and_integer_labels_train_alike(xor_inputs, xor_labels):
    by_label = make_network([2, 3, 2], random_state=4)
    by_one_hot = make_network([2, 3, 2], random_state=4)
    by_label.train(xor_inputs, xor_labels, epochs=50, restarts=0)
    by_one_hot.train(xor_inputs, numpy.eye(2)[xor_labels], epochs=50, restarts=0)
    for a, b in zip(by_label.weights, by_one_hot.weights):
        numpy.testing.assert_array_equal(a, b)


def test_more_reg_lambda_gives_smaller_weights():
    rng = numpy.random.default_rng(0)
    inputs = rng.normal(size=(60, 4))
    labels = (inputs[:, 0] + inputs[:, 1] ** 2 > 0.5).astype(int)
    norms = []
    for reg_lambda in (0.0, 0.001, 0.01, 0.1):
        network = make_network([4, 6, 2], random_state=3)
        network.train(inputs, labels, reg_lambda=reg_lambda, epochs=2000, restarts=0, alpha=0.1)
        norms.append(sum(float((w**2).sum()) for w in network.weights))
    assert norms == sorted(norms, reverse=True)
    assert norms[-1] < 0.5 * norms[0]


def test_str_prints_every_weight_and_bias_as_the_seed(xor_network):
    text = str(xor_network)
    expected = "".join(f"{w}\n{b}\n" for w, b in zip(xor_network.weights, xor_network.bias))
    assert text == expected and text.count("\n") >= 4


def test_weights_are_copies(xor_network):
    weights = xor_network.weights
    weights[0][:] = 123.0
    assert not (xor_network.weights[0] == 123.0).any()


def test_an_uninitialized_network_has_no_weights():
    network = FeedForwardNetwork([2, 3, 2])
    assert network.weights == [] and network.bias == [] and str(network) == ""


def test_same_random_state_gives_the_same_training(xor_inputs, xor_labels):
    runs = []
    for _ in range(2):
        network = make_network([2, 2, 2], random_state=11)
        network.train(xor_inputs, xor_labels)
        runs.append(network.weights + network.bias)
    for a, b in zip(*runs):
        numpy.testing.assert_array_equal(a, b)


def test_a_stall_restarts_and_keeps_the_best_attempt(xor_inputs, xor_labels):
    # A tiny learning rate with a short patience makes every attempt a plateau.
    network = make_network([2, 2, 2], random_state=2)
    with pytest.warns(ConvergenceWarning, match="stalled|chance level"):
        history = network.train(xor_inputs, xor_labels, alpha=1e-6, patience=5, restarts=3)
    assert history.restarts == 3 and len(history.attempts) == 4
    assert history.stopped == "plateau"
    assert history.final_loss == min(attempt["loss"] for attempt in history.attempts)


def test_a_local_minimum_far_above_the_target_restarts(xor_inputs, xor_labels):
    # Seed 33's first attempt stalls with two rows of four undecided (about ln 2 / 2).
    network = make_network([2, 2, 2], random_state=33)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = network.train(xor_inputs, xor_labels)
    first, second = history.attempts
    assert first["stopped"] == "plateau" and abs(first["loss"] - math.log(2) / 2) < 0.01
    assert second["stopped"] == history.stopped == "target" and history.restarts == 1


def test_a_converged_plateau_just_above_the_target_is_not_a_stall(xor_inputs, xor_labels):
    # Seed 32 converges where the L2 term holds the cross-entropy at 0.0112, just above
    # target_cost=0.01: a fit, not a local minimum, so no restart and no warning.
    network = make_network([2, 2, 2], random_state=32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = network.train(xor_inputs, xor_labels)
    assert history.stopped == "plateau" and 0.01 < history.final_loss < 0.0125
    assert history.restarts == 0 and len(history.attempts) == 1
    assert (network.classify(xor_inputs) == xor_labels).all()


def test_a_stall_at_chance_level_is_named():
    # Labels that do not depend on the inputs: the best is the class frequencies, ln 2.
    inputs = numpy.zeros((8, 2))
    labels = numpy.array([0, 1] * 4)
    network = make_network([2, 3, 2], random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"chance level.*ln 2"):
        history = network.train(inputs, labels, restarts=1, patience=50)
    assert history.chance_level
    assert abs(history.final_loss - math.log(2)) < 0.01


def test_divergence_restores_finite_weights_and_says_so(xor_inputs, xor_labels):
    network = make_network([2, 8, 2], random_state=0)
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        network.train(xor_inputs, xor_labels, alpha=1e308, momentum=0.99)
    assert all(numpy.isfinite(w).all() for w in network.weights + network.bias)
    assert numpy.isfinite(network.predict(xor_inputs)).all()


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


def test_ctrl_c_stops_after_the_call_and_keeps_the_weights(xor_inputs, xor_labels, monkeypatch):
    network = make_network([2, 2, 2], random_state=0)

    def call_then_interrupt(call, arguments):
        result = call(*arguments)
        os.kill(os.getpid(), signal.SIGINT)
        return result

    wrappers = []
    wrap_calls(monkeypatch, network.backend,
               lambda call: wrappers.append(counted(call, call_then_interrupt, 3)) or wrappers[0])
    history = network.train(xor_inputs, xor_labels, epochs=10**6)
    steps = wrappers[0].steps
    assert history.stopped == "interrupted" and len(steps) == 3
    assert history.epochs == sum(steps) == len(history.loss)
    after = network.weights
    network.train(xor_inputs, xor_labels, epochs=10)
    assert numpy.isfinite(network.predict(xor_inputs)).all() and after[0].shape == (2, 2)


def test_a_keyboard_interrupt_inside_a_call_rolls_the_call_back(xor_inputs, xor_labels, monkeypatch):
    network = make_network([2, 2, 2], random_state=0)
    seen = {}

    def interrupted_midway(call, arguments):
        seen["before"] = network.weights + network.bias
        call(*arguments)  # the engine ran some updates, then Ctrl-C arrived
        raise KeyboardInterrupt

    wrappers = []
    wrap_calls(monkeypatch, network.backend,
               lambda call: wrappers.append(counted(call, interrupted_midway, 3)) or wrappers[0])
    history = network.train(xor_inputs, xor_labels, epochs=10**6)
    assert history.stopped == "interrupted"
    assert history.epochs == sum(wrappers[0].steps[:2])
    for before, now in zip(seen["before"], network.weights + network.bias):
        numpy.testing.assert_array_equal(before, now)


def test_warnings_are_quiet_when_training_succeeds(xor_network, xor_inputs, xor_labels):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xor_network.train(xor_inputs, xor_labels)


def test_full_batch_training_stops_at_the_first_epoch_that_meets_the_target(xor_inputs, xor_labels):
    # Many full-batch epochs run in one compiled call; none may run past the stop.
    network = make_network([2, 2, 2], random_state=3)
    history = network.train(xor_inputs, xor_labels, restarts=0)
    assert history.stopped == "target"
    assert history.loss[-1] <= 0.01 < min(history.loss[:-1])
    replay = make_network([2, 2, 2], random_state=3)
    replay.train(xor_inputs, xor_labels, restarts=0, epochs=history.epochs, target_cost=0.0)
    for a, b in zip(network.weights + network.bias, replay.weights + replay.bias):
        numpy.testing.assert_array_equal(a, b)


def test_a_plateau_stops_exactly_patience_epochs_after_the_last_progress(xor_inputs, xor_labels):
    network = make_network([2, 2, 2], random_state=2)
    with pytest.warns(ConvergenceWarning):
        history = network.train(xor_inputs, xor_labels, alpha=1e-6, patience=37, restarts=0)
    assert history.stopped == "plateau" and history.epochs == 38


def test_a_network_pickles_and_deep_copies_trained_or_not(xor_inputs, xor_labels):
    import copy
    import pickle

    untrained = FeedForwardNetwork([2, 3, 2], random_state=0)
    assert pickle.loads(pickle.dumps(untrained)).backend is None
    network = make_network([2, 3, 2], random_state=0)
    network.train(xor_inputs, xor_labels, epochs=50, restarts=0)
    for copied in (pickle.loads(pickle.dumps(network)), copy.deepcopy(network)):
        numpy.testing.assert_array_equal(copied.predict(xor_inputs), network.predict(xor_inputs))
        copied.train(xor_inputs, xor_labels, epochs=20, restarts=0)  # the copy trains on its own
        assert not numpy.array_equal(copied.weights[0], network.weights[0])
