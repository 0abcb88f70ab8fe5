import math
import os
import signal
import warnings

import numpy
import pytest

from mlp import ConvergenceWarning, DivergenceError, FeedForwardNetwork, History
from tests.conftest import counted, make_network, wrap_calls

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


# ------------------------------------------------------------------------ regression
def diabetes_split():
    """Diabetes, a quarter held out; inputs scaled, targets standardised on the
    training rows (scikit-learn's MLP has no target scaling either)."""
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(X_train)
    mean, deviation = y_train.mean(), y_train.std()
    return (scaler.transform(X_train), scaler.transform(X_test),
            (y_train - mean) / deviation, (y_test - mean) / deviation)


def r2(targets, predictions):
    from sklearn.metrics import r2_score

    return r2_score(targets, predictions)


# The same network and settings in both libraries. scikit-learn's L2 term is
# alpha / (2 * rows of the batch) times the squared weights (biases not penalised).
# The two differ only in their initial weights (different random generators): over
# seeds 0 to 4, each library's test R^2 spread by at most 0.043 (L-BFGS: ours 0.341 to
# 0.357, scikit-learn's 0.327 to 0.359; Adam: 0.326 to 0.353 and 0.350 to 0.369), so
# a gap above 0.05 means the loss, its gradient or the L2 term differs.
SETTINGS = {
    "lbfgs": ({"solver": "lbfgs", "alpha": 10.0, "max_iter": 200},
              {"optimizer": "lbfgs", "epochs": 200, "reg_lambda": 10.0 / (2 * 331)}),
    "adam": ({"solver": "adam", "alpha": 1.0, "learning_rate_init": 0.01, "batch_size": 32,
              "max_iter": 100},
             {"optimizer": "adam", "alpha": 0.01, "batch_size": 32, "epochs": 100,
              "reg_lambda": 1.0 / (2 * 32), "tol_rule": "absolute", "patience": 11}),
}


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_regression_on_diabetes_matches_scikit_learns_mlp_regressor(solver):
    from sklearn.neural_network import MLPRegressor

    X_train, X_test, y_train, y_test = diabetes_split()
    theirs, ours = SETTINGS[solver]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = MLPRegressor(hidden_layer_sizes=(20,), activation="relu", random_state=0,
                                 **theirs).fit(X_train, y_train)
    network = make_network([10, 20, 1], activation="relu", output="identity", random_state=0,
                           regularize_bias=False)
    history = network.train(X_train, y_train, **ours)
    predictions = network.predict(X_test)
    assert predictions.shape == (len(X_test), 1)
    ours_r2, theirs_r2 = r2(y_test, predictions[:, 0]), r2(y_test, reference.predict(X_test))
    assert ours_r2 > 0.3 and abs(ours_r2 - theirs_r2) < 0.05
    # The recorded loss is scikit-learn's squared_loss of the training predictions.
    from sklearn.neural_network._base import squared_loss

    if solver == "lbfgs":
        assert history.final_loss == pytest.approx(
            squared_loss(y_train[:, None], network.predict(X_train)), rel=1e-6)


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "adam", "lbfgs"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_optimizer_fits_a_regression(optimizer, dtype):
    X_train, _, y_train, _ = diabetes_split()
    network = make_network([10, 16, 1], activation="tanh", output="identity", random_state=1,
                           dtype=dtype)
    alpha = {"adam": 0.01, "lbfgs": None}.get(optimizer, 0.01)
    batch_size = None if optimizer == "lbfgs" else 64
    history = network.train(X_train, y_train, alpha=alpha, optimizer=optimizer, epochs=60,
                            batch_size=batch_size)
    predictions = network.predict(X_train)
    assert predictions.dtype == numpy.dtype(dtype)
    # Linear regression reaches a training R^2 of 0.53 here.
    assert r2(y_train, predictions[:, 0]) > 0.45
    assert history.restarts == 0 and not history.chance_level


def test_multi_output_regression_on_linnerud():
    from sklearn.datasets import load_linnerud
    from sklearn.preprocessing import StandardScaler

    data = load_linnerud()
    X = StandardScaler().fit_transform(data.data)
    y = StandardScaler().fit_transform(data.target)
    network = make_network([3, 8, 3], activation="tanh", output="identity", random_state=0)
    history = network.train(X, y, optimizer="lbfgs", epochs=300, reg_lambda=1e-3)
    predictions = network.predict(X)
    assert predictions.shape == (20, 3)
    # Each output is fitted, not only their mean: every column's R^2 is well above 0.
    assert min(r2(y[:, column], predictions[:, column]) for column in range(3)) > 0.5
    assert history.final_loss == pytest.approx(0.5 * numpy.mean((y - predictions) ** 2), rel=1e-6)


def test_a_target_vector_and_a_one_column_matrix_train_alike():
    X_train, _, y_train, _ = diabetes_split()
    runs = []
    for targets in (y_train, y_train[:, None]):
        network = make_network([10, 4, 1], output="identity", random_state=2)
        runs.append(network.train(X_train, targets, alpha=0.05, epochs=20).loss)
    assert runs[0] == runs[1]


def test_regression_sample_weights_count_rows_as_repeats():
    X_train, _, y_train, _ = diabetes_split()
    X_train, y_train = X_train[:40], y_train[:40]
    counts = numpy.random.default_rng(0).integers(0, 3, size=40)
    weighted = make_network([10, 4, 1], output="identity", random_state=3)
    repeated = make_network([10, 4, 1], output="identity", random_state=3)
    first = weighted.train(X_train, y_train, alpha=0.05, epochs=30, sample_weight=counts)
    second = repeated.train(numpy.repeat(X_train, counts, axis=0), numpy.repeat(y_train, counts),
                            alpha=0.05, epochs=30)
    numpy.testing.assert_allclose(first.loss, second.loss, rtol=1e-9)
    for ours, theirs in zip(weighted.weights, repeated.weights):
        numpy.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-12)


