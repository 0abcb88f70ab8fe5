"""The state rule of both front ends (mlp.training.rollback): a ``train``, ``fit`` or
``partial_fit`` that raises leaves the model exactly as it was; Ctrl-C and a
divergence keep their own documented rules."""

import copy
import warnings

import numpy
import pytest
from sklearn.exceptions import ConvergenceWarning

from mlp import DivergenceError, MLPClassifier, MLPRegressor
from mlp.training.rollback import unchanged_on_error
from tests.conftest import counted, make_network, wrap_calls


class UserCodeError(Exception):
    """What the user's code raises here."""


def same(a, b):
    """Bitwise equality of nested arrays, lists, tuples, dicts and scalars."""
    if isinstance(a, numpy.ndarray) or isinstance(b, numpy.ndarray):
        a, b = numpy.asarray(a), numpy.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and numpy.isnan(a):
        return numpy.isnan(b)
    return type(a) is type(b) and a == b


def network_state(network):
    """Every value the backend holds (weights, biases, optimiser state, dropout key) and
    the generator's state, as copies."""
    return ([numpy.array(value) for value in network.backend.get_values()],
            copy.deepcopy(network.generator.bit_generator.state))


def raise_at(call_to_fail, error=UserCodeError):
    """A callback that raises at its ``call_to_fail``-th call (epochs of all attempts)."""
    calls = []

    def callback(epoch, logs):
        calls.append(epoch)
        if len(calls) == call_to_fail:
            raise error("from the callback")
    return callback


def fail_after_the_call(call, arguments):
    call(*arguments)  # the updates ran, then the failure: the worst case
    raise MemoryError("injected")


@pytest.fixture
def trained(iris):
    """A network with momentum state, dropout and a generator that have all moved."""
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 8, 3], random_state=0, dropout=0.2)
    network.train(X_train, y_train, alpha=0.05, epochs=3, batch_size=16, optimizer="adam",
                  validation_data=(X_test, y_test))
    return network


def test_the_rule_puts_back_values_and_generator_but_not_what_it_is_told_to_leave(trained):
    before = network_state(trained)
    with pytest.raises(UserCodeError):
        with unchanged_on_error(trained.backend, trained.generator):
            trained.backend.reinitialize(trained.generator)
            raise UserCodeError
    assert same(network_state(trained), before)
    with pytest.raises(UserCodeError):
        with unchanged_on_error(trained.backend, trained.generator, unless=UserCodeError):
            trained.backend.reinitialize(trained.generator)
            raise UserCodeError
    assert not same(network_state(trained), before)


@pytest.mark.parametrize("error", [UserCodeError, MemoryError, KeyboardInterrupt])
@pytest.mark.parametrize("validation", [True, False])
def test_a_callback_that_raises_mid_training_leaves_the_network_as_it_was(trained, iris, error,
                                                                          validation):
    X_train, X_test, y_train, y_test = iris
    before = network_state(trained)
    extra = dict(validation_data=(X_test, y_test)) if validation else {}
    # A KeyboardInterrupt raised by the user's own code is an error, not Ctrl-C's flag.
    with pytest.raises(error, match="from the callback"):
        trained.train(X_train, y_train, alpha=0.05, epochs=10, batch_size=16, optimizer="adam",
                      keep_optimizer_state=True, callback=raise_at(3, error), **extra)
    assert same(network_state(trained), before)
    assert trained.backend.data is None


def test_a_memory_error_between_compiled_calls_leaves_the_network_as_it_was(trained, iris,
                                                                            monkeypatch):
    X_train, X_test, y_train, y_test = iris
    before = network_state(trained)
    predictions = trained.predict(X_test)
    wrap_calls(monkeypatch, trained.backend, lambda call: counted(call, fail_after_the_call, 3))
    with pytest.raises(MemoryError, match="injected"):
        trained.train(X_train, y_train, alpha=0.05, epochs=10, batch_size=16, optimizer="adam",
                      validation_data=(X_test, y_test))
    monkeypatch.undo()
    assert same(network_state(trained), before)
    numpy.testing.assert_array_equal(trained.predict(X_test), predictions)
    # And it trains on as if nothing had happened.
    alone = make_network([4, 8, 3], random_state=0, dropout=0.2)
    for network in (alone, trained):
        if network is alone:
            network.train(X_train, y_train, alpha=0.05, epochs=3, batch_size=16, optimizer="adam",
                          validation_data=(X_test, y_test))
        network.train(X_train, y_train, alpha=0.05, epochs=2, batch_size=16, optimizer="adam",
                      validation_data=(X_test, y_test))
    assert same(network_state(trained), network_state(alone))


