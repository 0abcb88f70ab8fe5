"""Where a drop-in must behave as scikit-learn's estimator: its initial weights and plain
SGD, a ``y`` of one class, a loss that diverges under early stopping, and the words of
its error when the weights become non-finite."""

import math
import warnings

import numpy
import pytest
from sklearn import neural_network
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import scale

import mlp

SCIKIT_LEARNS_NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may contain large values "
    "and need to be preprocessed.")


def _fit_quietly(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.mark.parametrize("momentum, nesterovs_momentum", [(0.0, False), (0.9, True), (0.9, False)])
@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_full_batch_sgd_reaches_scikit_learns_weights(momentum, nesterovs_momentum, activation):
    # The same initial weights (scikit-learn's draws) and the same updates: after 50
    # full-batch steps the weights agree to rounding. A different initialisation or
    # update rule would be off by far more than the tolerance.
    X, y = make_regression(n_samples=200, n_features=10, bias=20.0, noise=100.0, random_state=7)
    y = scale(y)
    parameters = dict(hidden_layer_sizes=(12,), activation=activation, solver="sgd",
                      learning_rate_init=0.01, batch_size=200, momentum=momentum,
                      nesterovs_momentum=nesterovs_momentum, max_iter=50, n_iter_no_change=1000,
                      random_state=1)
    ours = _fit_quietly(mlp.MLPRegressor(**parameters), X, y)
    theirs = _fit_quietly(neural_network.MLPRegressor(**parameters), X, y)
    for our_coef, their_coef in zip(ours.coefs_ + ours.intercepts_,
                                    theirs.coefs_ + theirs.intercepts_):
        numpy.testing.assert_allclose(our_coef, their_coef, rtol=1e-6, atol=1e-9)
    numpy.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)


def test_a_classifier_starts_from_scikit_learns_weights():
    # Three classes: the same output shape as scikit-learn's, so one step of a tiny
    # learning rate leaves both at their (identical) initial weights.
    X, y = load_iris(return_X_y=True)
    parameters = dict(hidden_layer_sizes=(5,), activation="logistic", solver="sgd",
                      learning_rate_init=1e-12, max_iter=1, batch_size=150, random_state=3)
    ours = _fit_quietly(mlp.MLPClassifier(**parameters), X, y)
    theirs = _fit_quietly(neural_network.MLPClassifier(**parameters), X, y)
    for our_coef, their_coef in zip(ours.coefs_ + ours.intercepts_,
                                    theirs.coefs_ + theirs.intercepts_):
        numpy.testing.assert_allclose(our_coef, their_coef, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_target_of_one_class_fits_and_predicts_it(early_stopping):
    rng = numpy.random.RandomState(0)
    X = rng.randn(10, 2)
    y = numpy.full(10, "only")
    classifier = mlp.MLPClassifier((4,), early_stopping=early_stopping, validation_fraction=0.2,
                                   max_iter=20, random_state=0)
    _fit_quietly(classifier, X, y)
    assert classifier.classes_.tolist() == ["only"]
    assert classifier.predict(rng.randn(5, 2)).tolist() == ["only"] * 5
    numpy.testing.assert_allclose(classifier.predict_proba(X), numpy.ones((10, 1)))


def _diverging_regressor():
    # scikit-learn's test_mlp_diverging_loss: a learning rate of 1 on iris's unscaled
    # inputs; the loss overflows within a few epochs.
    return mlp.MLPRegressor(hidden_layer_sizes=100, activation="identity", solver="sgd",
                            learning_rate_init=1, max_iter=20, early_stopping=True,
                            n_iter_no_change=10, random_state=0)


def test_a_diverging_loss_under_early_stopping_keeps_the_best_epoch():
    X, y = load_iris(return_X_y=True)
    regressor = _diverging_regressor()
    with pytest.warns(ConvergenceWarning, match=r"kept the weights of the best validation epoch"):
        regressor.fit(X, y)
    scores = regressor.validation_scores_
    assert type(scores[-1]) is float and math.isnan(scores[-1])
    # The epochs before trained on finite losses and are scored; a score may itself be
    # huge and negative, -inf, or NaN where the validation predictions overflowed
    # (inf - inf: on Theano's rounding one epoch earlier than on XLA's).
    assert len(scores) == regressor.n_iter_ == len(regressor.loss_curve_)
    assert numpy.isfinite(regressor.loss_curve_[:-1]).all() and math.isfinite(scores[0])
    assert regressor.best_validation_score_ == numpy.nanmax(scores[:-1])
    assert all(numpy.isfinite(coef).all() for coef in regressor.coefs_ + regressor.intercepts_)
    assert numpy.isfinite(regressor.predict(X)).all()


def test_a_diverging_loss_without_early_stopping_raises_in_scikit_learns_words():
    rng = numpy.random.RandomState(0)
    X = numpy.finfo(numpy.float64).max * rng.uniform(size=(10, 2))
    y = rng.standard_normal(size=10)
    regressor = mlp.MLPRegressor()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError) as raised:
            regressor.fit(X, y)
    assert str(raised.value).startswith(SCIKIT_LEARNS_NON_FINITE_MESSAGE)
    assert "Try a smaller learning rate" in str(raised.value)
    assert isinstance(raised.value, mlp.DivergenceError)
    assert not hasattr(regressor, "coefs_")


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_early_stopping_holds_out_scikit_learns_rows(estimator):
    # Full-batch SGD from the same weights: the validation scores agree only if both
    # score the same held-out rows (scikit-learn draws them after its initial weights).
    X, y = load_iris(return_X_y=True)
    parameters = dict(hidden_layer_sizes=(6,), solver="sgd", learning_rate_init=0.01,
                      batch_size=135, max_iter=15, early_stopping=True, n_iter_no_change=100,
                      random_state=5)
    if estimator == "classifier":
        ours, theirs = mlp.MLPClassifier(**parameters), neural_network.MLPClassifier(**parameters)
    else:
        ours, theirs = mlp.MLPRegressor(**parameters), neural_network.MLPRegressor(**parameters)
    _fit_quietly(ours, X, y)
    _fit_quietly(theirs, X, y)
    numpy.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-7)