def test_regression_early_stopping_on_the_validation_loss():
    X_train, X_test, y_train, y_test = diabetes_split()
    # Wide and barely regularised, with a high rate: it overfits within a few epochs.
    network = make_network([10, 200, 1], activation="relu", output="identity", random_state=0)
    history = network.train(X_train, y_train, optimizer="adam", alpha=0.01, batch_size=16,
                            epochs=500, reg_lambda=0.0, validation_data=(X_test, y_test), patience=5)
    assert history.stopped == "early_stopping" and history.restored_best
    assert history.epochs == history.best_epoch + 5
    best = min(history.validation_loss)
    assert history.validation_loss[history.best_epoch - 1] == best
    predictions = network.predict(X_test)
    assert 0.5 * numpy.mean((y_test - predictions[:, 0]) ** 2) == pytest.approx(best, rel=1e-9)
    # The score is R^2; a regression has no accuracy.
    assert history.validation_score[history.best_epoch - 1] == pytest.approx(r2(y_test, predictions[:, 0]))
    assert history.validation_accuracy == []


def test_a_score_hook_on_a_regression_keeps_its_best_epoch():
    X_train, X_test, y_train, y_test = diabetes_split()
    network = make_network([10, 8, 1], output="identity", random_state=0)
    seen = []

    def negative_mean_absolute_error(outputs):
        seen.append(outputs.copy())
        return -float(numpy.mean(numpy.abs(outputs[:, 0] - y_test)))

    history = network.train(X_train, y_train, alpha=0.01, batch_size=32, epochs=300,
                            validation_data=(X_test, y_test), patience=8,
                            validation_score=negative_mean_absolute_error)
    best = int(numpy.argmax(history.validation_score))
    assert history.best_epoch == best + 1 and history.restored_best
    numpy.testing.assert_array_equal(network.predict(X_test), seen[best])


def test_a_regression_never_restarts_needlessly_but_names_a_fit_that_learned_nothing():
    X_train, _, y_train, _ = diabetes_split()
    # A converged noisy fit (training R^2 near 0.5) on a plateau: no restart, no warning,
    # even when restarts are allowed.
    network = make_network([10, 4, 1], output="identity", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = network.train(X_train, y_train, alpha=0.05, epochs=20000, patience=50, restarts=5)
    assert history.stopped == "plateau" and history.restarts == 0
    # Inputs that say nothing about the targets: the loss stays at the mean predictor's.
    constant = numpy.ones((50, 2))
    noise = numpy.random.default_rng(0).normal(size=50)
    network = make_network([2, 3, 1], output="identity", random_state=0)
    with pytest.warns(ConvergenceWarning, match="learned nothing from the inputs"):
        history = network.train(constant, noise, alpha=0.05, epochs=5000, patience=50, restarts=2)
    assert history.chance_level and history.restarts == 2
    assert history.final_loss == pytest.approx(0.5 * noise.var(), rel=0.05)


def test_classify_refuses_a_regression_network():
    network = make_network([2, 3, 1], output="identity", random_state=0)
    with pytest.raises(TypeError, match=r"`classify`.*output='identity'.*predict\(X\)"):
        network.classify(numpy.zeros((2, 2)))


def test_bad_regression_targets_are_named_and_leave_the_network_as_it_was():
    X_train, _, y_train, _ = diabetes_split()
    network = make_network([10, 4, 2], output="identity", random_state=0)
    before = network.weights
    two_columns = numpy.column_stack([y_train, y_train])
    with_nan = two_columns.copy()
    with_nan[3, 1] = numpy.nan
    with pytest.raises(ValueError, match=r"`y` contains NaN or infinity: y\[3, 1\]=nan"):
        network.train(X_train, with_nan)
    with pytest.raises(ValueError, match=r"`y` has 1 target column\(s\).*architecture\[-1\]=2"):
        network.train(X_train, y_train)
    with pytest.raises(ValueError, match=r"`y` has 3 target column\(s\).*architecture\[-1\]=2"):
        network.train(X_train, numpy.column_stack([y_train] * 3))
    with pytest.raises(TypeError, match=r"`y` must be an array of numbers.*real-valued targets"):
        network.train(X_train, numpy.array([["low", "high"]] * len(X_train)))
    with pytest.raises(ValueError, match=r"`validation_data\[1\]` has 1 target column"):
        network.train(X_train, two_columns, validation_data=(X_train, y_train))
    for old, new in zip(before, network.weights):
        numpy.testing.assert_array_equal(old, new)


def test_a_regression_network_saves_and_loads(tmp_path):
    X_train, X_test, y_train, _ = diabetes_split()
    network = make_network([10, 5, 1], activation="tanh", output="identity", random_state=0,
                           dtype="float32")
    network.train(X_train, y_train, alpha=0.01, epochs=10, batch_size=64)
    network.save(tmp_path / "regressor.npz")
    loaded = FeedForwardNetwork.load(tmp_path / "regressor.npz")
    assert loaded.output == "identity" and loaded.dtype == "float32"
    numpy.testing.assert_array_equal(loaded.predict(X_test), network.predict(X_test))
    history = loaded.train(X_train, y_train, alpha=0.01, epochs=3, batch_size=64)
    assert len(history.loss) == 3 and numpy.isfinite(history.loss).all()