def test_a_failed_lbfgs_evaluation_leaves_the_network_as_it_was(iris, monkeypatch):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=0)
    network.train(X_train, y_train, optimizer="lbfgs", epochs=5)
    before = network_state(network)
    objective, calls = network.backend.objective, []

    def failing(*arguments):
        calls.append(None)
        if len(calls) == 6:
            raise MemoryError("injected")
        return objective(*arguments)

    monkeypatch.setattr(network.backend, "objective", failing)
    with pytest.raises(MemoryError, match="injected"):
        network.train(X_train, y_train, optimizer="lbfgs", epochs=50)
    assert same(network_state(network), before)


def test_a_restart_that_fails_puts_back_the_first_weights_and_generator(xor_inputs, xor_labels):
    # Restarts draw new weights from the generator: both go back.
    network = make_network([2, 2, 2], random_state=2)
    before = network_state(network)
    callback = raise_at(20)
    with pytest.raises(UserCodeError):
        network.train(xor_inputs, xor_labels, alpha=1e-6, patience=5, epochs=100, restarts=5,
                      tol=0.5, callback=callback)
    assert same(network_state(network), before)


def test_a_divergence_keeps_the_last_finite_weights_as_documented(trained, iris, monkeypatch):
    # Not a roll back to the start: the weights of the last call that stayed finite.
    X_train, X_test, y_train, y_test = iris
    start, generator_state = trained.backend.get_values(), network_state(trained)[1]

    def diverge(call, arguments):
        data_costs, costs, _ = call(*arguments)
        return data_costs, costs * numpy.nan, False

    wrap_calls(monkeypatch, trained.backend, lambda call: counted(call, diverge, 3))
    with pytest.raises(DivergenceError):
        trained.train(X_train, y_train, alpha=0.05, epochs=10, batch_size=16, optimizer="adam",
                      keep_optimizer_state=True, validation_data=(X_test, y_test))
    monkeypatch.undo()
    values, _ = network_state(trained)
    assert all(numpy.isfinite(value).all() for value in values)
    assert not same(values, [numpy.array(value) for value in start])
    # The weights of the two calls that ran (one epoch each, with validation data).
    twice = make_network([4, 8, 3], random_state=0, dropout=0.2)
    twice.backend.set_values(start)
    twice.generator.bit_generator.state = generator_state
    twice.train(X_train, y_train, alpha=0.05, epochs=2, batch_size=16, optimizer="adam",
                keep_optimizer_state=True, validation_data=(X_test, y_test))
    assert same(values, network_state(twice)[0])


# ------------------------------------------------------------------- estimators
def estimator_state(estimator):
    """The estimator's attributes (deep copies; the network by identity), its network's
    values and generator."""
    attributes = {name: copy.deepcopy(value) for name, value in vars(estimator).items()
                  if name != "_network"}
    network = estimator._network
    return attributes, network, network_state(network)


def assert_unchanged(estimator, before, X, predictions):
    attributes, network, state = before
    after = {name: value for name, value in vars(estimator).items() if name != "_network"}
    assert same(after, attributes)
    assert estimator._network is network and same(network_state(network), state)
    numpy.testing.assert_array_equal(estimator.predict(X), predictions)


def quiet(method, *arguments, **keywords):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return method(*arguments, **keywords)


@pytest.fixture
def fitted(iris):
    X_train, _, y_train, _ = iris
    classifier = MLPClassifier((8,), batch_size=16, max_iter=3, random_state=0, dropout=0.1,
                               early_stopping=True, warm_start=True)
    return quiet(classifier.fit, X_train, y_train)


