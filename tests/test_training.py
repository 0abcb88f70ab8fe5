"""Training on real data: minibatches, optimisers, schedules, validation, history."""

import os
import re
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from mlp import ConvergenceWarning, DivergenceError
from mlp.data import minibatches, stratified_split
from tests.conftest import make_network
from tests.test_network import counted, wrap_calls

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def scaled_split(loader, seed=0):
    data = loader()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=seed, stratify=data.target)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture(scope="module")
def iris():
    return scaled_split(load_iris)


def quiet_train(network, *arguments, **keywords):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return network.train(*arguments, **keywords)


def test_minibatches_cover_every_row_once():
    batches = minibatches(10, 4, numpy.random.default_rng(0))
    assert [b.size for b in batches] == [4, 4, 2]
    assert sorted(numpy.concatenate(batches).tolist()) == list(range(10))
    assert numpy.concatenate(minibatches(10, 4)).tolist() == list(range(10))


def test_stratified_split_keeps_class_proportions():
    labels = numpy.array([0] * 80 + [1] * 20)
    train_rows, validation_rows = stratified_split(labels, 0.25, numpy.random.default_rng(0))
    assert numpy.bincount(labels[validation_rows]).tolist() == [20, 5]
    assert sorted(numpy.concatenate([train_rows, validation_rows]).tolist()) == list(range(100))


def test_steps_take_row_indices_of_data_held_by_the_backend(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 5, 3], random_state=0)
    backend = network.backend
    targets = numpy.eye(3)[y_train]
    backend.set_data(X_train, targets)
    rows = numpy.arange(10)
    data_costs, _, finite = backend.train_steps("momentum", rows[numpy.newaxis], 0.0, 0.0)
    probabilities = network.predict(X_train[:10])
    expected = -numpy.mean(numpy.log(probabilities[rows, y_train[:10]]))
    assert abs(float(data_costs[0]) - expected) < 1e-12 and finite
    network.train(X_train, y_train, epochs=2, batch_size=16)
    assert backend.data is None, "training data must be released"


@pytest.mark.parametrize("optimizer, alpha", [("momentum", 0.05), ("nesterov", 0.05), ("adam", 0.01),
                                              ("lbfgs", None)])
def test_each_optimizer_converges_on_iris(optimizer, alpha, iris):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 8, 3], random_state=1)
    history = quiet_train(network, X_train, y_train, alpha=alpha, optimizer=optimizer, epochs=200,
                          batch_size=None if optimizer == "lbfgs" else 16, target_cost=0.05)
    assert history.loss[-1] < 0.3 * history.loss[0]
    assert numpy.mean(network.classify(X_test) == y_test) >= 0.9


def test_the_loss_falls_with_minibatches_and_shuffling(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=2)
    history = quiet_train(network, X_train, y_train, alpha=0.05, epochs=30, batch_size=10)
    assert history.epochs == 30 and len(history.seconds) == 30
    assert history.loss[-1] < history.loss[0] / 3


