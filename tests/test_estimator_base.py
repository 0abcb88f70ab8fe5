"""What MLPClassifier and MLPRegressor share beyond scikit-learn's MLP: X_val, scoring,
scikit-learn's callbacks, dropout, clip_norm and the extra activations."""

import warnings

import numpy
import pytest
import sklearn
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from mlp import DivergenceError
from mlp.sklearn.classifier import MLPClassifier
from mlp.sklearn.regressor import MLPRegressor


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    return train_test_split(X, y, test_size=0.3, random_state=0)


def quiet_fit(model, *arguments, **keywords):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*arguments, **keywords)


# ------------------------------------------------------------------------- X_val
def test_x_val_is_what_early_stopping_scores(iris, diabetes):
    X_train, X_val, y_train, y_val = diabetes
    regressor = MLPRegressor(hidden_layer_sizes=(20,), learning_rate_init=0.01, early_stopping=True,
                             max_iter=300, random_state=0).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    # All the training rows are trained on (no split), and the kept weights are those of
    # the best R^2 on X_val.
    assert regressor.t_ == regressor.n_iter_ * len(X_train)
    assert regressor.best_validation_score_ == max(regressor.validation_scores_)
    assert r2_score(y_val, regressor.predict(X_val)) == pytest.approx(regressor.best_validation_score_,
                                                                      abs=1e-9)
    X_train, X_val, y_train, y_val = iris
    classifier = MLPClassifier((10,), learning_rate_init=0.01, early_stopping=True, scoring="accuracy",
                               max_iter=300, random_state=0)
    classifier.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert classifier.t_ == classifier.n_iter_ * len(X_train)
    assert accuracy_score(y_val, classifier.predict(X_val)) == classifier.best_validation_score_
    assert classifier.best_validation_score_ == max(classifier.validation_scores_) > 0.8


def test_validation_scores_are_weighted_by_the_validation_rows_weights(iris, diabetes):
    # As scikit-learn's: the held-out rows keep their sample weights, and the score of
    # X_val is weighted by sample_weight_val.
    X_train, X_val, y_train, y_val = iris
    weights = numpy.where(y_val == 2, 5.0, 0.2)
    classifier = MLPClassifier((10,), learning_rate_init=0.01, early_stopping=True, max_iter=300,
                               random_state=0)
    classifier.fit(X_train, y_train, X_val=X_val, y_val=y_val, sample_weight_val=weights)
    expected = accuracy_score(y_val, classifier.predict(X_val), sample_weight=weights)
    assert classifier.best_validation_score_ == pytest.approx(expected, abs=1e-12)
    X_train, X_val, y_train, y_val = diabetes
    weights = numpy.linspace(0.1, 3.0, len(y_val))
    regressor = MLPRegressor(hidden_layer_sizes=(20,), learning_rate_init=0.01, early_stopping=True,
                             max_iter=300, random_state=0)
    regressor.fit(X_train, y_train, X_val=X_val, y_val=y_val, sample_weight_val=weights)
    expected = r2_score(y_val, regressor.predict(X_val), sample_weight=weights)
    assert regressor.best_validation_score_ == pytest.approx(expected, abs=1e-9)
    # The split of X: the held-out rows are scikit-learn's, with their own weights.
    X, y = load_iris(return_X_y=True)
    weights = numpy.where(y == 0, 4.0, 0.5)
    settings = dict(hidden_layer_sizes=(10,), learning_rate_init=0.01, early_stopping=True,
                    max_iter=40, random_state=0)
    weighted = quiet_fit(MLPClassifier(**settings), X, y, sample_weight=weights)
    # scikit-learn draws the split from the RandomState(0) that drew its 4-10-3 network's
    # initial weights, after them (no stratification with three outputs).
    random_state = numpy.random.RandomState(0)
    random_state.uniform(size=4 * 10 + 10 + 10 * 3 + 3)
    _, rows = train_test_split(numpy.arange(len(y)), random_state=random_state, test_size=0.1)
    expected = accuracy_score(y[rows], weighted.predict(X[rows]), sample_weight=weights[rows])
    assert weighted.best_validation_score_ == pytest.approx(expected, abs=1e-12)