def test_a_warm_start_fit_that_fails_between_calls_leaves_the_estimator_as_it_was(fitted, iris,
                                                                                 monkeypatch):
    X_train, X_test, y_train, _ = iris
    before, predictions = estimator_state(fitted), fitted.predict(X_test)
    # Early stopping makes one epoch a call: the third fails after its updates.
    wrap_calls(monkeypatch, fitted._network.backend,
               lambda call: counted(call, fail_after_the_call, 3))
    with pytest.raises(MemoryError, match="injected"):
        quiet(fitted.fit, X_train, y_train)
    monkeypatch.undo()
    assert_unchanged(fitted, before, X_test, predictions)


def test_a_scorer_that_raises_mid_fit_leaves_the_estimator_as_it_was(fitted, iris):
    X_train, X_test, y_train, _ = iris
    before, predictions = estimator_state(fitted), fitted.predict(X_test)
    calls = []

    def scorer(estimator, X, y):
        calls.append(None)
        if len(calls) == 3:
            raise UserCodeError("from the scorer")
        return float((estimator.predict(X) == y).mean())

    with pytest.raises(UserCodeError, match="from the scorer"):
        quiet(fitted.set_params(scoring=scorer).fit, X_train, y_train)
    fitted.set_params(scoring=None)
    assert_unchanged(fitted, before, X_test, predictions)


def test_a_divergence_of_a_warm_start_leaves_the_estimator_as_it_was(fitted, iris, monkeypatch):
    # The estimators' documented rule: a fit that raises, a DivergenceError too, changes nothing.
    X_train, X_test, y_train, _ = iris
    before, predictions = estimator_state(fitted), fitted.predict(X_test)

    def diverge(call, arguments):
        data_costs, costs, _ = call(*arguments)
        return data_costs, costs * numpy.nan, False

    # In the first call (the first epoch): with early stopping, a later divergence keeps
    # the best epoch's weights instead, as scikit-learn's (tests/test_drop_in_fidelity.py).
    wrap_calls(monkeypatch, fitted._network.backend, lambda call: counted(call, diverge, 1))
    with pytest.raises(DivergenceError):
        quiet(fitted.fit, X_train, y_train)
    monkeypatch.undo()
    assert_unchanged(fitted, before, X_test, predictions)


def test_a_warning_turned_error_after_training_leaves_the_estimator_as_it_was(fitted, iris):
    X_train, X_test, y_train, _ = iris
    before, predictions = estimator_state(fitted), fitted.predict(X_test)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            fitted.set_params(early_stopping=False).fit(X_train, y_train)
    fitted.set_params(early_stopping=True)
    assert_unchanged(fitted, before, X_test, predictions)


@pytest.mark.parametrize("failure", ["memory", "callback"])
def test_a_partial_fit_that_fails_leaves_the_regressor_as_it_was(diabetes_split, monkeypatch,
                                                                failure):
    X_train, X_test, y_train, _ = diabetes_split
    regressor = MLPRegressor(hidden_layer_sizes=(10,), batch_size=50, random_state=0, shuffle=True)
    for _ in range(2):
        regressor.partial_fit(X_train, y_train)
    before, predictions = estimator_state(regressor), regressor.predict(X_test)
    backend = regressor._network.backend
    if failure == "memory":
        wrap_calls(monkeypatch, backend, lambda call: counted(call, fail_after_the_call, 1))
    else:
        from mlp.training.progress import Progress

        def update(self, record, steps=1):
            raise UserCodeError("from the callback")

        monkeypatch.setattr(Progress, "update", update)
    with pytest.raises((MemoryError, UserCodeError)):
        regressor.partial_fit(X_train, y_train)
    monkeypatch.undo()
    assert_unchanged(regressor, before, X_test, predictions)
    # The next partial_fit continues as if the failed one had never run.
    regressor.partial_fit(X_train, y_train)
    alone = MLPRegressor(hidden_layer_sizes=(10,), batch_size=50, random_state=0, shuffle=True)
    for _ in range(3):
        alone.partial_fit(X_train, y_train)
    assert same(regressor.coefs_, alone.coefs_) and regressor.loss_curve_ == alone.loss_curve_


@pytest.fixture(scope="module")
def diabetes_split():
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, (y - y.mean()) / y.std(), test_size=0.3, random_state=0)