@pytest.mark.parametrize("loader", [load_iris, load_breast_cancer])
def test_accuracy_matches_scikit_learns_mlp(loader):
    X_train, X_test, y_train, y_test = scaled_split(loader)
    n_features, n_classes = X_train.shape[1], len(numpy.unique(y_train))
    reference = MLPClassifier(hidden_layer_sizes=(10,), activation="logistic", solver="sgd",
                              learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=False,
                              batch_size=16, max_iter=200, alpha=1e-4, random_state=0, tol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(X_train, y_train)
    reference_accuracy = reference.score(X_test, y_test)
    network = make_network([n_features, 10, n_classes], random_state=0)
    quiet_train(network, X_train, y_train, alpha=0.05, momentum=0.9, epochs=200, batch_size=16,
                reg_lambda=1e-4 / (2 * 16), target_cost=0.0)
    accuracy = numpy.mean(network.classify(X_test) == y_test)
    assert accuracy >= reference_accuracy - 0.02, (accuracy, reference_accuracy)


def test_reduce_on_plateau_divides_the_learning_rate(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=3)
    history = quiet_train(network, X_train, y_train, alpha=0.05, epochs=60, batch_size=16,
                          schedule="reduce_on_plateau", schedule_factor=4.0, schedule_patience=3,
                          tol=0.05, patience=1000, target_cost=0.0)
    rates = sorted(set(history.learning_rate), reverse=True)
    assert rates[0] == 0.05 and len(rates) >= 2
    for larger, smaller in zip(rates, rates[1:]):
        assert abs(larger / smaller - 4.0) < 1e-9
    assert history.learning_rate == sorted(history.learning_rate, reverse=True)


def test_invscaling_follows_samples_seen(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=3)
    history = quiet_train(network, X_train, y_train, alpha=0.1, epochs=3, batch_size=16,
                          schedule="invscaling", power_t=0.5, target_cost=0.0)
    n = len(X_train)
    assert history.learning_rate == pytest.approx([0.1, 0.1 / (n + 1) ** 0.5, 0.1 / (2 * n + 1) ** 0.5])


def test_early_stopping_restores_the_best_weights(iris):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 30, 3], random_state=4)
    history = quiet_train(network, X_train, y_train, alpha=0.2, epochs=500, batch_size=8,
                          validation_data=(X_test, y_test), patience=5, target_cost=0.0)
    assert history.stopped == "early_stopping" and history.restored_best
    assert history.epochs == history.best_epoch + 5
    best = min(history.validation_loss)
    assert history.validation_loss[history.best_epoch - 1] == best
    probabilities = network.predict(X_test)
    loss_now = -numpy.mean(numpy.log(probabilities[numpy.arange(len(y_test)), y_test]))
    assert abs(loss_now - best) < 1e-9
    assert len(history.validation_accuracy) == history.epochs


def test_validation_fraction_holds_out_rows(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=5)
    history = quiet_train(network, X_train, y_train, alpha=0.05, epochs=5, batch_size=16,
                          validation_fraction=0.2, target_cost=0.0)
    assert len(history.validation_loss) == 5 and all(0 <= a <= 1 for a in history.validation_accuracy)


def test_same_seed_gives_bitwise_identical_weights(iris):
    X_train, _, y_train, _ = iris
    runs = []
    for _ in range(2):
        network = make_network([4, 8, 3], random_state=6)
        quiet_train(network, X_train, y_train, alpha=0.05, epochs=10, batch_size=7,
                    validation_fraction=0.2, target_cost=0.0)
        runs.append(network.weights + network.bias)
    for first, second in zip(*runs):
        assert first.tobytes() == second.tobytes()
    other = make_network([4, 8, 3], random_state=7)
    quiet_train(other, X_train, y_train, alpha=0.05, epochs=10, batch_size=7,
                validation_fraction=0.2, target_cost=0.0)
    assert not numpy.array_equal(other.weights[0], runs[0][0])


def test_float32_training(iris):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 8, 3], random_state=1, dtype="float32")
    quiet_train(network, X_train, y_train, alpha=0.05, epochs=100, batch_size=16)
    assert all(w.dtype == numpy.float32 for w in network.weights)
    assert network.predict(X_test).dtype == numpy.float32
    assert numpy.mean(network.classify(X_test) == y_test) >= 0.9


def test_divergence_in_minibatches_restores_finite_weights(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=1)
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        network.train(X_train * 1e150, y_train, alpha=1e150, epochs=50, batch_size=16)
    assert all(numpy.isfinite(w).all() for w in network.weights + network.bias)


def test_ctrl_c_in_minibatch_training_returns_the_history(iris, monkeypatch):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 8, 3], random_state=1)

    def call_then_interrupt(call, arguments):
        result = call(*arguments)
        os.kill(os.getpid(), signal.SIGINT)
        return result

    wrap_calls(monkeypatch, network.backend, lambda call: counted(call, call_then_interrupt, 3))
    history = network.train(X_train, y_train, alpha=0.05, epochs=1000, batch_size=16,
                            validation_data=(X_test, y_test))
    assert history.stopped == "interrupted" and history.epochs == 3
    assert len(history.validation_loss) == 3
    assert numpy.isfinite(network.predict(X_test)).all()


