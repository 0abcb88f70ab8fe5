"""TabularClassifier and TabularRegressor: a frame of every column kind trains and
predicts, bad frames and targets are refused naming what is wrong, targets on any
scale, round trips through pickle and mlp.save / mlp.load, reproducibility,
GridSearchCV and scikit-learn's estimator checks."""

import pickle
import warnings

import numpy
import pandas
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import check_estimator

import mlp

SMALL = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=60)


def table(n=300, seed=0):
    """Every column kind, missing values in each; the label and target depend on them."""
    rng = numpy.random.default_rng(seed)
    size = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    flag = rng.random(n) < 0.5
    count = rng.integers(0, 10, size=n)
    frame = pandas.DataFrame({
        "size": numpy.where(rng.random(n) < 0.1, numpy.nan, size),
        "count": pandas.array(numpy.where(rng.random(n) < 0.1, None, count), dtype="Int64"),
        "flag": flag,
        "colour": pandas.Categorical(numpy.where(rng.random(n) < 0.1, None, colour)),
        "city": pandas.Series(rng.choice(["Paris", "Rome", None], size=n), dtype=object),
    })
    signal = size + (colour == "red") * 2.0 + flag - count / 5
    return frame, numpy.where(signal > 0.5, "yes", "no"), signal


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_classifier_trains_and_predicts_every_column_kind():
    frame, labels, _ = table()
    model = mlp.TabularClassifier(random_state=0, **SMALL).fit(frame[:240], labels[:240])
    assert list(model.classes_) == ["no", "yes"]
    assert model.score(frame[240:], labels[240:]) > 0.8
    assert model.predict_proba(frame[240:]).shape == (60, 2)
    assert list(model.feature_names_in_) == list(frame.columns)


def test_unseen_categories_at_predict_time():
    frame, labels, _ = table()
    model = mlp.TabularClassifier(random_state=0, **SMALL).fit(frame, labels)
    new = frame[:5].copy()
    new["city"] = "Lima"
    new["colour"] = pandas.Categorical(["purple"] * 5)
    assert model.predict(new).shape == (5,)


def test_renamed_columns_are_refused():
    frame, labels, _ = table(60)
    model = mlp.TabularClassifier(random_state=0, max_iter=2).fit(frame, labels)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame.rename(columns={"size": "length"}))


@pytest.mark.parametrize("column, error, match", [
    (lambda n: [[1, 2]] * n, TypeError, "column 'bad'"),
    (lambda n: [None] * n, ValueError, "column 'bad' has only missing values"),
])
def test_bad_frames_are_refused_naming_the_column(column, error, match):
    frame, labels, _ = table(60)
    frame["bad"] = pandas.Series(column(60), dtype=object)
    model = mlp.TabularClassifier(max_iter=2)
    with pytest.raises(error, match=match):
        model.fit(frame, labels)
    assert not hasattr(model, "model_")


@pytest.mark.parametrize("estimator", [mlp.TabularClassifier, mlp.TabularRegressor])
def test_a_missing_target_is_refused(estimator):
    frame, _, signal = table(60)
    y = signal.astype(object) if estimator is mlp.TabularClassifier else signal.copy()
    y[7] = numpy.nan
    with pytest.raises(ValueError, match="y contains NaN.*row 7"):
        estimator(max_iter=2).fit(frame, y)


def test_targets_on_a_large_scale_fit_as_well():
    frame, _, signal = table(400)
    scores = []
    for scale in (1.0, 1e4):
        model = mlp.TabularRegressor(random_state=0, **SMALL).fit(frame[:300], scale * signal[:300])
        scores.append(model.score(frame[300:], scale * signal[300:]))
        assert abs(model.predict(frame[:3])).max() > 0.1 * scale
    assert scores[0] > 0.8
    assert scores[1] == pytest.approx(scores[0], abs=0.02)


@pytest.mark.parametrize("estimator", [mlp.TabularClassifier, mlp.TabularRegressor])
def test_pickle_and_save_load_give_the_same_predictions(estimator, tmp_path):
    frame, labels, signal = table(200)
    y = labels if estimator is mlp.TabularClassifier else 100 * signal
    model = estimator(random_state=0, **SMALL).fit(frame, y)
    method = "predict_proba" if estimator is mlp.TabularClassifier else "predict"
    expected = getattr(model, method)(frame)
    numpy.testing.assert_array_equal(getattr(pickle.loads(pickle.dumps(model)), method)(frame),
                                     expected)
    mlp.save(model, tmp_path / "model.npz")
    restored = mlp.load(tmp_path / "model.npz")
    assert type(restored) is estimator
    numpy.testing.assert_array_equal(getattr(restored, method)(frame), expected)
    with pytest.raises(ValueError, match="feature names"):
        restored.predict(frame.rename(columns={"size": "length"}))


def test_random_state_reproduces_the_fit():
    frame, labels, _ = table(200)
    first = mlp.TabularClassifier(random_state=3, **SMALL).fit(frame, labels).predict_proba(frame)
    second = mlp.TabularClassifier(random_state=3, **SMALL).fit(frame, labels).predict_proba(frame)
    numpy.testing.assert_array_equal(first, second)


def test_grid_search_works():
    frame, labels, _ = table(200)
    search = GridSearchCV(mlp.TabularClassifier(random_state=0, max_iter=20),
                          {"hidden_layer_sizes": [(16,), (32,)]}, cv=2).fit(frame, labels)
    assert search.best_params_["hidden_layer_sizes"] in ((16,), (32,))
    assert search.score(frame, labels) > 0.6


# The held-out share for the best epoch is drawn from the rows: repeating a row is not
# the same as weighting it, so these two of scikit-learn's checks cannot hold.
_HELD_OUT_SPLIT = {"check_sample_weight_equivalence_on_dense_data",
                   "check_sample_weight_equivalence_on_sparse_data"}


