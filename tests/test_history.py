"""History: the per-epoch record, its regression and score curves, and its plot."""

import sys

import numpy
import pytest

from mlp import History
from tests.conftest import make_network


def test_a_new_history_is_empty_and_its_final_loss_is_nan():
    history = History()
    assert history.validation_score == [] and history.validation_accuracy == []
    assert numpy.isnan(history.final_loss)


def test_a_regression_history_holds_r2_as_its_validation_score():
    from sklearn.datasets import load_diabetes
    from sklearn.metrics import r2_score
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X), (y - y.mean()) / y.std()
    network = make_network([10, 6, 1], output="identity", random_state=0)
    history = network.train(X[:300], y[:300], alpha=0.02, epochs=4, batch_size=50,
                            validation_data=(X[300:], y[300:]))
    assert len(history.validation_score) == len(history.validation_loss) == 4
    assert history.validation_accuracy == []
    predictions = network.predict(X[300:])[:, 0]
    assert history.validation_score[-1] == pytest.approx(r2_score(y[300:], predictions), abs=1e-12)
    assert history.validation_loss[-1] == pytest.approx(0.5 * numpy.mean((y[300:] - predictions) ** 2))


def drawn_labels(monkeypatch, tmp_path, history):
    """Plot ``history`` and return the legend labels and y-axis labels of its two axes."""
    matplotlib_figure = pytest.importorskip("matplotlib.figure")
    figures = []
    original = matplotlib_figure.Figure.savefig

    def keep(figure, *arguments, **keywords):
        figures.append(figure)
        return original(figure, *arguments, **keywords)

    monkeypatch.setattr(matplotlib_figure.Figure, "savefig", keep)
    history.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    loss_axes, score_axes = figures[0].axes
    return ([line.get_label() for line in loss_axes.get_lines()],
            [line.get_label() for line in score_axes.get_lines()], score_axes.get_ylabel())


def test_the_plot_draws_the_score_of_a_regression(monkeypatch, tmp_path):
    history = History(loss=[1.0, 0.5], total_loss=[1.1, 0.6], validation_loss=[1.2, 0.7],
                      validation_score=[0.1, 0.4], best_epoch=2)
    losses, scores, name = drawn_labels(monkeypatch, tmp_path, history)
    assert losses[:3] == ["training loss", "training cost (with L2)", "validation loss"]
    assert scores == ["validation score"] and name == "score"


def test_the_plot_draws_the_accuracy_of_a_classifier(monkeypatch, tmp_path):
    history = History(loss=[1.0, 0.5], total_loss=[1.1, 0.6], validation_loss=[1.2, 0.7],
                      validation_accuracy=[0.5, 0.8], validation_score=[0.5, 0.8])
    _, scores, name = drawn_labels(monkeypatch, tmp_path, history)
    assert scores == ["validation accuracy"] and name == "accuracy"


def test_history_plot_writes_a_png(iris, tmp_path, quiet_train):
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