def test_sample_weight_val_without_a_validation_set_is_refused(iris):
    X_train, X_val, y_train, y_val = iris
    classifier = MLPClassifier((5,), early_stopping=True, max_iter=5, random_state=0)
    with pytest.raises(ValueError, match="sample_weight_val is provided, but X_val and y_val were not"):
        classifier.fit(X_train, y_train, sample_weight_val=numpy.ones(len(y_val)))
    with pytest.raises(ValueError, match="sample_weight_val"):
        classifier.fit(X_train, y_train, X_val=X_val, y_val=y_val, sample_weight_val=numpy.ones(3))


def test_string_labels_in_x_val_are_encoded_as_y(iris):
    X_train, X_val, y_train, y_val = iris
    names = numpy.array(["setosa", "versicolor", "virginica"])
    classifier = MLPClassifier((10,), learning_rate_init=0.01, early_stopping=True, scoring="accuracy",
                               max_iter=50, random_state=0)
    quiet_fit(classifier, X_train, names[y_train], X_val=X_val, y_val=names[y_val])
    assert accuracy_score(names[y_val], classifier.predict(X_val)) == classifier.best_validation_score_


@pytest.mark.parametrize("keywords, error, message", [
    (dict(X_val="X"), ValueError, "X_val is provided, but y_val was not provided"),
    (dict(y_val="y"), ValueError, "y_val is provided, but X_val was not provided"),
    (dict(X_val="X", y_val="y", early_stopping=False), ValueError,
     r"early stopping is off \(early_stopping=False, solver='adam'\)"),
    (dict(X_val="X", y_val="y", solver="lbfgs"), ValueError, r"solver='lbfgs'"),
    (dict(X_val="X3", y_val="y"), ValueError, r"X_val.*3 features.*expecting 4"),
    (dict(X_val="X", y_val="y5"), ValueError, r"y_val has 5 rows|X_val has \d+ rows but y_val has 5"),
    (dict(X_val="X", y_val="unseen"), ValueError, r"y_val has classes not in y: \[7\]"),
    (dict(X_val="X", y_val="nan"), ValueError, "y_val"),
])
def test_bad_validation_sets_are_refused_naming_them(iris, keywords, error, message):
    X_train, X_val, y_train, y_val = iris
    values = {"X": X_val, "X3": X_val[:, :3], "y": y_val, "y5": y_val[:5],
              "unseen": numpy.where(numpy.arange(len(y_val)) == 0, 7, y_val),
              "nan": numpy.full(len(y_val), numpy.nan)}
    fit_keywords = {name: values[keywords[name]] for name in ("X_val", "y_val") if name in keywords}
    parameters = {"early_stopping": True, **{name: value for name, value in keywords.items()
                                             if name not in fit_keywords}}
    classifier = MLPClassifier((5,), max_iter=5, random_state=0, **parameters)
    quiet_fit(classifier, X_train, y_train)
    before = {name: value for name, value in vars(classifier).items() if name != "_network"}
    coefs = [c.copy() for c in classifier.coefs_]
    with pytest.raises(error, match=message):
        classifier.set_params(warm_start=True).fit(X_train, y_train, **fit_keywords)
    assert sorted(vars(classifier)) == sorted([*before, "_network"])
    assert all(numpy.array_equal(a, b) for a, b in zip(coefs, classifier.coefs_))


def test_regressor_y_val_needs_as_many_targets_as_y(diabetes):
    X_train, X_val, y_train, y_val = diabetes
    regressor = MLPRegressor(hidden_layer_sizes=(5,), early_stopping=True, max_iter=5, random_state=0)
    with pytest.raises(ValueError, match=r"y_val has 2 targets but y has 1"):
        regressor.fit(X_train, y_train, X_val=X_val, y_val=numpy.c_[y_val, y_val])
    assert not hasattr(regressor, "coefs_")


