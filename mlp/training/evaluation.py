"""Held-out measures of a network's outputs, in NumPy: the loss it trains on, a score
(accuracy, or R^2 for regression), and the loss of a network that has learned nothing.

The training loop calls these after each epoch on the validation rows; they take the
outputs of the compiled forward pass, so nothing here builds or compiles a graph.
"""

import math

import numpy
from scipy.special import xlogy

from mlp.graph.layers import REGRESSION_OUTPUTS

__all__ = ["evaluate", "r2_score", "poisson_deviance", "baseline_loss"]


def r2_score(targets, predictions, sample_weights=None):
    """Coefficient of determination, averaged over the outputs (scikit-learn's
    ``r2_score(..., sample_weight, multioutput="uniform_average")``).

    An output whose targets are constant scores 1.0 when predicted exactly and 0.0
    otherwise, as scikit-learn's (its ``force_finite=True``).

    Parameters
    ----------
    targets, predictions : ndarray (n_samples, n_outputs)
    sample_weights : ndarray (n_samples,), optional
        Weight of each row in the sums of squares.

    Returns
    -------
    float
        1.0 for a perfect fit, 0.0 for predicting each output's mean, below 0 for worse.
    """
    targets = numpy.asarray(targets, dtype=numpy.float64)
    predictions = numpy.asarray(predictions, dtype=numpy.float64)
    weights = numpy.ones(len(targets)) if sample_weights is None else numpy.asarray(sample_weights)
    weights = weights.reshape(-1, 1)
    residual = numpy.sum(weights * (targets - predictions) ** 2, axis=0)
    mean = numpy.sum(weights * targets, axis=0) / numpy.sum(weights)
    total = numpy.sum(weights * (targets - mean) ** 2, axis=0)
    scores = numpy.ones_like(residual)
    varying = total != 0
    scores[varying] = 1 - residual[varying] / total[varying]
    scores[~varying & (residual != 0)] = 0.0
    return float(scores.mean())


def evaluate(outputs, targets, output, sample_weights=None):
    """The loss and the score of a network's ``outputs`` on held-out rows.

    Parameters
    ----------
    outputs : ndarray (n_samples, n_outputs)
        The forward pass: softmax probabilities, sigmoid probabilities or values.
    targets : ndarray (n_samples, n_outputs)
        One-hot rows, indicator rows, or real values.
    output : {"softmax", "sigmoid", "identity", "exponential"}
        The output layer's activation.
    sample_weights : ndarray (n_samples,), optional
        Weight of each row in both means (scikit-learn weights its validation score
        so).

    Returns
    -------
    loss : float
        The training objective's data term: the mean categorical cross-entropy, the
        mean over rows of the summed binary cross-entropy (multilabel),
        ``0.5 * mean((targets - outputs) ** 2)`` (regression), or the mean over rows of
        the summed half Poisson deviance (exponential outputs, :func:`poisson_deviance`).
    score : float
        Higher is better: the share of rows classified right (multilabel: with every
        label right), or R^2 (regression, :func:`r2_score`).
    """
    def mean(per_row):
        return float(numpy.average(per_row, weights=sample_weights))

    if output in REGRESSION_OUTPUTS:
        values = numpy.asarray(targets, dtype=numpy.float64)
        if output == "exponential":
            loss = poisson_deviance(values, outputs, sample_weights)
        else:
            loss = 0.5 * mean(numpy.mean((values - outputs) ** 2, axis=1))
        return loss, r2_score(targets, outputs, sample_weights)
    tiny = numpy.finfo(outputs.dtype).tiny
    log_probabilities = numpy.log(numpy.maximum(outputs, tiny))
    if output == "sigmoid":
        log_complements = numpy.log(numpy.maximum(1 - outputs, tiny))
        loss = -mean(numpy.sum(targets * log_probabilities + (1 - targets) * log_complements, axis=1))
        return loss, mean(((outputs > 0.5) == (targets > 0.5)).all(axis=1))
    loss = -mean(numpy.sum(targets * log_probabilities, axis=1))
    return loss, mean(outputs.argmax(axis=1) == targets.argmax(axis=1))


def poisson_deviance(targets, predictions, sample_weights=None):
    """Half the Poisson deviance, scikit-learn's ``poisson_loss``: per row the sum over
    outputs of ``xlogy(t, t / p) - t + p``, then the (weighted) mean over rows.

    Parameters
    ----------
    targets, predictions : ndarray (n_samples, n_outputs)
        Non-negative targets and positive predicted means.
    sample_weights : ndarray (n_samples,), optional

    Returns
    -------
    float
        0 for a perfect prediction.
    """
    targets = numpy.asarray(targets, dtype=numpy.float64)
    predictions = numpy.asarray(predictions, dtype=numpy.float64)
    # t log t - t log p rather than t log(t / p): an output whose targets are all 0
    # has the mean 0, and 0 / 0 would be NaN where the deviance is 0.
    per_output = xlogy(targets, targets) - xlogy(targets, predictions) - targets + predictions
    return float(numpy.average(per_output, weights=sample_weights, axis=0).sum())


def baseline_loss(targets, output):
    """The training loss of a network that has learned nothing from the inputs.

    Equal probabilities for K classes (``ln K``), one half for each of K independent
    labels (``K ln 2``), or, for regression, each output's mean predicted for every
    row: ``0.5 * mean over outputs of the variance of the targets`` (the squared error
    at R^2 = 0), or for exponential outputs the Poisson deviance of that prediction.
    """
    n_outputs = targets.shape[1]
    values = numpy.asarray(targets, dtype=numpy.float64)
    if output == "exponential":
        means = numpy.broadcast_to(values.mean(axis=0), values.shape)
        return poisson_deviance(values, means)
    if output == "identity":
        return 0.5 * float(numpy.mean(numpy.var(values, axis=0)))
    if output == "softmax":
        return math.log(n_outputs)
    return n_outputs * math.log(2)