def test_verbose_shows_a_progress_bar_and_quiet_shows_nothing(iris, capsys):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=1)
    quiet_train(network, X_train, y_train, alpha=0.05, epochs=3, batch_size=16)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    quiet_train(network, X_train, y_train, alpha=0.05, epochs=3, batch_size=16, verbose=True)
    assert re.search(r"3/3.*loss=", capsys.readouterr().err)


def test_history_plot_writes_a_png(iris, tmp_path):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 8, 3], random_state=1)
    history = quiet_train(network, X_train, y_train, alpha=0.05, epochs=5, batch_size=16,
                          validation_data=(X_test, y_test))
    path = tmp_path / "curves.png"
    history.plot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_history_plot_names_the_missing_package(monkeypatch, tmp_path):
    from mlp import History
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="matplotlib"):
        History(loss=[1.0], total_loss=[1.0]).plot(tmp_path / "x.png")


def test_history_plot_leaves_the_backend_and_pyplot_alone(tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    pyplot = pytest.importorskip("matplotlib.pyplot")
    from mlp import History

    previous_backend = matplotlib.get_backend()
    pyplot.switch_backend("svg")  # the user's choice, not the Agg that plot draws with
    figure = pyplot.figure()
    try:
        def refuse(*arguments, **keywords):
            raise AssertionError("History.plot must not change the user's matplotlib backend")

        monkeypatch.setattr(matplotlib, "use", refuse)
        monkeypatch.setattr(pyplot, "switch_backend", refuse)
        History(loss=[1.0, 0.5], total_loss=[1.1, 0.6], best_epoch=2).plot(tmp_path / "curves.png")
        monkeypatch.undo()
        assert matplotlib.get_backend() == "svg"
        assert pyplot.gcf() is figure and pyplot.get_fignums() == [figure.number]
        assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        monkeypatch.undo()
        pyplot.close(figure)
        pyplot.switch_backend(previous_backend)


def test_lbfgs_that_converges_on_iris_is_not_a_stall(iris, recwarn):
    X_train, X_test, y_train, y_test = iris
    for seed in range(3):
        network = make_network([4, 8, 3], random_state=seed)
        history = network.train(X_train, y_train, optimizer="lbfgs")
        # SciPy converged above target_cost=0.01 (the L2 term keeps the fit from it):
        # one attempt, no restart, no warning.
        assert history.optimizer_result["status"] == 0, history.optimizer_result
        assert history.stopped == "plateau" and history.final_loss > 0.01
        assert len(history.attempts) == 1 and history.restarts == 0
        assert numpy.mean(network.classify(X_test) == y_test) >= 0.9
    assert [str(warning.message) for warning in recwarn] == []


@pytest.mark.filterwarnings("ignore:Training ended at chance level")
def test_a_diverging_restart_keeps_the_best_attempt_and_warns(xor_inputs, xor_labels, monkeypatch):
    # A tiny learning rate stalls every attempt at chance level, so restarts follow;
    # the first restart's cost becomes NaN.
    settings = dict(alpha=1e-6, patience=5, restarts=3)
    network = make_network([2, 2, 2], random_state=2)
    backend = network.backend
    restarted = []
    real_reinitialize, real_train_steps = backend.reinitialize, backend.train_steps

    def reinitialize(generator):
        restarted.append(True)
        real_reinitialize(generator)

    def train_steps(*arguments, **keywords):
        data_costs, costs, finite = real_train_steps(*arguments, **keywords)
        if restarted:
            return data_costs, costs * numpy.nan, finite
        return data_costs, costs, finite

    monkeypatch.setattr(backend, "reinitialize", reinitialize)
    monkeypatch.setattr(backend, "train_steps", train_steps)
    with pytest.warns(ConvergenceWarning, match=r"Restart 1 diverged: its cost became nan at epoch 1\. "
                                                r"Training kept the best earlier attempt \(attempt 1"):
        history = network.train(xor_inputs, xor_labels, **settings)
    assert history.restarts == 1 and len(history.attempts) == 2
    first, diverged = history.attempts
    assert diverged["stopped"] == "diverged" and diverged["epochs"] == 1 and numpy.isnan(diverged["loss"])
    assert first["stopped"] == "plateau" and history.stopped == "plateau"
    # The weights and the curves are those of the first attempt, as a run without restarts.
    alone = make_network([2, 2, 2], random_state=2)
    alone_history = quiet_train(alone, xor_inputs, xor_labels, **{**settings, "restarts": 0})
    assert history.loss == alone_history.loss and first["epochs"] == history.epochs
    for kept, expected in zip(network.weights + network.bias, alone.weights + alone.bias):
        numpy.testing.assert_array_equal(kept, expected)


BAD = [
    ({"batch_size": 0}, ValueError, r"`batch_size`.*Received: batch_size=0"),
    ({"batch_size": -4}, ValueError, r"Received: batch_size=-4"),
    ({"batch_size": 2.5}, ValueError, r"Received: batch_size=2.5"),
    ({"validation_fraction": 0.0}, ValueError, r"`validation_fraction`.*Received: validation_fraction=0.0"),
    ({"validation_fraction": 1.0}, ValueError, r"Received: validation_fraction=1.0"),
    ({"validation_fraction": 1.5}, ValueError, r"Received: validation_fraction=1.5"),
    ({"validation_data": (numpy.zeros((5, 3)), numpy.zeros(5, int))}, ValueError,
     r"`validation_data\[0\]` has 3 columns"),
    ({"validation_data": (numpy.zeros((5, 4)), numpy.zeros(4, int))}, ValueError,
     r"`validation_data\[1\]` has 4 rows"),
    ({"optimizer": "sgd"}, ValueError,
     r"`optimizer`.*adam.*lbfgs.*momentum.*nesterov.*Received: optimizer='sgd'"),
    ({"alpha": 0.0}, ValueError, r"`alpha`.*Received: alpha=0.0"),
    ({"schedule": "cosine"}, ValueError, r"Received: schedule='cosine'"),
    ({"schedule_factor": 1.0}, ValueError, r"Received: schedule_factor=1.0"),
    ({"beta_1": 1.0}, ValueError, r"Received: beta_1=1.0"),
    ({"sample_weight": -numpy.ones(4)}, ValueError, r"`sample_weight`.*Received: a weight of -1.0"),
    ({"sample_weight": numpy.zeros(4)}, ValueError, r"`sample_weight`.*Received: only zeros"),
    ({"max_fun": 0}, ValueError, r"`max_fun`.*Received: max_fun=0"),
    ({"callback": "print"}, TypeError, r"`callback`.*Received: callback='print'"),
]


@pytest.mark.parametrize("change, error, match", BAD)
def test_bad_training_settings_leave_the_weights_as_they_were(change, error, match):
    network = make_network([4, 5, 3], random_state=0)
    before = network.weights + network.bias
    X = numpy.random.default_rng(0).normal(size=(4, 4))
    with pytest.raises(error, match=match):
        network.train(X, [0, 1, 2, 0], **change)
    for old, new in zip(before, network.weights + network.bias):
        numpy.testing.assert_array_equal(old, new)


def test_digits_example_reaches_097(tmp_path):
    plot = tmp_path / "digits.png"
    result = subprocess.run([sys.executable, str(EXAMPLES / "digits.py"), "--plot", str(plot)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", result.stdout).group(1))
    assert accuracy >= 0.97
    assert re.search(r"seconds per epoch: [0-9.]+", result.stdout)
    assert plot.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("tol_rule, tol", [("relative", 1e-2), ("absolute", 1e-2), ("relative", 0.0)])
def test_the_fast_stopping_rules_agree_with_the_epoch_by_epoch_ones(tol_rule, tol):
    # after_epochs (many epochs at once, full-batch calls) and after_epoch (one at a
    # time) state the same rules; on random curves they must stop at the same epoch
    # and leave the monitor in the same state.
    from mlp.training import TrainingSettings, _Monitor
    generator = numpy.random.default_rng(0)
    for trial in range(200):
        losses = numpy.exp(-numpy.cumsum(generator.uniform(-0.02, 0.05, 60))).tolist()
        settings = TrainingSettings(alpha=0.1, reg_lambda=0.0, epochs=60, momentum=0.0, tol=tol,
                                    tol_rule=tol_rule, patience=int(generator.integers(1, 8)),
                                    target_cost=float(generator.choice([0.0, 0.5, 0.8])))
        fast, slow = _Monitor(None, settings, False), _Monitor(None, settings, False)
        stopped, count = fast.after_epochs(0, losses, [1] * 60)
        expected, expected_count = None, 60
        for epoch, loss in enumerate(losses, start=1):
            expected = slow.after_epoch(epoch, loss, loss, 1)
            if expected:
                expected_count = epoch
                break
        assert (stopped, count) == (expected, expected_count), trial
        assert (fast.best_loss, fast.best_epoch, fast.since_improvement, fast.samples_seen) == (
            slow.best_loss, slow.best_epoch, slow.since_improvement, slow.samples_seen), trial


def test_max_fun_limits_lbfgs_cost_evaluations(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=1)
    history = network.train(X_train, y_train, optimizer="lbfgs", epochs=200, max_fun=6)
    # No restart and no warning: a spent budget, as when the epochs run out.
    assert history.stopped == "max_fun" and history.restarts == 0
    assert 1 <= history.epochs <= 6
    result = history.optimizer_result
    assert result["status"] == 1 and result["nfev"] > 6 and result["nit"] == history.epochs
    unlimited = make_network([4, 8, 3], random_state=1)
    assert quiet_train(unlimited, X_train, y_train, optimizer="lbfgs", epochs=200).epochs > 6
    assert quiet_train(unlimited, X_train, y_train, epochs=5).optimizer_result is None


@pytest.mark.parametrize("keywords", [
    dict(batch_size=16, epochs=7),  # many epochs a compiled call
    dict(batch_size=16, epochs=7, schedule="invscaling"),  # one epoch a call
    dict(batch_size=16, epochs=7, validation_fraction=0.2),
    dict(optimizer="lbfgs", epochs=7),
], ids=["minibatch", "schedule", "validation", "lbfgs"])
def test_the_callback_sees_every_recorded_epoch_in_order(iris, keywords):
    X_train, _, y_train, _ = iris
    seen = []
    network = make_network([4, 8, 3], random_state=1)
    history = quiet_train(network, X_train, y_train, alpha=0.05, target_cost=0.0, restarts=0,
                          callback=lambda epoch, logs: seen.append((epoch, logs)), **keywords)
    assert [epoch for epoch, _ in seen] == list(range(1, history.epochs + 1))
    assert [logs["loss"] for _, logs in seen] == history.loss
    assert [logs["total_loss"] for _, logs in seen] == history.total_loss
    assert [logs["learning_rate"] for _, logs in seen] == history.learning_rate
    if "validation_fraction" in keywords:
        assert [logs["validation_accuracy"] for _, logs in seen] == history.validation_accuracy
    else:
        assert "validation_loss" not in seen[0][1]


def test_convergence_warnings_off_for_one_call(recwarn):
    inputs = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    # A stall: the same call warns by default.
    quiet = make_network([2, 2, 2], random_state=2)
    history = quiet.train(inputs, [0, 1, 1, 0], alpha=1e-6, patience=37, restarts=0,
                          convergence_warnings=False)
    assert history.stopped == "plateau" and len(recwarn) == 0
    with pytest.warns(ConvergenceWarning, match="chance level"):
        make_network([2, 2, 2], random_state=2).train(inputs, [0, 1, 1, 0], alpha=1e-6,
                                                      patience=37, restarts=0)


def test_divergence_error_is_a_value_error(iris):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=1)
    with pytest.raises(ValueError, match="The cost became .* smaller learning rate"):
        network.train(X_train * 1e150, y_train, alpha=1e150, epochs=50, batch_size=16)


# ---------------------------------------------------------------- validation score hook
class PreferredEpoch:
    """A validation score that peaks at one known epoch: ``-|epoch - preferred|``. It
    keeps a copy of the outputs it was given at every epoch."""

    def __init__(self, preferred):
        self.preferred = preferred
        self.outputs = []

    def __call__(self, outputs):
        self.outputs.append(numpy.array(outputs))
        return -abs(len(self.outputs) - self.preferred)


@pytest.mark.parametrize("batch_size", [None, 16])
def test_a_validation_score_hook_drives_early_stopping(iris, batch_size):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 10, 3], random_state=0)
    score = PreferredEpoch(7)
    history = quiet_train(network, X_train, y_train, alpha=0.05, epochs=200, batch_size=batch_size,
                          validation_data=(X_test, y_test), validation_score=score, patience=5,
                          target_cost=0.0)
    # The validation loss keeps falling, but the score peaks at epoch 7.
    assert history.validation_loss[11] < history.validation_loss[6]
    assert history.stopped == "early_stopping" and history.restored_best
    assert history.best_epoch == 7 and history.epochs == 12
    assert history.validation_score == [-abs(epoch - 7) for epoch in range(1, 13)]
    assert len(history.validation_accuracy) == 12
    # The hook saw what predict returns for the validation rows, and epoch 7's weights
    # are the ones kept.
    assert score.outputs[0].shape == (len(X_test), 3)
    numpy.testing.assert_array_equal(network.predict(X_test), score.outputs[6])