# ------------------------------------------------------------------------ scoring
def test_scoring_loss_records_the_negated_validation_loss(diabetes):
    X_train, X_val, y_train, y_val = diabetes
    regressor = MLPRegressor(hidden_layer_sizes=(20,), learning_rate_init=0.01, early_stopping=True,
                             scoring="loss", max_iter=300, random_state=0)
    regressor.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    numpy.testing.assert_allclose(regressor.validation_scores_,
                                  -numpy.array(regressor.validation_loss_curve_), rtol=1e-12)
    half_squared_error = 0.5 * numpy.mean((y_val - regressor.predict(X_val)) ** 2)
    assert -regressor.best_validation_score_ == pytest.approx(half_squared_error, rel=1e-9)


@pytest.mark.parametrize("scoring", ["neg_mean_absolute_error", "callable"])
def test_a_scorer_name_or_callable_is_what_early_stopping_watches(diabetes, scoring):
    X_train, X_val, y_train, y_val = diabetes
    if scoring == "callable":
        def scoring(estimator, X, y):
            return -mean_absolute_error(y, estimator.predict(X))
    regressor = MLPRegressor(hidden_layer_sizes=(20,), learning_rate_init=0.01, early_stopping=True,
                             scoring=scoring, max_iter=300, random_state=0)
    regressor.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    # The kept weights are those of the best score, which is the score they give.
    assert regressor.best_validation_score_ == max(regressor.validation_scores_)
    assert -mean_absolute_error(y_val, regressor.predict(X_val)) == pytest.approx(
        regressor.best_validation_score_, rel=1e-9)
    # And it differs from what R^2 would have kept.
    default = MLPRegressor(hidden_layer_sizes=(20,), learning_rate_init=0.01, early_stopping=True,
                           max_iter=300, random_state=0).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert default.validation_scores_[:3] != regressor.validation_scores_[:3]


def test_classifier_scorer_that_needs_probabilities(iris):
    X_train, X_val, y_train, y_val = iris
    classifier = MLPClassifier((10,), learning_rate_init=0.01, early_stopping=True, scoring="neg_log_loss",
                               max_iter=100, random_state=0)
    quiet_fit(classifier, X_train, y_train, X_val=X_val, y_val=y_val)
    probabilities = classifier.predict_proba(X_val)
    log_loss = -numpy.mean(numpy.log(probabilities[numpy.arange(len(y_val)), y_val]))
    assert -classifier.best_validation_score_ == pytest.approx(log_loss, rel=1e-6)


def test_an_unknown_scorer_name_is_refused_naming_scoring(iris):
    X_train, _, y_train, _ = iris
    classifier = MLPClassifier((5,), early_stopping=True, scoring="no_such_score", max_iter=5, random_state=0)
    with pytest.raises(ValueError, match=r"`scoring`.*Received: scoring='no_such_score'"):
        classifier.fit(X_train, y_train)
    assert not hasattr(classifier, "coefs_")


# ---------------------------------------------------------------------- callbacks
class TaskRecorder:
    """A scikit-learn FitCallback that records the task tree and, at the end of each
    epoch, what the fitted_estimator of that epoch predicts."""

    def __init__(self, X):
        self.X = X
        self.events, self.predictions = [], []

    def setup(self, estimator, context):
        self.events.append("setup")

    def teardown(self, estimator, context):
        self.events.append("teardown")

    def on_fit_task_begin(self, estimator, context):
        self.events.append(("begin", context.task_name))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", context.task_name))
        if context.task_name == "epoch":
            self.predictions.append(fitted_estimator.predict(self.X))


