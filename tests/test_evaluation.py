"""Held-out measures: the losses, accuracy, R^2 and the loss of learning nothing."""

import math

import numpy
import pytest
from sklearn.metrics import r2_score as sklearn_r2_score

from mlp.training.evaluation import baseline_loss, evaluate, r2_score


def test_r2_matches_scikit_learn_for_one_and_many_outputs():
    rng = numpy.random.default_rng(0)
    targets = rng.normal(size=(30, 3))
    predictions = targets + rng.normal(scale=0.5, size=(30, 3))
    assert r2_score(targets, predictions) == pytest.approx(sklearn_r2_score(targets, predictions), abs=1e-12)
    assert r2_score(targets[:, :1], predictions[:, :1]) == pytest.approx(
        sklearn_r2_score(targets[:, 0], predictions[:, 0]), abs=1e-12)


def test_r2_of_a_constant_target_is_scikit_learns():
    targets = numpy.column_stack([numpy.full(5, 2.0), numpy.arange(5.0)])
    exact = targets.copy()
    off = targets + 0.1
    assert r2_score(targets, exact) == sklearn_r2_score(targets, exact) == 1.0
    assert r2_score(targets, off) == pytest.approx(sklearn_r2_score(targets, off), abs=1e-12)


def test_evaluate_gives_each_outputs_loss_and_score():
    targets = numpy.array([[1.0, 0.0], [0.0, 1.0]])
    probabilities = numpy.array([[0.8, 0.2], [0.6, 0.4]])
    loss, accuracy = evaluate(probabilities, targets, "softmax")
    assert loss == pytest.approx(-(math.log(0.8) + math.log(0.4)) / 2) and accuracy == 0.5
    loss, accuracy = evaluate(probabilities, targets, "sigmoid")
    assert loss == pytest.approx(-(math.log(0.8) + math.log(0.8) + math.log(0.4) + math.log(0.4)) / 2)
    assert accuracy == 0.5
    values = numpy.array([[0.5, 1.0], [0.0, 1.5]])
    loss, score = evaluate(values, targets, "identity")
    assert loss == pytest.approx(0.5 * numpy.mean((targets - values) ** 2))
    assert score == pytest.approx(sklearn_r2_score(targets, values))


def test_the_baseline_is_the_loss_of_learning_nothing():
    targets = numpy.array([[1.0, 10.0], [3.0, 14.0], [5.0, 18.0]])
    # Predicting each column's mean: the squared error at R^2 = 0.
    means = numpy.tile(targets.mean(axis=0), (3, 1))
    assert baseline_loss(targets, "identity") == pytest.approx(evaluate(means, targets, "identity")[0])
    assert evaluate(means, targets, "identity")[1] == 0.0
    assert baseline_loss(numpy.eye(3), "softmax") == pytest.approx(math.log(3))
    assert baseline_loss(numpy.eye(3), "sigmoid") == pytest.approx(3 * math.log(2))