def test_the_score_hook_needs_a_rise_larger_than_min_delta(iris):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 10, 3], random_state=0)
    calls = []

    def creeping(outputs):
        calls.append(1)
        return 1e-4 * len(calls)  # rises every epoch, by less than min_delta

    history = quiet_train(network, X_train, y_train, alpha=0.05, epochs=200, batch_size=16,
                          validation_data=(X_test, y_test), validation_score=creeping,
                          patience=4, min_delta=1e-3, target_cost=0.0)
    assert history.stopped == "early_stopping" and history.epochs == 5
    # The best weights are the highest score's, though no rise counted as progress.
    assert history.best_epoch == 5


def test_the_score_hook_works_with_lbfgs_and_without_early_stopping(iris):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 10, 3], random_state=0)
    score = PreferredEpoch(3)
    history = quiet_train(network, X_train, y_train, optimizer="lbfgs", epochs=8,
                          validation_data=(X_test, y_test), validation_score=score,
                          early_stopping=False, target_cost=0.0)
    # Recorded every epoch, but without early stopping it decides nothing.
    assert history.epochs == 8 and not history.restored_best
    assert history.validation_score == [-abs(epoch - 3) for epoch in range(1, 9)]
    numpy.testing.assert_array_equal(network.predict(X_test), score.outputs[-1])