@pytest.fixture
def callback_api():
    return pytest.importorskip("sklearn.callback", reason=f"scikit-learn {sklearn.__version__} "
                                                          f"has no callback API")


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_each_epoch_is_a_task_whose_estimator_has_that_epochs_weights(diabetes, callback_api, solver):
    X_train, _, y_train, _ = diabetes
    recorder = TaskRecorder(X_train)
    parameters = dict(hidden_layer_sizes=(10,), solver=solver, learning_rate_init=0.01, random_state=0)
    regressor = MLPRegressor(max_iter=6, **parameters).set_callbacks(recorder)
    quiet_fit(regressor, X_train, y_train)
    epochs = regressor.n_iter_
    assert recorder.events == ["setup", ("begin", "fit"), *[("begin", "epoch"), ("end", "epoch")] * epochs,
                               ("end", "fit"), "teardown"]
    # Epoch k's estimator predicts as a fit stopped after k epochs.
    for epoch in (1, 3, epochs):
        shorter = quiet_fit(MLPRegressor(max_iter=epoch, **parameters), X_train, y_train)
        numpy.testing.assert_allclose(recorder.predictions[epoch - 1], shorter.predict(X_train),
                                      rtol=1e-10, atol=1e-12)


def test_scoring_monitor_logs_one_score_per_epoch_on_both_estimators(iris, diabetes, callback_api):
    for estimator, (X_train, _, y_train, _), scoring in (
            (MLPClassifier((10,), learning_rate_init=0.01, max_iter=8, n_init=2, random_state=0), iris,
             "accuracy"),
            (MLPRegressor(hidden_layer_sizes=(10,), learning_rate_init=0.01, max_iter=8, random_state=0),
             diabetes, "r2")):
        monitor = callback_api.ScoringMonitor(scoring=scoring)
        quiet_fit(estimator.set_callbacks(monitor), X_train, y_train)
        rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
        assert len(rows) == estimator.n_init * 8
        scores = [row[scoring] for row in rows]
        assert scores[-1] == pytest.approx(estimator.score(X_train, y_train)) or estimator.n_init > 1
        assert scores[7] > scores[0]


def test_progress_bar_runs_on_both_estimators(iris, diabetes, callback_api, capsys):
    pytest.importorskip("rich")
    X_train, _, y_train, _ = iris
    classifier = MLPClassifier((5,), max_iter=3, n_init=2, random_state=0)
    quiet_fit(classifier.set_callbacks(callback_api.ProgressBar()), X_train, y_train)
    X_train, _, y_train, _ = diabetes
    regressor = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=3, random_state=0)
    quiet_fit(regressor.set_callbacks(callback_api.ProgressBar()), X_train, y_train)
    shown = capsys.readouterr().out
    assert "MLPClassifier" in shown and "MLPRegressor" in shown
    assert classifier.n_iter_ == regressor.n_iter_ == 3


def test_without_callbacks_set_nothing_changes(iris):
    X_train, _, y_train, _ = iris
    plain = quiet_fit(MLPClassifier((5,), max_iter=20, random_state=0), X_train, y_train)
    assert not any(name.startswith("_callback") or name.startswith("_skl") for name in vars(plain))


# ------------------------------------------------- dropout, clip_norm, activations
@pytest.mark.parametrize("activation", ["leaky_relu", "elu", "gelu", "silu"])
def test_the_extra_activations_train_both_estimators(iris, diabetes, activation):
    X_train, X_test, y_train, y_test = iris
    classifier = quiet_fit(MLPClassifier((10,), activation=activation, solver="lbfgs", max_iter=200,
                                         random_state=0), X_train, y_train)
    assert classifier.score(X_test, y_test) > 0.9
    X_train, X_test, y_train, y_test = diabetes
    regressor = quiet_fit(MLPRegressor(hidden_layer_sizes=(10,), activation=activation, solver="lbfgs",
                                       alpha=10.0, max_iter=200, random_state=0), X_train, y_train)
    assert regressor.score(X_test, y_test) > 0.3


