"""The stopping rules: the target, the plateau, early stopping (on the validation loss
or a score hook) and the learning-rate schedules, stated once for both paths."""

import numpy
import pytest

from mlp.training.loop import TrainingSettings
from mlp.training.stopping import Monitor
from tests.conftest import make_network


@pytest.mark.parametrize("tol_rule, tol", [("relative", 1e-2), ("absolute", 1e-2), ("relative", 0.0)])
def test_the_fast_stopping_rules_agree_with_the_epoch_by_epoch_ones(tol_rule, tol):
    # after_epochs (many epochs at once, full-batch calls) and after_epoch (one at a
    # time) apply the same rules; on random curves they must stop at the same epoch
    # and leave the monitor in the same state.
    generator = numpy.random.default_rng(0)
    for trial in range(200):
        losses = numpy.exp(-numpy.cumsum(generator.uniform(-0.02, 0.05, 60))).tolist()
        settings = TrainingSettings(alpha=0.1, reg_lambda=0.0, epochs=60, momentum=0.0, tol=tol,
                                    tol_rule=tol_rule, patience=int(generator.integers(1, 8)),
                                    target_cost=float(generator.choice([0.0, 0.5, 0.8])))
        fast, slow = Monitor(None, settings, False), Monitor(None, settings, False)
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


def test_reduce_on_plateau_divides_the_learning_rate(iris, quiet_train):
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


def test_invscaling_follows_samples_seen(iris, quiet_train):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=3)
    history = quiet_train(network, X_train, y_train, alpha=0.1, epochs=3, batch_size=16,
                          schedule="invscaling", power_t=0.5, target_cost=0.0)
    n = len(X_train)
    assert history.learning_rate == pytest.approx([0.1, 0.1 / (n + 1) ** 0.5, 0.1 / (2 * n + 1) ** 0.5])


def test_cosine_falls_from_alpha_to_zero_over_the_epochs(iris, quiet_train):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=3)
    history = quiet_train(network, X_train, y_train, alpha=0.1, epochs=4, batch_size=16,
                          schedule="cosine", target_cost=0.0, patience=1000)
    # Each epoch's rate, set after the one before: epoch t + 1 runs at
    # alpha * (1 + cos(pi * t / 4)) / 2.
    expected = [0.1 * (1 + numpy.cos(numpy.pi * t / 4)) / 2 for t in range(4)]
    assert history.learning_rate == pytest.approx(expected)


def test_early_stopping_restores_the_best_weights(iris, quiet_train):
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
def test_a_validation_score_hook_drives_early_stopping(iris, batch_size, quiet_train):
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


def test_the_score_hook_needs_a_rise_larger_than_min_delta(iris, quiet_train):
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


def test_the_score_hook_works_with_lbfgs_and_without_early_stopping(iris, quiet_train):
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


def test_without_a_hook_the_validation_score_is_the_accuracy(iris, quiet_train):
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