def test_without_a_hook_the_validation_score_is_the_accuracy(iris):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 10, 3], random_state=0)
    seen = []
    history = quiet_train(network, X_train, y_train, alpha=0.05, epochs=6, batch_size=16,
                          validation_data=(X_test, y_test), target_cost=0.0,
                          callback=lambda epoch, logs: seen.append(logs))
    assert history.validation_score == history.validation_accuracy
    assert [logs["validation_score"] for logs in seen] == history.validation_score
    # Early stopping watches the loss: the best epoch has the lowest validation loss.
    assert history.validation_loss[history.best_epoch - 1] == min(history.validation_loss)


def test_bad_score_hooks_are_refused_and_leave_the_network_as_it_was(iris):
    X_train, X_test, y_train, y_test = iris
    network = make_network([4, 10, 3], random_state=0)
    before = network.weights
    with pytest.raises(TypeError, match=r"`validation_score`.*Received: validation_score=0.5"):
        network.train(X_train, y_train, validation_data=(X_test, y_test), validation_score=0.5)
    with pytest.raises(ValueError, match=r"`validation_score`.*validation_data or validation_fraction"):
        network.train(X_train, y_train, validation_score=lambda outputs: 1.0)
    for old, new in zip(before, network.weights):
        numpy.testing.assert_array_equal(old, new)
    drawn = network.generator.bit_generator.state
    with pytest.raises(TypeError, match=r"`validation_score` must return a number.*'high'"):
        network.train(X_train, y_train, epochs=3, batch_size=16, validation_data=(X_test, y_test),
                      validation_score=lambda outputs: "high")
    # Found after the first epoch, but the weights and the generator are put back.
    for old, new in zip(before, network.weights):
        numpy.testing.assert_array_equal(old, new)
    assert network.generator.bit_generator.state == drawn