def test_dropout_changes_the_fit_reproducibly_and_not_predictions(iris):
    X_train, X_test, y_train, y_test = iris
    parameters = dict(hidden_layer_sizes=(20,), learning_rate_init=0.01, max_iter=50, random_state=0)
    plain = quiet_fit(MLPClassifier(**parameters), X_train, y_train)
    dropped = quiet_fit(MLPClassifier(dropout=0.3, **parameters), X_train, y_train)
    again = quiet_fit(MLPClassifier(dropout=0.3, **parameters), X_train, y_train)
    assert plain.loss_curve_ != dropped.loss_curve_ and dropped.loss_curve_ == again.loss_curve_
    # Off when predicting: the same rows give the same probabilities twice.
    numpy.testing.assert_array_equal(dropped.predict_proba(X_test), dropped.predict_proba(X_test))
    assert dropped.score(X_test, y_test) > 0.8


def test_clip_norm_trains_where_the_learning_rate_diverges(diabetes):
    X_train, X_test, y_train, y_test = diabetes
    parameters = dict(hidden_layer_sizes=(20,), solver="sgd", learning_rate_init=2.0, max_iter=50,
                      random_state=0)
    with pytest.raises(DivergenceError):
        quiet_fit(MLPRegressor(**parameters), X_train * 10, y_train)
    clipped = quiet_fit(MLPRegressor(clip_norm=1.0, **parameters), X_train * 10, y_train)
    assert numpy.isfinite(clipped.loss_curve_).all()


@pytest.mark.parametrize("parameters, name", [
    (dict(dropout=1.0), "dropout"), (dict(dropout=-0.1), "dropout"), (dict(clip_norm=0), "clip_norm"),
    (dict(activation="swish"), "activation"), (dict(scoring=3), "scoring"),
])
def test_bad_new_options_raise_invalid_parameter_error(iris, parameters, name):
    from sklearn.utils._param_validation import InvalidParameterError

    for estimator in (MLPClassifier(**parameters), MLPRegressor(**parameters)):
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
            estimator.fit(iris[0], iris[2])


def test_a_scorer_for_the_other_task_is_named_and_changes_nothing(diabetes):
    X_train, _, y_train, _ = diabetes
    regressor = MLPRegressor(hidden_layer_sizes=(3,), early_stopping=True, scoring="accuracy", max_iter=3,
                             random_state=0)
    with pytest.raises(ValueError, match=r"scoring='accuracy': continuous is not supported"):
        regressor.fit(X_train, y_train)
    assert not hasattr(regressor, "coefs_")


def test_warm_start_appends_validation_scores_as_sklearn(iris):
    from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

    X_train, _, y_train, _ = iris
    parameters = dict(hidden_layer_sizes=(5,), max_iter=5, warm_start=True, early_stopping=True,
                      random_state=0)
    ours = MLPClassifier(scoring="accuracy", **parameters)
    theirs = SklearnMLPClassifier(**parameters)
    for _ in range(2):
        quiet_fit(ours, X_train, y_train)
        quiet_fit(theirs, X_train, y_train)
    assert len(ours.validation_scores_) == len(theirs.validation_scores_) == 10
    assert len(ours.validation_loss_curve_) == 10 and ours.n_iter_ == theirs.n_iter_ == 5
    assert ours.t_ == theirs.t_ == 10 * 94  # 105 rows, 11 held out


def test_feature_names_of_a_data_frame_are_kept_and_checked_in_x_val(diabetes):
    pandas = pytest.importorskip("pandas")
    X_train, X_val, y_train, y_val = diabetes
    columns = [f"feature {index}" for index in range(X_train.shape[1])]
    frame, frame_val = pandas.DataFrame(X_train, columns=columns), pandas.DataFrame(X_val, columns=columns)
    regressor = MLPRegressor(hidden_layer_sizes=(5,), early_stopping=True, max_iter=5, random_state=0)
    quiet_fit(regressor, frame, y_train, X_val=frame_val, y_val=y_val)
    assert regressor.feature_names_in_.tolist() == columns
    with pytest.raises(ValueError, match="feature names"):
        quiet_fit(regressor, frame, y_train, X_val=frame_val[columns[::-1]], y_val=y_val)