@pytest.mark.slow
@pytest.mark.parametrize("estimator", [mlp.TabularClassifier, mlp.TabularRegressor])
def test_check_estimator_passes(estimator):
    results = check_estimator(estimator(random_state=0, hidden_layer_sizes=(32,),
                                        learning_rate_init=0.01, max_iter=100), on_fail=None)
    failed = [(r["check_name"], r["exception"]) for r in results
              if r["status"] == "failed" and r["check_name"] not in _HELD_OUT_SPLIT]
    assert failed == []


def test_label_smoothing_bounds_the_probabilities():
    # Two classes apart: without smoothing the network grows sure of every row; with
    # a smoothing of 0.2 the cross-entropy is lowest at 0.9 for the true class. 40
    # rows hold out too few to stop early: each fit runs its 200 epochs.
    rng = numpy.random.default_rng(0)
    X = numpy.r_[rng.normal(-3, 0.3, (20, 2)), rng.normal(3, 0.3, (20, 2))]
    y = numpy.r_[numpy.zeros(20), numpy.ones(20)]
    options = dict(SMALL, max_iter=200, alpha=1e-4, dropout=0.0, random_state=0)
    sure = mlp.TabularClassifier(label_smoothing=0.0, **options).fit(X, y).predict_proba(X).max(axis=1)
    smoothed = mlp.TabularClassifier(label_smoothing=0.2, **options).fit(X, y).predict_proba(X)
    assert sure.min() > 0.99
    assert 0.85 < smoothed.max(axis=1).min() and smoothed.max() < 0.95
    assert (smoothed.argmax(axis=1) == y).all()


def test_the_cosine_schedule_reaches_the_training_and_constant_does_not():
    from mlp.sklearn.settings import training_arguments

    frame, labels, _ = table()
    options = dict(SMALL, max_iter=8, random_state=0)
    cosine = mlp.TabularClassifier(**options).fit(frame, labels)
    constant = mlp.TabularClassifier(learning_rate_schedule="constant", **options).fit(frame, labels)
    arguments = dict(n_samples=100, weights=None, incremental=False, scorer=None, callback=None)
    assert training_arguments(cosine.model_, **arguments)["schedule"] == "cosine"
    assert training_arguments(constant.model_, **arguments)["schedule"] == "constant"
    # The first epoch runs at the same rate, the next ones slower under the cosine.
    assert cosine.model_.loss_curve_[0] == pytest.approx(constant.model_.loss_curve_[0])
    assert not numpy.allclose(cosine.model_.coefs_[0], constant.model_.coefs_[0])


def test_the_classifier_stops_on_the_held_out_cross_entropy():
    frame, labels, _ = table()
    model = mlp.TabularClassifier(**dict(SMALL, random_state=0)).fit(frame, labels)
    # Scores are negated losses: the best is the largest, and below zero.
    scores = model.model_.validation_scores_
    assert model.model_.scoring == "loss" and max(scores) < 0
    assert model.model_.best_validation_score_ == max(scores)


def _fit_recording_epochs(monkeypatch, make, frame, labels):
    """Fit ``make()``, recording the network's parameters after every epoch."""
    from mlp.sklearn import base

    epochs, settings_for = [], base.settings_for

    class Recorder:
        reads_weights = True  # one epoch a compiled call: each epoch's own weights

        def __init__(self, network):
            self.network = network

        def __call__(self, epoch, logs):
            epochs.append([numpy.array(p.value) for p in self.network.backend.parameters])

    def recording(estimator, network, **options):
        return settings_for(estimator, network, **dict(options, callback=Recorder(network)))

    monkeypatch.setattr(base, "settings_for", recording)
    return make().fit(frame, labels), epochs


@pytest.mark.parametrize("average", [True, False])
def test_early_stopping_keeps_the_mean_of_the_weights_around_the_best_epoch(monkeypatch, average):
    frame, labels, _ = table(600)
    make = lambda: mlp.TabularClassifier(**dict(SMALL, random_state=0))  # noqa: E731
    if average:
        model, epochs = _fit_recording_epochs(monkeypatch, make, frame, labels)
    else:
        # Without it (as the drop-ins train) the best epoch's weights alone.
        monkeypatch.setattr(mlp.TabularClassifier, "_average_around_best", False)
        model, epochs = _fit_recording_epochs(monkeypatch, make, frame, labels)
    scores = model.model_.validation_scores_
    best = int(numpy.argmax(scores))
    assert len(epochs) == len(scores) and 0 < best < len(scores) - 1
    kept = [numpy.array(p.value) for p in model.model_._get_network().backend.parameters]
    mean = [sum(parts) / 3 for parts in zip(*epochs[best - 1:best + 2])]
    expected = mean if average else epochs[best]
    for ours, theirs in zip(kept, expected):
        numpy.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert average == any(not numpy.allclose(k, a) for k, a in zip(kept, epochs[best]))


def test_auto_batch_sizes_are_256_64_and_16_by_training_rows():
    # Rows of the table (a fifth held out), then the rows of a step: 256 from 2,560
    # training rows, 64 from 65, so that two training programs a task serve every table
    # of 82 rows or more, and 16 below.
    estimator = mlp.TabularClassifier()
    rows = (12, 50, 80, 82, 300, 799, 1000, 3199, 3200, 10000)
    sizes = [estimator._batch_size(count, early_stopping=count > 12) for count in rows]
    assert sizes == [12, 16, 16, 64, 64, 64, 64, 64, 256, 256]
    assert mlp.TabularClassifier(batch_size=100)._batch_size(300, True) == 100
