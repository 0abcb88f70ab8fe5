"""What ``train`` reports while it runs: the progress bar (the losses, closed at the end)
and the epochs handed to a callback."""

import re

import pytest

from mlp.training.history import History
from mlp.training.progress import Progress
from tests.conftest import make_network


def recorded(losses, validation_losses=()):
    record = History()
    for index, loss in enumerate(losses):
        record.loss.append(loss)
        record.total_loss.append(loss + 0.125)
        record.learning_rate.append(0.1)
        record.seconds.append(0.001)
        if validation_losses:
            record.validation_loss.append(validation_losses[index])
            record.validation_accuracy.append(0.5)
            record.validation_score.append(0.5)
    return record


def test_the_bar_shows_the_last_losses_and_closes(capsys):
    with Progress(True, 4) as progress:
        progress.update(recorded([0.75, 0.5], [0.625, 0.25]), steps=2)
        bar = progress.bar
        assert bar.n == 2 and bar.total == 4
        assert bar.postfix == "loss=0.5000, val_loss=0.2500"
    assert bar.disable, "the bar must be closed on the way out"
    assert re.search(r"loss=0\.5000, val_loss=0\.2500", capsys.readouterr().err)


def test_the_bar_closes_when_training_raises_and_restarts_count_from_zero():
    with pytest.raises(RuntimeError):
        with Progress(True, 10) as progress:
            progress.update(recorded([0.5, 0.25, 0.125]), steps=3)
            progress.restart(1)
            bar = progress.bar
            assert bar.n == 0 and bar.desc.startswith("attempt 2")
            raise RuntimeError
    assert bar.disable


def test_a_quiet_progress_has_no_bar_and_still_calls_back():
    seen = []
    with Progress(False, 3, lambda epoch, logs: seen.append((epoch, logs))) as progress:
        progress.update(recorded([0.5, 0.25], [0.375, 0.125]), steps=2)
        assert progress.bar is None
    assert [epoch for epoch, _ in seen] == [1, 2]
    assert seen[1][1] == {"loss": 0.25, "total_loss": 0.375, "learning_rate": 0.1, "seconds": 0.001,
                          "validation_loss": 0.125, "validation_accuracy": 0.5,
                          "validation_score": 0.5}


def test_verbose_shows_a_progress_bar_and_quiet_shows_nothing(iris, capsys, quiet_train):
    X_train, _, y_train, _ = iris
    network = make_network([4, 8, 3], random_state=1)
    quiet_train(network, X_train, y_train, alpha=0.05, epochs=3, batch_size=16)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    quiet_train(network, X_train, y_train, alpha=0.05, epochs=3, batch_size=16, verbose=True)
    assert re.search(r"3/3.*loss=", capsys.readouterr().err)


@pytest.mark.parametrize("keywords", [
    dict(batch_size=16, epochs=7),  # many epochs a compiled call
    dict(batch_size=16, epochs=7, schedule="invscaling"),  # one epoch a call
    dict(batch_size=16, epochs=7, validation_fraction=0.2),
    dict(optimizer="lbfgs", epochs=7),
], ids=["minibatch", "schedule", "validation", "lbfgs"])
def test_the_callback_sees_every_recorded_epoch_in_order(iris, keywords, quiet_train):
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
